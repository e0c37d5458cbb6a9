"""Judge hits and describe their readers: what the worker and `telltale classify` both run.

A Judge holds the User-Agent rules, the networks (the owner's file among them) and the enricher's
parser and place data: about 0.3 s and 27 MB to load, so each process builds one and keeps it.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..message_context import Client, ContextQuery, MessageContext
from ..privacy import stored_ip
from . import agents, bots, browsers, mail_apps, networks
from .batch import REPEAT_WINDOW, Judged, judge_batch
from .classifier import BURST, Classifier, Context, Hit, Verdict
from .enrich import Enricher, Enrichment
from .rows import hit_of

# Where a device and a place describe the reader. A proxy's or a prefetcher's are its own, and a
# machine's data centre says nothing about the recipient.
ENRICHED_SOURCES = frozenset({"person", "unknown"})
NOTHING = Enrichment()


class Judge:
    """Classify hits, describe their readers and build their rows, with the rules and data it holds."""

    def __init__(self, classifier: Classifier, enricher: Enricher, *, store_full_ip: bool = False) -> None:
        self._classifier, self._enricher, self._store_full_ip = classifier, enricher, store_full_ip

    def context_query(self, records: Sequence[Mapping]) -> ContextQuery:
        """What the store must gather of the messages of `records` before they are judged."""
        openers: dict[int, set[Client]] = defaultdict(set)
        for record in records:
            if record.get("kind") == "open":
                address = stored_ip(str(record.get("ip") or ""), self._store_full_ip)
                openers[int(record["message_id"])].add(Client(address, str(record.get("ua") or "")[:512]))
        earliest = datetime.fromtimestamp(min((float(record["at"]) for record in records), default=time.time()), UTC)
        return ContextQuery(openers={message_id: frozenset(clients) for message_id, clients in openers.items()},
                            clicks_since=earliest - BURST, opens_since=earliest - REPEAT_WINDOW)

    def event_rows(self, records: Iterable[dict], contexts: Mapping[int, MessageContext]) -> Judged:
        """Judge `records` against their messages' contexts; see batch.judge_batch."""
        return judge_batch(records, contexts, self._classifier.classify, self.describe, self._store_full_ip)

    def describe(self, hit: Hit, verdict: Verdict) -> Enrichment:
        """What the hit says of its reader: nothing when a machine made it."""
        return self._enricher.enrich(hit.ua, hit.ip) if verdict.source in ENRICHED_SOURCES else NOTHING

    def inspect(self, record: Mapping, *, sent_at: datetime | None, opened: bool | None = None,
                headers_known: bool = True) -> dict:
        """`telltale classify`: one hit record, as the hot path writes it, judged and described as the worker would.

        `headers_known` is False when the caller could not say which headers the client sent.
        """
        if record.get("kind") not in ("open", "click"):
            raise ValueError(f"kind must be open or click, got {record.get('kind')!r}")
        hit = hit_of(record, headers_known=headers_known)
        verdict = self._classifier.classify(hit, Context(sent_at=sent_at, opened=opened))
        found = self.describe(hit, verdict)
        return {"source": verdict.source, "reason": verdict.reason, "client": found.client, "device": found.device,
                "os": found.os, "country": found.country, "region": found.region, "city": found.city,
                "timezone": found.timezone}

    def close(self) -> None:
        """Close the owner's GeoIP database, if one is open."""
        self._enricher.close()


def load_judge(home: Path | None, geoip_db: Path | None, *, store_full_ip: bool = False) -> Judge:
    """Load the shipped rules, the owner's networks from `home` and the enricher's data."""
    classifier = Classifier(agents.load(), networks.for_home(home), bots.BotList(), mail_apps.MailApps(),
                        browsers.Browsers())
    return Judge(classifier, Enricher(geoip_db), store_full_ip=store_full_ip)
