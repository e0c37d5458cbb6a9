"""Named reads for the dashboard's reports, best time to send and recipients: grouped in SQL, small answers.

Every count goes through the counting rule: `counting.counted` in SQL (or its text,
`models.COUNTED`, where a query must state it literally for a partial index; a test holds the two
alike), or the message counters the store keeps by it. Times are turned into seconds since 1970 in
SQL (`epoch_seconds`), so delays and local hours are integer arithmetic on both databases, and a
period's figures come back as a few hundred numbers, not as its events.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import orjson
from sqlalchemy import ColumnElement, Integer, Result, Text, and_, case, cast, func, literal, not_, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ..counting import COUNTED_SOURCES, counted
from .models import COUNTED, Event, Message
from .recipients import KINDS

DAY, HOUR = 86400, 3600
# 1970-01-01 was a Thursday: day 0 is weekday 3 when Monday is 0, as in Python.
EPOCH_WEEKDAY = 3


class Send(NamedTuple):
    """A tracked message as `recipients.by_recipient` reads it."""

    id: int
    recipients: list[str]
    sent_at: timedelta  # since 1970


class epoch_seconds(FunctionElement):  # noqa: N801 - used like a SQL function
    """Whole seconds since 1970-01-01 UTC of a stored time, on SQLite and PostgreSQL alike."""

    type = Integer()
    inherit_cache = True


# SQLite reads a time as its Julian day in whole milliseconds, and strftime('%s') gives that number's
# seconds since 1970, rounded down: the same arithmetic here, to the same second, without writing each
# row's time out as text and parsing it back (8 of the 62 ms a year's opens per day took). The two
# origins are 210866760000 seconds apart.
JULIAN_MS_PER_DAY, JULIAN_EPOCH_SECONDS = 86400000.0, 210866760000


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw) -> str:
    at = compiler.process(element.clauses, **kw)
    return f"(CAST(ROUND(julianday({at}) * {JULIAN_MS_PER_DAY}) AS INTEGER) / 1000 - {JULIAN_EPOCH_SECONDS})"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


Offsets = tuple[tuple[datetime, int], ...]  # (from when, seconds east of UTC), oldest first


@dataclass(frozen=True)
class LocalTime:
    """Each zone's offsets over a span of time, and the offsets of the zone used when an event names none."""

    zones: Mapping[str, Offsets]
    fallback: Offsets


def local_seconds(zone_column, at_column, local: LocalTime) -> ColumnElement[int]:
    """`at_column` in seconds since 1970 on the wall clock of the row's zone (or the fallback's)."""
    fallback = _offset_at(local.fallback, at_column)
    if not local.zones:
        return epoch_seconds(at_column) + fallback
    branches = [(zone_column == name, _offset_at(offsets, at_column)) for name, offsets in local.zones.items()]
    return epoch_seconds(at_column) + case(*branches, else_=fallback)


def _offset_at(offsets: Offsets, at_column) -> ColumnElement[int]:
    if len(offsets) == 1:
        return literal(offsets[0][1], Integer())
    # Each offset holds until the next one begins: the first test that passes is the right one.
    changes = [(at_column < begins, before) for (_, before), (begins, _) in zip(offsets, offsets[1:], strict=False)]
    return case(*changes, else_=literal(offsets[-1][1], Integer()))


def _rows(session: Session, statement) -> Result:
    """Core rows, read from the cursor one at a time as they are used. The ORM's execute would first fetch
    a year's 10,000 or 15,000 rows into a list; held all at once, they outlive the interpreter's young
    collections, and each time enough have done so it walks the whole heap (tens of milliseconds)."""
    return session.connection().execute(statement)


def _users_events(user_id: int):
    return select().select_from(Event).join(Message, Message.id == Event.message_id).where(Message.user_id == user_id)


def _person_opens(user_id: int, scope: ColumnElement[bool] | None):
    # A proxy's or a prefetcher's open happens when the provider fetches, not when anyone reads:
    # only people's own opens say when a recipient reads.
    query = _users_events(user_id).where(Event.kind == "open", Event.source == "person",
                                         counted(Event.source, Event.repeat))
    return query if scope is None else query.where(scope)


