"""teams, their members and their invitations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 07:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'teams',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('name', sa.String(120), nullable=False),
        sa.Column('owner_id', BigId, sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_teams_owner_id', 'teams', ['owner_id'])
    op.create_table(
        'team_members',
        sa.Column('team_id', BigId, sa.ForeignKey('teams.id', ondelete='CASCADE'), nullable=False),
        sa.Column('user_id', BigId, sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('role', sa.String(16), nullable=False),
        sa.Column('shares_messages', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_team_members_team_id', 'team_members', ['team_id'])
    op.create_table(
        'team_invites',
        sa.Column('id', BigId, primary_key=True),
        sa.Column('team_id', BigId, sa.ForeignKey('teams.id', ondelete='CASCADE'), nullable=False),
        sa.Column('digest', sa.String(64), nullable=False, unique=True),
        sa.Column('role', sa.String(16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_team_invites_team_id', 'team_invites', ['team_id'])


def downgrade() -> None:
    op.drop_table('team_invites')
    op.drop_table('team_members')
    op.drop_table('teams')
