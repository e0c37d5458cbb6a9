"""Named queries for recipients' opt-outs: kept as a keyed hash of the address, never the address.

`hash_address` is the instance's keyed hash (optout/hashing.py): one address is the same as another
when their hashes are, so what counts as the same address is defined in one place.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Message, TrackingOptOut

HashAddress = Callable[[str], str]
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
# Messages read per round trip while marking a user's past messages as declined.
BATCH = 1000


def record(session: Session, user_id: int, address: str, hash_address: HashAddress, now: datetime) -> list[int]:
    """Keep `address`'s opt-out from `user_id`'s tracking and mark the messages sent to it; return their ids.

    Idempotent: a second press of the button (or two at once) keeps one row and marks nothing twice.
    """
    digest = hash_address(address)
    insert = _INSERTS[session.get_bind().dialect.name]
    session.execute(insert(TrackingOptOut).values(user_id=user_id, address_hash=digest, created_at=now)
                    .on_conflict_do_nothing(index_elements=["user_id", "address_hash"]))
    changes = _declined_changes(session, user_id, digest, hash_address)
    for message_id, declined in changes.items():
        session.execute(update(Message).where(Message.id == message_id).values(declined_recipients=declined))
    return sorted(changes)


def declined_indexes(session: Session, user_id: int, recipients: Sequence[str],
                     hash_address: HashAddress) -> list[int] | None:
    """The indexes of `recipients` who declined `user_id`'s tracking, for a new message; None if none did."""
    if not recipients:
        return None
    digests = [hash_address(address) for address in recipients]
    declined = set(session.scalars(select(TrackingOptOut.address_hash).where(
        TrackingOptOut.user_id == user_id, TrackingOptOut.address_hash.in_(sorted(set(digests))))))
    return [i for i, digest in enumerate(digests) if digest in declined] or None


def _declined_changes(session: Session, user_id: int, digest: str, hash_address: HashAddress) -> dict[int, list[int]]:
    """Each of the user's messages sent to the address `digest` hashes, with its new declined list.

    Read in batches: a user may have sent 100,000 messages, and only their ids and recipients are
    needed. Written after the read, so no update runs while a batch's cursor is open. Recipients
    repeat from message to message, so each distinct one is hashed once.
    """
    matches: dict[str, bool] = {}
    changes: dict[int, list[int]] = {}
    rows = session.execute(
        select(Message.id, Message.recipients, Message.declined_recipients)
        .where(Message.user_id == user_id).execution_options(yield_per=BATCH)
    )
    for message_id, recipients, declined in rows:
        found = set()
        for index, address in enumerate(recipients or ()):
            if address not in matches:
                matches[address] = hash_address(address) == digest
            if matches[address]:
                found.add(index)
        if found - set(declined or ()):
            changes[message_id] = sorted(found | set(declined or ()))
    return changes