def open_zones(session: Session, user_id: int, scope: ColumnElement[bool] | None = None) -> dict[str | None, tuple]:
    """The zones people's counted opens were read in, with the first and last such open in each."""
    rows = session.execute(_person_opens(user_id, scope).add_columns(
        Event.timezone, func.min(Event.occurred_at), func.max(Event.occurred_at)).group_by(Event.timezone))
    return {zone: (first, last) for zone, first, last in rows}


def open_heatmap(session: Session, user_id: int, local: LocalTime,
                 scope: ColumnElement[bool] | None = None) -> dict[tuple[int, int], int]:
    """People's counted opens by (weekday, hour) of the reader's clock; Monday is 0."""
    at = _person_opens(user_id, scope).add_columns(
        local_seconds(Event.timezone, Event.occurred_at, local).label("t")).subquery()
    # One key a row, the hour of the week: grouped by weekday and hour apart, the database worked out
    # each row's local time once per key.
    hour_of_week = (at.c.t // HOUR + EPOCH_WEEKDAY * 24) % (7 * 24)
    rows = _rows(session, select(hour_of_week, func.count()).group_by(hour_of_week))
    return {divmod(key, 24): count for key, count in rows}


@dataclass(frozen=True)
class Sent:
    """The user's messages sent in a period: how many, and per tracked one what came of it."""

    untracked: int
    # Per tracked message: seconds from sending to its first counted open (None: not opened),
    # and whether a counted click and a counted reply came.
    tracked: list[tuple[int | None, bool, bool]]


def sent_in(session: Session, user_id: int, start: datetime, end: datetime) -> Sent:
    """Messages sent in [start, end) and, per tracked one, its first counted open, click and reply.

    From the message's counters, which the store keeps from counted events only (store/counters.py)
    and the messages list shows: a year's messages are read without their 200,000 events.
    """
    rows = _rows(session,
        select(Message.tracking, epoch_seconds(Message.first_open_at) - epoch_seconds(Message.sent_at),
               Message.clicks > 0, Message.replies > 0)
        .where(Message.user_id == user_id, Message.sent_at >= start, Message.sent_at < end))
    tracked, untracked = [], 0
    for is_tracked, delay, clicked, replied in rows:
        if is_tracked:
            tracked.append((delay, bool(clicked), bool(replied)))
        else:
            untracked += 1
    return Sent(untracked, tracked)


class SetAside(NamedTuple):
    """Events of a period's messages that are shown but not counted, by why."""

    machines: int  # prefetchers, scanners, crawlers and hits nobody could name
    repeats: int  # a counted reader again within seconds
    own: int  # the sender's own views


def set_aside_in(session: Session, user_id: int, start: datetime, end: datetime) -> SetAside:
    """Events of messages sent in [start, end) that do not count, by why."""
    # Counted in one pass, without grouping: a GROUP BY had SQLite sort the year's 80,000 such events.
    own = func.count(case((Event.source == "sender", 1)))
    repeats = func.count(case((Event.source.in_(sorted(COUNTED_SOURCES)), 1)))  # not counted: a repeat
    total, repeated, viewed = session.execute(
        _users_events(user_id).add_columns(func.count(), repeats, own)
        .where(Message.sent_at >= start, Message.sent_at < end, not_(counted(Event.source, Event.repeat)))).one()
    return SetAside(machines=total - repeated - viewed, repeats=repeated, own=viewed)


def reading_in(session: Session, user_id: int, start: datetime, end: datetime) -> dict[int, int]:
    """Counted opens of messages sent in [start, end) by how far the reading got (Event.reading_step)."""
    rows = session.execute(_users_events(user_id).add_columns(Event.reading_step, func.count())
                           .where(Message.sent_at >= start, Message.sent_at < end, Event.kind == "open",
                                  counted(Event.source, Event.repeat), Event.reading_step.is_not(None))
                           .group_by(Event.reading_step))
    return {step: count for step, count in rows}


def opens_by_day(session: Session, user_id: int, start: datetime, end: datetime, local: LocalTime) -> dict[int, int]:
    """Counted opens in [start, end) by day of the user's calendar, as days since 1970-01-01."""
    at = (_users_events(user_id).add_columns(local_seconds(None, Event.occurred_at, local).label("t"))
          # A message sent after the period had no opens in it: the bound spares looking.
          .where(Event.kind == "open", counted(Event.source, Event.repeat), Event.occurred_at >= start,
                 Event.occurred_at < end, Message.sent_at < end)).subquery()
    day = at.c.t // DAY
    return {number: count for number, count in session.execute(select(day, func.count()).group_by(day))}


def tracked_sends(session: Session, user_id: int, since: datetime) -> Iterator[Send]:
    """The user's tracked messages sent since `since`, read as they are used: id, recipients and sending.

    Each is gone once used: kept in a list, a year's 10,000 would outlive young collections too.
    """
    # The list's text, parsed here by orjson: SQLAlchemy's JSON type would parse each row in Python.
    rows = _rows(session, select(Message.id, cast(Message.recipients, Text), epoch_seconds(Message.sent_at))
                 .where(Message.user_id == user_id, Message.tracking.is_(True), Message.sent_at >= since))
    return (Send(message_id, orjson.loads(recipients), timedelta(seconds=sent)) for message_id, recipients, sent in rows)


def first_times(session: Session, user_id: int, since: datetime) -> dict[tuple[int, int | None], dict[str, timedelta]]:
    """As `recipients.first_events` for all the user's tracked messages sent since `since`, in one query,
    as time since 1970: a year's 15,000 groups come back as integers, not datetimes parsed row by row."""
    firsts = [epoch_seconds(func.min(case((Event.kind == kind, Event.occurred_at)))) for kind in KINDS]
    # Counted as the literal of ix_events_firsts, and grouped by the messages' own id (the order
    # SQLite walks them in): so SQLite reads each message's counted events from that index already
    # in groups, where it sorted them all through a temporary B-tree (164 -> 100 ms a year).
    rows = _rows(session, _users_events(user_id).add_columns(Message.id, Event.recipient, *firsts)
                 .where(Message.tracking.is_(True), Message.sent_at >= since, Event.kind.in_(KINDS), text(COUNTED))
                 .group_by(Message.id, Event.recipient))
    out: dict[tuple[int, int | None], dict[str, timedelta]] = {}
    for message_id, recipient, opened, clicked, replied in rows:
        done = {"open": timedelta(seconds=opened)} if opened is not None else {}
        if clicked is not None:
            done["click"] = timedelta(seconds=clicked)
        if replied is not None:
            done["reply"] = timedelta(seconds=replied)
        out[message_id, recipient] = done
    return out


def messages_to(session: Session, user_id: int, address: str) -> list:
    """The user's messages with `address` among their recipients (any case), newest first."""
    # Recipients are a JSON list: its text holds each address quoted, as json.dumps writes it.
    quoted = json.dumps(address.lower())
    pattern = "%" + quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = session.execute(
        select(Message.id, Message.subject, Message.recipients, Message.sent_at, Message.tracking, Message.opens,
               Message.clicks, Message.replies)
        .where(Message.user_id == user_id, cast(Message.recipients, Text).ilike(pattern, escape="\\"))
        .order_by(Message.sent_at.desc(), Message.id.desc()))
    wanted = address.lower()
    return [row for row in rows if any(r.lower() == wanted for r in row.recipients)]


def opens_of(sends: list) -> ColumnElement[bool]:
    """Events that can be told to be one recipient's, given (message id, their index, alone) of each send.

    As in `recipients.by_recipient`: sent to them alone, any open is theirs; sent to several, only
    their own pixel's.
    """
    alone = [message_id for message_id, _, by_themselves in sends if by_themselves]
    by_index: dict[int, list[int]] = {}
    for message_id, index, by_themselves in sends:
        if not by_themselves:
            by_index.setdefault(index, []).append(message_id)
    # The plain list of messages first: it lets the database look their events up by index.
    return and_(Event.message_id.in_([message_id for message_id, _, _ in sends]),
                or_(Event.message_id.in_(alone),
                    *(and_(Event.recipient == index, Event.message_id.in_(ids)) for index, ids in by_index.items())))
