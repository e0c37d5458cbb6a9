"""What enrichment costs per hit, uncached and cached, over the labelled corpus of real hits.

Run from the repository root:

    .venv/bin/python -m tests.bench.enrich_cost [--corpus FILE] [--mmdb FILE] [--repeat 7]

Each hit's User-Agent and address (truncated as the backend stores it) go through `Enricher.enrich`.
"Uncached" turns the Enricher's caches off, so every hit pays for ua-parser and the address
lookups; "cached" is the same hits again once each has been seen, as repeat readers are. The
issue's budget for classification and enrichment together is 50 us a hit, cached lookups excluded.
Neighbours on a shared host can slow every figure, cached ones too, twofold for seconds at a time:
each is the best of `--repeat` passes, and a cached figure far above 2 us means a noisy run.
"""
from __future__ import annotations

import argparse
import json
import timeit
from pathlib import Path

from telltale.classify.enrich import Enricher
from telltale.privacy import truncate_ip

CORPUS = Path(__file__).parents[1] / "backend" / "classify" / "corpus.jsonl"


def load_hits(corpus: Path) -> list[tuple[str, str]]:
    """Read (User-Agent, stored address) pairs from a JSON-lines file of hits."""
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row.get("ua") or "", truncate_ip(row.get("ip") or "")) for row in rows]


def per_hit(enricher: Enricher, hits: list[tuple[str | None, str | None]], repeat: int) -> float:
    """Best-of-`repeat` cost of one pass over `hits`, in microseconds per hit."""
    def one_pass() -> None:
        for ua, ip in hits:
            enricher.enrich(ua, ip)

    one_pass()  # warms the caches (when on) and ua-parser's lazily compiled matchers
    return min(timeit.repeat(one_pass, number=1, repeat=repeat)) / len(hits) * 1e6


def report(label: str, mmdb: Path | None, hits: list[tuple[str, str]], repeat: int) -> None:
    uncached = Enricher(mmdb, cache_size=0)
    cached = Enricher(mmdb)
    agents_only = [(ua, None) for ua, _ in hits]
    places_only = [(None, ip) for _, ip in hits]
    print(f"{label}:")
    print(f"  uncached  {per_hit(uncached, hits, repeat):6.1f} us/hit"
          f"  (User-Agent {per_hit(uncached, agents_only, repeat):.1f},"
          f" address {per_hit(uncached, places_only, repeat):.1f})")
    print(f"  cached    {per_hit(cached, hits, repeat):6.1f} us/hit")
    uncached.close()
    cached.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="JSON lines with 'ua' and 'ip'")
    parser.add_argument("--mmdb", type=Path, help="also measure with this City/Country .mmdb")
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()
    hits = load_hits(args.corpus)
    placed = Enricher()
    public = sum(1 for _, ip in hits if placed.enrich(None, ip).country)
    print(f"{len(hits)} hits ({len({ua for ua, _ in hits})} distinct User-Agents, {public} from public addresses)"
          f" from {args.corpus}")
    report("bundled data (ua-parser-rs, iptocc)", None, hits, args.repeat)
    if args.mmdb:
        report(f"with {args.mmdb.name}", args.mmdb, hits, args.repeat)


if __name__ == "__main__":
    main()
