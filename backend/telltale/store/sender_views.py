"""The sender's own views of a message, recorded as the extension reports them through the API.

The one write outside the worker that reclassifies stored events: the API's answer must already
show the counts without the sender's view, so it cannot wait for a job. Hits that arrive after
the view are judged against it by the worker (store/contexts.py reads it back).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..counting import COUNTED_SOURCES, SENDER_REASON, SENDER_VIEW_WINDOW
from .counters import recount
from .models import Event, Message, SenderView


def record_sender_view(session: Session, message: Message, viewed_at: datetime) -> int:
    """Note the sender's own view and set aside the counted events around it; return how many."""
    session.add(SenderView(message_id=message.id, viewed_at=viewed_at))
    moved = session.execute(
        update(Event)
        .where(
            Event.message_id == message.id,
            Event.source.in_(sorted(COUNTED_SOURCES)),
            Event.occurred_at.between(viewed_at - SENDER_VIEW_WINDOW, viewed_at + SENDER_VIEW_WINDOW),
        )
        .values(source="sender", reason=SENDER_REASON)
    ).rowcount
    if moved:
        recount(session, message)
    return moved
