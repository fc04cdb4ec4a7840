"""Broadcasts write less per recipient: the mass batch in flight is one claim on the broadcast
row, and the deliveries indexes that serve one status (or only non-broadcast rows) become
partial, so the two writes of each recipient's row touch fewer of them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:00:00

"""
import importlib.util
from pathlib import Path
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNIQUE_KEY = 'uq_deliveries_idempotency_key'
PARTIAL = [  # name, columns, predicate, unique
    (UNIQUE_KEY, ['idempotency_key'], "broadcast_id IS NULL", True),
    ('ix_deliveries_deferred_openid', ['openid'], "status = 'deferred'", False),
    ('ix_deliveries_waiting_status_created_at', ['status', 'created_at'],
     "status IN ('deferred', 'failed')", False),
    ('ix_deliveries_pending_broadcast_id_id', ['broadcast_id', 'id'], "status = 'pending'", False),
    ('ix_deliveries_sent_channel_openid_sent_at', ['channel', 'openid', 'sent_at'],
     "status = 'sent'", False),
]
FULL = [
    ('ix_deliveries_openid_status', ['openid', 'status']),
    ('ix_deliveries_status_created_at', ['status', 'created_at']),
    ('ix_deliveries_broadcast_id_status', ['broadcast_id', 'status']),
    ('ix_deliveries_channel_openid_sent_at', ['channel', 'openid', 'sent_at']),
]


def _deliveries_as_of_0003() -> sa.Table:
    """The deliveries table as 0003 left it (batch mode copies it on SQLite, even offline)."""
    path = Path(__file__).with_name('0003_notices_results.py')
    spec = importlib.util.spec_from_file_location('migration_0003', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._deliveries(module.NEW_CHANNELS, True)


def _deliveries_as_of_0004() -> sa.Table:
    table = _deliveries_as_of_0003()
    for constraint in [c for c in table.constraints if c.name == op.f(UNIQUE_KEY)]:
        table.constraints.discard(constraint)
    table.indexes.clear()
    for name, columns, where, unique in PARTIAL:
        sa.Index(op.f(name), *[table.c[column] for column in columns], unique=unique,
                 postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    return table


def upgrade() -> None:
    op.add_column('broadcasts', sa.Column('mass_claim', sa.JSON(), nullable=True))
    with op.batch_alter_table('deliveries', copy_from=_deliveries_as_of_0003()) as batch:
        for name, _ in FULL:
            batch.drop_index(op.f(name))
        batch.drop_constraint(op.f(UNIQUE_KEY), type_='unique')
        for name, columns, where, unique in PARTIAL:
            batch.create_index(op.f(name), columns, unique=unique,
                               postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', copy_from=_deliveries_as_of_0004()) as batch:
        for name, _, _, _ in PARTIAL:
            batch.drop_index(op.f(name))
        batch.create_unique_constraint(op.f(UNIQUE_KEY), ['idempotency_key'])
        for name, columns in FULL:
            batch.create_index(op.f(name), columns, unique=False)
    op.drop_column('broadcasts', 'mass_claim')  # SQLite >= 3.35 drops a column in place
