"""The front against stock gunicorn serving the same app: the same bytes get the same answers."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from telltale import queue
from telltale.app import create_app
from telltale.config import load_settings
from telltale.store.migrate import upgrade

from .differential import disagreement, start_pair
from .helpers import make_user, path_of, register
from .processes import stop

# A request asking for nothing after it, so an exchange ends at the close, not after a wait.
LAST = b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
# What a body would be run as if the front misread the head's end: a request of its own.
SMUGGLED = b"GET /api/v1/settings HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_server):
    """The two servers with one trusted proxy, and a signed pixel and link of a real message."""
    folder = tmp_path_factory.mktemp("differential")
    url = f"sqlite:///{folder / 'telltale.db'}"
    upgrade(url)
    base = load_settings({"TELLTALE_HOME": str(folder / "home"), "TELLTALE_PUBLIC_URL": "http://t.example.test",
                          "DATABASE_URL": url, "REDIS_URL": redis_server.url})
    app = create_app(base)
    services = app.extensions["telltale"]
    message = register(app.test_client(), make_user(services)[0])
    pair, processes = start_pair(base, {"TELLTALE_TRUSTED_PROXIES": "1"})
    yield pair, services, message
    for process in processes:
        stop(process)
    services.close()


@pytest.fixture(scope="module")
def pair(stack):
    return stack[0]


@pytest.fixture(scope="module")
def pixel(stack) -> bytes:
    return path_of(stack[2]["pixel_url"]).encode()


@pytest.fixture(scope="module")
def targets(stack, pixel) -> list[bytes]:
    link = path_of(stack[2]["links"][0]["tracked_url"]).encode()
    return [pixel, pixel.replace(b"/p/", b"/f/", 1), link, b"/healthz"]


def pixel_head(pixel: bytes, fields: bytes = b"") -> bytes:
    return b"GET " + pixel + b" HTTP/1.1\r\nHost: t\r\n" + fields


def assert_agree(pair, raw: bytes) -> list[int]:
    front, stock = pair.statuses(raw)
    problem = disagreement(front, stock)
    assert problem is None, f"{problem}\nrequest: {raw[:300]!r}"
    return front


# Each a head's fields after the Host line, then its end; the smuggled request follows.
REFUSED_FIELDS = {
    "folded content-length": b"Content-Length: 0\r\nX-A: 1\r\n Content-Length: 44\r\n\r\n",
    "folded transfer-encoding": b"X-A: 1\r\n\tTransfer-Encoding: chunked\r\n\r\n",
    "nul in a name": b"Content\x00Length: 44\r\n\r\n",
    "bare lf": b"User-Agent: a\nX-Injected: 1\r\n\r\n",
    "bare cr": b"User-Agent: a\rX-Injected: 1\r\n\r\n",
    "nul in a value": b"User-Agent: a\x00b\r\n\r\n",
    "control in a value": b"User-Agent: a\x1bb\r\n\r\n",
    "del in a value": b"User-Agent: a\x7fb\r\n\r\n",
    "space in a name": b"User Agent: a\r\n\r\n",
    "space before the colon": b"Content-Length : 44\r\n\r\n",
    "duplicate host": b"Host: u\r\n\r\n",
    "duplicate content-length": b"Content-Length: 0\r\nContent-Length: 0\r\n\r\n",
    "too many fields": b"".join(b"X-%d: 1\r\n" % n for n in range(100)) + b"\r\n",
    "a field past its limit": b"User-Agent: " + b"a" * 8200 + b"\r\n\r\n",
    "expect": b"Expect: nothing\r\n\r\n",
}


@pytest.mark.parametrize("fields", REFUSED_FIELDS.values(), ids=REFUSED_FIELDS.keys())
def test_a_head_gunicorn_refuses_is_refused_alike(pair, pixel, fields):
    statuses = assert_agree(pair, pixel_head(pixel, fields) + SMUGGLED + LAST)
    assert statuses and statuses[0] >= 400


@pytest.mark.parametrize("target", [b"/p/a\x00b.gif", b"/p/a\x01b.gif", b"/p/a\tb.gif", b"/p/a\x7fb.gif",
                                    b"/p/a\xffb.gif", b"/p/" + b"a" * 4100])
def test_a_request_line_gunicorn_refuses_is_refused_alike(pair, target):
    statuses = assert_agree(pair, b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n" + LAST)
    assert statuses and statuses[0] >= 400


@pytest.mark.parametrize("raw", [
    b"GET /p/1.x.gif HTTP/1.1\nHost: t\n\n",  # LF only: refused at once, never awaited
    b"GET /p/" + b"a" * 5000,  # a request line past the limit, unfinished
    b"GET /p/" + b"a" * 4100 + b" HTTP/1.1\r\nHost: t\r\n",  # the same, ended, in a head unfinished
])
def test_an_unfinished_head_gunicorn_refuses_is_refused_at_once(pair, raw):
    statuses = assert_agree(pair, raw)
    assert statuses and statuses[0] >= 400


@pytest.mark.parametrize("fields", [
    b"\r\n", b"User-Agent: Caf\xe9\tMail\r\nAccept:\r\n\r\n", b"Content-Length: 0\r\n\r\n",
    b"X-Forwarded-Proto: https\r\n\r\n", b"X_Forwarded_For: 17.0.0.1\r\n\r\n",
    b"".join(b"X-%d: %s\r\n" % (n, b"a" * 900) for n in range(80)) + b"\r\n",  # 72 KB, in gunicorn's limits
])
def test_a_valid_head_is_answered_alike(pair, pixel, fields):
    assert assert_agree(pair, pixel_head(pixel, fields) + SMUGGLED + LAST) == [200, 401, 200]


@pytest.mark.parametrize("fields, address", [
    (b"X_Forwarded_For: 17.0.0.1\r\n\r\n", "127.0.0.1"),
    (b"X-Forwarded-For: 10.1.1.1\r\nX_Forwarded_For: 17.0.0.1\r\n\r\n", "10.1.1.1"),
])
def test_an_underscore_header_cannot_set_the_client_address(stack, pixel, fields, address):
    pair, services, message = stack
    services.redis.delete(queue.HITS_KEY)
    assert pair.statuses(pixel_head(pixel, fields) + LAST) == ([200, 200], [200, 200])
    hits = [json.loads(raw) for raw in services.redis.lrange(queue.HITS_KEY, 0, -1)]
    # One hit from each server; with one trusted proxy only the last real X-Forwarded-For hop counts.
    assert [(hit["message_id"], hit["ip"]) for hit in hits] == [(message["id"], address)] * 2


# Bytes that parsers disagree on, put into otherwise plain requests.
ODD = [b"\x00", b"\x01", b"\t", b" ", b"\r", b"\n", b"\x0b", b"\x7f", b"\x80", b"\xff", b"_", b"%", b"#", b":",
       b",", b"\r\n", b"\r\n ", b"\r\n\t"]
# Mostly what mail clients send, so that many generated requests are valid.
FIELDS = [b"Host: t", b"User-Agent: Mozilla/5.0 (Macintosh)", b"Accept: image/*", b"Accept-Language: en, de;q=0.5",
          b"X-Forwarded-For: 1.2.3.4", b"X_Forwarded_For: 17.0.0.1", b"Connection: close", b"Connection: keep-alive",
          b"Content-Length: 0", b"Content-Length: 44", b"Transfer-Encoding: chunked", b"Expect: 100-continue",
          b"X-Forwarded-Proto: https", b"X-Forwarded-Ssl: on", b"Content-Type: text/plain"]
# Mostly CRLF, so that what follows an odd line is still a head gunicorn reads to its end.
LINE_ENDS = [b"\r\n"] * 6 + [b"\n", b"\r", b"\r\n ", b"\r\n\t"]


def generated_request(data, targets: list[bytes], odd: int) -> bytes:
    """A request to one of `targets` of fields mail clients send; unless `odd` is 0, with odd line
    ends and up to `odd` odd bytes put in."""
    method = data.draw(st.sampled_from([b"GET"] * 3 + [b"HEAD", b"POST", b"get"]))
    version = data.draw(st.sampled_from([b"HTTP/1.1"] * 3 + [b"HTTP/1.0", b"HTTP/1.2", b"HTTP/2.0"]))
    head = method + b" " + data.draw(st.sampled_from(targets)) + b" " + version + b"\r\n"
    for _ in range(data.draw(st.integers(0, 4))):
        head += data.draw(st.sampled_from(FIELDS)) + (data.draw(st.sampled_from(LINE_ENDS)) if odd else b"\r\n")
    for _ in range(data.draw(st.integers(0, odd))):
        at = data.draw(st.integers(0, len(head)))
        head = head[:at] + data.draw(st.sampled_from(ODD)) + head[at:]
    return head + b"\r\n" + SMUGGLED + LAST


@pytest.mark.parametrize("odd", [0, 2])
@settings(max_examples=300, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_requests_are_answered_alike(pair, targets, odd, data):
    statuses = assert_agree(pair, generated_request(data, targets, odd))
    event(f"first answer {statuses[0] if statuses else None}")  # --hypothesis-show-statistics
