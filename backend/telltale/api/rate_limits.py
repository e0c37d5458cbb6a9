"""Rate limits on the API and on pairing, counted in Redis by Flask-Limiter.

The tracking URLs never reach Flask (tracking/hotpath.py answers them first), so nothing here
touches the pixel or a link. Limits are checked in a before_request hook, ahead of the view, so a
refused request costs one Redis round trip and no SQL.

Pairing codes are 10 characters from a 31-letter alphabet (accounts/credentials.py): 31**10 = 8.2e14
codes. Wrong codes from all addresses together are capped at TELLTALE_RATE_LIMIT_PAIR_FAILURES,
60 a minute by default; a fixed window lets at most twice that through around a window's edge,
so at most 2 guesses a second. Within the default 15-minute TTL that is 1,800 guesses, a chance
of 2e-12 to hit a given live code; within the longest TTL allowed (7 days), 1.2e6 guesses, 1.5e-9.
The cap is there for the database: each wrong guess is a write transaction. Wrong codes are
counted once answered, so guesses already in flight when the cap is reached still get through;
each of them spends its address's own allowance, which bounds that overshoot.
"""
from __future__ import annotations

import ipaddress
import time
from functools import partial

from flask import Flask, Response, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded

from ..accounts.credentials import digest
from ..services import Services
from ..tracking.hits import client_ip
from .early_refusals import EarlyRefusals, retry_after
from .errors import ApiError, error_response
from .routes import PREFIX

PAIR_PATH = f"{PREFIX}/pair"


EVERYONE = "everyone"


def init_app(app: Flask, svc: Services) -> Limiter:
    """Limit the API per token or address, and pairing per address and in total."""
    settings = svc.settings
    address = partial(_request_key, partial(_address, settings.trusted_proxies))
    caller = partial(_request_key, partial(_caller, settings.trusted_proxies))
    limits = [
        ApplicationLimit(settings.rate_limit_api, key_function=caller, scope="api",
                         exempt_when=_not_api,
                         error_message="too many API requests with this token or from this address"),
        # Counted only when the answer is 401: a client cannot dodge the limit above by sending a
        # new made-up token each time, since each one is refused.
        ApplicationLimit(settings.rate_limit_unauthenticated, key_function=address, scope="unauthorized",
                         exempt_when=_not_api, deduct_when=_unauthorized,
                         error_message="too many requests without a valid API token from this address"),
        ApplicationLimit(settings.rate_limit_pair, key_function=address, scope="pair", exempt_when=_not_pairing,
                         error_message="too many pairing attempts from this address"),
        # 400 only: a 429 must not count, or one address could lock everyone out for free.
        ApplicationLimit(settings.rate_limit_pair_failures, key_function=lambda: EVERYONE, scope="pair-failures",
                         exempt_when=_not_pairing, deduct_when=lambda response: response.status_code == 400,
                         error_message="too many wrong pairing codes were tried lately, from all addresses together"),
    ]
    limiter = Limiter(
        address,
        application_limits=limits,
        # The services' pool: its short timeouts keep a hung Redis from hanging the API.
        storage_uri="redis://",
        storage_options={"connection_pool": svc.redis.connection_pool},
        # One INCR-and-EXPIRE per limit, and a Retry-After that is exact.
        strategy="fixed-window",
        key_prefix="telltale",
        # With Redis down, count in this process's memory instead: pairing stays limited (per
        # process rather than in total) and the API keeps answering. Errors after the view, when
        # Redis dies mid-request, are logged rather than turned into 500s.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    refusals = EarlyRefusals(app.wsgi_app, partial(_keys_for, settings.trusted_proxies))
    app.wsgi_app = refusals
    app.register_error_handler(RateLimitExceeded, partial(_too_many, limiter, refusals))
    return limiter


def _too_many(limiter: Limiter, refusals: EarlyRefusals, exc: RateLimitExceeded) -> Response:
    breached, now = limiter.current_limit, time.time()
    until = breached.reset_at if breached else now + 60
    wait, message = retry_after(until, now), f"{exc.description} ({exc.limit.limit})"
    refusals.remember(exc.limit.scope, exc.limit.key_func(), until, message)
    response = error_response(ApiError(429, "rate_limited", f"{message}; retry in {wait} seconds"))
    response.headers["Retry-After"] = str(wait)
    return response


def _keys_for(trusted_proxies: int, environ: dict) -> list[tuple[str, str]]:
    """The (scope, key) pairs the limits above would count `environ` under."""
    path = environ.get("PATH_INFO", "")
    if path == PAIR_PATH:
        return [("pair", _address(trusted_proxies, environ)), ("pair-failures", EVERYONE)]
    if path.startswith(f"{PREFIX}/"):
        return [("api", _caller(trusted_proxies, environ)), ("unauthorized", _address(trusted_proxies, environ))]
    return []


def _request_key(key_of) -> str:
    return key_of(request.environ)


def _not_api() -> bool:
    return not request.path.startswith(f"{PREFIX}/") or request.path == PAIR_PATH


def _not_pairing() -> bool:
    return request.path != PAIR_PATH


def _unauthorized(response: Response) -> bool:
    return response.status_code == 401


def _caller(trusted_proxies: int, environ: dict) -> str:
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        # A digest, never the token itself: whoever can read Redis can read its keys.
        return "token:" + digest(token.strip())[:32]
    return _address(trusted_proxies, environ)


def _address(trusted_proxies: int, environ: dict) -> str:
    raw = client_ip(environ, trusted_proxies)
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return f"ip:{raw or 'unknown'}"
    if ip.version == 6 and ip.ipv4_mapped:
        return f"ip:{ip.ipv4_mapped}"
    if ip.version == 6:
        # One subscriber usually holds a whole /64: count it as one address.
        return f"net:{ipaddress.ip_network((ip, 64), strict=False)}"
    return f"ip:{ip}"
