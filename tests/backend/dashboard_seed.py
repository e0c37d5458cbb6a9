"""Seed one user's mailbox with many messages and events, for the dashboard's tests and benchmark.

Bulk inserts through SQLAlchemy Core (one executemany per batch): the ORM would spend minutes on
200,000 events. The mix is a sender's year as the classifier sees it: people and their providers'
proxies, prefetchers, scanners, crawlers, the sender's own views, repeats; readers in a handful of
zones, some a half-hour off UTC, and a third in no known zone. Counters on each message are those
its counted events give, as the worker would have kept them.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, insert, update

from telltale.counting import counts
from telltale.store.models import Event, Message

SOURCES = (("person", 45), ("proxy", 25), ("prefetch", 10), ("scanner", 8), ("crawler", 3), ("sender", 4),
           ("unknown", 5))
ZONES = ("America/New_York", "America/Los_Angeles", "Europe/Madrid", "Europe/London", "Asia/Tokyo",
         "Asia/Kolkata", "Australia/Sydney", None, None, None)
BATCH = 5_000


def seed(engine: Engine, user_id: int, *, messages: int = 10_000, events: int = 200_000, days: int = 365,
         addresses: int = 400, seed: int = 7, now: datetime | None = None) -> None:
    """Add `messages` messages sent over the last `days` days, and `events` events among them."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    pool = [f"reader{i}@example{i % 23}.test" for i in range(addresses)]
    with engine.begin() as connection:
        rows = [_message(rng, user_id, pool, now, days, i) for i in range(messages)]
        ids = _insert_messages(connection, rows)
        sent = {message_id: row["sent_at"] for message_id, row in zip(ids, rows, strict=True)}
        tallies = {message_id: _tally() for message_id in ids}
        _insert(connection, Event.__table__, _events(rng, sent, tallies, events, now, seed))
        _update_counters(connection, tallies)


def _insert_messages(connection: Connection, rows: list[dict]) -> list[int]:
    """Insert the messages; return their ids in the order given (the database's sequence picks them)."""
    table = Message.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        ids += connection.scalars(statement, rows[start:start + BATCH]).all()
    return ids


def _message(rng: random.Random, user_id: int, pool: list[str], now: datetime, days: int, i: int) -> dict:
    sent = min(_working_time(rng, now - timedelta(days=rng.uniform(0, days))), now)
    # A few subjects a spreadsheet would run as a formula: the CSV export must defuse them.
    subject = f"=HYPERLINK(\"x\") {i}" if i % 500 == 0 else f"Quote {i} for {rng.choice(('Q3', 'Q4', 'renewal'))}"
    return {"user_id": user_id, "subject": subject, "recipients": rng.sample(pool, rng.choice((1, 1, 1, 2, 3))),
            "sent_at": sent, "created_at": sent, "tracking": rng.random() > 0.03, "notify": True, "opens": 0,
            "clicks": 0, "replies": 0, "readers": 0, "forwarded": False}


def _working_time(rng: random.Random, day: datetime) -> datetime:
    """A time on that day or the Friday before, most likely mid-morning UTC: when a sender works."""
    if day.weekday() >= 5 and rng.random() < 0.8:
        day -= timedelta(days=day.weekday() - 4)
    hour = min(max(rng.gauss(10, 3), 0), 23.99)
    return day.replace(hour=int(hour), minute=int(hour % 1 * 60), second=rng.randrange(60), microsecond=0)


def _tally() -> dict:
    return {"opens": 0, "clicks": 0, "replies": 0, "first_open_at": None, "first_reply_at": None}


def _events(rng: random.Random, sent: dict, tallies: dict, total: int, now: datetime, seed: int) -> Iterator[dict]:
    ids = list(sent)
    # Some messages are opened again and again, most a few times, and a fifth never (images
    # blocked, or never read): a skew like a real mailbox's.
    weights = [rng.paretovariate(1.5) if rng.random() > 0.2 else 0 for _ in ids]
    names, shares = zip(*SOURCES, strict=True)
    for n, message_id in enumerate(rng.choices(ids, weights, k=total)):
        source = rng.choices(names, shares)[0]
        kind = rng.choices(("open", "click", "reply"), (85, 13, 2))[0] if source == "person" else (
            "open" if rng.random() < 0.85 else "click")
        at = min(sent[message_id] + timedelta(minutes=rng.lognormvariate(5, 2)), now)
        repeat = source in ("person", "proxy") and kind == "open" and rng.random() < 0.15
        yield _event(rng, f"seed{seed}-{n}", message_id, kind, source, repeat, at)
        if counts(source, repeat):
            _count(tallies[message_id], kind, at)


def _event(rng: random.Random, hit_id: str, message_id: int, kind: str, source: str, repeat: bool,
           at: datetime) -> dict:
    person = source == "person"
    return {"id": hit_id, "message_id": message_id, "kind": kind, "occurred_at": at,
            "recipient": rng.choice((0, None)), "link_position": 0 if kind == "click" else None,
            "url": "https://example.com/a" if kind == "click" else None,
            "ip": "203.0.113.0" if person else "66.249.66.0", "user_agent": "Mozilla/5.0", "method": "GET",
            "source": source, "reason": f"seeded {source}", "client": "Apple Mail" if person else None,
            "device": None, "os": None, "country": "ES" if person else None, "region": None,
            "city": "Madrid" if person else None, "timezone": rng.choice(ZONES) if person else None,
            "repeat": repeat, "reading_step": rng.choice((None, 1, 2, 3)) if person and kind == "open" else None,
            "forwarded": False}


def _count(tally: dict, kind: str, at: datetime) -> None:
    plural = {"open": "opens", "click": "clicks", "reply": "replies"}[kind]
    tally[plural] += 1
    first = f"first_{kind}_at"
    if first in tally and (tally[first] is None or at < tally[first]):
        tally[first] = at


def _update_counters(connection: Connection, tallies: dict) -> None:
    table = Message.__table__
    statement = update(table).where(table.c.id == bindparam("m_id")).values(
        opens=bindparam("m_opens"), clicks=bindparam("m_clicks"), replies=bindparam("m_replies"),
        readers=bindparam("m_readers"), first_open_at=bindparam("m_first_open", type_=table.c.first_open_at.type),
        last_open_at=bindparam("m_first_open", type_=table.c.last_open_at.type),
        first_reply_at=bindparam("m_first_reply", type_=table.c.first_reply_at.type))
    rows = [{"m_id": message_id, "m_opens": t["opens"], "m_clicks": t["clicks"], "m_replies": t["replies"],
             "m_readers": min(t["opens"], 3), "m_first_open": t["first_open_at"], "m_first_reply": t["first_reply_at"]}
            for message_id, t in tallies.items() if t["opens"] or t["clicks"] or t["replies"]]
    for start in range(0, len(rows), BATCH):
        connection.execute(statement, rows[start:start + BATCH])


def _insert(connection: Connection, table, rows: Iterator[dict]) -> None:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
