"""What a receipt lists: a message's counted opens and clicks, all of them, oldest first."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..counting import counted
from .models import Event

RECEIPT_KINDS = ("open", "click")


def counted_events(session: Session, message_id: int) -> list[Event]:
    # counting.counted is the rule every figure the app shows follows: a receipt cannot differ.
    return list(session.scalars(
        select(Event)
        .where(Event.message_id == message_id, Event.kind.in_(RECEIPT_KINDS), counted(Event.source, Event.repeat))
        .order_by(Event.occurred_at, Event.id)
    ))
