"""push_subscriptions and apprise_urls: phone notifications through Web Push and Apprise

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-11 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'push_subscriptions',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('user_id', BigId, sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('endpoint', sa.String(2048), nullable=False),
        sa.Column('p256dh', sa.String(100), nullable=False),
        sa.Column('auth', sa.String(32), nullable=False),
        sa.Column('name', sa.String(100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint('endpoint'),
    )
    op.create_index('ix_push_subscriptions_user_id', 'push_subscriptions', ['user_id'])
    op.create_table(
        'apprise_urls',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('user_id', BigId, sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_apprise_urls_user_id', 'apprise_urls', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_apprise_urls_user_id', 'apprise_urls')
    op.drop_table('apprise_urls')
    op.drop_index('ix_push_subscriptions_user_id', 'push_subscriptions')
    op.drop_table('push_subscriptions')
