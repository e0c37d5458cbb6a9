"""One Redis subscription per web process, waking that process's sockets when their user's doorbell rings.

The hub carries no events, only wake-ups: each socket reads its user's stream itself. So the hub
can lose its Redis connection, resubscribe, and wake everyone once, and no socket misses an event.
The same subscription hears revoked tokens (revocations.py): their sockets are woken to close.
A revocation announced while the hub is resubscribing is missed; that socket lasts until it reconnects.
When the process stops, `leave` wakes every socket to close with "going away": a client reconnects
with its last event id, to another node or to this one restarted, and misses nothing.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict

import redis

from . import revocations
from .stream import DOORBELL_PATTERN, user_of_doorbell

log = logging.getLogger(__name__)
# Long enough to cost nothing while idle, short enough to notice a dead connection.
LISTEN_TIMEOUT = 15.0
RECONNECT_DELAY = 1.0


class Hub:
    def __init__(self, redis_url: str):
        self._redis_url = redis_url
        self._lock = threading.Lock()
        self._sockets: dict[int, set[threading.Event]] = defaultdict(set)
        # The token each socket authenticated with, and the sockets whose token was revoked since.
        self._tokens: dict[threading.Event, int] = {}
        self._revoked: set[threading.Event] = set()
        self._owner_pid: int | None = None
        self._leaving = False

    def register(self, user_id: int, token_id: int, waker: threading.Event) -> None:
        with self._lock:
            self._ensure_listener()
            self._sockets[user_id].add(waker)
            self._tokens[waker] = token_id

    def revoked(self, waker: threading.Event) -> bool:
        """Tell whether the token `waker`'s socket authenticated with has been revoked."""
        with self._lock:
            return waker in self._revoked

    def unregister(self, user_id: int, waker: threading.Event) -> None:
        with self._lock:
            wakers = self._sockets.get(user_id)
            if wakers is not None:
                wakers.discard(waker)
                if not wakers:
                    del self._sockets[user_id]
            self._tokens.pop(waker, None)
            self._revoked.discard(waker)

    @property
    def leaving(self) -> bool:
        """Whether this process is stopping: its sockets close, and a new one is closed once ready."""
        return self._leaving

    def leave(self) -> None:
        """Wake every socket to close: the process is stopping, and would otherwise wait for them."""
        self._leaving = True
        self._wake(None)

    def count(self) -> int:
        with self._lock:
            return sum(len(wakers) for wakers in self._sockets.values())

    def _ensure_listener(self) -> None:
        # Called with the lock held; like the hit writer, one listener per process, after fork.
        if self._owner_pid != os.getpid():
            self._owner_pid = os.getpid()
            self._sockets, self._tokens, self._revoked = defaultdict(set), {}, set()
            threading.Thread(target=self._listen_forever, name="telltale-live-hub", daemon=True).start()

    def _listen_forever(self) -> None:
        while True:
            try:
                self._listen()
            except (redis.RedisError, OSError) as exc:
                log.warning("live hub lost Redis (%s); resubscribing", exc)
                time.sleep(RECONNECT_DELAY)

    def _listen(self) -> None:
        # A client of its own: no read timeout, because a subscription is mostly silence.
        conn = redis.Redis.from_url(self._redis_url, socket_connect_timeout=2, socket_keepalive=True)
        pubsub = conn.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.psubscribe(DOORBELL_PATTERN)
            pubsub.subscribe(revocations.CHANNEL)
            # Whatever was published while unsubscribed is in the streams: wake every socket to read.
            self._wake(None)
            while True:
                message = pubsub.get_message(timeout=LISTEN_TIMEOUT)
                if message is None:
                    pubsub.ping()
                elif message["type"] == "pmessage":
                    self._wake(user_of_doorbell(message["channel"]))
                elif message["type"] == "message":
                    self._revoke(revocations.token_of(message["data"]))
        finally:
            pubsub.close()
            conn.close()

    def _revoke(self, token_id: int | None) -> None:
        with self._lock:
            wakers = [waker for waker, token in self._tokens.items() if token == token_id]
            self._revoked.update(wakers)
        for waker in wakers:
            waker.set()

    def _wake(self, user_id: int | None) -> None:
        with self._lock:
            if user_id is None:
                wakers = [waker for group in self._sockets.values() for waker in group]
            else:
                wakers = list(self._sockets.get(user_id, ()))
        for waker in wakers:
            waker.set()
