"""Idle websockets: authenticated connections one web process holds, its RSS at each step, event latency at the top.

`telltale serve --workers 1` (one gunicorn worker: the process measured) and one `telltale worker`
run on a stack of their own. The client is this process, one asyncio loop for every socket, so
pings are answered while it waits. Sockets belong to USERS users in turn, as extensions do: a
hit for one user's message wakes that user's few sockets, not the crowd. Clients offer
permessage-deflate, as browsers do; what the server accepted is reported.
"""
from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import time
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from telltale.accounts.credentials import create_user, issue_api_token

from . import procmem
from .harness import Deadline, SectionTimeout, Stack, more_files, path_of, summary, wait_for

STEPS = (1_000, 2_000, 5_000, 10_000)
USERS = 1_000
# As many handshakes in flight as extensions reconnecting after a restart might make.
OPENING_AT_ONCE = 100
FILES = 25_000
LATENCY_HITS = 20
_readers = itertools.count(1)
CEILING_MB = 600
# Time for the server to finish with the last handshakes before its memory is read.
SETTLE_SECONDS = 2.0


def measure(folder: Path, deadline: Deadline, steps: tuple[int, ...] = STEPS) -> dict:
    files = more_files(FILES)
    with Stack(folder) as stack:
        tokens = [stack.token, *_more_tokens(stack, USERS - 1)]
        message = stack.register(1)[0]
        server = stack.serve(workers=1, files=FILES)
        stack.worker()
        [web] = procmem.children(server.pid)
        result = asyncio.run(_crowd(stack, tokens, web, path_of(message["pixel_url"]), steps, deadline))
    top = result["steps"][-1] if result["steps"] else {}
    met = top.get("sockets") == STEPS[-1] and top.get("rss_mb", CEILING_MB) < CEILING_MB
    # What one more idle socket costs: the growth from the idle process to the top step, per socket.
    per_socket = (round((top["rss_mb"] - result["idle_rss_mb"]) * 1024 / top["sockets"], 1)
                  if top.get("sockets") else None)
    return {
        **result,
        "per_socket_kb": per_socket,
        "client_open_files_limit": files,
        "users": USERS,
        "reference": {"idle_rss_mb": result["idle_rss_mb"]},
        "ratio": None,
        "target": {"text": f"{STEPS[-1]:,} idle authenticated websockets in one web process under {CEILING_MB} MB RSS",
                   "sockets": STEPS[-1], "max_rss_mb": CEILING_MB},
        "met": met,
    }


def _more_tokens(stack: Stack, count: int) -> list[str]:
    with stack.services.sessions.begin() as session:
        users = [create_user(session, f"crowd-{i}@example.test") for i in range(count)]
        return [issue_api_token(session, user) for user in users]


async def _crowd(stack: Stack, tokens: list[str], web: int, pixel_path: str, steps: tuple[int, ...],
                 deadline: Deadline) -> dict:
    url = stack.settings.public_url.replace("http://", "ws://") + "/ws"
    sockets: list[ClientConnection] = []
    result: dict = {"web_pid": web, "idle_rss_mb": _mb(procmem.rss_kb(web)), "steps": []}
    try:
        for step in steps:
            deadline.check(f"opening {step} websockets")
            started = time.monotonic()
            sockets += await _open(url, tokens, len(sockets), step - len(sockets), deadline)
            opened_in = time.monotonic() - started
            await asyncio.sleep(SETTLE_SECONDS)
            held = await asyncio.to_thread(_server_count, stack)
            result["steps"].append({"sockets": len(sockets), "server_counts": held, "rss_mb": _mb(procmem.rss_kb(web)),
                                    "opened_in_seconds": round(opened_in, 1)})
        result["extensions"] = sockets[0].response.headers.get("Sec-WebSocket-Extensions") if sockets else None
        owners = sockets[::len(tokens)]  # socket i belongs to tokens[i % USERS]; the message is tokens[0]'s
        result["event_latency_ms"] = await _latency(stack, owners, pixel_path, deadline)
        result["owner_sockets"] = len(owners)
    except (OSError, RuntimeError, TimeoutError, SectionTimeout) as exc:
        # The steps reached so far are results too: keep them beside what stopped the climb.
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        for ws in sockets:
            ws.transport.abort()  # no close handshakes: the server is stopped next
    return result


async def _open(url: str, tokens: list[str], first: int, count: int, deadline: Deadline) -> list[ClientConnection]:
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one(i: int) -> ClientConnection:
        async with gate:
            # No client pings: the server pings every socket, as it does the extension's.
            ws = await connect(url, ping_interval=None, open_timeout=30, close_timeout=1)
            try:
                await ws.send(json.dumps({"type": "auth", "token": tokens[i % len(tokens)], "last_event_id": None}))
                ready = json.loads(await asyncio.wait_for(ws.recv(), 30))
            except BaseException:
                ws.transport.abort()
                raise
            if ready.get("type") != "ready":
                ws.transport.abort()
                raise RuntimeError(f"socket {i}: the server answered auth with {ready!r}")
            return ws

    opened = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(first, first + count)),
                                                   return_exceptions=True), max(1.0, deadline.left()))
    failed = [o for o in opened if isinstance(o, BaseException)]
    good = [o for o in opened if not isinstance(o, BaseException)]
    if failed:
        for ws in good:
            ws.transport.abort()
        raise RuntimeError(f"{len(failed)} of {count} sockets did not open; first: {failed[0]!r}")
    return good


async def _latency(stack: Stack, owners: list[ClientConnection], pixel_path: str, deadline: Deadline) -> dict:
    """Request the pixel LATENCY_HITS times; time each to its event on the first and the last owner socket."""
    first, last = [], []
    for _ in range(LATENCY_HITS):
        deadline.check("timing events among the idle sockets")
        waiting = [asyncio.ensure_future(_next_open(ws)) for ws in owners]
        sent = time.perf_counter()
        await asyncio.to_thread(_pixel, stack, pixel_path)
        arrivals = await asyncio.wait_for(asyncio.gather(*waiting), 15)
        first.append((min(arrivals) - sent) * 1000)
        last.append((max(arrivals) - sent) * 1000)
        await asyncio.sleep(0.2)
    return {"hits": LATENCY_HITS, "first_socket": summary(first), "all_owner_sockets": summary(last)}


async def _next_open(ws: ClientConnection) -> float:
    while True:
        event = json.loads(await ws.recv())
        if event.get("type") == "open":
            return time.perf_counter()


def _pixel(stack: Stack, path: str) -> None:
    host, port = stack.settings.bind.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        # A reader of its own each time: one client's repeats within 30 s send no event.
        connection.request("GET", path, headers={"User-Agent": f"telltale-bench/{next(_readers)}"})
        connection.getresponse().read()
    finally:
        connection.close()


def _server_count(stack: Stack) -> int:
    host, port = stack.settings.bind.rsplit(":", 1)
    counted: list[int] = []

    def read() -> bool:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request("GET", "/healthz")
            counted.append(json.loads(connection.getresponse().read())["websockets"])
            return True
        finally:
            connection.close()

    wait_for(read, 10, "the server's health report")
    return counted[-1]


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)
