"""Entries point at their current video (the latest submission stored).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add entries.current_media_file_id."""
    with op.batch_alter_table('entries') as batch:
        batch.add_column(sa.Column('current_media_file_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop entries.current_media_file_id."""
    with op.batch_alter_table('entries') as batch:
        batch.drop_column('current_media_file_id')
