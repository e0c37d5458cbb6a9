"""Named queries the worker uses to store hits: idempotent inserts and counter updates."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, bindparam, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..classify.audience import Reader, reader_key
from .models import Event, Link, Message, SenderView, User

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def tracked_messages(session: Session, ids: Iterable[int]) -> dict[int, Message]:
    """Return the messages among `ids` that exist, keyed by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Message.id, Message.user_id, Message.tracking, Message.sent_at, Message.notify, Message.subject,
            Message.recipients, Message.thread_ref, Message.opens, Message.last_open_at, Message.decoy_position,
            select(func.count(Link.id)).where(Link.message_id == Message.id).scalar_subquery().label("link_count"),
            exists().where(Event.message_id == Message.id, Event.kind == "open").label("opened"),
        ).where(Message.id.in_(wanted))
    )
    return {row.id: row for row in rows}


def clicks_since(session: Session, message_ids: Iterable[int], since: datetime) -> dict[int, list[tuple]]:
    """Return each message's links clicked since `since`, each once: (latest time, link position).

    What a click burst is judged on; a link clicked a thousand times is still one link.
    """
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = session.execute(
        select(Event.message_id, func.max(Event.occurred_at), Event.link_position)
        .where(Event.message_id.in_(sorted(set(message_ids))), Event.kind == "click", Event.occurred_at >= since)
        .group_by(Event.message_id, Event.link_position)
    )
    for message_id, at, position in rows:
        found[message_id].append((at, position))
    return found


def opens_since(session: Session, message_ids: Iterable[int], since: datetime, counted: Iterable[str],
                addresses: Iterable[str]) -> dict[int, list[tuple]]:
    """Return each message's counted opens since `since` from `addresses` (stored form), the only
    ones these hits can repeat: (time, stored address, User-Agent)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    # Time is filtered here, not in SQL: given a time range, SQLite walks ix_events_message_time
    # through every repeat of a message opened in a loop; ix_events_readers holds only the opens
    # that count, a few per client.
    rows = session.execute(
        select(Event.message_id, Event.occurred_at, Event.ip, Event.user_agent).where(
            Event.message_id.in_(sorted(set(message_ids))), Event.kind == "open", Event.repeat.is_(False),
            Event.source.in_(list(counted)), Event.ip.in_(sorted(set(addresses))),
        )
    )
    for message_id, at, ip, ua in rows:
        if at >= since:
            found[message_id].append((at, ip, ua))
    return found


def readers_of(session: Session, message_ids: Iterable[int], addresses: Iterable[str], counted: Iterable[str]
               ) -> dict[int, set[tuple]]:
    """Return the reader keys already counted on each message that these hits could repeat.

    Only readers at `addresses` (the stored form) and those behind proxies can be the same as a
    new hit's, so only those are read: a message with thousands of opens costs no more.
    """
    found: dict[int, set[tuple]] = defaultdict(set)
    ids, counted = sorted(set(message_ids)), list(counted)
    # Two queries, each a range of ix_events_readers: an OR of the two would scan every event of
    # the messages.
    at_addresses = select(Event.message_id, Event.source, Event.recipient, Event.ip, Event.user_agent).distinct().where(
        Event.message_id.in_(ids), Event.kind == "open", Event.source.in_(counted), Event.ip.in_(sorted(set(addresses))),
        Event.repeat.is_(False),
    )
    proxied = select(Event.message_id, Event.source, Event.recipient, Event.ip, Event.user_agent).distinct().where(
        Event.message_id.in_(ids), Event.kind == "open", Event.source == "proxy", Event.repeat.is_(False),
    )
    for query in (at_addresses, proxied):
        for message_id, source, recipient, ip, ua in session.execute(query):
            found[message_id].add(reader_key(source, recipient, ip, ua))
    return found


def first_readers(session: Session, message_ids: Iterable[int]) -> dict[int, Reader]:
    """Return each message's first person to open it: the client and place forwards are told from."""
    order = func.row_number().over(partition_by=Event.message_id, order_by=(Event.occurred_at, Event.id))
    firsts = (
        select(Event.message_id, Event.client, Event.country, Event.city, order.label("n"))
        .where(Event.message_id.in_(sorted(set(message_ids))), Event.kind == "open", Event.source == "person",
               Event.repeat.is_(False))
        .subquery()
    )
    rows = session.execute(select(firsts.c.message_id, firsts.c.client, firsts.c.country, firsts.c.city)
                           .where(firsts.c.n == 1))
    return {message_id: Reader(client, country, city) for message_id, client, country, city in rows}


