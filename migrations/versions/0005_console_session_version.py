"""Console accounts get a session version: logout and a password change bump it, which ends
every session cookie issued before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add console_users.session_version (0 for existing accounts)."""
    with op.batch_alter_table('console_users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    """Drop console_users.session_version."""
    with op.batch_alter_table('console_users') as batch:
        batch.drop_column('session_version')
