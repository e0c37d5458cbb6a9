"""A partial index of counted events by message, recipient, kind and time: each recipient's firsts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 15:00:00

The dashboard's recipients over a year groups a user's counted events by message and recipient
for the first open, click and reply of each. ix_events_reports leads with message and kind, so
SQLite sorted all of them (134,000 on the dashboard's bench) through a temporary B-tree; walked
in this index's order, they arrive grouped: 164 -> 100 ms for that query. Repeats and machines'
hits are left out of it, so storing them costs it nothing.
"""
from alembic import op
from sqlalchemy import text

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

COUNTED = "source IN ('person', 'proxy') AND NOT repeat"


def upgrade() -> None:
    op.create_index('ix_events_firsts', 'events', ['message_id', 'recipient', 'kind', 'occurred_at'],
                    sqlite_where=text(COUNTED), postgresql_where=text(COUNTED))


def downgrade() -> None:
    op.drop_index('ix_events_firsts', table_name='events')
