"""Named writes the worker makes as it stores hits: idempotent inserts, readings, scanners' bursts.

The worker is their only caller; the sender's views, which the API records, are in sender_views.py.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..counting import COUNTED_SOURCES
from .counters import unbump_clicks
from .models import Event, User

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_new_events(session: Session, rows: Sequence[dict]) -> set[str]:
    """Insert `rows`, skipping ids already stored; return the ids that were new."""
    if not rows:
        return set()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _insert_unnested(connection, rows)
    # One statement, the rows as parameters: SQLAlchemy compiles it once and sends the rows in
    # batches ("insertmanyvalues"), where .values(rows) compiled a new statement for every chunk.
    statement = _INSERTS[connection.dialect.name](Event.__table__).on_conflict_do_nothing(
        index_elements=["id"]).returning(Event.id)
    return set(connection.execute(statement, list(rows)).scalars())


def _insert_unnested(connection, rows: Sequence[dict]) -> set[str]:
    """PostgreSQL: one short statement with a column of values per parameter, unnested into rows.

    A statement of a thousand rows' placeholders is too long for psycopg's cache of parsed
    queries, so it parsed each one anew: half the worker's time on PostgreSQL. This statement's
    text is the same for every chunk.
    """
    dialect = connection.dialect
    values = {}
    for column in Event.__table__.columns:
        if column.name in rows[0]:
            found = [row[column.name] for row in rows]
        elif column.default is not None and column.default.is_scalar:
            # As SQLAlchemy's own insert does for a column the rows leave out.
            found = [column.default.arg] * len(rows)
        else:
            continue
        process = column.type.bind_processor(dialect)
        values[column.name] = [process(value) for value in found] if process else found
    return set(connection.exec_driver_sql(_unnest_statement(dialect, tuple(values)), values).scalars())


@lru_cache(maxsize=4)
def _unnest_statement(dialect, names: tuple[str, ...]) -> str:
    table = Event.__table__
    arrays = ", ".join(f"%({name})s::{table.c[name].type.compile(dialect=dialect)}[]" for name in names)
    return (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (id) DO NOTHING RETURNING id")


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
    most bursts find nothing to move. One read of the stored clicks they could touch picks out
    those that will; one executemany moves them, and their counts come off the counters they
    were added to. Recounting each touched message from its events instead cost a fifth of the
    worker's time on the bench's mix.
    """
    if not bursts:
        return 0
    windows: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for message_id, start, end, reason in bursts:
        windows[message_id].append((start, end, reason))
    events = Event.__table__.c
    stored = session.connection().execute(
        select(events.id, events.message_id, events.occurred_at, events.link_position, events.repeat).where(
            events.message_id.in_(sorted(windows)),
            events.kind == "click",
            events.source.in_(sorted(COUNTED_SOURCES)),
            events.occurred_at.between(min(start for _, start, _, _ in bursts), max(end for _, _, end, _ in bursts)),
        )
    ).all()
    moved, uncounted = [], []
    for event_id, message_id, at, position, repeat in stored:
        # The first burst (in time) whose window holds the click names it, as when each burst
        # moved its own clicks in turn.
        reason = next((reason for start, end, reason in windows[message_id] if start <= at <= end), None)
        if reason is None:
            continue
        moved.append({"b_id": event_id, "b_reason": reason})
        if not repeat:
            uncounted.append((message_id, position))
    if moved:
        session.execute(_SET_ASIDE, [{**row, "b_source": source} for row in moved])
        unbump_clicks(session, uncounted)
    return len(moved)


_SET_ASIDE = (
    update(Event.__table__)
    .where(Event.__table__.c.id == bindparam("b_id"))
    .values(source=bindparam("b_source"), reason=bindparam("b_reason"))
)


def notification_preferences(session: Session, user_ids: Iterable[int]) -> dict[int, Any]:
    """Return each user's notification settings, keyed by user id: what publishing the events reads."""
    rows = session.connection().execute(
        select(User.id, User.timezone, User.reopen_quiet_minutes, User.quiet_start, User.quiet_end,
               User.popups_after_reply).where(
            User.id.in_(sorted(set(user_ids)))
        )
    )
    return {row.id: row for row in rows}
