"""What the worker reads before judging new hits: the messages they are for, and each one's context.

Every query here reads only what the hits at hand can touch (the clients among them, a few
seconds back), so a message with thousands of opens costs no more to judge a hit of. They run on
the session's connection: plain rows of columns, without the ORM's loading of each (a sixth of
the worker's time when they went through the session).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from ..counting import COUNTED_SOURCES, Reader, ReaderKey, reader_key
from ..message_context import Click, Client, ContextQuery, MessageContext, RecentOpen
from .models import CLICK, Event, Link, Message, SenderView


class TrackedMessage(NamedTuple):
    """What the worker reads of a message its hits are for.

    A plain tuple rather than the query's rows: publishing reads these fields for every event,
    and a row's attribute access cost a third of building a live event (measured).
    """

    id: int
    user_id: int
    tracking: bool
    sent_at: datetime | None
    notify: bool
    subject: str
    recipients: list[str]
    thread_ref: str | None
    opens: int
    last_open_at: datetime | None
    decoy_position: int | None
    replies: int
    declined_recipients: list[int] | None
    link_count: int
    opened: bool


def tracked_messages(session: Session, ids: Iterable[int]) -> dict[int, TrackedMessage]:
    """Return the messages among `ids` that exist, keyed by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.connection().execute(
        select(
            Message.id, Message.user_id, Message.tracking, Message.sent_at, Message.notify, Message.subject,
            Message.recipients, Message.thread_ref, Message.opens, Message.last_open_at, Message.decoy_position,
            Message.replies, Message.declined_recipients,
            select(func.count(Link.id)).where(Link.message_id == Message.id).scalar_subquery().label("link_count"),
            exists().where(Event.message_id == Message.id, Event.kind == "open").label("opened"),
        ).where(Message.id.in_(wanted))
    )
    # By name, not position: a column added to the query in another order cannot land in the wrong field.
    return {row.id: TrackedMessage(**row._mapping) for row in rows}


def message_contexts(session: Session, messages: Iterable[TrackedMessage], query: ContextQuery) -> dict[int, MessageContext]:
    """Return the context of each of `messages` (rows of tracked_messages) that new hits are judged in."""
    messages = {message.id: message for message in messages}
    opening = query.openers.keys() & messages.keys()
    addresses = {client.address for message_id in opening for client in query.openers[message_id]}
    views = sender_views_of(session, messages)
    clicks = clicks_since(session, messages, query.clicks_since)
    opens = opens_since(session, opening, query.opens_since, addresses)
    readers = readers_of(session, opening, addresses)
    firsts = first_readers(session, _new_faces(query.openers, opening, readers))
    return {
        message.id: MessageContext(
            id=message.id,
            sent_at=message.sent_at,
            link_count=message.link_count,
            decoy_position=message.decoy_position,
            sender_views=tuple(views.get(message.id, ())),
            recent_clicks=tuple(clicks.get(message.id, ())),
            recent_opens=tuple(opens.get(message.id, ())),
            readers=frozenset(readers.get(message.id, ())),
            first_reader=firsts.get(message.id),
            opened=bool(message.opened),
        )
        for message in messages.values()
    }


def _new_faces(openers: Mapping[int, frozenset[Client]], opening: Iterable[int],
               readers: Mapping[int, set[ReaderKey]]) -> set[int]:
    """The messages opened by a client not yet among their readers: only a new reader can be a
    forward, so only their first readers need looking up."""
    found = set()
    for message_id in opening:
        known = {(key.network, key.user_agent) for key in readers.get(message_id, ())}
        if any(client not in known for client in openers[message_id]):
            found.add(message_id)
    return found


def sender_views_of(session: Session, message_ids: Iterable[int]) -> dict[int, list[datetime]]:
    """Return when each message's sender viewed it in their own mailbox."""
    views: dict[int, list[datetime]] = defaultdict(list)
    rows = session.connection().execute(
        select(SenderView.message_id, SenderView.viewed_at).where(SenderView.message_id.in_(sorted(set(message_ids))))
    )
    for message_id, viewed_at in rows:
        views[message_id].append(viewed_at)
    return views


def clicks_since(session: Session, message_ids: Iterable[int], since: datetime) -> dict[int, list[Click]]:
    """Return each message's links clicked since `since`, each once, at its latest click.

    What a click burst is judged on; a link clicked a thousand times is still one link.
    """
    found: dict[int, list[Click]] = defaultdict(list)
    rows = session.connection().execute(
        select(Event.message_id, func.max(Event.occurred_at), Event.link_position)
        .where(Event.message_id.in_(sorted(set(message_ids))), text(CLICK), Event.occurred_at >= since)
        .group_by(Event.message_id, Event.link_position)
    )
    for message_id, at, position in rows:
        found[message_id].append(Click(at, position))
    return found


def opens_since(session: Session, message_ids: Iterable[int], since: datetime, addresses: Iterable[str]
                ) -> dict[int, list[RecentOpen]]:
    """Return each message's counted opens since `since` from `addresses` (stored form), the only
    ones these hits can repeat."""
    found: dict[int, list[RecentOpen]] = defaultdict(list)
    # Time is filtered here, not in SQL: given a time range, SQLite walks ix_events_message_time
    # through every repeat of a message opened in a loop; ix_events_reports, equal on message, kind,
    # source and repeat, leads straight to the opens that count, a few per client.
    rows = session.connection().execute(
        select(Event.message_id, Event.occurred_at, Event.ip, Event.user_agent).where(
            Event.message_id.in_(sorted(set(message_ids))), Event.kind == "open", Event.repeat.is_(False),
            Event.source.in_(sorted(COUNTED_SOURCES)), Event.ip.in_(sorted(set(addresses))),
        )
    )
    for message_id, at, ip, ua in rows:
        if at >= since:
            found[message_id].append(RecentOpen(at, ip, ua))
    return found


def readers_of(session: Session, message_ids: Iterable[int], addresses: Iterable[str]) -> dict[int, set[ReaderKey]]:
    """Return the readers already counted on each message that these hits could repeat.

    Only readers at `addresses` (the stored form) and those behind proxies can be the same as a
    new hit's, so only those are read.
    """
    found: dict[int, set[ReaderKey]] = defaultdict(set)
    ids = sorted(set(message_ids))
    # Two queries, each a range of ix_events_reports: an OR of the two would scan every event of
    # the messages.
    at_addresses = select(Event.message_id, Event.source, Event.recipient, Event.ip, Event.user_agent).distinct().where(
        Event.message_id.in_(ids), Event.kind == "open", Event.source.in_(sorted(COUNTED_SOURCES)),
        Event.ip.in_(sorted(set(addresses))), Event.repeat.is_(False),
    )
    for message_id, source, recipient, ip, ua in session.connection().execute(at_addresses):
        found[message_id].add(reader_key(source, recipient, ip, ua))
    # Behind a proxy, a reader is its recipient and User-Agent (reader_key): distinct on those
    # alone, a message read through Gmail's many addresses gives a row per reader, not per address.
    proxied = select(Event.message_id, Event.recipient, Event.user_agent).distinct().where(
        Event.message_id.in_(ids), Event.kind == "open", Event.source == "proxy", Event.repeat.is_(False),
    )
    for message_id, recipient, ua in session.connection().execute(proxied):
        found[message_id].add(reader_key("proxy", recipient, "", ua))
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
    rows = session.connection().execute(select(firsts.c.message_id, firsts.c.client, firsts.c.country, firsts.c.city)
                           .where(firsts.c.n == 1))
    return {message_id: Reader(client, country, city) for message_id, client, country, city in rows}
