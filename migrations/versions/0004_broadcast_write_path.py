"""Broadcasts write less per recipient: the mass batch in flight is one claim on the broadcast
row, and the deliveries indexes that serve one status only become partial.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PARTIAL = [
    ('ix_deliveries_deferred_openid', ['openid'], "status = 'deferred'"),
    ('ix_deliveries_waiting_status_created_at', ['status', 'created_at'],
     "status IN ('pending', 'deferred', 'failed')"),
    ('ix_deliveries_pending_broadcast_id_id', ['broadcast_id', 'id'], "status = 'pending'"),
    ('ix_deliveries_sent_channel_openid_sent_at', ['channel', 'openid', 'sent_at'],
     "status = 'sent'"),
]
FULL = [
    ('ix_deliveries_openid_status', ['openid', 'status']),
    ('ix_deliveries_status_created_at', ['status', 'created_at']),
    ('ix_deliveries_broadcast_id_status', ['broadcast_id', 'status']),
    ('ix_deliveries_channel_openid_sent_at', ['channel', 'openid', 'sent_at']),
]


def upgrade() -> None:
    op.add_column('broadcasts', sa.Column('mass_claim', sa.JSON(), nullable=True))
    for name, _ in FULL:
        op.drop_index(op.f(name), table_name='deliveries')
    for name, columns, where in PARTIAL:
        op.create_index(op.f(name), 'deliveries', columns, unique=False,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, _, _ in PARTIAL:
        op.drop_index(op.f(name), table_name='deliveries')
    for name, columns in FULL:
        op.create_index(op.f(name), 'deliveries', columns, unique=False)
    op.drop_column('broadcasts', 'mass_claim')  # SQLite >= 3.35 drops a column in place
