"""Named queries the worker uses to store hits: idempotent inserts and counter updates."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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
        ).where(Message.id.in_(wanted))
    )
    return {row.id: row for row in rows}


def clicks_since(session: Session, message_ids: Iterable[int], since: datetime) -> dict[int, list[tuple]]:
    """Return each message's stored clicks since `since`: (time, link position, address)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = session.execute(
        select(Event.message_id, Event.occurred_at, Event.link_position, Event.ip).where(
            Event.message_id.in_(sorted(set(message_ids))), Event.kind == "click", Event.occurred_at >= since
        )
    )
    for message_id, at, position, ip in rows:
        found[message_id].append((at, position, ip))
    return found


def opens_since(session: Session, message_ids: Iterable[int], since: datetime, counted: Iterable[str]
                ) -> dict[int, list[tuple]]:
    """Return each message's counted opens since `since`: (time, stored address, User-Agent)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = session.execute(
        select(Event.message_id, Event.occurred_at, Event.ip, Event.user_agent).where(
            Event.message_id.in_(sorted(set(message_ids))), Event.kind == "open", Event.occurred_at >= since,
            Event.source.in_(list(counted)), Event.repeat.is_(False),
        )
    )
    for message_id, at, ip, ua in rows:
        found[message_id].append((at, ip, ua))
    return found


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
    statement = insert(Event).values(list(rows)).on_conflict_do_nothing(index_elements=["id"]).returning(Event.id)
    return set(session.scalars(statement))


def bump_counters(session: Session, rows: Iterable[dict]) -> None:
    """Add `rows` (counted events only) to their messages' and links' counters."""
    per_message: dict[int, dict] = defaultdict(lambda: {"opens": 0, "clicks": 0, "first": None, "last": None})
    per_link: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        tally = per_message[row["message_id"]]
        if row["kind"] == "open":
            tally["opens"] += 1
            at = row["occurred_at"]
            tally["first"] = at if tally["first"] is None else min(tally["first"], at)
            tally["last"] = at if tally["last"] is None else max(tally["last"], at)
        elif row["kind"] == "click":
            tally["clicks"] += 1
            if row["link_position"] is not None:
                per_link[(row["message_id"], row["link_position"])] += 1
    for message_id, tally in per_message.items():
        values = {"opens": Message.opens + tally["opens"], "clicks": Message.clicks + tally["clicks"]}
        if tally["first"] is not None:
            values["first_open_at"] = case(
                (Message.first_open_at.is_(None) | (Message.first_open_at > tally["first"]), tally["first"]),
                else_=Message.first_open_at,
            )
            values["last_open_at"] = case(
                (Message.last_open_at.is_(None) | (Message.last_open_at < tally["last"]), tally["last"]),
                else_=Message.last_open_at,
            )
        session.execute(update(Message).where(Message.id == message_id).values(**values))
    for (message_id, position), clicks in per_link.items():
        session.execute(
            update(Link)
            .where(Link.message_id == message_id, Link.position == position)
            .values(clicks=Link.clicks + clicks)
        )


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
    clicks = select(Event.link_position, func.count()).where(kept, Event.kind == "click").group_by(Event.link_position)
    per_link = {position: count for position, count in session.execute(clicks)}
    for link in message.links:
        link.clicks = per_link.get(link.position, 0)
