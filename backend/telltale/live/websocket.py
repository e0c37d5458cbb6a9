"""A server websocket that costs one sleeping greenlet and a few objects while idle.

Written for /ws instead of flask-sock's simple-websocket, by measurement (1,000 idle sockets in
one gunicorn gevent worker, RSS and tracemalloc): simple-websocket took 150 KB a socket. About
100 KB of it was permessage-deflate, which it always accepts: zlib's state is 300 KB allocated
per socket, a third of it touched, for events of a few hundred bytes of JSON. Of the 47 KB left,
most was its second greenlet per socket (a reader beside the request's own), the Flask request
context and the handshake's HTTP objects, all kept for the socket's lifetime. This costs 26 KB:
the request's greenlet does everything, asleep on one event that the hub's doorbell or the
socket becoming readable sets (a gevent io watcher: a greenlet cannot otherwise wait on a socket
and an event at once), and sends the pings itself. wsproto still checks the handshake and parses
and builds every frame; no extension is offered, so a client asking for compression goes without.
"""
from __future__ import annotations

import http
import math
import time

from gevent import get_hub
from gevent.event import Event
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Ping, Pong, TextMessage
from wsproto.frame_protocol import CloseReason
from wsproto.handshake import H11Handshake
from wsproto.utilities import RemoteProtocolError

READ_BYTES = 4096
# After our close frame, how long a client has to answer with its own before the socket goes.
CLOSE_SECONDS = 2.0


class Closed(Exception):
    """The websocket is over: the client left or closed it, stopped answering, or broke the protocol."""


class Rejected(Exception):
    """The request is no websocket handshake we accept; `status`, `headers` and the message answer it."""

    def __init__(self, status: str, headers: list[tuple[str, str]], message: str):
        super().__init__(message)
        self.status, self.headers = status, headers


