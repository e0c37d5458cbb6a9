"""From raw hits to event rows: classification and enrichment, with what each message's context adds.

Pure: no Flask, no Redis, no SQL. The store hands in each message's context (its sender's views,
its links, its recent clicks); this module hands back rows, and the windows of earlier clicks
that a burst has shown to be a scanner's.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from ..classify import classifier
from ..classify.audience import FORWARD_MARKUP_REASON, FORWARD_REASON, Reader, looks_forwarded, reader_key
from ..classify.classifier import BURST, Click, Context, Hit, Verdict
from ..classify.enrich import Enricher, Enrichment
from ..privacy import truncate_ip
from ..sources import counts

KINDS = frozenset({"open", "click", "forward"})
# A hop of the reading chain: not an event of its own, a note on the open before it.
READ = "read"
MAX_READING_STEP = 9
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
    # reader_key() of the readers already counted who may be these hits' (see store.events.readers_of).
    readers: frozenset = frozenset()
    first_reader: Reader | None = None
    # Some hit before these was an open (of any source: a prefetch still shows the mail arrived).
    opened: bool = False


@dataclass(frozen=True)
class Reading:
    """The client at (stored address, User-Agent) still had the message open at hop `step`."""

    message_id: int
    at: datetime
    ip: str
    user_agent: str
    step: int


@dataclass
class Classified:
    rows: list[dict] = field(default_factory=list)
    # (message id, start, end): stored clicks in these windows were a scanner's burst.
    bursts: list[tuple[int, datetime, datetime]] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    # Ids of the rows that are a message's first open by their reader.
    new_readers: set[str] = field(default_factory=set)


@cache
def enricher(geoip_db: Path | None) -> Enricher:
    """One per process: building it loads the parser's and the registries' data."""
    return Enricher(geoip_db)


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


def event_rows(records: Iterable[dict], messages: Mapping[int, MessageContext], *, store_full_ip: bool,
               enrich: Enricher | None = None) -> Classified:
    """Classify `records` in time order (each click sees the clicks before it) and build their rows.

    A record whose message is missing from `messages` is skipped. Raises ValueError for a record
    that cannot be an event.
    """
    out = Classified()
    # Each message's links clicked within BURST of the hit at hand, and each client's counted opens:
    # what the classifier and the repeat rule look at, kept small as the batch goes on.
    clicks = {message_id: _latest_per_link(message.recent_clicks) for message_id, message in messages.items()}
    opens: dict[tuple, list[datetime]] = defaultdict(list)
    for message in messages.values():
        for at, ip, ua in message.recent_opens:
            opens[(message.id, ip, ua)].append(at)
    rows_of: dict[int, list[dict]] = defaultdict(list)
    readers: dict[int, set] = defaultdict(set)
    first_readers: dict[int, Reader] = {}
    seen_open: set[int] = set()
    for record in sorted(records, key=lambda r: float(r.get("at") or 0)):
        kind = record.get("kind")
        if kind != READ and kind not in KINDS:
            raise ValueError(f"hit {record.get('id')!r} has unknown kind {kind!r}")
        message = messages.get(int(record["message_id"]))
        if message is None:
            continue
        hit = hit_of(record)
        if kind == READ:
            out.readings.append(_reading(record, hit, message, store_full_ip))
            continue
        # The forward image is an image like the pixel: judge who loaded it as an open.
        judged = replace(hit, kind="open") if kind == "forward" else hit
        recent = clicks[message.id]
        for link, click in list(recent.items()):
            if click.at < hit.at - BURST:
                del recent[link]
        context = _context(message, tuple(recent.values()), message.opened or message.id in seen_open)
        verdict = classifier.classify(judged, context)
        row = _row(record, hit, message, verdict, store_full_ip, enrich)
        if verdict.burst:
            # The first clicks of a burst looked like a person's until the rest arrived.
            start = hit.at - BURST
            for earlier in rows_of[message.id]:
                if earlier["kind"] == "click" and earlier["occurred_at"] >= start:
                    earlier.update(source="scanner", reason=verdict.reason, **_unenriched())
            out.bursts.append((message.id, start, hit.at))
        if hit.kind != "click":
            seen_open.add(message.id)
        if hit.kind == "click":
            recent[hit.link_index] = Click(hit.at, hit.link_index)
        elif hit.kind == "forward":
            if counts(row["source"]):
                row["forwarded"] = True
                row["reason"] = f"{row['reason']}; {FORWARD_MARKUP_REASON}"[:200]
        elif counts(row["source"]):
            earlier = opens[(message.id, row["ip"], row["user_agent"])]
            if any(timedelta(0) <= hit.at - at <= REPEAT_WINDOW for at in earlier):
                row["repeat"] = True
                row["reason"] = f"{row['reason']}; the same client again within {REPEAT_WINDOW.seconds} s"[:200]
            else:
                earlier.append(hit.at)
                _count_reader(row, message, readers[message.id], first_readers, out)
        rows_of[message.id].append(row)
        out.rows.append(row)
    return out


def inspect(line: Mapping, enrich: Enricher, now: datetime) -> dict:
    """`telltale classify`: one hit as the CLI takes it, judged and enriched as the worker would.

    `line` is {"kind", "ua", "ip", "method", "headers", "seconds_after_send"}; the hit is taken to
    happen at `now`, that many seconds after the message was sent.
    """
    record = {**line, "at": now.timestamp()}
    if record.get("kind") not in ("open", "click"):
        raise ValueError(f"kind must be open or click, got {record.get('kind')!r}")
    after = line.get("seconds_after_send")
    sent_at = now - timedelta(seconds=float(after)) if after is not None else None
    hit = hit_of(record, headers_known="headers" in line)
    verdict = classifier.classify(hit, Context(sent_at=sent_at))
    found = enrich.enrich(hit.ua, hit.ip) if verdict.source in ENRICHED_SOURCES else NOTHING
    return {"source": verdict.source, "reason": verdict.reason, "client": found.client, "device": found.device,
            "os": found.os, "country": found.country, "region": found.region, "city": found.city,
            "timezone": found.timezone, "place": found.place}


def _count_reader(row: dict, message: MessageContext, seen: set, first_readers: dict[int, Reader],
                  out: Classified) -> None:
    """Note a counted open's reader: new to the message or not, and whether it looks like a forward."""
    key = reader_key(row["source"], row["recipient"], row["ip"], row["user_agent"])
    if key in message.readers or key in seen:
        return
    seen.add(key)
    out.new_readers.add(row["id"])
    if row["source"] != "person":
        return
    reader = Reader(row["client"], row["country"], row["city"])
    first = message.first_reader or first_readers.get(message.id)
    if first is None:
        first_readers[message.id] = reader
    elif looks_forwarded(first, reader):
        row["forwarded"] = True
        row["reason"] = f"{row['reason']}; {FORWARD_REASON}"[:200]


def _reading(record: Mapping, hit: Hit, message: MessageContext, store_full_ip: bool) -> Reading:
    step = record.get("step")
    if not isinstance(step, int) or not 1 <= step <= MAX_READING_STEP:
        raise ValueError(f"hit {record.get('id')!r} has no reading step (got {step!r})")
    return Reading(message.id, hit.at, stored_ip(hit.ip, store_full_ip), hit.ua[:512], step)


def _latest_per_link(clicks) -> dict:
    """Each link's latest click: all a burst is judged on, however often one link is clicked."""
    latest: dict = {}
    for click in sorted(clicks, key=lambda c: c.at):
        latest[click.link_index] = click
    return latest


def stored_ip(ip: str, store_full_ip: bool) -> str:
    return ip[:64] if store_full_ip else truncate_ip(ip)


def _context(message: MessageContext, clicks: tuple[Click, ...], opened: bool) -> Context:
    return Context(
        sent_at=message.sent_at,
        sender_views=message.sender_views,
        link_count=message.link_count,
        decoy_index=message.decoy_position,
        recent_clicks=clicks,
        opened=opened,
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
        "ip": stored_ip(hit.ip, store_full_ip),
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
        "forwarded": False,
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
