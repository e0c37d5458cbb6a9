"""timezone_set: whether anyone chose the user's time zone, so a newly paired browser may offer its own

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone_set', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Until now only the API could change the zone: anything but the default was someone's choice.
    users = sa.table('users', sa.column('timezone', sa.String), sa.column('timezone_set', sa.Boolean))
    op.execute(users.update().where(users.c.timezone != 'UTC').values(timezone_set=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone_set')