def note_readings(session: Session, readings: Iterable, window: timedelta) -> int:
    """Raise the reading step of the person's open each reading follows; return how many moved.

    A reading belongs to the latest counted open by the same client (stored address and
    User-Agent) in `window` before it. Only a person's open gets one: a proxy or a prefetcher
    loads the whole chain on its own, whoever reads.
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


def set_aside_clicks(session: Session, message_id: int, start: datetime, end: datetime, counted: Iterable[str],
                     source: str, reason: str) -> int:
    """Reclassify a message's counted clicks between `start` and `end`; recount it if any moved."""
    moved = session.execute(
        update(Event)
        .where(
            Event.message_id == message_id,
            Event.kind == "click",
            Event.source.in_(list(counted)),
            Event.occurred_at.between(start, end),
        )
        .values(source=source, reason=reason)
    ).rowcount
    if moved:
        recount(session, session.get(Message, message_id), counted)
    return moved


def notification_preferences(session: Session, user_ids: Iterable[int]) -> dict[int, Any]:
    """Return each user's notification settings, keyed by user id."""
    rows = session.execute(
        select(User.id, User.timezone, User.reopen_quiet_minutes, User.quiet_start, User.quiet_end).where(
            User.id.in_(sorted(set(user_ids)))
        )
    )
    return {row.id: row for row in rows}


def insert_new_events(session: Session, rows: Sequence[dict]) -> set[str]:
    """Insert `rows`, skipping ids already stored; return the ids that were new."""
    if not rows:
        return set()
    insert = _INSERTS[session.get_bind().dialect.name]
    # One statement, the rows as parameters: SQLAlchemy compiles it once and sends the rows in
    # batches ("insertmanyvalues"), where .values(rows) compiled a new statement for every chunk.
    statement = insert(Event.__table__).on_conflict_do_nothing(index_elements=["id"]).returning(Event.id)
    return set(session.execute(statement, list(rows)).scalars())


def bump_counters(session: Session, rows: Iterable[dict], new_readers: set[str] = frozenset()) -> None:
    """Add `rows` (counted events only) to their messages' and links' counters.

    `new_readers` holds the ids of the rows that are their reader's first open of the message.
    """
    per_message: dict[int, dict] = defaultdict(
        lambda: {"opens": 0, "clicks": 0, "readers": 0, "forwarded": False, "first": None, "last": None}
    )
    per_link: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        tally = per_message[row["message_id"]]
        tally["readers"] += row["id"] in new_readers
        tally["forwarded"] |= row.get("forwarded", False)
        if row["kind"] == "open":
            tally["opens"] += 1
            at = row["occurred_at"]
            tally["first"] = at if tally["first"] is None else min(tally["first"], at)
            tally["last"] = at if tally["last"] is None else max(tally["last"], at)
        elif row["kind"] == "click":
            tally["clicks"] += 1
            if row["link_position"] is not None:
                per_link[(row["message_id"], row["link_position"])] += 1
    if per_message:
        session.execute(_BUMP_MESSAGE, [
            {"b_id": message_id, "b_opens": tally["opens"], "b_clicks": tally["clicks"], "b_readers": tally["readers"],
             "b_forwarded": tally["forwarded"], "b_first": tally["first"], "b_last": tally["last"]}
            for message_id, tally in per_message.items()
        ])
    if per_link:
        session.execute(_BUMP_LINK, [{"b_message": message_id, "b_position": position, "b_clicks": clicks}
                                     for (message_id, position), clicks in per_link.items()])


