"""protected messages: their protection, sealed bodies and revoked recipients

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'protections',
        sa.Column('message_id', BigId, sa.ForeignKey('messages.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_after_view_hours', sa.Integer(), nullable=True),
        sa.Column('first_view_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('view_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    )
    # The purge job looks for bodies past either expiry.
    op.create_index('ix_protections_expires_at', 'protections', ['expires_at'])
    op.create_index('ix_protections_view_expires_at', 'protections', ['view_expires_at'])
    op.create_table(
        'protected_bodies',
        sa.Column('message_id', BigId, sa.ForeignKey('protections.message_id', ondelete='CASCADE'), primary_key=True),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        'protected_revocations',
        sa.Column('message_id', BigId, sa.ForeignKey('protections.message_id', ondelete='CASCADE'), primary_key=True),
        sa.Column('recipient', sa.Integer(), primary_key=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('protected_revocations')
    op.drop_table('protected_bodies')
    op.drop_index('ix_protections_view_expires_at', 'protections')
    op.drop_index('ix_protections_expires_at', 'protections')
    op.drop_table('protections')
