"""The supervisor behind `telltale run`: everything on one machine, in the foreground; Ctrl+C stops it all.

A child that exits (a crash, an out-of-memory kill, a Redis that died) is started again after a
pause that doubles with each quick exit, and the terminal says so: stopping everything because one
part failed would leave hits waiting, and every later pixel unanswered, until a person came back.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from . import embedded_redis
from .accounts.credentials import create_user, issue_pairing_code
from .config import Settings
from .store.db import transaction
from .store.migrate import upgrade
from .store.models import User

OWNER_EMAIL = "owner@localhost"
EXTENSION_DIR = Path(__file__).resolve().parents[2] / "extension" / "dist"  # built by `make run`
READY_SECONDS = 45
PR_SET_PDEATHSIG = 1
RESTART_FIRST = 1.0
RESTART_MAX = 30.0
# A child that ran this long was healthy: its next exit starts the backoff from the beginning.
STEADY_SECONDS = 60.0


@dataclass
class Child:
    """One supervised process: how to start it, and when it may be started again."""

    name: str
    launch: Callable[[], subprocess.Popen]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = RESTART_FIRST
    due: float | None = None

    def start(self) -> None:
        self.process, self.started_at, self.due = self.launch(), time.monotonic(), None

    def tend(self, now: float) -> None:
        """Schedule a restart if the process has exited; start it once its pause is over."""
        if self.due is None and self.process is not None and self.process.poll() is not None:
            if now - self.started_at > STEADY_SECONDS:
                self.delay = RESTART_FIRST
            click.echo(f"telltale: {self.name} exited with code {self.process.returncode}; "
                       f"starting it again in {self.delay:.0f} s", err=True)
            self.due, self.delay = now + self.delay, min(self.delay * 2, RESTART_MAX)
        elif self.due is not None and now >= self.due:
            try:
                self.start()
            except (OSError, RuntimeError) as exc:
                click.echo(f"telltale: could not start {self.name} ({exc}); trying again in {self.delay:.0f} s", err=True)
                self.due, self.delay = now + self.delay, min(self.delay * 2, RESTART_MAX)
                return
            click.echo(f"telltale: {self.name} started again", err=True)


def run_locally(settings: Settings) -> int:
    services: list[Child] = []
    children: list[Child] = []
    env = {**os.environ, "TELLTALE_HOME": str(settings.home)}
    try:
        if not embedded_redis.answers(settings.redis_url):
            click.echo(f"No Redis answers at {settings.redis_url}; starting the embedded one in {settings.home}")
            redis_child = Child("the embedded Redis", lambda: embedded_redis.start(settings.home, preexec_fn=_supervised)[0])
            process, env["REDIS_URL"] = embedded_redis.start(settings.home, preexec_fn=_supervised)
            redis_child.process, redis_child.started_at = process, time.monotonic()
            services.append(redis_child)
        elif embedded_redis.keeps_writes(settings.redis_url) is False:
            # A hit is acknowledged once Redis has it; a Redis that keeps nothing on disk loses
            # the hits still waiting in it if it crashes or restarts.
            click.echo(f"Warning: the Redis at {settings.redis_url} keeps no append-only file; hits waiting in it "
                       "are lost if it restarts. Set 'appendonly yes' in its configuration.", err=True)
        upgrade(settings.database_url)
        code = _owner_pairing_code(settings)
        for name in ("serve", "worker"):
            children.append(Child(f"telltale {name}", _launcher(name, env)))
            children[-1].start()
        _wait_until_ready(f"http://{settings.bind}/healthz", [child.process for child in children])
        _banner(settings, code)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(0.5)
            for child in (*services, *children):
                child.tend(time.monotonic())
    except KeyboardInterrupt:
        return 0
    finally:
        # Web and worker first, Redis last: a worker shutting down still talks to Redis.
        _stop([child.process for child in children if child.process])
        _stop([child.process for child in services if child.process])


def _launcher(name: str, env: dict) -> Callable[[], subprocess.Popen]:
    return lambda: subprocess.Popen([sys.executable, "-m", "telltale", name], env=env, preexec_fn=_supervised)


def _owner_pairing_code(settings: Settings) -> str:
    with transaction(settings.database_url) as session:
        owner = session.query(User).order_by(User.id).first() or create_user(session, OWNER_EMAIL)
        return issue_pairing_code(session, owner, settings.pairing_ttl_seconds)


def _wait_until_ready(url: str, children: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise click.ClickException("a Telltale process exited during start-up; see the messages above")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise click.ClickException(f"the web server did not answer at {url} within {READY_SECONDS} s")


def _banner(settings: Settings, code: str) -> None:
    minutes = settings.pairing_ttl_seconds // 60
    click.echo(
        f"\nTelltale is running at {settings.public_url}\n"
        f"  instance folder: {settings.home}\n"
        f"  pairing code:    {code}   (works once, for {minutes} minutes; "
        f"'telltale user pair {OWNER_EMAIL}' prints another)\n\n"
        "Load the extension: open chrome://extensions (or edge://extensions), turn on Developer mode,\n"
        f"click 'Load unpacked' and choose {EXTENSION_DIR}; in its options enter {settings.public_url}\n"
        "and the pairing code.\n\nCtrl+C stops Telltale.\n"
    )


def _supervised() -> None:
    """Run in each child before exec: Ctrl+C reaches only `run`, which stops children in order."""
    os.setsid()
    if sys.platform.startswith("linux"):
        # Should `run` itself be killed, its children stop too instead of living on unsupervised.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
