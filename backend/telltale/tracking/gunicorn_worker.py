"""gunicorn's gevent worker with the tracking URLs answered before gunicorn's HTTP parser.

Mail clients fetch `/p/`, `/l/`, `/r/` and `/f/` URLs: plain GET or HEAD, no body. For those, the
request line and headers are checked and split here and handed to HotPath as a minimal WSGI
environ; gunicorn's parser and WSGI plumbing cost several times the hot path itself (measured:
5.2k pixel requests/s through it, `make bench`). Anything else on the connection, and anything
unusual about the request (a body, an escaped path, an absolute URL, a huge head), goes to
gunicorn with the bytes already read put back in front, so the rest of the app never notices.

The front must never accept what gunicorn would refuse: behind a proxy, a head the two read
differently smuggles a second request. So it accepts only a plainly valid head, a strict subset
of gunicorn's grammar and limits (CRLF only, RFC 9110 tokens for names, no controls in values, no
folding, no repeated singletons, no underscores, which gunicorn drops), and hands anything else
over whole so gunicorn gives its own answer, 400, 414 or 431. One compiled pattern checks the head:
3.6 us a typical head against 2.9 us for the lenient split it replaced. A parser library would
cost the speed this module is for: h11, pure Python, takes 34 us a head; httptools, a compiled
dependency more, calls back into Python per field and knows none of gunicorn's limits or field
policies, which would still be checked here. tests/backend/test_gunicorn_worker_differential.py
holds the front to stock gunicorn.
"""
from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager

import gevent
from gunicorn.workers.ggevent import GeventWorker

from .. import stopping

log = logging.getLogger(__name__)
# gunicorn's defaults (limit_request_line, limit_request_fields): past them it answers 414 or 431.
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 100
# Below limit_request_field_size (8190): no single field of a head this short can exceed it.
MAX_HEAD = 8190
READ_SIZE = 65536
# A tracking GET or HEAD, origin-form without '%' (WSGI wants it decoded) or '#', then header
# lines of tchar names without '_' and values of field-vchar, SP and HTAB.
HEAD_PATTERN = re.compile(
    r"(GET|HEAD) (/[plrf]/[!\"$&-~]*) (HTTP/1\.[01])"
    r"((?:\r\n[-!#$%&'*+.^`|~0-9A-Za-z]+:[\t -~\x80-\xff]*)*)"
)
# Twice is a 400 from gunicorn for Host, Content-Type and Content-Length; it reads only the first
# Connection, and from a trusted proxy refuses X-Forwarded-Proto values that disagree.
SINGLETONS = frozenset(("HTTP_HOST", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_CONNECTION",
                        "HTTP_X_FORWARDED_PROTO"))
# Rare on a tracking request, and only gunicorn knows what to make of them: a body's coding, an
# expectation (417 or 100 Continue), and the scheme headers it weighs against X-Forwarded-Proto.
RARE = frozenset(("HTTP_TRANSFER_ENCODING", "HTTP_EXPECT", "HTTP_X_FORWARDED_PROTOCOL", "HTTP_X_FORWARDED_SSL"))
# Once the process is told to stop, a connection that has waited this long for its next request is
# closed, where gunicorn would wait out graceful_timeout (10 s) for each. Not at once: a client
# that has just connected may have its request on the way.
LEAVING_GRACE = 0.5
LEAVING_EVERY = 0.25
# Serialised heads of HotPath.CONSTANT_HEADERS, module-level lists that live as long as the
# process: their ids are safe keys.
_heads: dict[tuple[str, int, bool], bytes] = {}


