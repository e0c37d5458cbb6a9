"""Worker ingest: stored hits per second for one `telltale worker`, on SQLite and on PostgreSQL, beside the store's floor.

Hit records are preloaded into the stack's own Redis exactly as the hot path pushes them
(`queue.push_hits`), built from the classifier's corpus of real hits (User-Agents, addresses,
headers, timing after send) spread over many messages, so classification, enrichment, repeat
grouping and click-burst detection all do their real work. Then one worker starts; the rate is
counted from the first stored chunk to the last, so the worker's start-up is not part of it.

The reference is the floor of the store: the event rows the worker stored, read back and inserted
again into a fresh database of the same schema (a second stack, so the same migrations, indexes
and constraints, and the same messages under the same ids) with the raw DB-API driver, one plain
executemany per chunk of the worker's size, one transaction per chunk. Whatever the worker does
beyond that (reading Redis, judging, enriching, counters, publishing) is what the ratio measures.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from telltale import queue
from telltale.store.models import Event
from telltale.tracking.hits import hit_id
from telltale.worker.ingest import CHUNK

from .harness import Deadline, Stack, poll

CORPUS = Path(__file__).parents[1] / "backend" / "classify" / "corpus.jsonl"
PG_ADMIN = os.environ.get("TELLTALE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
MESSAGES = 200
LINKS = ["https://example.com/quote?q=3", "https://example.org/calendar/book"]
PUSH_CHUNK = 1000
MIN_VS_FLOOR = 0.40
# Every column, the primary key too: it is the hit id minted on the hot path, not a generated key,
# and the worker writes it like any other.
COLUMNS = [column.name for column in Event.__table__.columns]


def measure(folder: Path, deadline: Deadline, hits: int) -> dict:
    """Measure both databases, each beside its floor; `met` when the worker reaches the share on both."""
    sqlite = _one_database(folder / "sqlite", None, None, hits, deadline)
    try:
        with _pg_database("worker") as url, _pg_database("floor") as floor_url:
            postgresql = _one_database(folder / "postgresql", url, floor_url, hits, deadline)
    except (psycopg.Error, RuntimeError) as exc:
        postgresql = {"database": "postgresql", "error": f"{type(exc).__name__}: {exc}"}
    sides = {"sqlite": sqlite, "postgresql": postgresql}
    errors = [f"{name}: {side['error']}" for name, side in sides.items() if "error" in side]
    floors = {name: side.pop("floor", None) for name, side in sides.items()}
    ratio = {name: _ratio(side, floors[name]) for name, side in sides.items()}
    return {
        **({"error": "; ".join(errors)} if errors else {}),
        "sqlite": sqlite,
        "postgresql": postgresql,
        "reference": floors,
        "ratio": ratio,
        "target": {"text": f"worker hits/s >= {MIN_VS_FLOOR:.0%} of a plain executemany INSERT of the same rows"
                           f" (chunks of {CHUNK:,}, one transaction each), on SQLite and on PostgreSQL",
                   "min_vs_floor": MIN_VS_FLOOR},
        "met": all(value is not None and value >= MIN_VS_FLOOR for value in ratio.values()),
    }


def _ratio(side: dict, floor: dict | None) -> float | None:
    if "hits_per_second" not in side or not (floor or {}).get("rows_per_second"):
        return None
    return round(side["hits_per_second"] / floor["rows_per_second"], 3)


def _one_database(folder: Path, database_url: str | None, floor_url: str | None, hits: int,
                  deadline: Deadline) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    sent_at = datetime.now(UTC) - timedelta(days=7)
    with Stack(folder / "worker", database_url) as stack:
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
        rows = _event_rows(stack.settings.database_url)
    result = _rate(seen, len(records), stored, finished, database_url)
    deadline.check("measuring the store's floor")
    with Stack(folder / "floor", floor_url) as floor:
        # The same messages under the same ids, so every row's message_id finds its message.
        if [m["id"] for m in floor.register(MESSAGES, links=LINKS, sent_at=sent_at.isoformat())] != ids:
            raise RuntimeError("the floor's database gave its messages other ids than the worker's")
        result["floor"] = _floor(floor.settings.database_url, rows)
    return result


def _event_rows(database_url: str) -> list[tuple]:
    """Every stored event row, all columns, in the order the worker stored them (hits arrive in time order)."""
    query = f"SELECT {', '.join(COLUMNS)} FROM {Event.__tablename__} ORDER BY occurred_at, id"
    with _connect(database_url) as (db, _):
        return db.execute(query).fetchall()


def _floor(database_url: str, rows: list[tuple]) -> dict:
    """Insert `rows` with the raw driver, a chunk per transaction; rows per second, the first chunk left out."""
    seconds: list[float] = []
    with _connect(database_url) as (db, mark):
        placeholders = ", ".join([mark] * len(COLUMNS))
        statement = f"INSERT INTO {Event.__tablename__} ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        for start in range(0, len(rows), CHUNK):
            began = time.perf_counter()
            with _transaction(db):
                db.cursor().executemany(statement, rows[start:start + CHUNK])
            seconds.append(time.perf_counter() - began)
    # As the worker's rate starts once its first chunk is stored: a first statement's preparation
    # and a first page's allocation are left out on both sides.
    timed_rows, timed = (len(rows) - CHUNK, sum(seconds[1:])) if len(seconds) > 1 else (len(rows), sum(seconds))
    return {"rows": len(rows), "chunk": CHUNK, "seconds": round(sum(seconds), 3),
            "rows_per_second": round(timed_rows / timed) if timed else None,
            "driver": "sqlite3" if database_url.startswith("sqlite") else f"psycopg {psycopg.__version__}"}


@contextmanager
def _connect(database_url: str):
    """A raw DB-API connection to the stack's database, and its placeholder."""
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(database_url.split("///", 1)[1], timeout=30, isolation_level=None)
        # The app's own pragmas (store/db.py): the same durability, foreign keys checked.
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            db.execute(f"PRAGMA {pragma}")
        mark = "?"
    else:
        # The settings name SQLAlchemy's dialect and driver (postgresql+psycopg://); libpq wants neither.
        db = psycopg.connect("postgresql://" + database_url.split("://", 1)[1], autocommit=True)
        mark = "%s"
    try:
        yield db, mark
    finally:
        db.close()


@contextmanager
def _transaction(db):
    """One transaction, committed at the end: both connections are in autocommit mode outside it."""
    if isinstance(db, psycopg.Connection):
        with db.transaction():
            yield
        return
    db.execute("BEGIN")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


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
        at = sent_at.timestamp() + row["seconds_after_send"] + chooser.random()
        record = {"id": hit_id(at), "kind": row["kind"], "message_id": message["id"]}
        if row["kind"] == "click":
            index = chooser.randrange(len(LINKS))
            record.update(link_index=index, url=LINKS[index])
        else:
            record["recipient"] = None
        record.update(at=at, ip=row["ip"], ua=row["ua"], method=row["method"], headers=row["headers"])
        records.append(record)
    records.sort(key=lambda record: record["at"])
    return [json.dumps(record, separators=(",", ":")).encode("utf-8") for record in records]


@contextmanager
def _pg_database(purpose: str):
    """A database of the bench's own on the PostgreSQL server, dropped afterwards."""
    name = f"telltale_bench_{os.getpid()}_{purpose}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
