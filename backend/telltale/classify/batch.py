"""Judge a batch of hits in time order, each against its message's context and the hits before it.

Pure: no Flask, no Redis, no SQL. The store hands in each message's context (its sender's views,
its links, its recent clicks, opens and readers); this hands back rows, readings, the readers new
to each message, and the windows of earlier clicks that a burst has shown to be a scanner's.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..counting import Reader, ReaderKey, counts, reader_key
from ..message_context import Click, MessageContext
from ..privacy import stored_ip
from .classifier import BURST, Context, Hit, Verdict
from .enrich import Enrichment
from .forwards import FORWARD_MARKUP_REASON, FORWARD_REASON, looks_forwarded
from .rows import cut_reason, event_row, hit_of, unenriched

# "view": a reader pressed Show on a protected message's page (protected/).
KINDS = frozenset({"open", "click", "forward", "view"})
# A hop of the reading chain: not an event of its own, a note on the open before it.
READ = "read"
MAX_READING_STEP = 9
# Opens by one client this close together are one open: clients that load images twice, a
# message re-rendered, a reader going back to it at once. Short, because behind a shared proxy
# address two readers look like one client.
REPEAT_WINDOW = timedelta(seconds=30)

Classify = Callable[[Hit, Context], Verdict]
# What is said of the reader of a hit so judged (nothing, for a machine).
Describe = Callable[[Hit, Verdict], Enrichment]


@dataclass(frozen=True)
class Reading:
    """The client at (stored address, User-Agent) still had the message open at hop `step`."""

    message_id: int
    at: datetime
    ip: str
    user_agent: str
    step: int


@dataclass(frozen=True)
class Burst:
    """The stored clicks of a message between `start` and `end` were a scanner's."""

    message_id: int
    start: datetime
    end: datetime


@dataclass
class Judged:
    rows: list[dict] = field(default_factory=list)
    bursts: list[Burst] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    # Ids of the rows that are a message's first open by their reader.
    new_readers: set[str] = field(default_factory=set)


def judge_batch(records: Iterable[dict], contexts: Mapping[int, MessageContext], classify: Classify,
                describe: Describe, store_full_ip: bool) -> Judged:
    """Judge `records` in time order (each click sees the clicks before it) and build their rows.

    A record whose message is missing from `contexts` is skipped. Raises ValueError for a record
    that cannot be an event.
    """
    batch = _Batch(contexts, classify, describe, store_full_ip)
    for record in sorted(records, key=lambda r: float(r.get("at") or 0)):
        batch.take(record)
    return batch.out


