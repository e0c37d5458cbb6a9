"""notification settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:01:02.199940
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('reopen_quiet_minutes', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('quiet_start', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('quiet_end', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('digest', sa.String(length=8), server_default='off', nullable=False))
        batch_op.add_column(sa.Column('digest_sent_at', sa.DateTime(timezone=True), nullable=True))
    # Digests and the API read a message's events by time.
    op.create_index('ix_events_message_time', 'events', ['message_id', 'occurred_at'])


def downgrade() -> None:
    op.drop_index('ix_events_message_time', table_name='events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_sent_at')
        batch_op.drop_column('digest')
        batch_op.drop_column('quiet_end')
        batch_op.drop_column('quiet_start')
        batch_op.drop_column('reopen_quiet_minutes')
        batch_op.drop_column('timezone')

