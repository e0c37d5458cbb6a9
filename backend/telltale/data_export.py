"""All of a user's data as one JSON document, written while it is read.

A large account (hundreds of thousands of events) must not time out or fill memory: rows come
from the database in batches (store/exports.py) and leave as pieces of about CHUNK bytes, the
first piece at once. orjson writes each row; the document around them is written here by hand,
since no JSON library streams one array of a generator without holding it.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import orjson
from sqlalchemy import func, select

from .retention import kept_days, kept_since
from .services import Services
from .store import exports
from .store.models import ApiToken, LinkedAccount, PushSubscription, TrackingOptOut, User

CHUNK = 64 * 1024
FORMAT = "telltale-export/1"
# The user's own settings, by name: what the API's /settings shows and what they chose.
SETTINGS = ("timezone", "reopen_quiet_minutes", "quiet_start", "quiet_end", "digest", "popups_after_reply",
            "retention_days", "optout_footer", "optout_language", "optout_wording")


def json_export(svc: Services, user_id: int) -> Iterator[bytes]:
    with svc.sessions() as session:
        user = session.get(User, user_id)
        if user is None:
            return
        head = {"format": FORMAT, "exported_at": datetime.now(UTC), "user": {"email": user.email,
                                                                              "created_at": user.created_at},
                "settings": {name: getattr(user, name) for name in SETTINGS},
                "retention": {"days": kept_days(user.retention_days, svc.settings),
                              "kept_since": kept_since(user, svc.settings)},
                **_belongings(session, user_id)}
        yield orjson.dumps(head)[:-1]  # the object stays open: the arrays follow
        yield from _pieces(_array("messages", map(_message, exports.all_messages(session, user_id))))
        yield from _pieces(_array("events", (row._asdict() for row in exports.all_events(session, user_id))))
        yield b"}\n"


def _belongings(session, user_id: int) -> dict:
    """What else the user has here, without its secrets (tokens and keys stay out of the file)."""
    return {
        "api_tokens": [{"label": t.label, "created_at": t.created_at, "last_used_at": t.last_used_at,
                        "revoked_at": t.revoked_at}
                       for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user_id))],
        "linked_mailboxes": [{"provider": a.provider, "address": a.address, "linked_at": a.linked_at}
                             for a in session.scalars(select(LinkedAccount).where(LinkedAccount.user_id == user_id))],
        "push_devices": [{"name": p.name, "created_at": p.created_at}
                         for p in session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id))],
        # Only how many: each is a keyed hash, meaningless outside this server.
        "recipients_who_declined_tracking": session.scalar(
            select(func.count()).select_from(TrackingOptOut).where(TrackingOptOut.user_id == user_id)),
    }


def _message(row) -> dict:
    message = row._asdict()
    message["tags"] = message["tags"].split("\n") if message["tags"] else []
    message["links"] = message["links"].split("\n") if message["links"] else []
    return message


def _array(name: str, items: Iterable[dict]) -> Iterator[bytes]:
    yield b',"' + name.encode() + b'":['
    first = True
    for item in items:
        yield orjson.dumps(item) if first else b"," + orjson.dumps(item)
        first = False
    yield b"]"


def _pieces(parts: Iterable[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for part in parts:
        buffer += part
        if len(buffer) >= CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)
