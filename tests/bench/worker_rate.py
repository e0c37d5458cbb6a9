"""Worker ingest: stored hits per second for one `telltale worker`, on SQLite and on PostgreSQL.

Hit records are preloaded into the stack's own Redis exactly as the hot path pushes them
(`queue.push_hits`), built from the classifier's corpus of real hits (User-Agents, addresses,
headers, timing after send) spread over many messages, so classification, enrichment, repeat
grouping and click-burst detection all do their real work. Then one worker starts; the rate is
counted from the first stored chunk to the last, so the worker's start-up is not part of it.
"""
from __future__ import annotations

import json
import os
import random
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from telltale import queue

from .harness import Deadline, Stack, poll

CORPUS = Path(__file__).parents[1] / "backend" / "classify" / "corpus.jsonl"
PG_ADMIN = os.environ.get("TELLTALE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
MESSAGES = 200
LINKS = ["https://example.com/quote?q=3", "https://example.org/calendar/book"]
PUSH_CHUNK = 1000
TARGET_PER_SECOND = 5000


def measure(folder: Path, deadline: Deadline, hits: int) -> dict:
    """Measure both databases; PostgreSQL's figure is reported without a target."""
    sqlite = _one_database(folder / "sqlite", None, hits, deadline)
    try:
        with _pg_database() as url:
            postgresql = _one_database(folder / "postgresql", url, hits, deadline)
    except (psycopg.Error, RuntimeError) as exc:
        postgresql = {"error": f"{type(exc).__name__}: {exc}"}
    rate = sqlite.get("hits_per_second", 0)
    errors = [f"{side['database']}: {side['error']}" for side in (sqlite, postgresql) if "error" in side and "database" in side]
    if "error" in postgresql and "database" not in postgresql:
        errors.append(f"postgresql: {postgresql['error']}")
    return {
        **({"error": "; ".join(errors)} if errors else {}),
        "sqlite": sqlite,
        "postgresql": postgresql,
        "reference": None,
        "ratio": None,
        "target": {"text": f">= {TARGET_PER_SECOND:,} stored hits/s per worker process on SQLite (PostgreSQL: reported)",
                   "min_hits_per_second": TARGET_PER_SECOND},
        "met": rate >= TARGET_PER_SECOND,
    }


def _one_database(folder: Path, database_url: str | None, hits: int, deadline: Deadline) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    with Stack(folder, database_url) as stack:
        sent_at = datetime.now(UTC) - timedelta(days=7)
        messages = stack.register(MESSAGES, links=LINKS, sent_at=sent_at.isoformat())
        records = hit_records(messages, sent_at, hits)
        conn = stack.services.redis
        for start in range(0, len(records), PUSH_CHUNK):
            queue.push_hits(conn, records[start:start + PUSH_CHUNK])
        ids = [message["id"] for message in messages]
        stack.worker()
        # The drainer trims the list only after the store has committed a chunk, so the list's
        # length tells what is stored at the cost of one Redis command (a COUNT would compete
        # with the worker for the database and the CPU); the database is counted once at the end.
        seen: list[tuple[float, int]] = []

        def all_stored() -> bool:
            seen.append((time.perf_counter(), len(records) - queue.pending_hits(conn)))
            return seen[-1][1] >= len(records)

        finished = poll(all_stored, deadline, every=0.01)
        stored = stack.stored(ids)
    return _rate(seen, len(records), stored, finished, database_url)


def _rate(seen: list[tuple[float, int]], total: int, stored: int, finished: bool, database_url: str | None) -> dict:
    first = next(((at, count) for at, count in seen if count), None)
    last_at, last_count = seen[-1]
    result = {"database": "postgresql" if database_url else "sqlite", "hits": total, "stored": stored,
              "finished": finished}
    if first is None or last_count == first[1]:
        return {**result, "error": "the worker stored too few hits to time"}
    # From the first chunk seen stored to the last: start-up and the first chunk's own time are left out.
    seconds = last_at - first[0]
    result.update(seconds=round(seconds, 2), hits_per_second=round((last_count - first[1]) / seconds))
    if not finished or stored != total:
        result["error"] = f"{stored} of {total} hits stored before the deadline"
    return result


def hit_records(messages: list[dict], sent_at: datetime, count: int) -> list[bytes]:
    """Build `count` hit records as the hot path writes them, in arrival order."""
    corpus = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    chooser = random.Random(6)
    records = []
    for n in range(count):
        message, row = messages[n % len(messages)], chooser.choice(corpus)
        record = {"id": os.urandom(12).hex(), "kind": row["kind"], "message_id": message["id"]}
        if row["kind"] == "click":
            index = chooser.randrange(len(LINKS))
            record.update(link_index=index, url=LINKS[index])
        else:
            record["recipient"] = None
        at = sent_at.timestamp() + row["seconds_after_send"] + chooser.random()
        record.update(at=at, ip=row["ip"], ua=row["ua"], method=row["method"], headers=row["headers"])
        records.append(record)
    records.sort(key=lambda record: record["at"])
    return [json.dumps(record, separators=(",", ":")).encode("utf-8") for record in records]


@contextmanager
def _pg_database():
    """A database of the bench's own on the PostgreSQL server, dropped afterwards."""
    name = f"telltale_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
