"""`/ws`: authenticate with the first message, replay what the client missed, then stream live.

Protocol (also in the README):
  client -> {"type": "auth", "token": "<API token>", "last_event_id": "<id>" | null}
  server -> {"type": "ready", "last_event_id": "<id>"}, then one JSON object per event, oldest
            first, each with its stream "id"; a client remembers the last id it handled.
  close codes: 4400 first message malformed, 4401 token unknown or revoked, 4408 no auth in time,
            1011 server trouble (reconnect with your last id).
"""
from __future__ import annotations

import json

import redis
from flask import Flask

from ..accounts.tokens import user_for_token
from ..services import Services
from . import stream
from .hub import Hub
from .websocket import Closed, Rejected, WebSocket, accept

PATH = "/ws"
AUTH_SECONDS = 10
MAX_CLIENT_MESSAGE = 4096


class Refused(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def init_app(app: Flask, svc: Services, hub: Hub) -> None:
    # Beside Flask rather than through it: a socket lives for hours, and a request context held
    # that long costs memory for every socket while the endpoint uses nothing of it.
    app.wsgi_app = LiveEndpoint(app.wsgi_app, svc, hub)


class LiveEndpoint:
    """WSGI middleware answering `/ws`; every other request goes on to `app`."""

    def __init__(self, app, svc: Services, hub: Hub):
        self.app, self._svc, self._hub = app, svc, hub

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        try:
            ws = accept(environ, self._svc.settings.ws_ping_seconds, MAX_CLIENT_MESSAGE)
        except Rejected as rejected:
            body = f"{rejected}\n".encode()
            start_response(rejected.status, [*rejected.headers, ("Content-Type", "text/plain; charset=utf-8"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        try:
            _serve(ws, self._svc, self._hub)
        finally:
            ws.close(1011, "server trouble; reconnect with your last event id")
        # gunicorn's way for an app that took the connection over: it writes no response and closes it.
        raise StopIteration


def _serve(ws: WebSocket, svc: Services, hub: Hub) -> None:
    try:
        user_id, last_id = _authenticate(ws, svc)
        _stream(ws, svc, hub, user_id, last_id)
    except Refused as refusal:
        ws.close(refusal.code, refusal.reason)
    except redis.RedisError:
        ws.close(1011, "events are unavailable; reconnect with your last event id")
    except Closed:
        pass


def _authenticate(ws: WebSocket, svc: Services) -> tuple[int, str | None]:
    raw = ws.receive(AUTH_SECONDS)
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
        raise Refused(4400, "last_event_id must be an event id or null")
    with svc.sessions.begin() as session:
        user = user_for_token(session, token)
        if user is None:
            raise Refused(4401, "token unknown or revoked")
        return user.id, last_id


def _stream(ws: WebSocket, svc: Services, hub: Hub, user_id: int, last_id: str | None) -> None:
    # Register before reading where to start: an event appended in between is then read, not lost.
    hub.register(user_id, ws.ring)
    try:
        last_id = last_id or stream.newest_id(svc.redis, user_id)
        ws.send(json.dumps({"type": "ready", "last_event_id": last_id}))
        while True:
            last_id = _send_new(ws, svc, user_id, last_id)
            # Returns once the doorbell rang since the read above; pings go out meanwhile.
            ws.wait()
    finally:
        hub.unregister(user_id, ws.ring)


def _send_new(ws: WebSocket, svc: Services, user_id: int, last_id: str) -> str:
    while True:
        events = stream.read_after(svc.redis, user_id, last_id)
        for event in events:
            ws.send(json.dumps(event, ensure_ascii=False))
            last_id = event["id"]
        if len(events) < stream.READ_BATCH:
            return last_id
