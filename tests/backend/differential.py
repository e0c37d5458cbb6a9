"""Two servers of one app, the front (`telltale serve`) and stock gunicorn, sent the same bytes.

The front answers the tracking URLs ahead of gunicorn's parser; it must never accept what
gunicorn refuses, nor find more requests in a byte stream than gunicorn does.
"""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from .processes import env_for, healthy, start, stop, wait_for
from .servers import spare_port

# gunicorn's own gevent worker in place of telltale.tracking.gunicorn_worker.TrackingWorker, same app.
STOCK_GUNICORN = ("from telltale.config import load_settings; from telltale.server import TelltaleServer; "
                  "TelltaleServer(load_settings(), worker_class='gevent').run()")
# An answer's status line; the bodies sent back here (a GIF, short HTML and JSON) never hold one.
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) ")
# After the last byte of an answer, how long a kept-alive connection may stay quiet before the
# exchange counts as over; a head neither server can finish gets the whole deadline.
QUIET_SECONDS = 1.0
DEADLINE_SECONDS = 3.0


@dataclass(frozen=True)
class Pair:
    front: str
    stock: str

    def statuses(self, raw: bytes) -> tuple[list[int], list[int]]:
        """Send `raw` on one new connection to each server at once; return each one's statuses."""
        with ThreadPoolExecutor(2) as pool:
            front, stock = pool.map(lambda bind: statuses(bind, raw), (self.front, self.stock))
        return front, stock


def start_pair(settings, env: dict) -> tuple[Pair, list[subprocess.Popen]]:
    """Start the front and stock gunicorn, one worker each, and wait until both answer."""
    binds = [f"127.0.0.1:{spare_port()}" for _ in range(2)]
    front = start(replace(settings, bind=binds[0]), "serve", "--workers", "1", env=env)
    stock = subprocess.Popen(
        [sys.executable, "-c", STOCK_GUNICORN], start_new_session=True,
        env={**env_for(replace(settings, bind=binds[1])), "TELLTALE_WEB_WORKERS": "1", **env},
    )
    processes = [front, stock]
    try:
        for bind in binds:
            wait_for(lambda bind=bind: healthy(bind), 30, f"a server on {bind}")
    except AssertionError:
        for process in processes:
            stop(process)
        raise
    return Pair(*binds), processes


def statuses(bind: str, raw: bytes) -> list[int]:
    """The status of every answer to `raw`, read until the server closes or goes quiet."""
    host, port = bind.rsplit(":", 1)
    data = b""
    with socket.create_connection((host, int(port)), timeout=DEADLINE_SECONDS) as conn:
        conn.sendall(raw)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            conn.settimeout(min(left, QUIET_SECONDS) if data else left)
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                break  # closed with our bytes unread: what it answered is already in `data`
            if not chunk:
                break
            data += chunk
    return [int(code) for code in STATUS_LINE.findall(data)]


def disagreement(front: list[int], stock: list[int]) -> str | None:
    """Why the front's answers break the rule, or None when they match gunicorn's."""
    for position, (ours, theirs) in enumerate(zip(front, stock, strict=False)):
        if ours < 400 <= theirs:
            return f"answer {position + 1}: the front accepted ({ours}) what gunicorn refused ({theirs})"
    if len(front) > len(stock):
        return f"the front answered {len(front)} requests where gunicorn answered {len(stock)}"
    if front != stock:
        return f"the front answered {front}, gunicorn {stock}"
    return None
