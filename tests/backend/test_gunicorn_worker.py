"""The tracking URLs answered ahead of gunicorn's parser (tracking/gunicorn_worker.py), on a real server."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import replace

import pytest

from telltale import queue
from telltale.server import TelltaleServer
from telltale.tracking.gunicorn_worker import (
    LIMIT_REQUEST_FIELDS,
    LIMIT_REQUEST_LINE,
    MAX_HEAD,
    _never_ours,
    _send,
    hot_environ,
)

from .helpers import make_user, path_of, register
from .processes import env_for, start, stop, wait_for
from .servers import spare_port

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"


def head(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("latin-1")


def test_an_answer_larger_than_the_socket_takes_at_once_arrives_whole():
    sender, receiver = socket.socketpair()
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    sender.settimeout(5)
    answer = bytes(range(256)) * 8192  # 2 MB: far more than one send puts in that buffer
    received = bytearray()

    def read() -> None:
        while chunk := receiver.recv(65536):
            received.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _send(sender, answer)
    finally:
        sender.close()
        reader.join(10)
        receiver.close()
    assert bytes(received) == answer


def test_a_plain_get_becomes_a_minimal_environ():
    environ = hot_environ(head(f"GET /p/12.abc.gif?x=1 HTTP/1.1\nHost: t\nUser-Agent: {UA}\nAccept: image/*\n"
                               "X-Forwarded-For: 1.2.3.4\nX-Forwarded-For: 5.6.7.8"), "10.0.0.9")
    assert environ == {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/p/12.abc.gif", "QUERY_STRING": "x=1", "REMOTE_ADDR": "10.0.0.9",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "t", "HTTP_USER_AGENT": UA, "HTTP_ACCEPT": "image/*",
        "HTTP_X_FORWARDED_FOR": "1.2.3.4,5.6.7.8", "telltale.keep_alive": True,
    }


@pytest.mark.parametrize("request_head, keep", [
    ("GET /l/abc HTTP/1.1\nConnection: close", False),
    ("HEAD /r/abc.gif HTTP/1.0", False),
    ("GET /f/abc.gif HTTP/1.0\nConnection: Keep-Alive", True),
    ("GET /p/abc.gif HTTP/1.1\nContent-Length: 0", True),
])
def test_keep_alive_follows_the_protocol(request_head, keep):
    assert hot_environ(head(request_head), "")["telltale.keep_alive"] is keep


@pytest.mark.parametrize("request_head", [
    "GET /api/v1/messages HTTP/1.1",  # not ours
    "POST /p/abc.gif HTTP/1.1\nContent-Length: 3",  # a body: gunicorn, then the 405
    "GET /p/abc.gif HTTP/1.1\nTransfer-Encoding: chunked",
    "GET /p/a%62c.gif HTTP/1.1",  # escaped: WSGI wants it decoded, gunicorn does that
    "GET http://t.example/p/abc.gif HTTP/1.1",  # absolute form
    "GET /p/abc.gif HTTP/2.0",
    "GET /p/abc.gif",
    "GET /p/abc.gif HTTP/1.1\nUser-Agent: a\n  folded",
    "GET /p/abc.gif HTTP/1.1\nno colon here",
])
def test_anything_unusual_is_left_to_gunicorn(request_head):
    assert hot_environ(head(request_head), "") is None


PIXEL_LINE = b"GET /p/abc.gif HTTP/1.1\r\nHost: t\r\n"


def request_line_of(length: int) -> bytes:
    return b"GET /p/" + b"a" * (length - len(b"GET /p/ HTTP/1.1")) + b" HTTP/1.1"


@pytest.mark.parametrize("fields", [
    b"X: a\r\n Content-Length: 5",  # folded: gunicorn refuses obs-fold, the body would be a request
    b"X: a\r\n\tTransfer-Encoding: chunked",
    b"X\x00Y: 1",
    b"User-Agent: a\nX-Injected: 1",  # bare LF
    b"User-Agent: a\rX-Injected: 1",  # bare CR
    b"User-Agent: a\x00b",
    b"User-Agent: a\x01b",
    b"User-Agent: a\x7fb",
    b"User Agent: a",
    b"Accept : a",
    b"Host: u",  # a second Host
    b"Content-Length: 0\r\nContent-Length: 0",
    b"Connection: close\r\nConnection: keep-alive",
    b"X-Forwarded-Proto: https\r\nX-Forwarded-Proto: http",
    b"X-Forwarded-Ssl: on",
    b"X_Forwarded_For: 17.0.0.1",  # gunicorn drops it: only it decides what is left
    b"Expect: 100-continue",
    b"".join(b"X-%d: 1\r\n" % n for n in range(99)) + b"X-Last: 1",  # 101 fields with Host
])
def test_a_head_gunicorn_would_refuse_or_read_otherwise_is_left_to_it(fields):
    assert hot_environ(PIXEL_LINE + fields, "") is None


@pytest.mark.parametrize("request_line", [
    b"GET /p/a\x00b.gif HTTP/1.1",
    b"GET /p/a\x01b.gif HTTP/1.1",
    b"GET /p/a\tb.gif HTTP/1.1",
    b"GET /p/a\x7fb.gif HTTP/1.1",
    b"GET /p/a\xe9b.gif HTTP/1.1",
    b"GET /p/ab.gif#x HTTP/1.1",
    b"GET /p/ab.gif  HTTP/1.1",
    b"\r\nGET /p/ab.gif HTTP/1.1",  # one empty line first: gunicorn skips it, and answers
    request_line_of(4095),  # one past limit_request_line
])
def test_a_request_line_out_of_the_ordinary_is_left_to_gunicorn(request_line):
    assert hot_environ(request_line + b"\r\nHost: t", "") is None


@pytest.mark.parametrize("raw", [
    request_line_of(4094) + b"\r\nHost: t",  # limit_request_line exactly
    PIXEL_LINE + b"".join(b"X-%d: 1\r\n" % n for n in range(98)) + b"X-Last: 1",  # 100 fields
    PIXEL_LINE + b"User-Agent: Caf\xe9\tMail\r\nAccept:\r\nX-Forwarded-Proto: https",
])
def test_the_edges_of_what_gunicorn_accepts_are_answered_here(raw):
    assert hot_environ(raw, "") is not None


@pytest.mark.parametrize("partial, now", [
    (b"GET /p/abc.gif HTTP/1.1\nHost: t\n", True),  # LF only: gunicorn refuses it without waiting
    (b"GET /p/abc.gif HTTP/1.1\r\nHost: t\r", False),  # the LF may be on its way
    (b"GET /p/" + b"a" * 5000, True),
    (request_line_of(4095) + b"\r\n", True),
    (request_line_of(4094) + b"\r\nHost: t\r\n", False),
    (PIXEL_LINE + b"User-Agent: " + b"a" * MAX_HEAD, True),
])
def test_an_unfinished_head_is_handed_over_as_soon_as_it_cannot_be_ours(partial, now):
    assert _never_ours(partial) is now


def test_the_fronts_limits_are_those_of_the_gunicorn_it_hands_over_to(settings):
    cfg = TelltaleServer(settings).cfg
    assert (LIMIT_REQUEST_LINE, LIMIT_REQUEST_FIELDS) == (cfg.limit_request_line, cfg.limit_request_fields)
    assert MAX_HEAD <= cfg.limit_request_field_size and cfg.header_map == "drop"


@pytest.fixture
def database_url(tmp_path):
    from telltale.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'telltale.db'}"
    upgrade(url)
    return url


@pytest.fixture
def server(settings):
    bind = f"127.0.0.1:{spare_port()}"
    process = start(replace(settings, bind=bind), "serve", "--workers", "1")

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://{bind}/healthz", timeout=1):
                return True
        except OSError:
            return False

    wait_for(answers, 30, "the server to answer")
    yield bind
    stop(process)


def exchange(bind: str, raw: bytes, answers: int) -> list[bytes]:
    """Send `raw` on one connection; read until `answers` responses, all of them if the request
    asked for the connection to close."""
    host, port = bind.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(raw)
        data = b""
        deadline = time.monotonic() + 5
        closing = b"Connection: close" in raw or b"HTTP/1.0" in raw
        while (closing or data.count(b"HTTP/1.1 ") < answers) and time.monotonic() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    return [b"HTTP/1.1 " + part for part in data.split(b"HTTP/1.1 ")[1:]]


def test_pipelined_pixels_then_the_api_on_one_connection(server, client, services):
    auth, _ = make_user(services)
    message = register(client, auth)
    pixel = path_of(message["pixel_url"])
    link = path_of(message["links"][0]["tracked_url"])
    raw = (f"GET {pixel} HTTP/1.1\r\nHost: t\r\nUser-Agent: {UA}\r\n\r\n"
           f"HEAD {pixel} HTTP/1.1\r\nHost: t\r\n\r\n"
           f"GET {link} HTTP/1.1\r\nHost: t\r\n\r\n"
           f"GET /api/v1/messages/{message['id']} HTTP/1.1\r\nHost: t\r\nAuthorization: {auth['Authorization']}\r\n"
           "Connection: close\r\n\r\n").encode()
    gif, head_only, redirect, api = exchange(server, raw, 4)
    assert gif.startswith(b"HTTP/1.1 200 OK\r\n") and gif.endswith(b";") and b"Content-Type: image/gif" in gif
    assert head_only.startswith(b"HTTP/1.1 200 OK\r\n") and head_only.endswith(b"\r\n\r\n")
    assert redirect.startswith(b"HTTP/1.1 302 Found\r\n") and b"Location: https://example.com/a?x=1&y=2" in redirect
    # The API request behind them went to gunicorn and Flask with the bytes already read.
    assert api.startswith(b"HTTP/1.1 200 OK"), api
    assert json.loads(api.split(b"\r\n\r\n", 1)[1])["id"] == message["id"]
    hits = [json.loads(raw) for raw in services.redis.lrange(queue.HITS_KEY, 0, -1)]
    assert sorted(hit["kind"] for hit in hits) == ["click", "open", "open"]
    assert {hit["ip"] for hit in hits} == {"127.0.0.1"} and hits[0]["ua"] == UA


def test_http_1_0_is_answered_and_closed(server, client, services):
    auth, _ = make_user(services)
    pixel = path_of(register(client, auth)["pixel_url"])
    [answer] = exchange(server, f"GET {pixel} HTTP/1.0\r\n\r\n".encode(), 2)
    assert answer.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in answer


def test_a_forged_pixel_still_gets_the_image_and_a_forged_link_a_404(server):
    gif, missing = exchange(server, b"GET /p/1.forged.gif HTTP/1.1\r\n\r\nGET /l/1.forged HTTP/1.1\r\n\r\n", 2)
    assert gif.startswith(b"HTTP/1.1 200 OK") and b"image/gif" in gif
    assert missing.startswith(b"HTTP/1.1 404 Not Found")


# The front under gevent with the app's own HotPath, and a keep-alive limit short enough to watch
# run out: the production server's is gunicorn's setting, 75 s.
IDLE_SERVER = """
import sys
from gevent import monkey; monkey.patch_all()
import gevent
from gevent.server import StreamServer
from telltale.app import create_app
from telltale.config import load_settings
from telltale.tracking.gunicorn_worker import IdleConnections, serve_hot

