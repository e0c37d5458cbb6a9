"""`telltale run`: everything on one machine, in the foreground; Ctrl+C stops it all."""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from . import embedded_redis
from .accounts.tokens import create_user, issue_pairing_code
from .config import Settings
from .store.db import transaction
from .store.migrate import upgrade
from .store.models import User

OWNER_EMAIL = "owner@localhost"
EXTENSION_DIR = Path(__file__).resolve().parents[2] / "extension" / "dist"  # built by `make run`
READY_SECONDS = 45
PR_SET_PDEATHSIG = 1


def run_locally(settings: Settings) -> int:
    redis_process: subprocess.Popen | None = None
    children: list[subprocess.Popen] = []
    env = {**os.environ, "TELLTALE_HOME": str(settings.home)}
    try:
        if not embedded_redis.answers(settings.redis_url):
            click.echo(f"No Redis answers at {settings.redis_url}; starting the embedded one in {settings.home}")
            redis_process, env["REDIS_URL"] = embedded_redis.start(settings.home, preexec_fn=_supervised)
        upgrade(settings.database_url)
        code = _owner_pairing_code(settings)
        for name in ("serve", "worker"):
            children.append(subprocess.Popen([sys.executable, "-m", "telltale", name], env=env, preexec_fn=_supervised))
        _wait_until_ready(f"http://{settings.bind}/healthz", children)
        _banner(settings, code)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        click.echo("a Telltale process stopped; stopping the others", err=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        # Web and worker first, Redis last: a worker shutting down still talks to Redis.
        _stop(children)
        _stop([redis_process] if redis_process else [])


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
