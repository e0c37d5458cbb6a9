"""Named reads for the per-recipient figures: who was sent what in a window, and what they did."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..counting import counted
from .models import Event, LinkedAccount, Message

KINDS = ("open", "click", "reply")


def sent_since(session: Session, user_id: int, since: datetime) -> list:
    """The user's tracked messages sent since `since`: id, recipients and sent time."""
    return list(session.execute(
        select(Message.id, Message.recipients, Message.sent_at)
        .where(Message.user_id == user_id, Message.tracking.is_(True), Message.sent_at >= since)
    ))


def first_events(session: Session, message_ids: list[int]) -> dict[tuple[int, int | None, str], datetime]:
    """The first counted open, click and reply of each message, per recipient index (None: not known)."""
    firsts: dict[tuple[int, int | None, str], datetime] = {}
    for chunk in _chunks(message_ids, 500):
        rows = session.execute(
            select(Event.message_id, Event.recipient, Event.kind, func.min(Event.occurred_at))
            .where(Event.message_id.in_(chunk), Event.kind.in_(KINDS), counted(Event.source, Event.repeat))
            .group_by(Event.message_id, Event.recipient, Event.kind)
        )
        firsts.update({(row[0], row[1], row[2]): row[3] for row in rows})
    return firsts


def replies_checked(session: Session, user_id: int) -> bool:
    """Whether any of the user's mailboxes is linked and readable: without one, no reply can be seen."""
    return session.scalar(
        select(func.count(LinkedAccount.id)).where(LinkedAccount.user_id == user_id, LinkedAccount.status != "relink")
    ) > 0


def _chunks(values: list[int], size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def by_recipient(messages: list, firsts: dict) -> dict[str, list[tuple[datetime, dict[str, datetime]]]]:
    """Each address's messages, as (sent time, the first time they did each kind of thing)."""
    out: dict[str, list] = defaultdict(list)
    for message in messages:
        alone = len(message.recipients) == 1
        for index, address in enumerate(message.recipients):
            done = {}
            for kind in KINDS:
                # A shared pixel cannot say which recipient opened; sent to one person, it can.
                at = firsts.get((message.id, index, kind)) or (firsts.get((message.id, None, kind))
                                                               if alone and kind != "reply" else None)
                if at is not None:
                    done[kind] = at
            out[address.lower()].append((message.sent_at, done))
    return out
