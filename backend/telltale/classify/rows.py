"""Hit records in, event rows out: the classifier's view of a record, and the row the store keeps."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ..privacy import stored_ip
from .classifier import Hit, Verdict
from .enrich import Enrichment

# The columns that describe the reader: none is claimed for a machine.
READER_COLUMNS = ("client", "device", "os", "country", "region", "city", "timezone")


# The width of the events' reason column: PostgreSQL refuses a longer value, and the whole chunk
# with it, so every reason the batch writes or extends goes through `cut_reason`.
REASON_LENGTH = 200


def cut_reason(reason: str) -> str:
    """`reason`, cut to its column with an ellipsis that says so."""
    return reason if len(reason) <= REASON_LENGTH else reason[:REASON_LENGTH - 1] + "\u2026"


def hit_of(record: Mapping, headers_known: bool = True) -> Hit:
    """The classifier's view of a hit record; `headers_known` says its headers are all the client sent."""
    headers = record.get("headers")
    return Hit(
        kind=str(record.get("kind")),
        at=datetime.fromtimestamp(float(record["at"]), UTC),
        ua=str(record.get("ua") or ""),
        ip=str(record.get("ip") or ""),
        method=str(record.get("method") or "GET"),
        headers=headers if isinstance(headers, dict) else {},
        headers_known=headers_known and isinstance(headers, dict),
        link_index=record.get("link_index"),
    )


def event_row(record: Mapping, hit: Hit, message_id: int, verdict: Verdict, found: Enrichment,
              store_full_ip: bool) -> dict:
    """The row of one event, every text cut to its column."""
    return {
        "id": hit_id(record),
        "message_id": message_id,
        "kind": hit.kind,
        "occurred_at": hit.at,
        "recipient": record.get("recipient"),
        "link_position": hit.link_index,
        "url": record.get("url"),
        "ip": stored_ip(hit.ip, store_full_ip),
        "user_agent": hit.ua[:512],
        "method": hit.method[:8],
        "source": verdict.source,
        "reason": cut_reason(verdict.reason),
        "client": _cut(found.client, 64),
        "device": _cut(found.device, 64),
        "os": _cut(found.os, 64),
        "country": found.country,
        "region": _cut(found.region, 96),
        "city": _cut(found.city, 96),
        "timezone": _cut(found.timezone, 64),
        "repeat": False,
        "forwarded": False,
    }


def unenriched() -> dict:
    return dict.fromkeys(READER_COLUMNS)


def hit_id(record: Mapping) -> str:
    found = record.get("id")
    if not isinstance(found, str) or not 8 <= len(found) <= 32:
        raise ValueError(f"hit id {found!r} is not a hit id")
    return found


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else None
