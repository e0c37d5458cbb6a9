"""What the benches share: a private Telltale on loopback (own Redis, home and database), deadlines, summaries.

Nothing here touches the machine's shared Redis or another PostgreSQL database: each stack starts
a Redis of its own on a spare port, and every process it starts is stopped by its id on the way out.
"""
from __future__ import annotations

import http.client
import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import func, select

from telltale.app import create_app
from telltale.config import Settings, load_settings
from telltale.store.models import Event

from ..backend.processes import env_for, stop, wait_for
from ..backend.servers import RedisServer, spare_port


class SectionTimeout(Exception):
    """A section ran past its share of the run's time."""


class Deadline:
    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return self.at - time.monotonic()

    def check(self, doing: str) -> None:
        if self.left() <= 0:
            raise SectionTimeout(f"out of time while {doing}")


def more_files(limit: int) -> int:
    """Raise this process's open-file limit to `limit` if allowed, else as far as it goes; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= limit:
        return soft
    try:
        # Raising the hard limit takes root (CAP_SYS_RESOURCE); without it the hard limit is the ceiling.
        unlimited = hard == resource.RLIM_INFINITY
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard if unlimited or hard >= limit else limit))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def launch(args: Sequence[str], env: dict, *, files: int | None = None, log: Path | None = None) -> subprocess.Popen:
    """Start `args` in a session of its own, so `stop` can end it and its children by its id."""
    def before_exec() -> None:
        os.setsid()
        if files:
            more_files(files)

    output = open(log, "ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(list(args), env=env, preexec_fn=before_exec, stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT if log else None)
    finally:
        if log:
            output.close()


def settings_for(folder: Path, redis_url: str, database_url: str | None = None) -> Settings:
    bind = f"127.0.0.1:{spare_port()}"
    return load_settings({"TELLTALE_HOME": str(folder / "home"), "TELLTALE_BIND": bind,
                          "TELLTALE_PUBLIC_URL": f"http://{bind}", "REDIS_URL": redis_url,
                          "DATABASE_URL": database_url or f"sqlite:///{folder / 'telltale.db'}",
                          # Sections register hundreds of messages as their setup, and each fresh
                          # database's first user has the same id, so one Redis counts them all
                          # against one user: the API's limit is not what a bench measures.
                          "TELLTALE_RATE_LIMIT_API": "100000/minute"})


def telltale(settings: Settings, *args: str, timeout: float = 60) -> str:
    """Run one `telltale` command to completion and return what it printed."""
    done = subprocess.run([sys.executable, "-m", "telltale", *args], env=env_for(settings), capture_output=True,
                          text=True, timeout=timeout, check=False)
    if done.returncode:
        raise RuntimeError(f"telltale {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


class Stack:
    """A Redis of its own, a temporary home and database, one user; `serve` and `worker` on demand."""

    def __init__(self, folder: Path, database_url: str | None = None):
        self.folder = folder
        self.redis = RedisServer(folder)
        self.database_url = database_url
        self._exits = ExitStack()
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Stack:
        try:
            self._start_everything()
        except BaseException:
            self._exits.close()
            raise
        return self

    def _start_everything(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._exits.callback(self.redis.stop)
        self.redis.start()
        self.settings = settings_for(self.folder, self.redis.url, self.database_url)
        telltale(self.settings, "db", "upgrade")
        self.token = json.loads(telltale(self.settings, "user", "create", "bench@example.test", "--json"))["token"]
        # In-process, for registering messages and counting events: the same code the server runs.
        self.app = create_app(self.settings)
        self.services = self.app.extensions["telltale"]
        self._exits.callback(self.services.close)
        self._exits.callback(self._stop_processes)

    def __exit__(self, *_) -> None:
        self._exits.close()

    def _stop_processes(self) -> None:
        # Web and worker first, newest first: a worker shutting down still talks to Redis.
        for process in reversed(self.processes):
            stop(process)

    def env(self, **extra: str) -> dict:
        return {**env_for(self.settings), **extra}

    def serve(self, *, workers: int | None = None, files: int | None = None) -> subprocess.Popen:
        """Start `telltale serve` and return once /healthz answers."""
        args = [sys.executable, "-m", "telltale", "serve"] + (["--workers", str(workers)] if workers else [])
        process = self._start(args, files)
        host, port = self.settings.bind.rsplit(":", 1)
        wait_for(lambda: process.poll() is None and answers(host, int(port)), 30, f"telltale serve at {self.settings.bind}")
        return process

    def worker(self) -> subprocess.Popen:
        return self._start([sys.executable, "-m", "telltale", "worker"], None)

    def _start(self, args: list[str], files: int | None) -> subprocess.Popen:
        process = launch(args, self.env(), files=files, log=self.folder / "telltale.log")
        self.processes.append(process)
        return process

    def register(self, count: int = 1, **fields) -> list[dict]:
        """Register `count` messages through the API (in-process); return what it answered."""
        client = self.app.test_client()
        auth = {"Authorization": f"Bearer {self.token}"}
        created = []
        for i in range(count):
            body = {"subject": f"Bench {i}", "recipients": [f"r{i}@example.test"], **fields}
            response = client.post("/api/v1/messages", json=body, headers=auth)
            if response.status_code != 201:
                raise RuntimeError(f"registering a message failed: {response.status_code} {response.get_json()}")
            created.append(response.get_json())
        return created

    def stored(self, message_ids: Sequence[int]) -> int:
        """Count the event rows of these messages, whatever their source."""
        with self.services.sessions() as session:
            return session.scalar(select(func.count()).select_from(Event).where(Event.message_id.in_(list(message_ids))))


def answers(host: str, port: int, path: str = "/healthz") -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def register_message(host: str, port: int, token: str, **fields) -> dict:
    """Register one message through the running server's API; return what it answered."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        body = json.dumps({"subject": "Bench", "recipients": ["bo@example.test"], **fields})
        connection.request("POST", "/api/v1/messages", body=body,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        created = json.loads(response.read())
        if response.status != 201:
            raise RuntimeError(f"registering the message failed: {response.status} {created}")
    finally:
        connection.close()
    return created


def poll(condition: Callable[[], bool], deadline: Deadline, every: float = 0.05) -> bool:
    """Wait until `condition()` or the deadline; say which came first."""
    while not condition():
        if deadline.left() <= 0:
            return False
        time.sleep(every)
    return True


def summary(values: Sequence[float]) -> dict:
    """p50, p90, p99 (nearest rank), max and mean of `values`, rounded to 0.01."""
    if not values:
        return {}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)], 2)

    return {"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": round(ordered[-1], 2),
            "mean": round(sum(ordered) / len(ordered), 2)}