hot = create_app(load_settings()).wsgi_app
idle = IdleConnections(float(sys.argv[2]))
gevent.spawn(idle.run)
StreamServer(("127.0.0.1", int(sys.argv[1])), lambda sock, addr: serve_hot(sock, addr, hot, idle)).serve_forever()
"""
KEEPALIVE = 0.6


@pytest.fixture
def short_keepalive_server(settings, tmp_path):
    port = spare_port()
    script = tmp_path / "idle_server.py"
    script.write_text(IDLE_SERVER, encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script), str(port), str(KEEPALIVE)], env=env_for(settings),
                               start_new_session=True)

    def answers() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    wait_for(answers, 30, "the front to listen")
    yield port
    stop(process)


def closed_after(conn: socket.socket) -> float:
    """Seconds until the server closes `conn`, reading (and dropping) whatever it sends meanwhile."""
    started = time.monotonic()
    while conn.recv(65536):
        pass
    return time.monotonic() - started


def test_connections_waiting_past_the_keep_alive_limit_are_closed_and_busy_ones_are_not(
        short_keepalive_server, client, services):
    auth, _ = make_user(services)
    pixel = f"GET {path_of(register(client, auth)['pixel_url'])} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
    with (socket.create_connection(("127.0.0.1", short_keepalive_server), timeout=10) as silent,
          socket.create_connection(("127.0.0.1", short_keepalive_server), timeout=10) as served,
          socket.create_connection(("127.0.0.1", short_keepalive_server), timeout=10) as busy):
        served.sendall(pixel)
        assert served.recv(65536).startswith(b"HTTP/1.1 200 OK")
        # A request every third of the limit, for three times the limit: never idle for long enough.
        for _ in range(9):
            busy.sendall(pixel)
            assert busy.recv(65536).startswith(b"HTTP/1.1 200 OK")
            time.sleep(KEEPALIVE / 3)
        # By now the two others have waited longer than the limit plus the reaper's pause: closed.
        silent.settimeout(0.5)
        served.settimeout(0.5)
        assert closed_after(silent) < 0.5 and closed_after(served) < 0.5
        busy.sendall(pixel)
        assert busy.recv(65536).startswith(b"HTTP/1.1 200 OK")
        # Closed once it has waited the limit, not before: the reaper looks every quarter of it.
        assert KEEPALIVE * 0.9 < closed_after(busy) < KEEPALIVE * 1.25 + 1


def test_a_client_that_stops_reading_its_answers_is_closed_as_an_idle_one(short_keepalive_server):
    # Forged pixels: answered with the image at once, so the server soon has more answers than the
    # socket's buffers hold, and its send waits on a client that never reads.
    requests = memoryview(b"GET /p/1.forged.gif HTTP/1.1\r\nHost: t\r\n\r\n" * 20_000)
    with socket.create_connection(("127.0.0.1", short_keepalive_server), timeout=10) as greedy:
        greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        greedy.setblocking(False)
        full_since = None
        while requests and (full_since is None or time.monotonic() - full_since < 0.5):
            try:
                requests = requests[greedy.send(requests):]
                full_since = None
            except BlockingIOError:
                full_since = full_since or time.monotonic()
                time.sleep(0.02)

        def tcp_state() -> int:  # the kernel's view, without reading: 1 is ESTABLISHED
            return greedy.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]

        assert tcp_state() == 1
        wait_for(lambda: tcp_state() != 1, 10, "the server to close the connection")
