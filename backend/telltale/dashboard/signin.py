"""Signing in to the dashboard with a one-time link, and who is signed in.

The link carries a signed, timed token (itsdangerous, with the instance's keys and a salt of its
own). It works once: the first sign-in claims its nonce in Redis for as long as the link could
live. Opening the link only shows a button; signing in is a POST, so a chat app's preview or a
mail scanner that fetches the link spends nothing.
"""
from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence

from flask import current_app, redirect, request, session, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from redis import Redis

from ..services import services
from ..store.models import User

LINK_SECONDS = 15 * 60
SALT = "telltale.dashboard-login"
USED_KEY = "telltale:dashboard:login-used:{nonce}"
EXTENSION_KEY = "telltale.dashboard.links"


class LinkRefused(Exception):
    """The sign-in link is forged, expired or spent; the message says which."""


class LoginLinks:
    """Issue and spend one-time sign-in links."""

    def __init__(self, keys: Sequence[str], redis: Redis, public_url: str) -> None:
        # The newest key signs and every key verifies, as for tracking URLs.
        self._serializer = URLSafeTimedSerializer(list(keys), salt=SALT)
        self._redis, self._public_url = redis, public_url

    def url(self, user_id: int) -> str:
        """A link that signs `user_id` in once, within LINK_SECONDS."""
        token = self._serializer.dumps({"u": user_id, "n": secrets.token_urlsafe(12)})
        return f"{self._public_url}/app/login/{token}"

    def check(self, token: str) -> int:
        """The user a still-valid link names, without spending it."""
        return self._payload(token)["u"]

    def redeem(self, token: str) -> int:
        """Spend the link and return its user id."""
        payload = self._payload(token)
        if not self._redis.set(USED_KEY.format(nonce=payload["n"]), 1, nx=True, ex=LINK_SECONDS + 60):
            raise LinkRefused("this sign-in link was used already; ask for a new one")
        return payload["u"]

    def _payload(self, token: str) -> dict:
        try:
            payload = self._serializer.loads(token, max_age=LINK_SECONDS)
        except SignatureExpired:
            raise LinkRefused("this sign-in link has expired; ask for a new one") from None
        except BadSignature:
            raise LinkRefused("this is not a sign-in link of this server") from None
        if not (isinstance(payload, dict) and isinstance(payload.get("u"), int) and isinstance(payload.get("n"), str)):
            raise LinkRefused("this is not a sign-in link of this server")
        return payload


def login_links() -> LoginLinks:
    return current_app.extensions[EXTENSION_KEY]


def start_session(user_id: int) -> None:
    session.clear()
    session.permanent = True
    session["user_id"] = user_id


def current_user() -> User | None:
    """The signed-in user, or None (also when the account was deleted since)."""
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return None
    with services().sessions() as db:
        user = db.get(User, user_id)
        if user is not None:
            db.expunge(user)
        return user


def signed_in(view: Callable) -> Callable:
    """Run `view` with the signed-in user as its first argument; send anyone else to the sign-in page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None:
            return redirect(url_for("dashboard.signin", next=request.full_path.rstrip("?")), code=303)
        return view(user, *args, **kwargs)

    return wrapper
