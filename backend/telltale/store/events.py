"""Named writes the worker makes as it stores hits: idempotent inserts, readings, scanners' bursts.

The worker is their only caller; the sender's views, which the API records, are in sender_views.py.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, text, update
from sqlalchemy.orm import Session

from ..counting import COUNTED_SOURCES
from .counters import unbump_clicks
from .models import CLICK, AppriseUrl, Event, PushSubscription, User

# SQLite's own default limit of parameters in one statement since 3.32 (builds may allow more).
SQLITE_PARAMETERS = 32766
# Rows in one SQLite INSERT at most. Its prepared statement is kept (statement_rows), about 1 MB for
# 512 rows; of a 2,000-hit chunk, 1,024-row statements stored no faster (`make bench`, worker, 2 pairs)
# and left the worker 2-3 MB larger after 55,000 hits.
SQLITE_ROWS = 512


def insert_new_events(session: Session, rows: Sequence[dict]) -> set[str]:
    """Insert `rows`, skipping ids already stored; return the ids that were new.

    Written by hand for each database rather than through SQLAlchemy's insert: for a thousand
    rows its per-row parameter handling cost the worker a tenth of its time on SQLite, and on
    PostgreSQL its statement of a thousand rows' placeholders was too long for psycopg's cache of
    parsed queries, so each one was parsed anew: half the worker's time there.
    """
    if not rows:
        return set()
    connection = session.connection()
    columns = _column_values(connection.dialect, rows)
    if connection.dialect.name == "postgresql":
        # One short statement, a column of values per parameter, unnested into rows: its text is
        # the same for every chunk.
        statement = _unnest_statement(connection.dialect, tuple(columns))
        return set(connection.exec_driver_sql(statement, columns).scalars())
    new: set[str] = set()
    values = list(zip(*columns.values(), strict=True))
    most = max(1, min(SQLITE_ROWS, SQLITE_PARAMETERS // len(columns)))
    start = 0
    while start < len(values):
        batch = values[start:start + statement_rows(len(values) - start, most)]
        statement = _values_statement(tuple(columns), len(batch))
        new.update(connection.exec_driver_sql(statement, tuple(value for row in batch for value in row)).scalars())
        start += len(batch)
    return new


def statement_rows(left: int, most: int) -> int:
    """How many of `left` rows the next INSERT takes: the largest power of two within `left` and `most`.

    Python's sqlite3 keeps each statement text it has run prepared, up to 128 per connection, and a
    prepared INSERT of a thousand rows holds about 2 MB. Sized to the chunk at hand, every new chunk
    size kept another: a worker draining live traffic, whose chunks are whatever has arrived, would
    grow by hundreds of MB. Powers of two up to SQLITE_ROWS bound the texts to ten, about 2 MB together.
    """
    return 1 << (min(left, most).bit_length() - 1)


def _column_values(dialect, rows: Sequence[dict]) -> dict[str, list]:
    """Each column's values across `rows`, as the driver takes them: through the column's type,
    and the column's default where the rows leave it out, as SQLAlchemy's insert would."""
    columns = {}
    for column in Event.__table__.columns:
        if column.name in rows[0]:
            found = [row[column.name] for row in rows]
        elif column.default is not None and column.default.is_scalar:
            found = [column.default.arg] * len(rows)
        else:
            continue
        process = column.type.bind_processor(dialect)
        columns[column.name] = [process(value) for value in found] if process else found
    return columns


@lru_cache(maxsize=4)
def _unnest_statement(dialect, names: tuple[str, ...]) -> str:
    table = Event.__table__
    arrays = ", ".join(f"%({name})s::{table.c[name].type.compile(dialect=dialect)}[]" for name in names)
    return (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (id) DO NOTHING RETURNING id")


@lru_cache(maxsize=16)
def _values_statement(names: tuple[str, ...], count: int) -> str:
    row = f"({', '.join('?' * len(names))})"
    return (f"INSERT INTO {Event.__tablename__} ({', '.join(names)}) VALUES {', '.join([row] * count)} "
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
            text(CLICK),
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
    """Return each user's notification settings, keyed by user id: what publishing the events reads.

    `phones` says whether the user has a phone channel (a browser's Web Push subscription or an
    Apprise URL) for their popups to go to.
    """
    phones = exists().where(PushSubscription.user_id == User.id) | exists().where(AppriseUrl.user_id == User.id)
    rows = session.connection().execute(
        select(User.id, User.timezone, User.reopen_quiet_minutes, User.quiet_start, User.quiet_end,
               User.popups_after_reply, phones.label("phones")).where(
            User.id.in_(sorted(set(user_ids)))
        )
    )
    return {row.id: row for row in rows}
