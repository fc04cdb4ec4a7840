"""The knowledge quiz: bank versions and questions, participants, attempts, answers; broadcasts
may go to the quiz's participants.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:10:49

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


OLD_AUDIENCES = ("audience IN ('followers', 'entrants', 'entrants_without_video', 'refused', "
                 "'voters', 'finalists')")
NEW_AUDIENCES = ("audience IN ('followers', 'entrants', 'entrants_without_video', 'refused', "
                 "'voters', 'finalists', 'quiz_participants')")


def _broadcasts(audiences: str) -> sa.Table:
    """The broadcasts table as it stands (batch mode copies it on SQLite)."""
    return sa.Table(
        'broadcasts', sa.MetaData(),
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
        sa.Column('mass_claim', sa.JSON(), nullable=True),
        sa.CheckConstraint(audiences, name=op.f('ck_broadcasts_audience')),
        sa.CheckConstraint("state IN ('draft', 'confirmed', 'sending', 'done', 'cancelled')",
                           name=op.f('ck_broadcasts_state')),
        sa.CheckConstraint('sent >= 0 AND failed >= 0 AND deferred >= 0 AND skipped >= 0 AND '
                           'sent + failed + deferred + skipped <= recipients',
                           name=op.f('ck_broadcasts_counts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts')),
        sa.UniqueConstraint('notice_key', name=op.f('uq_broadcasts_notice_key')),
    )


def _audiences(old: str, new: str) -> None:
    with op.batch_alter_table('broadcasts', copy_from=_broadcasts(old)) as batch:
        batch.drop_constraint(op.f('ck_broadcasts_audience'), type_='check')
        batch.create_check_constraint(op.f('ck_broadcasts_audience'), new)


def upgrade() -> None:
    """Create the quiz tables; let broadcasts go to quiz participants."""
    op.create_table('quiz_banks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_banks')),
    sa.UniqueConstraint('contest_id', 'version', name=op.f('uq_quiz_banks_contest_id_version'))
    )
    op.create_table('quiz_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('chat', 'offline')", name=op.f('ck_quiz_participants_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_participants')),
    sa.UniqueConstraint('contest_id', 'openid', name=op.f('uq_quiz_participants_contest_id_openid'))
    )
    op.create_index(op.f('ix_quiz_participants_contest_id_unit'), 'quiz_participants', ['contest_id', 'unit'], unique=False)
    op.create_table('quiz_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.String(length=64), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=True),
    sa.Column('seed', sa.BigInteger(), nullable=True),
    sa.Column('drawn', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('correct', sa.Integer(), nullable=True),
    sa.Column('duration_s', sa.Numeric(precision=9, scale=1), nullable=True),
    sa.CheckConstraint("state IN ('in_progress', 'finished', 'cancelled', 'timed_out', 'offline')", name=op.f('ck_quiz_attempts_state')),
    sa.ForeignKeyConstraint(['bank_id'], ['quiz_banks.id'], name=op.f('fk_quiz_attempts_bank_id_quiz_banks')),
    sa.ForeignKeyConstraint(['participant_id'], ['quiz_participants.id'], name=op.f('fk_quiz_attempts_participant_id_quiz_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts'))
    )
    op.create_index(op.f('ix_quiz_attempts_contest_id_state'), 'quiz_attempts', ['contest_id', 'state'], unique=False)
    op.create_index(op.f('ix_quiz_attempts_participant_id_day'), 'quiz_attempts', ['participant_id', 'day'], unique=False)
    op.create_index(op.f('uq_quiz_attempts_one_in_progress'), 'quiz_attempts', ['participant_id'], unique=True, postgresql_where=sa.text("state = 'in_progress'"), sqlite_where=sa.text("state = 'in_progress'"))
    op.create_table('quiz_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('stem', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_by', sa.String(length=128), nullable=True),
    sa.CheckConstraint("kind IN ('单选', '多选', '判断')", name=op.f('ck_quiz_questions_kind')),
    sa.ForeignKeyConstraint(['bank_id'], ['quiz_banks.id'], name=op.f('fk_quiz_questions_bank_id_quiz_banks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_questions')),
    sa.UniqueConstraint('bank_id', 'number', name=op.f('uq_quiz_questions_bank_id_number'))
    )
    op.create_table('quiz_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.String(length=8), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds', sa.Numeric(precision=8, scale=1), nullable=True),
    sa.Column('msg_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_quiz_answers_attempt_id_quiz_attempts')),
    sa.ForeignKeyConstraint(['question_id'], ['quiz_questions.id'], name=op.f('fk_quiz_answers_question_id_quiz_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_answers')),
    sa.UniqueConstraint('attempt_id', 'msg_id', name=op.f('uq_quiz_answers_attempt_id_msg_id')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_quiz_answers_attempt_id_position'))
    )
    op.create_index(op.f('ix_quiz_answers_question_id'), 'quiz_answers', ['question_id'], unique=False)
    _audiences(OLD_AUDIENCES, NEW_AUDIENCES)


def downgrade() -> None:
    """Drop what upgrade added, children first."""
    _audiences(NEW_AUDIENCES, OLD_AUDIENCES)
    op.drop_index(op.f('ix_quiz_answers_question_id'), table_name='quiz_answers')
    op.drop_table('quiz_answers')
    op.drop_table('quiz_questions')
    op.drop_index(op.f('uq_quiz_attempts_one_in_progress'), table_name='quiz_attempts', postgresql_where=sa.text("state = 'in_progress'"), sqlite_where=sa.text("state = 'in_progress'"))
    op.drop_index(op.f('ix_quiz_attempts_participant_id_day'), table_name='quiz_attempts')
    op.drop_index(op.f('ix_quiz_attempts_contest_id_state'), table_name='quiz_attempts')
    op.drop_table('quiz_attempts')
    op.drop_index(op.f('ix_quiz_participants_contest_id_unit'), table_name='quiz_participants')
    op.drop_table('quiz_participants')
    op.drop_table('quiz_banks')