class _Batch:
    """What the hits judged so far add to their messages' contexts."""

    def __init__(self, contexts: Mapping[int, MessageContext], classify: Classify, describe: Describe,
                 store_full_ip: bool) -> None:
        self.contexts, self.classify, self.describe, self.store_full_ip = contexts, classify, describe, store_full_ip
        self.out = Judged()
        # Each message's links clicked within BURST of the hit at hand, and each client's counted
        # opens: what the classifier and the repeat rule look at, kept small as the batch goes on.
        self.clicks = {message_id: _latest_per_link(message.recent_clicks) for message_id, message in contexts.items()}
        self.opens: dict[tuple, list[datetime]] = defaultdict(list)
        for message in contexts.values():
            for opened in message.recent_opens:
                self.opens[(message.id, opened.address, opened.user_agent)].append(opened.at)
        self.rows_of: dict[int, list[dict]] = defaultdict(list)
        self.readers: dict[int, set[ReaderKey]] = defaultdict(set)
        self.first_readers: dict[int, Reader] = {}
        self.seen_open: set[int] = set()

    def take(self, record: dict) -> None:
        kind = record.get("kind")
        if kind != READ and kind not in KINDS:
            raise ValueError(f"hit {record.get('id')!r} has unknown kind {kind!r}")
        message = self.contexts.get(int(record["message_id"]))
        if message is None:
            return
        hit = hit_of(record)
        if kind == READ:
            self.out.readings.append(_reading(record, hit, message, self.store_full_ip))
            return
        verdict, row = self._judge(record, hit, message)
        if verdict.burst:
            self._burst(message, hit, verdict)
        if hit.kind == "click":
            self.clicks[message.id][hit.link_index] = Click(hit.at, hit.link_index)
        elif hit.kind != "view":
            self.seen_open.add(message.id)
        if hit.kind == "forward" and counts(row["source"]):
            row["forwarded"] = True
            row["reason"] = cut_reason(f"{row['reason']}; {FORWARD_MARKUP_REASON}")
        elif hit.kind == "open" and counts(row["source"]):
            self._open(row, hit, message)
        self.rows_of[message.id].append(row)
        self.out.rows.append(row)

    def _judge(self, record: dict, hit: Hit, message: MessageContext) -> tuple[Verdict, dict]:
        recent = self.clicks[message.id]
        for link, click in list(recent.items()):
            if click.at < hit.at - BURST:
                del recent[link]
        context = Context(
            sent_at=message.sent_at,
            sender_views=message.sender_views,
            link_count=message.link_count,
            decoy_index=message.decoy_position,
            recent_clicks=tuple(recent.values()),
            opened=message.opened or message.id in self.seen_open,
        )
        # The forward image is an image like the pixel: judge who loaded it as an open.
        judged = hit._replace(kind="open") if hit.kind == "forward" else hit
        if hit.kind == "view":
            # A view is a reader following the mail's link and pressing a button: judged as a click
            # (scanners follow links with browsers' names), but no link of the message's burst.
            judged = hit._replace(kind="click", link_index=None)
            context = context._replace(recent_clicks=(), link_count=0, decoy_index=None)
        verdict = self.classify(judged, context)
        return verdict, event_row(record, hit, message.id, verdict, self.describe(hit, verdict), self.store_full_ip)

    def _burst(self, message: MessageContext, hit: Hit, verdict: Verdict) -> None:
        # The first clicks of a burst looked like a person's until the rest arrived.
        start = hit.at - BURST
        for earlier in self.rows_of[message.id]:
            if earlier["kind"] == "click" and earlier["occurred_at"] >= start:
                earlier.update(source="scanner", reason=cut_reason(verdict.reason), **unenriched())
        self.out.bursts.append(Burst(message.id, start, hit.at))

    def _open(self, row: dict, hit: Hit, message: MessageContext) -> None:
        """Mark a counted open that repeats its client's, or count its reader."""
        earlier = self.opens[(message.id, row["ip"], row["user_agent"])]
        if any(timedelta(0) <= hit.at - at <= REPEAT_WINDOW for at in earlier):
            row["repeat"] = True
            row["reason"] = cut_reason(f"{row['reason']}; the same client again within {REPEAT_WINDOW.seconds} s")
            return
        earlier.append(hit.at)
        self._count_reader(row, message)

    def _count_reader(self, row: dict, message: MessageContext) -> None:
        """Note a counted open's reader: new to the message or not, and whether it looks like a forward."""
        key = reader_key(row["source"], row["recipient"], row["ip"], row["user_agent"])
        seen = self.readers[message.id]
        if key in message.readers or key in seen:
            return
        seen.add(key)
        self.out.new_readers.add(row["id"])
        if row["source"] != "person":
            return
        reader = Reader(row["client"], row["country"], row["city"])
        first = message.first_reader or self.first_readers.get(message.id)
        if first is None:
            self.first_readers[message.id] = reader
        elif looks_forwarded(first, reader):
            row["forwarded"] = True
            row["reason"] = cut_reason(f"{row['reason']}; {FORWARD_REASON}")


def _reading(record: Mapping, hit: Hit, message: MessageContext, store_full_ip: bool) -> Reading:
    step = record.get("step")
    if not isinstance(step, int) or not 1 <= step <= MAX_READING_STEP:
        raise ValueError(f"hit {record.get('id')!r} has no reading step (got {step!r})")
    return Reading(message.id, hit.at, stored_ip(hit.ip, store_full_ip), hit.ua[:512], step)


def _latest_per_link(clicks: Iterable[Click]) -> dict:
    """Each link's latest click: all a burst is judged on, however often one link is clicked."""
    latest: dict = {}
    for click in sorted(clicks, key=lambda c: c.at):
        latest[click.link_index] = click
    return latest