class TrackingWorker(GeventWorker):
    _idle: IdleConnections | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # gunicorn's own connections waiting for their next request: since when, and the wait's timeout.
        self._waiting: dict[gevent.Greenlet, tuple[float, gevent.Timeout]] = {}
        self._leaving = False

    def handle(self, listener, client, addr):
        # Imported here, in the worker after gevent has patched the standard library: gunicorn's
        # master imports this module, and Redis's client with it, before any patching.
        from .hotpath import HotPath

        client.setblocking(1)
        hot = getattr(self.wsgi, "wsgi_app", None)
        if not isinstance(hot, HotPath):
            return super().handle(listener, client, addr)
        if self._idle is None and self.cfg.keepalive:
            self._idle = IdleConnections(self.cfg.keepalive)
            gevent.spawn(self._idle.run)
        pending = serve_hot(client, addr, hot, self._idle)
        if pending is not None:
            super().handle(listener, Replayed(client, pending), addr)

    def timeout_ctx(self):
        # gunicorn's wait for a connection's next request, its keep-alive: the same, but ended early
        # when the process stops.
        return self._waiting_for_request()

    @contextmanager
    def _waiting_for_request(self):
        waiter = gevent.getcurrent()
        timeout = gevent.Timeout(self.cfg.keepalive, False)
        self._waiting[waiter] = (time.monotonic(), timeout)
        try:
            with timeout:
                yield
        finally:
            self._waiting.pop(waiter, None)

    def handle_exit(self, sig, frame):
        """SIGTERM, a graceful stop or restart: answer what is under way, and let nothing else hold the process.

        gunicorn stops accepting, then waits up to graceful_timeout while any connection is open,
        and the extension's websocket and keep-alive connections always are: every stop took the
        full 10 s. Requests being answered still finish.
        """
        super().handle_exit(sig, frame)
        if not self._leaving:
            self._leaving = True
            gevent.spawn(self._leave)  # out of the signal handler

    def _leave(self) -> None:
        stopping.begin(self.wsgi)  # the app closes its websockets
        if self._idle is not None:
            self._idle.leave(LEAVING_GRACE)
        # Until the process exits: a connection accepted before gunicorn closed its listeners (it
        # looks once a second), or one between two requests, is closed in its turn.
        loop = gevent.get_hub().loop
        while True:
            now = time.monotonic()
            if self._idle is not None:
                self._idle.close_idle(now)
            for waiter, (since, timeout) in list(self._waiting.items()):
                if now - since > LEAVING_GRACE:
                    loop.run_callback(self._end_wait, waiter, timeout)
            gevent.sleep(LEAVING_EVERY)

    def _end_wait(self, waiter: gevent.Greenlet, timeout: gevent.Timeout) -> None:
        # Run by the hub, as gevent's own kill is, but only if the connection still waits in the same
        # wait: its request may have arrived since, and the timeout would land in its answering.
        # As if its keep-alive had run out: gunicorn closes the connection quietly.
        if self._waiting.get(waiter, (0.0, None))[1] is timeout:
            waiter.throw(timeout)


class IdleConnections:
    """Close the connections that have waited longer than `keepalive` for their next request.

    One greenlet of the process looks every few seconds, in place of a timeout on every read:
    gevent builds, starts and cancels a timer for each read that waits, and every request of a
    keep-alive connection waits for its bytes. Measured on a socket pair under gevent, a round trip
    of two waiting reads took 30-33 us with timeouts, 16-18 us without.

    A connection waits from the moment its answer is handed to the socket until its next head is
    whole: a client that stops reading its answers is closed as an idle one is. While a request is
    answered (the hit writer waits at most ACK_TIMEOUT, the reading chain a few seconds) it is not.
    Closing a socket from this greenlet ends the read or send waiting on it with an OSError.
    """

    def __init__(self, keepalive: float):
        self.keepalive = keepalive
        self._since: dict = {}
        # Set when the process stops: each answer then closes its connection.
        self.leaving = False

    def leave(self, grace: float) -> None:
        """The process is stopping: each answer closes its connection, and `close_idle` closes those
        waiting longer than `grace`."""
        self.leaving, self.keepalive = True, min(self.keepalive, grace)

    def waiting(self, sock) -> None:
        self._since[sock] = time.monotonic()

    def answering(self, sock) -> None:
        self._since.pop(sock, None)

    def close_idle(self, now: float) -> int:
        """Close every connection that has waited longer than `keepalive` by `now`; return how many."""
        idle = [sock for sock, since in self._since.items() if now - since > self.keepalive]
        for sock in idle:
            del self._since[sock]
            sock.close()
        return len(idle)

    def run(self) -> None:
        # A quarter of the limit between looks: a connection outstays it by at most that much.
        every = min(max(self.keepalive / 4, 0.05), 15.0)
        while True:
            gevent.sleep(every)
            try:
                self.close_idle(time.monotonic())
            except Exception:
                # Deliberately broad: one socket that fails to close must not end the reaping of all.
                log.exception("closing idle connections failed; carrying on")


def serve_hot(sock, addr, hot, idle: IdleConnections | None) -> bytes | None:
    """Answer tracking requests on `sock` until one is not ours; return the bytes read of that one,
    or None once the connection is closed. `idle` closes the connection when it waits too long
    (None: never)."""
    remote = addr[0] if isinstance(addr, tuple) else ""
    buffer = b""
    sock.settimeout(None)
    idle = idle or _NEVER_IDLE
    idle.waiting(sock)
    try:
        while True:
            end = buffer.find(b"\r\n\r\n")
            while end < 0:
                if _never_ours(buffer):
                    return _handed_over(sock, buffer)
                chunk = sock.recv(READ_SIZE)
                if not chunk:
                    sock.close()
                    return None
                buffer += chunk
                end = buffer.find(b"\r\n\r\n")
            environ = hot_environ(buffer[:end], remote) if end <= MAX_HEAD else None
            if environ is None:
                return _handed_over(sock, buffer)
            buffer = buffer[end + 4:]
            keep = environ.pop("telltale.keep_alive") and not idle.leaving
            idle.answering(sock)
            answer = _respond(hot, environ, keep)
            idle.waiting(sock)
            _send(sock, answer)
            if not keep:
                sock.close()
                return None
    except OSError:
        # Closed for waiting too long, or the client went away mid-request.
        sock.close()
        return None
    finally:
        idle.answering(sock)


