"""Named reads for the per-recipient figures: who was sent what in a window, and what they did."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

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


def first_events(session: Session, message_ids: list[int]) -> dict[tuple[int, int | None], dict[str, datetime]]:
    """The first counted open, click and reply of each message, per recipient index (None: not known):
    (message id, recipient index) -> kind -> time, as `by_recipient` reads them."""
    firsts: dict[tuple[int, int | None], dict[str, datetime]] = {}
    for chunk in _chunks(message_ids, 500):
        rows = session.execute(
            select(Event.message_id, Event.recipient, Event.kind, func.min(Event.occurred_at))
            .where(Event.message_id.in_(chunk), Event.kind.in_(KINDS), counted(Event.source, Event.repeat))
            .group_by(Event.message_id, Event.recipient, Event.kind)
        )
        for message_id, recipient, kind, at in rows:
            firsts.setdefault((message_id, recipient), {})[kind] = at
    return firsts


def replies_checked(session: Session, user_id: int) -> bool:
    """Whether any of the user's mailboxes is linked and readable: without one, no reply can be seen."""
    return session.scalar(
        select(func.count(LinkedAccount.id)).where(LinkedAccount.user_id == user_id, LinkedAccount.status != "relink")
    ) > 0


def _chunks(values: list[int], size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def by_recipient(messages: Iterable, firsts: Mapping[tuple[int, int | None], Mapping[str, Any]]
                 ) -> dict[str, list[tuple[Any, dict[str, Any]]]]:
    """Each address's messages, as (sent time, the first time they did each kind of thing).

    `firsts` is `first_events`' answer, or one in its shape: per (message id, recipient index), the
    first time of each kind; the index None is a pixel shared by all the message's recipients.
    """
    out: dict[str, list] = defaultdict(list)
    for message in messages:
        # A shared pixel cannot say which recipient opened or clicked; sent to one person, it can.
        # A reply is only ever counted as its own recipient's.
        shared = firsts.get((message.id, None)) if len(message.recipients) == 1 else None
        for index, address in enumerate(message.recipients):
            own = firsts.get((message.id, index))
            if shared:
                done = {kind: at for kind, at in shared.items() if kind != "reply"}
                if own:
                    done.update(own)  # their own pixel's first, where it has one
            else:
                done = dict(own) if own else {}
            out[address.lower()].append((message.sent_at, done))
    return out
