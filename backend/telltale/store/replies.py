"""Named reads and writes for replies: the tracked messages a mailbox's new mail may touch, and counts."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from .models import Message


def reply_candidates(session: Session, user_id: int, account: str, refs: Sequence[str], internet_ids: Sequence[str],
                     sent_between: tuple[datetime, datetime] | None) -> list:
    """The user's tracked messages in one of `refs`' threads, named by one of `internet_ids`, or sent
    from `account` (or from an unknown account) in `sent_between` without a known Message-ID yet."""
    conditions = []
    if refs:
        conditions.append(Message.thread_ref.in_(sorted(set(refs))))
    if internet_ids:
        conditions.append(Message.internet_message_id.in_(sorted(set(internet_ids))))
    if sent_between is not None:
        conditions.append(
            Message.sent_at.between(*sent_between) & Message.internet_message_id.is_(None)
            & or_(Message.account == account, Message.account.is_(None))
        )
    if not conditions:
        return []
    return list(session.execute(
        select(Message.id, Message.subject, Message.recipients, Message.sent_at, Message.thread_ref,
               Message.internet_message_id)
        .where(Message.user_id == user_id, Message.tracking.is_(True), or_(*conditions))
    ))


def record_sent(session: Session, message_id: int, internet_message_id: str | None, thread_ref: str | None,
                replace_thread: bool) -> None:
    """Keep what the provider says of a tracked message it sent; a better thread id replaces a draft's."""
    values = {}
    if internet_message_id:
        values["internet_message_id"] = internet_message_id[:998]
    if thread_ref and replace_thread:
        values["thread_ref"] = thread_ref[:255]
    if values:
        session.execute(update(Message).where(Message.id == message_id).values(**values))


def count_replies(session: Session, rows: Iterable[dict]) -> None:
    """Add each counted reply to its message's tally and first-reply time."""
    for row in rows:
        session.execute(
            update(Message).where(Message.id == row["message_id"]).values(
                replies=Message.replies + 1, first_reply_at=_earliest(row["occurred_at"]),
            )
        )


def _earliest(at: datetime):
    # A resync may find an older reply after a newer one.
    return case((Message.first_reply_at.is_(None), at), (Message.first_reply_at > at, at), else_=Message.first_reply_at)
