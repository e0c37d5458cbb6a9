"""reading and forwards: how long an open stayed on screen, forward evidence, distinct readers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reading_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('forwarded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_events_readers', ['message_id', 'kind', 'repeat', 'source', 'ip'], unique=False)
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('readers', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('forwarded', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('forwarded')
        batch_op.drop_column('readers')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_readers')
        batch_op.drop_column('forwarded')
        batch_op.drop_column('reading_step')
