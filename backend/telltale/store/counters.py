"""A message's counters (opens, clicks, readers, forwarded, first and last open) and its links':
added to as the worker stores counted events, taken from as a scanner's burst sets clicks aside,
recomputed where the sender's own views set events aside.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Boolean, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from ..counting import counted, reader_key
from .models import Event, Link, Message


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


def unbump_clicks(session: Session, clicks: Iterable[tuple[int, int | None]]) -> None:
    """Take counted clicks, each (message id, link position), off the counters they were added to."""
    per_message: dict[int, int] = defaultdict(int)
    per_link: dict[tuple[int, int], int] = defaultdict(int)
    for message_id, position in clicks:
        per_message[message_id] += 1
        if position is not None:
            per_link[(message_id, position)] += 1
    if per_message:
        # The bump with negative clicks and nothing else: no opens, so first and last stay.
        session.execute(_BUMP_MESSAGE, [
            {"b_id": message_id, "b_opens": 0, "b_clicks": -count, "b_readers": 0, "b_forwarded": False,
             "b_first": None, "b_last": None}
            for message_id, count in per_message.items()
        ])
    if per_link:
        session.execute(_BUMP_LINK, [{"b_message": message_id, "b_position": position, "b_clicks": -count}
                                     for (message_id, position), count in per_link.items()])


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


def recount(session: Session, message: Message) -> None:
    """Recompute a message's and its links' counters from its counted events."""
    kept = (Event.message_id == message.id) & counted(Event.source, Event.repeat)
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
