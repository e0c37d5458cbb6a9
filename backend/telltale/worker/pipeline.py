"""From a raw hit to an event row: the one place classification and enrichment plug in.

Until the classifier lands, every event is stored with source "unknown". `classify` is a pure
function of the hit and its message: no Flask, no Redis, no SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..privacy import truncate_ip
from ..sources import SENDER_REASON, SENDER_VIEW_WINDOW

KINDS = frozenset({"open", "click"})


@dataclass(frozen=True)
class MessageContext:
    id: int
    user_id: int
    tracking: bool
    sent_at: datetime
    sender_views: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Verdict:
    source: str
    reason: str


def classify(hit: dict, message: MessageContext) -> Verdict:
    """Say who made `hit`: the hook the classifier issue fills in."""
    at = datetime.fromtimestamp(float(hit["at"]), UTC)
    if any(abs(at - viewed) <= SENDER_VIEW_WINDOW for viewed in message.sender_views):
        return Verdict("sender", SENDER_REASON)
    return Verdict("unknown", "not classified")


def event_row(hit: dict, message: MessageContext, *, store_full_ip: bool) -> dict:
    """Build the events-table row for `hit`; raise ValueError for a record that cannot be one."""
    if hit.get("kind") not in KINDS:
        raise ValueError(f"hit {hit.get('id')!r} has unknown kind {hit.get('kind')!r}")
    verdict = classify(hit, message)
    ip = str(hit.get("ip") or "")
    return {
        "id": _hit_id(hit),
        "message_id": message.id,
        "kind": hit["kind"],
        "occurred_at": datetime.fromtimestamp(float(hit["at"]), UTC),
        "recipient": hit.get("recipient"),
        "link_position": hit.get("link_index"),
        "url": hit.get("url"),
        "ip": ip[:64] if store_full_ip else truncate_ip(ip),
        "user_agent": str(hit.get("ua") or "")[:512],
        "method": str(hit.get("method") or "GET")[:8],
        "source": verdict.source,
        "reason": verdict.reason,
    }


def _hit_id(hit: dict) -> str:
    hit_id = hit.get("id")
    if not isinstance(hit_id, str) or not 8 <= len(hit_id) <= 32:
        raise ValueError(f"hit id {hit_id!r} is not a hit id")
    return hit_id
