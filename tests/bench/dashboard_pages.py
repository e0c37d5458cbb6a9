"""Dashboard pages: the server time of each /app page with a year's mail, on SQLite and on PostgreSQL.

Each database gets a stack of the bench's own (harness.Stack: its own Redis, home and database;
on PostgreSQL a scratch database, dropped afterwards), one user seeded by
tests/backend/dashboard_seed.py (10,000 messages and 200,000 events over a year; --quick seeds
less and says so), and a colleague with mail of their own in the same tables and the same team, as
on any shared server. A Flask test client signs in as a person does (the one-time link, then the
form) and fetches every page in rounds, each round every page once, so the machine's moments of
load fall on all pages alike; the first round is a warm-up. Before the rounds the bench process
freezes what it holds, as a web process does once it has built the app (server.py).

A page's time is the wall time of the whole request through the test client, template rendering
included, no network; for a CSV export, the time until its first rows arrive (the header comes
alone, then the first ~64 KB of rows). The reference, measured in the same rounds through the
same client, is the cheapest signed-in request: /app/signin, which only loads the session's user
and answers 303. /healthz is timed beside it.
"""
from __future__ import annotations

import os
import re
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, select, text, update

from telltale.accounts.credentials import create_user
from telltale.dashboard.signin import EXTENSION_KEY
from telltale.server import freeze_start_up
from telltale.store import teams
from telltale.store.models import Event, Message, User

from ..backend.dashboard_seed import seed
from .harness import Deadline, Stack, path_of, summary

