"""Refusals repeated without Flask: whom the rate limiter refused is refused again, at the WSGI
layer, until the window that refused them ends.

A flood of refused requests costs the CPU that the pixel needs. Measured with two web processes,
400 wrong pairing codes a second from one address and wrk on the pixel: answered 429 through Flask
and the limiter (about 3 ms of CPU and two Redis round trips each), they took the pixel's median
from 1.9 to 26 ms and its rate from 3.7k to 0.26k a second; refused here, from 1.8 to 3.2 ms and
4.1k to 2.1k (the flood's own client shares the two cores). The next refusals of the same caller
cost a dictionary look-up. Each process learns from its own first refusal; the count in Redis,
shared by every process, stays the one that decides.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable

import orjson

from ..web_headers import SECURITY_HEADERS

# A flood from many addresses must not grow this without bound: past this, expired entries go.
MAX_REMEMBERED = 100_000

Keys = Callable[[dict], list[tuple[str, str]]]


class EarlyRefusals:
    def __init__(self, app, keys_for: Keys):
        self.app = app
        self._keys_for = keys_for
        self._refused: dict[tuple[str, str], tuple[float, str]] = {}

    def remember(self, scope: str, key: str, until: float, message: str) -> None:
        """Refuse `key` under `scope` until `until` (epoch seconds), saying `message`."""
        if len(self._refused) >= MAX_REMEMBERED:
            now = time.time()
            self._refused = {k: v for k, v in self._refused.items() if v[0] > now}
        self._refused[(scope, key)] = (until, message)

    def __call__(self, environ, start_response):
        if self._refused:
            now = time.time()
            for scope_key in self._keys_for(environ):
                refused = self._refused.get(scope_key)
                if refused is not None and refused[0] > now:
                    return _refuse(start_response, retry_after(refused[0], now), refused[1])
        return self.app(environ, start_response)


def retry_after(until: float, now: float) -> int:
    """Whole seconds to wait, rounded up: a client that waits exactly this long is let through."""
    return max(1, math.ceil(until - now))


def _refuse(start_response, wait: int, message: str):
    # The same answer the API's error handler gives, so a client cannot tell which layer refused.
    body = orjson.dumps({"error": {"code": "rate_limited", "message": f"{message}; retry in {wait} seconds"}})
    start_response("429 Too Many Requests", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Retry-After", str(wait)),
        *SECURITY_HEADERS,
    ])
    return [body]