def _bump_statements():
    # One statement each, run with every message's (every link's) numbers as parameters: compiled
    # once and sent as one executemany, where a statement per message cost a chunk of 500 hits on
    # 200 messages more than everything else. Core tables: an ORM update would first search the
    # session for objects to synchronise.
    messages, links = Message.__table__.c, Link.__table__.c
    first = bindparam("b_first", type_=messages.first_open_at.type)
    last = bindparam("b_last", type_=messages.last_open_at.type)
    bump_message = (
        update(Message.__table__)
        .where(messages.id == bindparam("b_id"))
        .values(
            opens=messages.opens + bindparam("b_opens"),
            clicks=messages.clicks + bindparam("b_clicks"),
            readers=messages.readers + bindparam("b_readers"),
            forwarded=or_(messages.forwarded, bindparam("b_forwarded", type_=Boolean)),
            # A null `first`/`last` (no opens in this batch) compares as unknown: the column stays.
            first_open_at=case((messages.first_open_at.is_(None) | (messages.first_open_at > first), first),
                               else_=messages.first_open_at),
            last_open_at=case((messages.last_open_at.is_(None) | (messages.last_open_at < last), last),
                              else_=messages.last_open_at),
        )
    )
    bump_link = (
        update(Link.__table__)
        .where(links.message_id == bindparam("b_message"), links.position == bindparam("b_position"))
        .values(clicks=links.clicks + bindparam("b_clicks"))
    )
    return bump_message, bump_link


_BUMP_MESSAGE, _BUMP_LINK = _bump_statements()


def sender_views_of(session: Session, message_ids: Iterable[int]) -> dict[int, list[datetime]]:
    """Return when each message's sender viewed it in their own mailbox."""
    views: dict[int, list[datetime]] = defaultdict(list)
    rows = session.execute(
        select(SenderView.message_id, SenderView.viewed_at).where(SenderView.message_id.in_(sorted(set(message_ids))))
    )
    for message_id, viewed_at in rows:
        views[message_id].append(viewed_at)
    return views


def record_sender_view(session: Session, message: Message, viewed_at: datetime, window: timedelta,
                       counted: Iterable[str], reason: str) -> int:
    """Note the sender's own view and set aside the counted events around it; return how many."""
    session.add(SenderView(message_id=message.id, viewed_at=viewed_at))
    moved = session.execute(
        update(Event)
        .where(
            Event.message_id == message.id,
            Event.source.in_(list(counted)),
            Event.occurred_at.between(viewed_at - window, viewed_at + window),
        )
        .values(source="sender", reason=reason)
    ).rowcount
    if moved:
        recount(session, message, counted)
    return moved


def recount(session: Session, message: Message, counted: Iterable[str]) -> None:
    """Recompute a message's and its links' counters from its counted events."""
    counted = list(counted)
    kept = (Event.message_id == message.id) & Event.source.in_(counted) & Event.repeat.is_(False)
    opens = select(func.count(), func.min(Event.occurred_at), func.max(Event.occurred_at)).where(
        kept, Event.kind == "open"
    )
    message.opens, message.first_open_at, message.last_open_at = session.execute(opens).one()
    message.clicks = session.scalar(select(func.count()).where(kept, Event.kind == "click"))
    readers = select(Event.source, Event.recipient, Event.ip, Event.user_agent).distinct().where(kept, Event.kind == "open")
    message.readers = len({reader_key(*row) for row in session.execute(readers)})
    message.forwarded = bool(session.scalar(select(func.count()).where(kept, Event.forwarded.is_(True))))
    clicks = select(Event.link_position, func.count()).where(kept, Event.kind == "click").group_by(Event.link_position)
    per_link = {position: count for position, count in session.execute(clicks)}
    for link in message.links:
        link.clicks = per_link.get(link.position, 0)
