"""classification: enrichment columns and the repeat flag on events, the decoy link's index on messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

EVENT_COLUMNS = (("client", 64), ("device", 64), ("os", 64), ("country", 2), ("region", 96), ("city", 96),
                 ("timezone", 64))


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        for name, length in EVENT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch_op.add_column(sa.Column('repeat', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decoy_position', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('decoy_position')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('repeat')
        for name, _ in reversed(EVENT_COLUMNS):
            batch_op.drop_column(name)
