"""Stopping the real web server (gunicorn + gevent) while the extension and mail clients are connected.

gunicorn's graceful stop waits up to graceful_timeout (10 s) for every open connection, and the
extension's websocket and clients' keep-alive connections are always open. These tests send
SIGTERM to the master, as `telltale run` and service managers do, and expect a prompt stop that
still answers what was under way, with every answered hit queued exactly once.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
from simple_websocket import ConnectionClosed

from telltale import queue

from .helpers import make_user, path_of, register
from .live import LiveClient
from .processes import env_for, healthy, stop, wait_for
from .servers import spare_port

# gunicorn's master and its worker each look once a second whether to go on: a stop with nothing
# open takes 1-2 s. Before idle connections were closed, each one held it for the full 10 s.
PROMPT = 5.0


@pytest.fixture
def web(settings):
    """`telltale serve` with one web process; its error log is kept to be read."""
    bind = f"127.0.0.1:{spare_port()}"
    process = subprocess.Popen([sys.executable, "-m", "telltale", "serve", "--workers", "1"],
                               env=env_for(replace(settings, bind=bind)), stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    wait_for(lambda: healthy(bind), 30, "the web server to answer")
    yield bind, process
    stop(process)


def terminated(process: subprocess.Popen) -> tuple[float, str]:
    """SIGTERM to gunicorn's master alone; seconds until the server has exited, and its error log."""
    started = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    _, log = process.communicate(timeout=30)
    return time.monotonic() - started, log


def connect(bind: str) -> socket.socket:
    host, port = bind.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def answer_of(conn: socket.socket) -> bytes:
    """One whole answer, its body read to its Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data or len(data) < _length(data):
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed before an answer")
        data += chunk
    return data


def _length(data: bytes) -> int:
    head, _, _ = data.partition(b"\r\n\r\n")
    found = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
    return len(head) + 4 + (int(found[1]) if found else 0)


def read_to_end(conn: socket.socket) -> bytes:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    return data


def test_a_stop_closes_the_extensions_socket_and_idle_connections_at_once(web, client, services):
    bind, process = web
    auth, _ = make_user(services)
    token = auth["Authorization"].split()[1]
    pixel = f"GET {path_of(register(client, auth)['pixel_url'])} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
    live = LiveClient(f"http://{bind}", token)
    assert live.ready["type"] == "ready"
    # One keep-alive connection after a tracking request (answered ahead of gunicorn's parser), one
    # after a request gunicorn answers itself, one that never sent anything.
    tracked, plain, silent = connect(bind), connect(bind), connect(bind)
    tracked.sendall(pixel)
    assert answer_of(tracked).startswith(b"HTTP/1.1 200 OK")
    plain.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    assert answer_of(plain).startswith(b"HTTP/1.1 200 OK")
    try:
        seconds, log = terminated(process)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                live.ws.receive(timeout=5)
        # "Going away": the extension reconnects with its last event id, to this server restarted
        # or to another node, and misses nothing.
        assert closed.value.reason == 1001
        # Closed quietly: no error answer written on a connection that asked nothing.
        for conn in (tracked, plain, silent):
            assert read_to_end(conn) == b""
    finally:
        for conn in (tracked, plain, silent):
            conn.close()
        live.close()
    assert seconds < PROMPT, f"the server took {seconds:.1f} s to stop"
    assert "Error handling request" not in log and "Traceback" not in log, log


def test_hits_answered_while_the_server_stops_are_each_queued_once(web, client, services):
    bind, process = web
    auth, _ = make_user(services)
    pixel = f"GET {path_of(register(client, auth)['pixel_url'])} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
    answered: list[int] = []
    wrong: list[bytes] = []
    server_gone = threading.Event()

    def hammer() -> None:
        # Keep-alive clients asking as fast as answers come, reconnecting whenever a connection
        # closes, until nothing listens any more.
        count = 0
        while not server_gone.is_set():
            try:
                conn = connect(bind)
            except OSError:
                break
            with conn:
                try:
                    while True:
                        conn.sendall(pixel)
                        answer = answer_of(conn)
                        if not answer.startswith(b"HTTP/1.1 200 OK"):
                            wrong.append(answer[:200])
                        count += 1
                        if b"Connection: close" in answer:
                            break
                except OSError:
                    pass  # closed between two requests, or mid-request: that one was not answered
        answered.append(count)

    clients = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in clients:
        thread.start()
    wait_for(lambda: services.redis.llen(queue.HITS_KEY) > 500, 30, "hits under way")
    seconds, log = terminated(process)
    server_gone.set()
    for thread in clients:
        thread.join(15)
    assert len(answered) == len(clients), "a client was left hanging on a connection"
    assert wrong == []
    hits = [json.loads(raw)["id"] for raw in services.redis.lrange(queue.HITS_KEY, 0, -1)]
    assert sum(answered) > 500
    # Every answered hit is queued, and only once; none was lost to the stop.
    assert len(hits) == len(set(hits)) == sum(answered)
    assert seconds < PROMPT, f"the server took {seconds:.1f} s to stop"
    assert "Traceback" not in log, log
