"""Deleting a user's data in small transactions: messages past their retention, or everything.

Each call deletes at most a batch and returns, so the caller commits after each one: on SQLite a
write locks the whole database, and the worker storing hits must never wait behind a purge for
more than one batch.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..privacy import truncate_ip
from .models import Event, Message, ProtectedBody, User

# Messages whose ids one purge batch takes, and events one delete removes: a message opened in a
# loop may have 100,000 events, so events are deleted in slices of their own.
MESSAGE_BATCH = 200
EVENT_BATCH = 5000
IP_BATCH = 2000


def expired_messages(session: Session, instance_days: int, now: datetime, limit: int | None = None) -> list[int]:
    """Ids of messages past their retention: the instance's, or their user's own when shorter.

    A message is kept or purged whole with its events (which all happen after it is sent), so its
    counters always agree with the events left.
    """
    limit = limit or MESSAGE_BATCH
    query = select(Message.id).where(Message.sent_at < now - timedelta(days=instance_days)).limit(limit)
    ids = list(session.scalars(query))
    if len(ids) >= limit:
        return ids
    shorter = session.execute(select(User.id, User.retention_days)
                              .where(User.retention_days.is_not(None), User.retention_days < instance_days))
    for user_id, days in shorter:
        ids += session.scalars(select(Message.id).where(Message.user_id == user_id,
                                                        Message.sent_at < now - timedelta(days=days))
                               .limit(limit - len(ids)))
        if len(ids) >= limit:
            break
    return ids


def messages_of(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(Message.id).where(Message.user_id == user_id).limit(MESSAGE_BATCH)))


def delete_events_slice(session: Session, message_ids: Sequence[int], limit: int | None = None) -> int:
    """Delete up to `limit` (EVENT_BATCH) events of `message_ids`; return how many (0: none are left)."""
    limit = limit or EVENT_BATCH
    ids = list(session.scalars(select(Event.id).where(Event.message_id.in_(message_ids)).limit(limit)))
    if ids:
        session.execute(delete(Event).where(Event.id.in_(ids)))
    return len(ids)


def delete_messages(session: Session, message_ids: Sequence[int]) -> int:
    """Delete messages whose events are already gone; links, tags, views and protection go with them.

    The protected body is deleted by name: it is the message's text, and must go even on a SQLite
    opened without foreign keys (store/messages.py's remove_message says the same).
    """
    session.execute(delete(ProtectedBody).where(ProtectedBody.message_id.in_(message_ids)))
    return session.execute(delete(Message).where(Message.id.in_(message_ids))).rowcount


def delete_in_slices(sessions: sessionmaker[Session], message_ids: Sequence[int], deadline: float | None = None) -> int:
    """Delete `message_ids` with their events, one slice of events per transaction; return the events
    deleted. Past `deadline` (monotonic seconds) it stops between slices, the messages still there to
    be found by the next pass."""
    events = 0
    while True:
        with sessions.begin() as session:
            removed = delete_events_slice(session, message_ids)
            if not removed:
                delete_messages(session, message_ids)
                return events
        events += removed
        if deadline is not None and time.monotonic() > deadline and removed == EVENT_BATCH:
            return events


def cut_event_addresses(session: Session, before: datetime, after: tuple[datetime, str] | None,
                        limit: int = IP_BATCH) -> tuple[int, tuple[datetime, str] | None]:
    """Cut whole addresses to their network in events that happened before `before`, in the order
    they happened, from just after `after`; return how many rows were changed and where to go on.

    Only for an owner who keeps whole addresses (TELLTALE_STORE_FULL_IP), and only for as long as
    TELLTALE_FULL_IP_RETENTION_HOURS. Walking by (time, id) from a bookmark changes each row once;
    cutting an address already cut changes nothing, so losing the bookmark costs time, not data.
    """
    query = select(Event.id, Event.occurred_at, Event.ip).where(Event.occurred_at < before)
    if after is not None:
        at, event_id = after
        query = query.where((Event.occurred_at > at) | ((Event.occurred_at == at) & (Event.id > event_id)))
    rows = session.execute(query.order_by(Event.occurred_at, Event.id).limit(limit)).all()
    changed = [{"id": row.id, "ip": truncate_ip(row.ip)} for row in rows if row.ip and truncate_ip(row.ip) != row.ip]
    if changed:
        session.execute(update(Event), changed)
    return len(changed), ((rows[-1].occurred_at, rows[-1].id) if rows else after)