class WebSocket:
    def __init__(self, sock, connection: Connection, ping_seconds: float, max_message: int):
        self._sock = sock
        self._ws = connection
        self._ping_seconds = ping_seconds
        self._max_message = max_message
        self._next_ping = time.monotonic() + ping_seconds
        self._pong_due = False
        self._parts: list[str | bytes] = []
        self._size = 0
        self._wake = Event()
        self._rung = self._readable = self._broken = False
        self._watcher = get_hub().loop.io(sock.fileno(), 1)
        # Sends to a client that stopped reading give up instead of holding the greenlet forever.
        sock.settimeout(ping_seconds)

    def ring(self) -> None:
        """Wake `wait` for news (called by the hub, from another greenlet)."""
        self._rung = True
        self._wake.set()

    def send(self, text: str) -> None:
        self._send(self._ws.send(TextMessage(data=text)))

    def receive(self, seconds: float) -> str | bytes | None:
        """Return the client's next message, or None if none came within `seconds`."""
        messages = self._wait(time.monotonic() + seconds, for_message=True)
        return messages[0] if messages else None

    def wait(self) -> None:
        """Sleep until `ring`; what the client says meanwhile is dropped."""
        self._wait(math.inf, for_message=False)
        # Cleared before the caller looks for news: a ring from now on wakes the next wait.
        self._rung = False

    def _wait(self, until: float, for_message: bool) -> list[str | bytes]:
        # Pings go out on time meanwhile, and the client's pings and pongs are answered. Raises
        # Closed when the connection ends, or when a ping is still unanswered as the next is due.
        messages: list[str | bytes] = []
        while not (messages if for_message else self._rung):
            now = time.monotonic()
            if now >= self._next_ping:
                self._ping()
            if now >= until:
                break
            self._sleep(min(until, self._next_ping) - now)
            if self._readable:
                messages = self._read()
        return messages

    def close(self, code: int, reason: str) -> None:
        """Send a close frame if the connection is still open, and give the client a moment to answer."""
        try:
            if self._ws.state is ConnectionState.OPEN and not self._broken:
                self._send(self._ws.send(CloseConnection(code=code, reason=reason)))
                # Closing the socket at once could reset it before the client has read our frame.
                until = time.monotonic() + CLOSE_SECONDS
                while time.monotonic() < until:
                    self._sleep(until - time.monotonic())
                    if self._readable:
                        self._read()
        except Closed:
            pass  # the client answered, left, or cannot be written to: closed either way
        finally:
            self._watcher.close()

    def _sleep(self, seconds: float) -> None:
        self._watcher.start(self._on_readable)
        try:
            self._wake.wait(seconds)
        finally:
            self._watcher.stop()
            self._wake.clear()

    def _on_readable(self) -> None:
        self._readable = True
        self._wake.set()

    def _ping(self) -> None:
        if self._pong_due:
            self._send(self._ws.send(CloseConnection(code=CloseReason.POLICY_VIOLATION, reason="no pong")))
            raise Closed("the client did not answer a ping")
        self._pong_due = True
        self._next_ping = time.monotonic() + self._ping_seconds
        self._send(self._ws.send(Ping()))

    def _read(self) -> list[str | bytes]:
        self._readable = False
        try:
            data = self._sock.recv(READ_BYTES)
        except OSError:
            data = b""  # reset by the client: as good as gone
        self._ws.receive_data(data or None)
        messages, out = [], b""
        for event in self._ws.events():
            if isinstance(event, CloseConnection):
                self._closing(out, event)
            elif isinstance(event, Pong):
                self._pong_due = False
            elif self._ws.state is not ConnectionState.OPEN:
                continue  # after our close frame, the client's messages and pings go unanswered
            elif isinstance(event, Ping):
                out += self._ws.send(event.response())
            elif isinstance(event, TextMessage | BytesMessage):
                message = self._add_part(event)
                if message is not None:
                    messages.append(message)
        if out:
            self._send(out)
        return messages

    def _add_part(self, event: TextMessage | BytesMessage) -> str | bytes | None:
        self._size += len(event.data)
        if self._size > self._max_message:
            self._send(self._ws.send(CloseConnection(code=CloseReason.MESSAGE_TOO_BIG, reason="message too big")))
            raise Closed("the client sent a message over the limit")
        self._parts.append(event.data)
        if not event.message_finished:
            return None
        parts, self._parts, self._size = self._parts, [], 0
        return "".join(parts) if isinstance(event, TextMessage) else b"".join(parts)

    def _closing(self, out: bytes, event: CloseConnection) -> None:
        if self._ws.state is ConnectionState.REMOTE_CLOSING:
            out += self._ws.send(event.response())
        elif self._ws.state is ConnectionState.OPEN:
            # A frame wsproto could not parse: it reports the close code we owe the client.
            out += self._ws.send(CloseConnection(code=event.code, reason=event.reason))
        if out:
            try:
                self._send(out)
            except Closed:
                pass
        raise Closed(f"closed with {event.code}")

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:  # timeouts included: the client stopped reading
            self._broken = True
            raise Closed(f"sending failed: {exc}") from exc


def accept(environ: dict, ping_seconds: float, max_message: int) -> WebSocket:
    """Answer the upgrade request in `environ` on its socket; raise Rejected when it is none."""
    sock = environ.get("gunicorn.socket")
    if sock is None:
        raise RuntimeError("/ws needs gunicorn's gevent worker, which hands the app its socket")
    handshake = H11Handshake(ConnectionType.SERVER)
    try:
        handshake.receive_data(_request_head(environ))
    except RemoteProtocolError as exc:
        hint = exc.event_hint
        status = getattr(hint, "status_code", 400)
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in getattr(hint, "headers", [])]
        raise Rejected(f"{status} {http.HTTPStatus(status).phrase}", headers, str(exc)) from None
    sock.sendall(handshake.send(AcceptConnection()))
    # Only the frame-level connection lives on: the handshake's HTTP state goes with this frame.
    return WebSocket(sock, handshake.connection, ping_seconds, max_message)


def _request_head(environ: dict) -> bytes:
    """The request's head as it came (gunicorn parsed it already), for wsproto to check."""
    lines = [f"{environ['REQUEST_METHOD']} {environ.get('RAW_URI') or '/'} HTTP/1.1"]
    lines += [f"{key[5:].replace('_', '-')}: {value}" for key, value in environ.items() if key.startswith("HTTP_")]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
