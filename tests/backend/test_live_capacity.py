"""Capacity of one web process: 2,000 idle authenticated websockets, its memory, and delivery among them."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Coroutine

import psutil
import pytest
from websockets.asyncio.client import ClientConnection, connect

from telltale.accounts.credentials import create_user, issue_api_token
from telltale.config import load_settings
from telltale.store.migrate import upgrade

from .helpers import path_of, register
from .live import WebServer
from .processes import wait_for

USERS = 100
SOCKETS_PER_USER = 20
# Measured 47 KB a socket (tests/bench websockets: 10,000 in about 550 MB); with the compression
# simple-websocket accepts by default it was 150 KB. The ceiling leaves room for noise and still
# fails if compression comes back.
KB_PER_SOCKET_CEILING = 80
# As many as extensions reconnecting after a restart might: more than the 100 connections redis-py
# pools by default, so a server whose greenlets cannot wait for a Redis connection refuses some.
OPENING_AT_ONCE = 100


@pytest.fixture
def settings(tmp_path, redis_url):
    url = f"sqlite:///{tmp_path / 'telltale.db'}"
    upgrade(url)
    env = {"TELLTALE_HOME": str(tmp_path / "home"), "TELLTALE_PUBLIC_URL": "http://t.example.test",
           "DATABASE_URL": url, "REDIS_URL": redis_url}
    return load_settings(env)


@pytest.fixture
def server(settings):
    web = WebServer(settings)
    yield web
    web.stop()


@pytest.fixture
def tokens(services) -> list[str]:
    """One API token for each of USERS users, made in one transaction."""
    with services.sessions.begin() as session:
        users = [create_user(session, f"crowd-{i}@example.test") for i in range(USERS)]
        return [issue_api_token(session, user) for user in users]


def test_one_web_process_holds_2000_idle_sockets_and_wakes_only_the_owners(
    server, client, drain, tokens, services, record_property, capsys
):
    idle_rss = _web_worker_rss_mb(server)
    with ClientLoop() as runner:
        crowd: list[list[ClientConnection]] = []
        try:
            started = time.monotonic()
            crowd = runner.run(_open_crowd(server.url, tokens))
            opened_in = time.monotonic() - started
            assert server.health()["websockets"] == USERS * SOCKETS_PER_USER
            rss = _web_worker_rss_mb(server)
            record_property("web_rss_mb", round(rss, 1))
            record_property("web_rss_idle_mb", round(idle_rss, 1))
            per_socket_kb = (rss - idle_rss) * 1024 / (USERS * SOCKETS_PER_USER)
            with capsys.disabled():
                print(f"\n[capacity] {USERS * SOCKETS_PER_USER} sockets opened in {opened_in:.1f} s; web worker "
                      f"RSS {rss:.1f} MB ({idle_rss:.1f} MB before, {per_socket_kb:.0f} KB a socket)")
            assert per_socket_kb < KB_PER_SOCKET_CEILING

            owner, *others = crowd
            message = register(client, {"Authorization": f"Bearer {tokens[0]}"})
            client.get(path_of(message["pixel_url"]))
            drain()
            events = runner.run(_next_on_each(owner, seconds=5))
            assert {(e["type"], e["message_id"], e["open_number"], e["id"]) for e in events} == {
                ("open", message["id"], 1, events[0]["id"])
            }
            assert runner.run(_silent_on_each([ws for group in others for ws in group], seconds=1))
        finally:
            runner.run(_close_crowd(crowd))
    # A closed socket is let go at its next wake-up, at most one ping interval later.
    wait_for(lambda: server.health()["websockets"] == 0, services.settings.ws_ping_seconds + 10,
             "the server to let every closed socket go")


class ClientLoop:
    """The crowd's event loop, on a thread of its own for the whole test.

    The server closes a socket that has not answered its last ping by the next one (1008). A
    loop run only inside `asyncio.Runner.run` stands still while the test registers a message
    and drains the queue, so on a slow machine the whole crowd went deaf for a ping interval and
    was closed: a failure of the test, not of the server. Browsers answer pings whatever their
    page does; so does this loop.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="crowd", daemon=True)

    def __enter__(self) -> ClientLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def run(self, coro: Coroutine):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()


def _web_worker_rss_mb(server: WebServer) -> float:
    # `telltale serve` is gunicorn's arbiter; with --workers 1 its only child serves every socket.
    [worker] = psutil.Process(server.process.pid).children()
    return worker.memory_info().rss / 2**20


async def _open_crowd(base_url: str, tokens: list[str]) -> list[list[ClientConnection]]:
    """Open SOCKETS_PER_USER authenticated sockets for each token, grouped by token."""
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    url = base_url.replace("http://", "ws://") + "/ws"

    async def open_one(token: str) -> ClientConnection:
        async with gate:
            # No client pings: the server pings every socket, as it does the extension's.
            ws = await connect(url, ping_interval=None, open_timeout=20)
            try:
                await ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": None}))
                ready = json.loads(await asyncio.wait_for(ws.recv(), 20))
            except BaseException:
                await ws.close()
                raise
            assert ready["type"] == "ready", ready
            return ws

    opened = await asyncio.gather(*(open_one(t) for t in tokens for _ in range(SOCKETS_PER_USER)),
                                  return_exceptions=True)
    failed = [result for result in opened if isinstance(result, BaseException)]
    if failed:
        await asyncio.gather(*(ws.close() for ws in opened if not isinstance(ws, BaseException)))
        raise AssertionError(f"{len(failed)} of {len(opened)} sockets did not open; first: {failed[0]!r}")
    return [opened[i:i + SOCKETS_PER_USER] for i in range(0, len(opened), SOCKETS_PER_USER)]


async def _next_on_each(sockets: list[ClientConnection], seconds: float) -> list[dict]:
    return [json.loads(raw) for raw in await asyncio.wait_for(asyncio.gather(*(ws.recv() for ws in sockets)), seconds)]


async def _silent_on_each(sockets: list[ClientConnection], seconds: float) -> bool:
    async def silent(ws: ClientConnection) -> bool:
        try:
            # Cancelling recv() loses nothing in websockets' asyncio client.
            await asyncio.wait_for(ws.recv(), seconds)
        except TimeoutError:
            return True
        return False

    return all(await asyncio.gather(*(silent(ws) for ws in sockets)))


async def _close_crowd(crowd: list[list[ClientConnection]]) -> None:
    await asyncio.gather(*(ws.close() for group in crowd for ws in group))