class _NeverIdle:
    leaving = False

    def waiting(self, sock) -> None:
        pass

    def answering(self, sock) -> None:
        pass


_NEVER_IDLE = _NeverIdle()


def _send(sock, answer: bytes) -> None:
    """Send an answer of a few hundred bytes: in one send, as a socket with room for it takes it.

    gevent's sendall asks the kernel for the socket's buffer size on every call, to size its
    chunks for large payloads: 5% of the web process's time as served (py-spy). It only finishes
    what a full buffer left over.
    """
    sent = sock.send(answer)
    if sent < len(answer):
        sock.sendall(answer[sent:])


def _never_ours(partial: bytes) -> bool:
    """Whether an unfinished head can already be handed over: waiting would only delay
    gunicorn's answer (it refuses a bare LF at once, a long request line at its limit)."""
    if len(partial) > MAX_HEAD:
        return True
    if partial.count(b"\n") != partial.count(b"\r\n"):
        return True
    line_end = partial.find(b"\r\n")
    return line_end > LIMIT_REQUEST_LINE or (line_end < 0 and len(partial) > LIMIT_REQUEST_LINE + 2)


def _handed_over(sock, buffer: bytes) -> bytes:
    sock.settimeout(None)
    return buffer


def hot_environ(head: bytes, remote: str) -> dict | None:
    """The WSGI environ for a request head that HotPath answers, or None to leave it to gunicorn."""
    match = HEAD_PATTERN.fullmatch(head.decode("latin-1"))
    if match is None or match.start(4) > LIMIT_REQUEST_LINE:
        return None
    method, target, version, header_block = match.groups()
    lines = header_block.split("\r\n")
    if len(lines) > LIMIT_REQUEST_FIELDS + 1:  # the block starts with CRLF: one empty line first
        return None
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": remote,
        "SERVER_PROTOCOL": version,
    }
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = "HTTP_" + name.upper().replace("-", "_")
        value = value.strip(" \t")
        if key not in environ:
            environ[key] = value
        elif key in SINGLETONS:
            return None
        else:
            environ[key] = f"{environ[key]},{value}"
    return _framed(environ, version)


def _framed(environ: dict, version: str) -> dict | None:
    """Settle the body and keep-alive of a parsed head; None if only gunicorn can."""
    if environ.pop("HTTP_CONTENT_LENGTH", "0") != "0" or not RARE.isdisjoint(environ):
        return None  # a body, say: gunicorn reads it, then the app answers 405
    connection = environ.pop("HTTP_CONNECTION", None)
    if connection is None:
        keep = version == "HTTP/1.1"
    elif version == "HTTP/1.1":
        keep = "close" not in {token.strip(" \t").lower() for token in connection.split(",")}
    else:
        # Exactly gunicorn's test: keeping open what it would close would answer requests it never reads.
        keep = connection.lower() == "keep-alive"
    environ["telltale.keep_alive"] = keep
    return environ


def _respond(hot, environ: dict, keep: bool) -> bytes:
    answer = []

    def start_response(status, headers, exc_info=None):
        answer.append((status, headers))

    try:
        body = b"".join(hot(environ, start_response))
    except Exception:
        log.exception("the tracking path failed on %s", environ.get("PATH_INFO"))
        answer[:] = [("500 Internal Server Error", [("Content-Length", "0")])]
        body = b""
    status, headers = answer[-1]
    if any(headers is constant for constant in hot.CONSTANT_HEADERS):
        # The pixel's and the not-found page's headers never change: serialise them once.
        key = (status, id(headers), keep)
        head = _heads.get(key)
        if head is None:
            head = _heads[key] = _head(status, headers, keep)
        return head + body
    return _head(status, headers, keep) + body


def _head(status: str, headers, keep: bool) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if not keep:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Replayed:
    """A client socket with bytes already read put back in front of what comes next."""

    def __init__(self, sock, pending: bytes):
        self._sock = sock
        self._pending = pending

    def recv(self, size: int, *flags) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        return self._sock.recv(size, *flags)

    def recv_into(self, buffer, size: int = 0, *flags) -> int:
        if self._pending:
            data = self.recv(size or len(buffer))
            buffer[:len(data)] = data
            return len(data)
        return self._sock.recv_into(buffer, size, *flags)

    def __getattr__(self, name):
        return getattr(self._sock, name)

