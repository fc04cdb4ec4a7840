"""Initial schema of the durable records.

Entrants, entries, media files, validation results, votes and their invalidations, scores,
deliveries, the audit log, console users and seen messages.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 23:53:04.164908

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create every table of the durable records."""
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_created_at'), 'audit_log', ['created_at'], unique=False)
    op.create_index(op.f('ix_audit_log_target_type_target_id'), 'audit_log', ['target_type', 'target_id'], unique=False)
    op.create_table('console_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role IN ('organizer', 'judge')", name=op.f('ck_console_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_users')),
    sa.UniqueConstraint('username', name=op.f('uq_console_users_username'))
    )
    op.create_table('deliveries',
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
    sa.CheckConstraint("channel IN ('passive', 'custom', 'template', 'mass', 'next_reply')", name=op.f('ck_deliveries_channel')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'deferred', 'skipped')", name=op.f('ck_deliveries_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_deliveries_idempotency_key'))
    )
    op.create_index(op.f('ix_deliveries_openid_status'), 'deliveries', ['openid', 'status'], unique=False)
    op.create_index(op.f('ix_deliveries_status_created_at'), 'deliveries', ['status', 'created_at'], unique=False)
    op.create_table('entrants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('subscribed', sa.Boolean(), nullable=False),
    sa.Column('subscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entrants')),
    sa.UniqueConstraint('openid', name=op.f('uq_entrants_openid'))
    )
    op.create_table('seen_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=191), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seen_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_seen_messages_dedupe_key'))
    )
    op.create_index(op.f('ix_seen_messages_created_at'), 'seen_messages', ['created_at'], unique=False)
    op.create_table('entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('entrant_id', sa.Integer(), nullable=False),
    sa.Column('entrant_kind', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('pledges_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('draft', 'awaiting_video', 'validating', 'video_refused', 'valid', 'approved', 'rejected', 'finalist', 'withdrawn')", name=op.f('ck_entries_state')),
    sa.ForeignKeyConstraint(['entrant_id'], ['entrants.id'], name=op.f('fk_entries_entrant_id_entrants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entries')),
    sa.UniqueConstraint('contest_id', 'code', name=op.f('uq_entries_contest_id_code'))
    )
    op.create_index(op.f('ix_entries_contest_id_entrant_id'), 'entries', ['contest_id', 'entrant_id'], unique=False)
    op.create_index(op.f('ix_entries_contest_id_state'), 'entries', ['contest_id', 'state'], unique=False)
    op.create_table('media_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('wechat_media_id', sa.String(length=128), nullable=True),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('chat', 'upload')", name=op.f('ck_media_files_source')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_media_files_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_files')),
    sa.UniqueConstraint('entry_id', 'sha256', name=op.f('uq_media_files_entry_id_sha256'))
    )
    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge', sa.String(length=64), nullable=False),
    sa.Column('criterion', sa.String(length=64), nullable=False),
    sa.Column('points', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_scores_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scores')),
    sa.UniqueConstraint('entry_id', 'judge', 'criterion', name=op.f('uq_scores_entry_id_judge_criterion'))
    )
    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('voter_openid', sa.String(length=64), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voter_followed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.Text(), nullable=True),
    sa.CheckConstraint("channel IN ('chat', 'page')", name=op.f('ck_votes_channel')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_votes_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('contest_id', 'voter_openid', 'period', name=op.f('uq_votes_contest_id_voter_openid_period'))
    )
    op.create_index(op.f('ix_votes_contest_id_entry_id'), 'votes', ['contest_id', 'entry_id'], unique=False)
    op.create_table('validation_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('media_file_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=8), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('probe', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("verdict IN ('pass', 'fail', 'error')", name=op.f('ck_validation_results_verdict')),
    sa.ForeignKeyConstraint(['media_file_id'], ['media_files.id'], name=op.f('fk_validation_results_media_file_id_media_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_validation_results')),
    sa.UniqueConstraint('media_file_id', name=op.f('uq_validation_results_media_file_id'))
    )
    op.create_table('vote_invalidations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_invalidations_vote_id_votes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_invalidations')),
    sa.UniqueConstraint('vote_id', name=op.f('uq_vote_invalidations_vote_id'))
    )


def downgrade() -> None:
    """Drop every table, children first."""
    op.drop_table('vote_invalidations')
    op.drop_table('validation_results')
    op.drop_index(op.f('ix_votes_contest_id_entry_id'), table_name='votes')
    op.drop_table('votes')
    op.drop_table('scores')
    op.drop_table('media_files')
    op.drop_index(op.f('ix_entries_contest_id_state'), table_name='entries')
    op.drop_index(op.f('ix_entries_contest_id_entrant_id'), table_name='entries')
    op.drop_table('entries')
    op.drop_index(op.f('ix_seen_messages_created_at'), table_name='seen_messages')
    op.drop_table('seen_messages')
    op.drop_table('entrants')
    op.drop_index(op.f('ix_deliveries_status_created_at'), table_name='deliveries')
    op.drop_index(op.f('ix_deliveries_openid_status'), table_name='deliveries')
    op.drop_table('deliveries')
    op.drop_table('console_users')
    op.drop_index(op.f('ix_audit_log_target_type_target_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_created_at'), table_name='audit_log')
    op.drop_table('audit_log')
