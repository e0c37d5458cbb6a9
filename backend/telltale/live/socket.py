"""`/ws`: authenticate with the first message, replay what the client missed, then stream live.

Protocol (also in the README):
  client -> {"type": "auth", "token": "<API token>", "last_event_id": "<id>" | null}
  server -> {"type": "ready", "last_event_id": "<id>"}, then one JSON object per event, oldest
            first, each with its stream "id"; a client remembers the last id it handled.
  close codes: 4400 first message malformed, including a last_event_id that is no stream id
            (reconnect without it), 4401 token unknown or revoked (also when it is revoked
            while the socket is open), 4408 no auth in time,
            1001 the server is stopping or restarting, 1011 server trouble (for both, reconnect
            with your last id).
"""
from __future__ import annotations

import json

import redis
from flask import Flask, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from ..accounts.credentials import find_token
from ..services import Services
from . import stream
from .hub import Hub

AUTH_SECONDS = 10
GOING_AWAY = 1001
MAX_CLIENT_MESSAGE = 4096


class Refused(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def init_app(app: Flask, svc: Services, hub: Hub) -> None:
    app.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": svc.settings.ws_ping_seconds,
        "max_message_size": MAX_CLIENT_MESSAGE,
    }
    sock = Sock(app)

    @app.before_request
    def decline_compression():
        # simple-websocket accepts permessage-deflate whenever a client offers it, and its zlib
        # contexts cost about 100 KB of RSS a socket (150 KB a socket with them, 47 KB without,
        # measured at 10,000 idle sockets). Events are small JSON: hide the offer, and a
        # browser, like any client, goes on uncompressed.
        if request.path == "/ws":
            request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)

    @sock.route("/ws")
    def live(ws):
        try:
            user_id, token_id, last_id = _authenticate(ws, svc)
            _stream(ws, svc, hub, user_id, token_id, last_id)
        except Refused as refusal:
            ws.close(reason=refusal.code, message=refusal.reason)
        except redis.RedisError:
            ws.close(reason=1011, message="events are unavailable; reconnect with your last event id")


def _authenticate(ws, svc: Services) -> tuple[int, int, str | None]:
    raw = ws.receive(timeout=AUTH_SECONDS)
    if raw is None:
        raise Refused(4408, "send an auth message first")
    try:
        hello = json.loads(raw)
    except ValueError:
        raise Refused(4400, "the first message must be JSON") from None
    if not isinstance(hello, dict) or hello.get("type") != "auth":
        raise Refused(4400, 'the first message must be {"type": "auth", ...}')
    token, last_id = hello.get("token"), hello.get("last_event_id")
    if not isinstance(token, str):
        raise Refused(4401, "token missing")
    if last_id is not None and not (isinstance(last_id, str) and stream.valid_id(last_id)):
        # Resending the same id cannot work: say so, and how to go on.
        raise Refused(4400, "last_event_id is not an event id (<ms>-<seq>); reconnect with null to start from now")
    with svc.sessions.begin() as session:
        found = find_token(session, token)
        if found is None:
            raise Refused(4401, "token unknown or revoked")
        return found.user_id, found.id, last_id


def _stream(ws, svc: Services, hub: Hub, user_id: int, token_id: int, last_id: str | None) -> None:
    # The socket's own event doubles as the hub's waker: simple-websocket sets it when data or
    # a close arrives, so one wait covers new events, client messages and a vanished client.
    waker = ws.event
    # Register before reading where to start: an event appended in between is then read, not lost.
    hub.register(user_id, token_id, waker)
    try:
        last_id = last_id or stream.newest_id(svc.redis, user_id)
        ws.send(json.dumps({"type": "ready", "last_event_id": last_id}))
        while ws.connected:
            last_id = _send_new(ws, svc, user_id, last_id)
            if hub.leaving:
                # After sending what the stream holds: the client resumes after the last of it.
                raise Refused(GOING_AWAY, "the server is stopping; reconnect with your last event id")
            waker.wait(svc.settings.ws_ping_seconds)
            waker.clear()
            if hub.revoked(waker):
                raise Refused(4401, "token revoked")
            # Reading client messages may swallow a wake-up; the stream read that follows the
            # next turn of the loop comes after it, so no event waits for the next ping.
            _discard_client_messages(ws)
    except ConnectionClosed:
        pass
    finally:
        hub.unregister(user_id, waker)


def _send_new(ws, svc: Services, user_id: int, last_id: str) -> str:
    while True:
        events = stream.read_after(svc.redis, user_id, last_id)
        for event in events:
            ws.send(json.dumps(event, ensure_ascii=False))
            last_id = event["id"]
        if len(events) < stream.READ_BATCH:
            return last_id


def _discard_client_messages(ws) -> None:
    # Clients have nothing to say after auth; keep their buffer from growing.
    while ws.receive(timeout=0) is not None:
        pass
