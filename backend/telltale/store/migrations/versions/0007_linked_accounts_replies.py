"""linked_accounts, and what replies need on messages: the sending account, Message-ID, reply counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'linked_accounts',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('user_id', BigId, sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('provider', sa.String(16), nullable=False),
        sa.Column('address', sa.String(320), nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.Column('scopes', sa.Text(), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cursor', sa.Text(), nullable=True),
        sa.Column('status', sa.String(16), nullable=False, server_default='ok'),
        sa.Column('problem', sa.String(300), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False, server_default='0'),
        sa.UniqueConstraint('provider', 'address'),
    )
    op.create_index('ix_linked_accounts_user_id', 'linked_accounts', ['user_id'])
    op.create_index('ix_linked_accounts_next_check_at', 'linked_accounts', ['next_check_at'])
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account', sa.String(320), nullable=True))
        batch_op.add_column(sa.Column('internet_message_id', sa.String(998), nullable=True))
        batch_op.add_column(sa.Column('replies', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('first_reply_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_messages_thread', ['user_id', 'thread_ref'])
        batch_op.create_index('ix_messages_internet_id', ['user_id', 'internet_message_id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('popups_after_reply', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('popups_after_reply')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_internet_id')
        batch_op.drop_index('ix_messages_thread')
        for column in ('first_reply_at', 'replies', 'internet_message_id', 'account'):
            batch_op.drop_column(column)
    op.drop_index('ix_linked_accounts_next_check_at', 'linked_accounts')
    op.drop_index('ix_linked_accounts_user_id', 'linked_accounts')
    op.drop_table('linked_accounts')
