"""Named reads for the CSV export: one user's messages and events, row by row, never their addresses.

The rows are fetched in batches (`yield_per`; a server-side cursor on PostgreSQL), so an export of
200,000 events streams out without holding them all at once.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from .models import Event, Link, Message, MessageTag

BATCH = 2000

# What an event row says. Never `ip`: an export leaves the server, and the address is the one
# thing here that points at a network. Not `user_agent` either: client, device and OS say it plainly.
EVENT_COLUMNS = (Event.message_id, Event.occurred_at, Event.kind, Event.source, Event.repeat, Event.reason,
                 Event.recipient, Event.url, Event.client, Event.device, Event.os, Event.country, Event.region,
                 Event.city, Event.timezone, Event.reading_step, Event.forwarded)


def messages_rows(session: Session, user_id: int, start: datetime | None, end: datetime | None) -> Iterator[Row]:
    """The user's messages (sent in [start, end) when given), oldest first, with their tags."""
    tags = (select(func.aggregate_strings(MessageTag.tag, ", ")).where(MessageTag.message_id == Message.id)
            .scalar_subquery())
    query = select(Message.id, Message.sent_at, Message.subject, Message.recipients, Message.tracking, Message.opens,
                   Message.clicks, Message.replies, Message.readers, Message.first_open_at, Message.first_reply_at,
                   Message.declined_recipients, tags.label("tags")).where(Message.user_id == user_id)
    if start is not None:
        query = query.where(Message.sent_at >= start)
    if end is not None:
        query = query.where(Message.sent_at < end)
    yield from _rows(session, query.order_by(Message.id))


def events_rows(session: Session, user_id: int, start: datetime | None, end: datetime | None) -> Iterator[Row]:
    """The events of the user's messages (that happened in [start, end) when given), with each message's
    subject and recipients, by message and time."""
    query = (select(*EVENT_COLUMNS, Message.subject, Message.recipients)
             .join(Message, Message.id == Event.message_id).where(Message.user_id == user_id))
    if start is not None:
        query = query.where(Event.occurred_at >= start)
    if end is not None:
        query = query.where(Event.occurred_at < end)
    # By the message's own id, not the event's copy of it: the user's messages come in that order
    # from their index, and each one's events in time order from theirs, so the first rows go out
    # before the last are read (sorting 200,000 events first took SQLite a third of a second).
    yield from _rows(session, query.order_by(Message.id, Event.occurred_at))


def _rows(session: Session, query) -> Iterator[Row]:
    result = session.execute(query.execution_options(yield_per=BATCH))
    try:
        yield from result
    finally:
        # A download given up half way stops here too: close PostgreSQL's server-side cursor now.
        result.close()


# The JSON export (privacy/export.py) holds everything the user's messages hold, each event with
# its id, source and reason; still never `ip` (see EVENT_COLUMNS).
FULL_EVENT_COLUMNS = (Event.id, *EVENT_COLUMNS, Event.link_position, Event.method)


def all_messages(session: Session, user_id: int) -> Iterator[Row]:
    """Every column of the user's messages, oldest first, with their tags and links."""
    tags = (select(func.aggregate_strings(MessageTag.tag, "\n")).where(MessageTag.message_id == Message.id)
            .scalar_subquery())
    links = (select(func.aggregate_strings(Link.url, "\n")).where(Link.message_id == Message.id)
             .scalar_subquery())
    columns = [column for column in Message.__table__.columns if column.key != "user_id"]
    query = select(*columns, tags.label("tags"), links.label("links")).where(Message.user_id == user_id)
    yield from _rows(session, query.order_by(Message.id))


def all_events(session: Session, user_id: int) -> Iterator[Row]:
    query = (select(*FULL_EVENT_COLUMNS).join(Message, Message.id == Event.message_id)
             .where(Message.user_id == user_id).order_by(Message.id, Event.occurred_at))
    yield from _rows(session, query)
