"""privacy controls: per-user retention, the opt-out footer, recipients who declined tracking

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('optout_footer', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('optout_language', sa.String(8), server_default='en', nullable=False))
        batch.add_column(sa.Column('optout_wording', sa.String(300), nullable=True))
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('declined_recipients', sa.JSON(), nullable=True))
    op.create_table(
        'tracking_optouts',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('user_id', BigId, sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('address_hash', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('user_id', 'address_hash'),
    )
    op.create_index('ix_tracking_optouts_user_id', 'tracking_optouts', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_tracking_optouts_user_id', 'tracking_optouts')
    op.drop_table('tracking_optouts')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('declined_recipients')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('optout_wording')
        batch.drop_column('optout_language')
        batch.drop_column('optout_footer')
        batch.drop_column('retention_days')