PG_ADMIN = os.environ.get("TELLTALE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
TARGET_MS = 200.0
FULL_MESSAGES, FULL_EVENTS = 10_000, 200_000
# The colleague's mail, in the same tables: a tenth of the user's.
OTHERS_SHARE = 10
ADDRESS = "reader7@example7.test"
ZONE = "Europe/Madrid"
REFERENCE = "/app/signin"
HEALTH = "/healthz"


def pages(today: date, busiest: int) -> dict[str, str]:
    """Each page's name in the figures, and the path fetched."""
    year = f"since={today - timedelta(days=365)}&until={today}"
    return {
        "/app/messages": "/app/messages",
        "/app/messages?q=reader1": "/app/messages?q=reader1",
        "/app/messages/<busiest>": f"/app/messages/{busiest}",
        "/app/recipients": "/app/recipients",
        "/app/recipients?days=365": "/app/recipients?days=365",
        "/app/recipients/<address>": f"/app/recipients/{ADDRESS}",
        "/app/recipients/<address>?days=365": f"/app/recipients/{ADDRESS}?days=365",
        "/app/best-time": "/app/best-time",
        "/app/reports": "/app/reports",
        "/app/reports?<a year>": f"/app/reports?{year}",
        "/app/export/events.csv (first rows)": "/app/export/events.csv",
        "/app/export/messages.csv (first rows)": "/app/export/messages.csv",
        "/app/team": "/app/team",
    }


def measure(folder: Path, deadline: Deadline, messages: int, events: int, repeat: int) -> dict:
    sides = {"sqlite": _guarded(lambda: _one_database(folder / "sqlite", None, messages, events, repeat, deadline))}
    absent = _pg_absent()
    if absent:
        # No server to measure on: a figure not measured, not a failed bench.
        sides["postgresql"] = {"database": "postgresql", "measured": False, "reason": absent}
    else:
        sides["postgresql"] = _guarded(lambda: _on_postgresql(folder / "postgresql", messages, events, repeat, deadline))
    errors = [f"{name}: {side['error']}" for name, side in sides.items() if "error" in side]
    measured = [side for side in sides.values() if side.get("measured")]
    slow = [f"{side['database']} {page}" for side in measured for page, t in side["pages"].items()
            if t["p50"] >= TARGET_MS]
    full = messages >= FULL_MESSAGES and events >= FULL_EVENTS
    return {
        **({"error": "; ".join(errors)} if errors else {}),
        **sides,
        "reference": {name: {"page": REFERENCE, **side["reference"][REFERENCE]} for name, side in sides.items()
                      if side.get("measured")},
        "ratio": {name: {"slowest_page_vs_reference": side["slowest"]["vs_reference"]} for name, side in sides.items()
                  if side.get("measured")},
        "over_target": slow,
        "target": {"text": f"every dashboard page's median < {TARGET_MS:g} ms server time with {FULL_MESSAGES:,}"
                           f" messages and {FULL_EVENTS:,} events, on SQLite and on PostgreSQL",
                   "max_median_ms": TARGET_MS, "messages": FULL_MESSAGES, "events": FULL_EVENTS},
        # A page slow already misses it; short of the full data or of a database, it is not met either way.
        "met": False if slow else (True if len(measured) == 2 and full else None),
        "method": f"Flask test client, signed in; {repeat} rounds of every page after a warm-up round, each round"
                  " every page once; wall time of the whole request, templates included; CSV exports: until the"
                  " first rows; reference: /app/signin signed in (a 303 after loading the user)"
                  + ("" if full else f"; --quick: {messages:,} messages and {events:,} events, not the target's"),
    }


def _guarded(run) -> dict:
    try:
        return run()
    except Exception as exc:
        # One database's failure is its result, with its traceback above; the other still runs.
        traceback.print_exc()
        return {"measured": False, "error": f"{type(exc).__name__}: {exc}"}


def _pg_absent() -> str | None:
    """Why PostgreSQL cannot be measured, or None when it answers."""
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"not measured: PostgreSQL is not answering at {PG_ADMIN.rsplit('/', 1)[0]} ({reason})"
    return None


def _on_postgresql(folder: Path, messages: int, events: int, repeat: int, deadline: Deadline) -> dict:
    with _pg_database() as url:
        return _one_database(folder, url, messages, events, repeat, deadline)


def _one_database(folder: Path, database_url: str | None, messages: int, events: int, repeat: int,
                  deadline: Deadline) -> dict:
    name = "postgresql" if database_url else "sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    deadline.check(f"starting the {name} stack")
    with Stack(folder, database_url) as stack:
        started = time.monotonic()
        user_id, busiest = _seeded(stack.services, messages, events)
        seed_seconds = round(time.monotonic() - started, 1)
        deadline.check(f"seeding {name}")
        client = stack.app.test_client()
        _sign_in(client, stack.app.extensions[EXTENSION_KEY].url(user_id))
        # What the web server does once its app is built: without it, the collector's full passes
        # walked the bench's whole heap, 80-90 ms in one request of three or four, which no web
        # process of Telltale's pays.
        freeze_start_up()
        fetched = pages(date.today(), busiest["id"])
        timings = _rounds(client, [REFERENCE, HEALTH, *fetched.values()], repeat, deadline)
        whole = _whole_export(client)
    reference = timings[REFERENCE]["p50"]
    timed = {page: {**timings[path], "vs_reference": round(timings[path]["p50"] / reference, 1)}
             for page, path in fetched.items()}
    slowest = max(timed, key=lambda page: timed[page]["p50"])
    _print(name, timed, timings, reference)
    return {
        "database": name, "measured": True, "messages": messages, "events": events,
        "others_mail": {"messages": messages // OTHERS_SHARE, "events": events // OTHERS_SHARE},
        "seed_seconds": seed_seconds, "rounds": repeat,
        "details": {"<busiest>": busiest, "<address>": ADDRESS, "timezone": ZONE},
        "pages": timed,
        "reference": {REFERENCE: timings[REFERENCE], HEALTH: timings[HEALTH]},
        "slowest": {"page": slowest, "p50": timed[slowest]["p50"], "vs_reference": timed[slowest]["vs_reference"]},
        "whole_events_csv": whole,
    }


def _seeded(services, messages: int, events: int) -> tuple[int, dict]:
    """Seed the bench's user and a colleague, make them a team; return the user's id and busiest message."""
    with services.sessions.begin() as db:
        user_id = db.scalar(select(User.id).where(User.email == "bench@example.test"))
        db.execute(update(User).where(User.id == user_id).values(timezone=ZONE, timezone_set=True))
        colleague = create_user(db, "colleague@example.test").id
        team = teams.create_team(db, user_id, "Bench")
        invitation, _ = teams.find_invite(db, teams.invite(db, team.id, "member"))
        teams.accept(db, invitation, colleague)
    seed(services.engine, user_id, messages=messages, events=events)
    seed(services.engine, colleague, messages=messages // OTHERS_SHARE, events=events // OTHERS_SHARE, seed=11)
    if services.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load; without statistics the planner guesses. Telltale
        # never runs ANALYZE on SQLite, so neither does the bench.
        with services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    with services.sessions() as db:
        busiest, count = db.execute(
            select(Event.message_id, func.count()).join(Message, Message.id == Event.message_id)
            .where(Message.user_id == user_id).group_by(Event.message_id)
            .order_by(func.count().desc()).limit(1)).one()
    return user_id, {"id": busiest, "events": count}


def _sign_in(client, link: str) -> None:
    """The way a person signs in: open the one-time link, press the button (a POST with the form's CSRF token)."""
    url = path_of(link)
    form = client.get(url)
    token = re.search(rb'name="csrf_token" value="([^"]+)"', form.data)
    if form.status_code != 200 or token is None:
        raise RuntimeError(f"the sign-in link answered {form.status_code} without a form")
    answer = client.post(url, data={"csrf_token": token[1].decode()})
    if answer.status_code != 303:
        raise RuntimeError(f"signing in answered {answer.status_code}")


def _rounds(client, paths: list[str], repeat: int, deadline: Deadline) -> dict[str, dict]:
    seen: dict[str, list[float]] = {path: [] for path in paths}
    for round_number in range(repeat + 1):
        deadline.check(f"round {round_number} of the pages")
        for path in paths:
            seconds = _timed(client, path)
            if round_number:  # the first round warms caches, pools and templates
                seen[path].append(seconds * 1000)
    return {path: {k: v for k, v in summary(values).items() if k in ("p50", "p90", "max")}
            for path, values in seen.items()}


def _timed(client, path: str) -> float:
    started = time.perf_counter()
    with client.get(path) as response:  # closed at once: an export's stream ends with its response
        if path.endswith(".csv"):
            chunks = iter(response.response)
            next(chunks)  # the header, sent alone
            next(chunks)  # the first rows: the query has answered
        else:
            response.get_data()
        seconds = time.perf_counter() - started
        expected = 303 if path == REFERENCE else 200
        if response.status_code != expected:
            raise RuntimeError(f"{path} answered {response.status_code}, not {expected}")
    return seconds


def _whole_export(client) -> dict:
    """The whole events.csv once: reported beside the first rows, held to no target."""
    started = time.perf_counter()
    with client.get("/app/export/events.csv") as response:
        lines = sum(chunk.count(b"\n") for chunk in _bytes(response.response))
    return {"lines": lines, "seconds": round(time.perf_counter() - started, 2)}


def _bytes(chunks) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode() if isinstance(chunk, str) else chunk


def _print(name: str, timed: dict, timings: dict, reference: float) -> None:
    print(f"[bench] dashboard on {name}: reference {REFERENCE} p50 {reference} ms, {HEALTH} p50"
          f" {timings[HEALTH]['p50']} ms", flush=True)
    width = max(len(page) for page in timed)
    for page, t in timed.items():
        print(f"    {page.ljust(width)}  p50 {t['p50']:7.1f}  p90 {t['p90']:7.1f}  max {t['max']:7.1f} ms"
              f"  {t['vs_reference']:6.1f}x", flush=True)


@contextmanager
def _pg_database() -> Iterator[str]:
    """A database of the bench's own on the PostgreSQL server, dropped afterwards; no other is touched."""
    name = f"telltale_bench_{os.getpid()}_dashboard"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
