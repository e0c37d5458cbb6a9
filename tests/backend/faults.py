"""A real instance under load while something fails, and the count of what became of each hit.

The instance is what an operator runs: `telltale serve` with two web processes, `telltale worker`,
a Redis with an append-only file on a spare port, and a database. Every pixel request carries a
User-Agent naming its number, which the worker stores with the event, so each acknowledged
request can be found in the database afterwards: sent, acknowledged, stored, duplicated, lost.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from telltale import queue
from telltale.app import create_app
from telltale.config import load_settings
from telltale.store.migrate import upgrade

from .helpers import make_user, path_of, register
from .processes import start, stop, wait_for
from .servers import RedisServer, spare_port

PIXEL_BYTES = 43
AGENT = "telltale-fault-test hit "


@dataclass
class Tally:
    sent: int = 0
    acknowledged: set[int] = field(default_factory=set)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Counts:
    sent: int
    acknowledged: int
    stored: int
    duplicated: int
    lost: int

    def line(self) -> str:
        return (f"sent {self.sent}, acknowledged {self.acknowledged}, stored {self.stored}, "
                f"duplicated {self.duplicated}, lost {self.lost}")


class Instance:
    """Telltale as an operator runs it, with handles on each part for a test to break."""

    def __init__(self, folder: Path, database_url: str | None = None, web_workers: int = 2):
        self.folder = folder
        self.redis = RedisServer(folder / "redis", appendonly=True)
        self.redis.folder.mkdir(parents=True)
        self.redis.start()
        port = spare_port()
        self.settings = load_settings({
            "TELLTALE_HOME": str(folder / "home"),
            "TELLTALE_BIND": f"127.0.0.1:{port}",
            "REDIS_URL": self.redis.url,
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'telltale.db'}",
        })
        self.port = port
        self.web_env = {"TELLTALE_WEB_WORKERS": str(web_workers)}
        upgrade(self.settings.database_url)
        app = create_app(self.settings)
        self._services = app.extensions["telltale"]
        auth, _ = make_user(self._services)
        message = register(app.test_client(), auth, links=[])
        self._services.close()
        self.message_id = message["id"]
        self.pixel_path = path_of(message["pixel_url"])
        self.web = self.worker = None
        self._engine = create_engine(self.settings.database_url)

    def start_web(self) -> None:
        self.web = start(self.settings, "serve", env=self.web_env)
        wait_for(self._answers, 30, "the web server")

    def start_worker(self) -> None:
        self.worker = start(self.settings, "worker")

    def close(self) -> None:
        for process in (self.web, self.worker):
            if process is not None:
                stop(process)
        self._engine.dispose()
        self.redis.stop()

    def health(self) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def _answers(self) -> bool:
        try:
            self.health()
            return True
        except OSError:
            return False

    def load(self, count: int, *, rate: float | None = None, concurrency: int = 16, tally: Tally | None = None,
             first: int = 0) -> Tally:
        """Send `count` pixel requests, numbered from `first`, at most `rate` a second; wait for all answers."""
        tally = tally or Tally()
        numbers = iter(range(first, first + count))
        began = time.monotonic()
        pace = threading.Lock()

        def next_number() -> int | None:
            with pace:
                number = next(numbers, None)
            if number is not None and rate:
                delay = began + (number - first) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            return number

        threads = [threading.Thread(target=self._client, args=(next_number, tally)) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        return tally

    def _client(self, next_number, tally: Tally) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while (number := next_number()) is not None:
            with tally.lock:
                tally.sent += 1
            try:
                connection.request("GET", self.pixel_path, headers={"User-Agent": f"{AGENT}{number}"})
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                time.sleep(0.05)  # the server is down: do not spin through the numbers
                continue
            with tally.lock:
                if response.status == 200 and len(body) == PIXEL_BYTES:
                    tally.acknowledged.add(number)
                else:
                    tally.refused += 1
        connection.close()

    def settled(self, seconds: float = 120) -> None:
        """Wait until every hit has left Redis and the spool and the stored count holds still."""
        conn = redis.Redis.from_url(self.redis.url)
        spool = self.settings.spool_dir
        last = [-1, time.monotonic()]

        def quiet() -> bool:
            if conn.llen(queue.HITS_KEY) or (spool.is_dir() and any(spool.glob("hits.jsonl*"))):
                last[1] = time.monotonic()
                return False
            stored = self.stored_rows()
            if stored != last[0]:
                last[:] = [stored, time.monotonic()]
            return time.monotonic() - last[1] > 3

        try:
            wait_for(quiet, seconds, "every hit to be stored")
        finally:
            conn.close()

    def stored_rows(self) -> int:
        with self._engine.connect() as db:
            return db.execute(text("SELECT count(*) FROM events WHERE message_id = :m"), {"m": self.message_id}).scalar()

    def counts(self, tally: Tally) -> Counts:
        with self._engine.connect() as db:
            rows = db.execute(
                text("SELECT user_agent, count(*) FROM events WHERE message_id = :m GROUP BY user_agent"),
                {"m": self.message_id},
            ).all()
        stored = {int(agent.removeprefix(AGENT)): copies for agent, copies in rows if agent.startswith(AGENT)}
        return Counts(
            sent=tally.sent,
            acknowledged=len(tally.acknowledged),
            stored=len(stored),
            duplicated=sum(copies - 1 for copies in stored.values()),
            lost=len(tally.acknowledged - stored.keys()),
        )


def background(work, *args, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=work, args=args, kwargs=kwargs)
    thread.start()
    return thread


def when(condition, seconds: float = 60) -> None:
    wait_for(condition, seconds, "the load to reach the fault")
