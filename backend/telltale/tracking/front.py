"""gunicorn's gevent worker with the tracking URLs answered before gunicorn's HTTP parser.

Mail clients fetch `/p/`, `/l/`, `/r/` and `/f/` URLs: plain GET or HEAD, no body. For those, the
request line and headers are split here in a few string operations and handed to HotPath as a
minimal WSGI environ; gunicorn's parser and WSGI plumbing cost several times the hot path itself
(measured: 5.2k pixel requests/s through it, `make bench`). Anything else on the connection, and
anything unusual about the request (a body, an escaped path, an absolute URL, a huge head), goes
to gunicorn with the bytes already read put back in front, so the rest of the app never notices.
"""
from __future__ import annotations

import logging

from gunicorn.workers.ggevent import GeventWorker

log = logging.getLogger(__name__)
HOT_PREFIXES = ("/p/", "/l/", "/r/", "/f/")
MAX_HEAD = 8192
READ_SIZE = 65536
# Serialised heads of HotPath.CONSTANT_HEADERS, module-level lists that live as long as the
# process: their ids are safe keys.
_heads: dict[tuple[str, int, bool], bytes] = {}


class TrackingWorker(GeventWorker):
    def handle(self, listener, client, addr):
        # Imported here, in the worker after gevent has patched the standard library: gunicorn's
        # master imports this module, and Redis's client with it, before any patching.
        from .hotpath import HotPath

        client.setblocking(1)
        hot = getattr(self.wsgi, "wsgi_app", None)
        if not isinstance(hot, HotPath):
            return super().handle(listener, client, addr)
        pending = serve_hot(client, addr, hot, self.cfg.keepalive)
        if pending is not None:
            super().handle(listener, Replayed(client, pending), addr)


def serve_hot(sock, addr, hot, keepalive: float) -> bytes | None:
    """Answer tracking requests on `sock` until one is not ours; return the bytes read of that one,
    or None once the connection is closed."""
    remote = addr[0] if isinstance(addr, tuple) else ""
    buffer = b""
    sock.settimeout(keepalive or None)
    try:
        while True:
            end = buffer.find(b"\r\n\r\n")
            while end < 0:
                if len(buffer) > MAX_HEAD:
                    return _handed_over(sock, buffer)
                chunk = sock.recv(READ_SIZE)
                if not chunk:
                    sock.close()
                    return None
                buffer += chunk
                end = buffer.find(b"\r\n\r\n")
            environ = hot_environ(buffer[:end], remote)
            if environ is None:
                return _handed_over(sock, buffer)
            buffer = buffer[end + 4:]
            keep = environ.pop("telltale.keep_alive")
            sock.sendall(_respond(hot, environ, keep))
            if not keep:
                sock.close()
                return None
    except (TimeoutError, OSError):
        # An idle keep-alive connection timed out, or the client went away mid-request.
        sock.close()
        return None


def _handed_over(sock, buffer: bytes) -> bytes:
    sock.settimeout(None)
    return buffer


def hot_environ(head: bytes, remote: str) -> dict | None:
    """The WSGI environ for a request head that HotPath answers, or None to leave it to gunicorn."""
    text = head.decode("latin-1")
    request_line, _, header_block = text.partition("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        return None
    method, target, version = parts
    if method not in ("GET", "HEAD") or not target.startswith(HOT_PREFIXES) or "%" in target:
        return None
    if version == "HTTP/1.1":
        keep = True
    elif version == "HTTP/1.0":
        keep = False
    else:
        return None
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": remote,
        "SERVER_PROTOCOL": version,
    }
    for line in header_block.split("\r\n") if header_block else ():
        name, colon, value = line.partition(":")
        if not colon or not name or name[-1] in " \t":
            return None  # malformed, or obsolete line folding: gunicorn answers it properly
        key = name.upper()
        value = value.strip(" \t")
        if key in ("CONTENT-LENGTH", "TRANSFER-ENCODING"):
            if key == "TRANSFER-ENCODING" or value != "0":
                return None
            continue
        if key == "CONNECTION":
            tokens = {token.strip().lower() for token in value.split(",")}
            keep = "keep-alive" in tokens if version == "HTTP/1.0" else "close" not in tokens
            continue
        key = "HTTP_" + key.replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
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

