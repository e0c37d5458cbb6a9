"""A partial index of clicks, by message and time: what a click burst is judged on

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 07:30:00

The worker reads, for the messages of each chunk, the clicks of the few seconds before its hits.
Through ix_events_message_time it walked every event of those seconds to find them: under a
load of opens, tens of thousands of rows for no click at all, 8% of the worker's time.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CLICK = "kind = 'click'"


def upgrade() -> None:
    op.create_index('ix_events_clicks', 'events', ['message_id', 'occurred_at'],
                    sqlite_where=sa.text(CLICK), postgresql_where=sa.text(CLICK))


def downgrade() -> None:
    op.drop_index('ix_events_clicks', table_name='events')
