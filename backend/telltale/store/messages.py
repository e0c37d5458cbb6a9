"""Named queries for messages as their owner sees them: every query is scoped to one user."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, Text, cast, delete, select
from sqlalchemy.orm import Session, selectinload

from .models import Event, Link, Message, MessageTag, ProtectedBody

# Each state as a condition, in the order a message moves through them.
# A recipient declined tracking on the opt-out page (optout/): a JSON list of their indexes, which
# the column may also hold as JSON null or [] after a change.
_DECLINED = Message.declined_recipients.is_not(None) & cast(Message.declined_recipients, Text).not_in(["null", "[]"])
_NOTHING_COUNTED = (Message.opens == 0) & (Message.clicks == 0) & (Message.replies == 0)
STATE_CONDITIONS = {
    "untracked": Message.tracking.is_(False),
    "sent": Message.tracking.is_(True) & _NOTHING_COUNTED & ~_DECLINED,
    # Nothing counted because a recipient said no: not "unread", which zeroes would suggest.
    "declined": Message.tracking.is_(True) & _NOTHING_COUNTED & _DECLINED,
    "opened": Message.tracking.is_(True) & (Message.opens > 0) & (Message.clicks == 0) & (Message.replies == 0),
    "clicked": Message.tracking.is_(True) & (Message.clicks > 0) & (Message.replies == 0),
    "replied": Message.tracking.is_(True) & (Message.replies > 0),
}
EVENTS_SHOWN = 500


def state_of(message: Message) -> str:
    if not message.tracking:
        return "untracked"
    if message.replies:
        return "replied"
    if message.clicks:
        return "clicked"
    if message.opens:
        return "opened"
    return "declined" if message.declined_recipients else "sent"


def add_message(session: Session, user_id: int, fields: dict, links: Sequence[str], tags: Sequence[str]) -> Message:
    message = Message(user_id=user_id, opens=0, clicks=0, replies=0, **fields)
    message.links = [Link(position=i, url=url, clicks=0) for i, url in enumerate(links)]
    message.tags = [MessageTag(tag=tag) for tag in dict.fromkeys(tags)]
    session.add(message)
    session.flush()
    return message


def owned_message(session: Session, user_id: int, message_id: int) -> Message | None:
    """Return the message if it exists and belongs to `user_id`: others' messages do not exist."""
    return session.scalar(_with_children(select(Message)).where(Message.id == message_id, Message.user_id == user_id))


def page_of_messages(
    session: Session, user_id: int, *, limit: int, before: int | None, tag: str | None, state: str | None,
    text: str | None = None, sent_since: datetime | None = None, sent_until: datetime | None = None,
) -> list[Message]:
    """The newest `limit` messages below the cursor `before` that pass every filter given."""
    query = _with_children(select(Message)).where(Message.user_id == user_id)
    if before is not None:
        query = query.where(Message.id < before)
    if tag is not None:
        query = query.where(Message.id.in_(select(MessageTag.message_id).where(MessageTag.tag == tag)))
    if state is not None:
        query = query.where(STATE_CONDITIONS[state])
    if text:
        # Recipients are a JSON list: its text holds every address, on SQLite and PostgreSQL alike.
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(Message.subject.ilike(pattern, escape="\\")
                            | cast(Message.recipients, Text).ilike(pattern, escape="\\"))
    if sent_since is not None:
        query = query.where(Message.sent_at >= sent_since)
    if sent_until is not None:
        query = query.where(Message.sent_at < sent_until)
    return list(session.scalars(query.order_by(Message.id.desc()).limit(limit)))


def tags_of_user(session: Session, user_id: int) -> list[str]:
    """Every tag the user has put on a message, in order."""
    owned = select(Message.id).where(Message.user_id == user_id)
    return list(session.scalars(select(MessageTag.tag).where(MessageTag.message_id.in_(owned))
                                .distinct().order_by(MessageTag.tag)))


def events_of(session: Session, message_id: int) -> list[Event]:
    return list(
        session.scalars(
            select(Event).where(Event.message_id == message_id).order_by(Event.occurred_at.desc()).limit(EVENTS_SHOWN)
        )
    )


def set_tags(message: Message, tags: Sequence[str]) -> None:
    keep = dict.fromkeys(tags)
    message.tags = [tag for tag in message.tags if tag.tag in keep] + [
        MessageTag(tag=tag) for tag in keep if tag not in {t.tag for t in message.tags}
    ]


def remove_message(session: Session, message: Message) -> None:
    # Delete events explicitly too: a SQLite opened without foreign keys must not keep them.
    session.execute(delete(Event).where(Event.message_id == message.id))
    # A protected body is the message's text: it goes with it, whatever the foreign keys do.
    session.execute(delete(ProtectedBody).where(ProtectedBody.message_id == message.id))
    session.delete(message)


def _with_children(query: Select) -> Select:
    return query.options(selectinload(Message.links), selectinload(Message.tags))
