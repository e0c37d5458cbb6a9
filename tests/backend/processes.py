"""Telltale's own commands run as real processes, with the test's settings in their environment."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable


def env_for(settings) -> dict:
    return {
        **os.environ,
        "TELLTALE_HOME": str(settings.home),
        "TELLTALE_PUBLIC_URL": settings.public_url,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "TELLTALE_BIND": settings.bind,
        "TELLTALE_READING_MARKS": ",".join(map(str, settings.reading_marks)),
    }


def start(settings, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "telltale", *args], env={**env_for(settings), **(env or {})}, start_new_session=True
    )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def healthy(bind: str) -> bool:
    """Whether the Telltale server at `bind` answers /healthz with 200."""
    try:
        with urllib.request.urlopen(f"http://{bind}/healthz", timeout=2):
            return True
    except OSError:
        return False
