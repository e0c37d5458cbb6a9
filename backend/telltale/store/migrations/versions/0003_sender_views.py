"""sender views

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:13:23.237395
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sender_views',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sender_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sender_views_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sender_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sender_views_message_id'))

    op.drop_table('sender_views')
