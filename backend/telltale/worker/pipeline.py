"""From raw hits to event rows: classification and enrichment, with what each message's context adds.

Pure: no Flask, no Redis, no SQL. The store hands in each message's context (its sender's views,
its links, its recent clicks); this module hands back rows, and the windows of earlier clicks
that a burst has shown to be a scanner's.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from ..classify import classifier
from ..classify.classifier import BURST, Click, Context, Hit, Verdict
from ..classify.enrich import Enricher, Enrichment
from ..privacy import truncate_ip
from ..sources import counts

KINDS = frozenset({"open", "click"})
# Opens by one client this close together are one open: clients that load images twice, a
# message re-rendered, a reader going back to it at once. Short, because behind a shared proxy
# address two readers look like one client.
REPEAT_WINDOW = timedelta(seconds=30)
# Where a device and a place describe the reader. A proxy's or a prefetcher's are its own, and a
# machine's data centre says nothing about the recipient.
ENRICHED_SOURCES = frozenset({"person", "unknown"})
NOTHING = Enrichment()


@dataclass(frozen=True)
class MessageContext:
    id: int
    user_id: int
    tracking: bool
    sent_at: datetime
    sender_views: tuple[datetime, ...] = ()
    link_count: int = 0
    decoy_position: int | None = None
    recent_clicks: tuple[Click, ...] = ()
    # Counted opens just before these hits: (time, stored address, User-Agent).
    recent_opens: tuple[tuple[datetime, str, str], ...] = ()


@dataclass
class Classified:
    rows: list[dict] = field(default_factory=list)
    # (message id, start, end): stored clicks in these windows were a scanner's burst.
    bursts: list[tuple[int, datetime, datetime]] = field(default_factory=list)


@cache
def enricher(geoip_db: Path | None) -> Enricher:
    """One per process: building it loads the parser's and the registries' data."""
    return Enricher(geoip_db)


def hit_of(record: Mapping) -> Hit:
    headers = record.get("headers")
    return Hit(
        kind=str(record.get("kind")),
        at=datetime.fromtimestamp(float(record["at"]), UTC),
        ua=str(record.get("ua") or ""),
        ip=str(record.get("ip") or ""),
        method=str(record.get("method") or "GET"),
        headers=headers if isinstance(headers, dict) else {},
        link_index=record.get("link_index"),
    )


def event_rows(records: Iterable[dict], messages: Mapping[int, MessageContext], *, store_full_ip: bool,
               enrich: Enricher | None = None) -> Classified:
    """Classify `records` in time order (each click sees the clicks before it) and build their rows.

    A record whose message is missing from `messages` is skipped. Raises ValueError for a record
    that cannot be an event.
    """
    out = Classified()
    clicks: dict[int, list[Click]] = defaultdict(list)
    opens: dict[int, list[tuple]] = defaultdict(list)
    rows_of: dict[int, list[dict]] = defaultdict(list)
    for record in sorted(records, key=lambda r: float(r.get("at") or 0)):
        if record.get("kind") not in KINDS:
            raise ValueError(f"hit {record.get('id')!r} has unknown kind {record.get('kind')!r}")
        message = messages.get(int(record["message_id"]))
        if message is None:
            continue
        hit = hit_of(record)
        verdict = classifier.classify(hit, _context(message, (*message.recent_clicks, *clicks[message.id])))
        row = _row(record, hit, message, verdict, store_full_ip, enrich)
        if verdict.burst:
            # The first clicks of a burst looked like a person's until the rest arrived.
            start = hit.at - BURST
            for earlier in rows_of[message.id]:
                if earlier["kind"] == "click" and earlier["occurred_at"] >= start:
                    earlier.update(source="scanner", reason=verdict.reason, **_unenriched())
            out.bursts.append((message.id, start, hit.at))
        if hit.kind == "click":
            clicks[message.id].append(Click(hit.at, hit.link_index, hit.ip))
        elif counts(row["source"]):
            client = (row["ip"], row["user_agent"])
            earlier = (*message.recent_opens, *opens[message.id])
            if any((ip, ua) == client and timedelta(0) <= hit.at - at <= REPEAT_WINDOW for at, ip, ua in earlier):
                row["repeat"] = True
                row["reason"] = f"{row['reason']}; the same client again within {REPEAT_WINDOW.seconds} s"[:200]
            else:
                opens[message.id].append((hit.at, row["ip"], row["user_agent"]))
        rows_of[message.id].append(row)
        out.rows.append(row)
    return out


def inspect(line: Mapping, enrich: Enricher, now: datetime) -> dict:
    """`telltale classify`: one hit as the CLI takes it, judged and enriched as the worker would.

    `line` is {"kind", "ua", "ip", "method", "headers", "seconds_after_send"}; the hit is taken to
    happen at `now`, that many seconds after the message was sent.
    """
    record = {**line, "at": now.timestamp()}
    if record.get("kind") not in KINDS:
        raise ValueError(f"kind must be open or click, got {record.get('kind')!r}")
    after = line.get("seconds_after_send")
    sent_at = now - timedelta(seconds=float(after)) if after is not None else None
    hit = hit_of(record)
    verdict = classifier.classify(hit, Context(sent_at=sent_at))
    found = enrich.enrich(hit.ua, hit.ip) if verdict.source in ENRICHED_SOURCES else NOTHING
    return {"source": verdict.source, "reason": verdict.reason, "client": found.client, "device": found.device,
            "os": found.os, "country": found.country, "region": found.region, "city": found.city,
            "timezone": found.timezone, "place": found.place}


def _context(message: MessageContext, clicks: tuple[Click, ...]) -> Context:
    return Context(
        sent_at=message.sent_at,
        sender_views=message.sender_views,
        link_count=message.link_count,
        decoy_index=message.decoy_position,
        recent_clicks=clicks,
    )


def _row(record: Mapping, hit: Hit, message: MessageContext, verdict: Verdict, store_full_ip: bool,
         enrich: Enricher | None) -> dict:
    found = enrich.enrich(hit.ua, hit.ip) if enrich is not None and verdict.source in ENRICHED_SOURCES else NOTHING
    return {
        "id": _hit_id(record),
        "message_id": message.id,
        "kind": hit.kind,
        "occurred_at": hit.at,
        "recipient": record.get("recipient"),
        "link_position": hit.link_index,
        "url": record.get("url"),
        "ip": hit.ip[:64] if store_full_ip else truncate_ip(hit.ip),
        "user_agent": hit.ua[:512],
        "method": hit.method[:8],
        "source": verdict.source,
        "reason": verdict.reason[:200],
        "client": _cut(found.client, 64),
        "device": _cut(found.device, 64),
        "os": _cut(found.os, 64),
        "country": found.country,
        "region": _cut(found.region, 96),
        "city": _cut(found.city, 96),
        "timezone": _cut(found.timezone, 64),
        "repeat": False,
    }


def _unenriched() -> dict:
    return dict.fromkeys(("client", "device", "os", "country", "region", "city", "timezone"))


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _hit_id(hit: Mapping) -> str:
    hit_id = hit.get("id")
    if not isinstance(hit_id, str) or not 8 <= len(hit_id) <= 32:
        raise ValueError(f"hit id {hit_id!r} is not a hit id")
    return hit_id
