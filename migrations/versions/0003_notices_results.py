"""Broadcasts, result sheets and rows; deliveries know their broadcast and mass-send batch.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_CHANNELS = "channel IN ('passive', 'custom', 'template', 'mass', 'next_reply')"
NEW_CHANNELS = "channel IN ('passive', 'custom', 'template', 'mass', 'next_reply', 'none')"


def _deliveries(channels: str, extended: bool) -> sa.Table:
    """The deliveries table as it stands (batch mode copies it on SQLite, even offline)."""
    columns = [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.String(length=64), nullable=True),
        sa.Column('openid', sa.String(length=64), nullable=True),
        sa.Column('purpose', sa.String(length=128), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('errcode', sa.Integer(), nullable=True),
        sa.Column('errmsg', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=191), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(channels, name=op.f('ck_deliveries_channel')),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'deferred', 'skipped')",
                           name=op.f('ck_deliveries_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_deliveries_idempotency_key')),
        sa.Index(op.f('ix_deliveries_openid_status'), 'openid', 'status'),
        sa.Index(op.f('ix_deliveries_status_created_at'), 'status', 'created_at'),
    ]
    if extended:
        columns += [
            sa.Column('broadcast_id', sa.Integer(), nullable=True),
            sa.Column('batch_key', sa.String(length=64), nullable=True),
            sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'],
                                    name=op.f('fk_deliveries_broadcast_id_broadcasts')),
            sa.UniqueConstraint('broadcast_id', 'openid',
                                name=op.f('uq_deliveries_broadcast_id_openid')),
            sa.Index(op.f('ix_deliveries_broadcast_id_status'), 'broadcast_id', 'status'),
            sa.Index(op.f('ix_deliveries_channel_openid_sent_at'), 'channel', 'openid', 'sent_at'),
        ]
    return sa.Table('deliveries', sa.MetaData(), *columns)


def upgrade() -> None:
    """Create broadcasts, result_sheets, result_rows; extend deliveries."""
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('audience', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('notice_key', sa.String(length=191), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('deferred', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("audience IN ('followers', 'entrants', 'entrants_without_video', 'refused', 'voters', 'finalists')", name=op.f('ck_broadcasts_audience')),
    sa.CheckConstraint("state IN ('draft', 'confirmed', 'sending', 'done', 'cancelled')", name=op.f('ck_broadcasts_state')),
    sa.CheckConstraint('sent >= 0 AND failed >= 0 AND deferred >= 0 AND skipped >= 0 AND sent + failed + deferred + skipped <= recipients', name=op.f('ck_broadcasts_counts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts')),
    sa.UniqueConstraint('notice_key', name=op.f('uq_broadcasts_notice_key'))
    )
    op.create_table('result_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('published_contest_id', sa.String(length=64), nullable=True),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('computed_by', sa.String(length=128), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=128), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('computed', 'published', 'superseded')", name=op.f('ck_result_sheets_state')),
    sa.CheckConstraint("published_contest_id IS NULL OR (state = 'published' AND published_contest_id = contest_id)", name=op.f('ck_result_sheets_published')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_sheets')),
    sa.UniqueConstraint('published_contest_id', name=op.f('uq_result_sheets_published_contest_id'))
    )
    op.create_table('result_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('jury_score', sa.Numeric(precision=9, scale=3), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('vote_score', sa.Numeric(precision=9, scale=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=9, scale=3), nullable=False),
    sa.Column('awards', sa.JSON(), nullable=False),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_result_rows_rank')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_result_rows_entry_id_entries')),
    sa.ForeignKeyConstraint(['sheet_id'], ['result_sheets.id'], name=op.f('fk_result_rows_sheet_id_result_sheets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_rows')),
    sa.UniqueConstraint('sheet_id', 'entry_id', name=op.f('uq_result_rows_sheet_id_entry_id')),
    sa.UniqueConstraint('sheet_id', 'rank', name=op.f('uq_result_rows_sheet_id_rank'))
    )
    with op.batch_alter_table('deliveries', copy_from=_deliveries(OLD_CHANNELS, False)) as batch:
        batch.add_column(sa.Column('broadcast_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('batch_key', sa.String(length=64), nullable=True))
        batch.create_foreign_key(op.f('fk_deliveries_broadcast_id_broadcasts'), 'broadcasts',
                                 ['broadcast_id'], ['id'])
        batch.create_unique_constraint(op.f('uq_deliveries_broadcast_id_openid'),
                                       ['broadcast_id', 'openid'])
        batch.drop_constraint(op.f('ck_deliveries_channel'), type_='check')
        batch.create_check_constraint(op.f('ck_deliveries_channel'), NEW_CHANNELS)
        batch.create_index(op.f('ix_deliveries_broadcast_id_status'),
                           ['broadcast_id', 'status'], unique=False)
        batch.create_index(op.f('ix_deliveries_channel_openid_sent_at'),
                           ['channel', 'openid', 'sent_at'], unique=False)


def downgrade() -> None:
    """Drop what upgrade added, children first."""
    with op.batch_alter_table('deliveries', copy_from=_deliveries(NEW_CHANNELS, True)) as batch:
        batch.drop_index(op.f('ix_deliveries_channel_openid_sent_at'))
        batch.drop_index(op.f('ix_deliveries_broadcast_id_status'))
        batch.drop_constraint(op.f('ck_deliveries_channel'), type_='check')
        batch.create_check_constraint(op.f('ck_deliveries_channel'), OLD_CHANNELS)
        batch.drop_constraint(op.f('uq_deliveries_broadcast_id_openid'), type_='unique')
        batch.drop_constraint(op.f('fk_deliveries_broadcast_id_broadcasts'), type_='foreignkey')
        batch.drop_column('batch_key')
        batch.drop_column('broadcast_id')
    op.drop_table('result_rows')
    op.drop_table('result_sheets')
    op.drop_table('broadcasts')
