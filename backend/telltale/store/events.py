"""Named writes the worker makes as it stores hits: idempotent inserts, readings, scanners' bursts.

The worker is their only caller; the sender's views, which the API records, are in sender_views.py.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..counting import COUNTED_SOURCES
from .counters import recount
from .models import Event, Message, User

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_new_events(session: Session, rows: Sequence[dict]) -> set[str]:
    """Insert `rows`, skipping ids already stored; return the ids that were new."""
    if not rows:
        return set()
    insert = _INSERTS[session.get_bind().dialect.name]
    # One statement, the rows as parameters: SQLAlchemy compiles it once and sends the rows in
    # batches ("insertmanyvalues"), where .values(rows) compiled a new statement for every chunk.
    statement = insert(Event.__table__).on_conflict_do_nothing(index_elements=["id"]).returning(Event.id)
    return set(session.execute(statement, list(rows)).scalars())


def note_readings(session: Session, readings: Iterable[Any], window: timedelta) -> int:
    """Raise the reading step of the person's open each reading follows; return how many moved.

    A reading has a message_id, the time it came (`at`), the client's stored address (`ip`) and
    `user_agent`, and its `step`. It belongs to the latest counted open by the same client in
    `window` before it. Only a person's open gets one: a proxy or a prefetcher loads the whole
    chain on its own, whoever reads.
    """
    moved = 0
    for reading in readings:
        open_id = session.scalar(
            select(Event.id)
            .where(Event.message_id == reading.message_id, Event.kind == "open", Event.source == "person",
                   Event.repeat.is_(False), Event.ip == reading.ip, Event.user_agent == reading.user_agent,
                   Event.occurred_at.between(reading.at - window, reading.at))
            .order_by(Event.occurred_at.desc())
            .limit(1)
        )
        if open_id is None:
            continue
        moved += session.execute(
            update(Event)
            .where(Event.id == open_id, or_(Event.reading_step.is_(None), Event.reading_step < reading.step))
            .values(reading_step=reading.step)
        ).rowcount
    return moved


def set_aside_bursts(session: Session, bursts: Sequence[tuple[int, datetime, datetime, str]], source: str) -> int:
    """Set aside the stored counted clicks of each (message, start, end, reason) burst; return how many moved.

    A burst's earlier clicks are mostly in the same chunk, judged already and not yet stored, so
    most bursts find nothing to move: one read of the stored clicks they could touch picks out
    those that will, instead of an UPDATE each (measured: 30% of a chunk's time on the bench's mix).
    """
    if not bursts:
        return 0
    stored = session.execute(
        select(Event.message_id, Event.occurred_at).where(
            Event.message_id.in_(sorted({message_id for message_id, *_ in bursts})),
            Event.kind == "click",
            Event.source.in_(sorted(COUNTED_SOURCES)),
            Event.occurred_at.between(min(start for _, start, _, _ in bursts), max(end for _, _, end, _ in bursts)),
        )
    ).all()
    clicks: dict[int, list[datetime]] = {}
    for message_id, at in stored:
        clicks.setdefault(message_id, []).append(at)
    return sum(set_aside_clicks(session, message_id, start, end, source, reason)
               for message_id, start, end, reason in bursts
               if any(start <= at <= end for at in clicks.get(message_id, ())))


def set_aside_clicks(session: Session, message_id: int, start: datetime, end: datetime, source: str,
                     reason: str) -> int:
    """Reclassify a message's counted clicks between `start` and `end`; recount it if any moved."""
    moved = session.execute(
        update(Event)
        .where(
            Event.message_id == message_id,
            Event.kind == "click",
            Event.source.in_(sorted(COUNTED_SOURCES)),
            Event.occurred_at.between(start, end),
        )
        .values(source=source, reason=reason)
    ).rowcount
    if moved:
        recount(session, session.get(Message, message_id))
    return moved


def notification_preferences(session: Session, user_ids: Iterable[int]) -> dict[int, Any]:
    """Return each user's notification settings, keyed by user id: what publishing the events reads."""
    rows = session.execute(
        select(User.id, User.timezone, User.reopen_quiet_minutes, User.quiet_start, User.quiet_end,
               User.popups_after_reply).where(
            User.id.in_(sorted(set(user_ids)))
        )
    )
    return {row.id: row for row in rows}
