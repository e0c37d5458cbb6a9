"""One Web Push message to one browser: RFC 8030 delivery, VAPID (RFC 8292), aes128gcm (RFC 8291), by pywebpush."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from .notice import Notice, Result
from .vapid import VapidKey, b64url

# How long the push service keeps a message for a phone that is off: news of an open is stale
# after a few hours, and a phone switched on in the morning should not replay the night.
TTL_SECONDS = 4 * 3600
# The push service's word that the browser unsubscribed, or the endpoint never existed.
GONE = frozenset({404, 410})

@dataclass(frozen=True)
class Target:
    """A browser's subscription as the browser gave it (PushSubscription.toJSON())."""

    endpoint: str
    p256dh: str
    auth: str


def payload(notice: Notice) -> str:
    """What the service worker (dashboard/static/sw.js) shows: always a title and a body."""
    return json.dumps({"title": notice.title, "body": notice.body, "tag": notice.id, "url": notice.path,
                       "message_id": notice.message_id, "fresh": notice.fresh}, ensure_ascii=False)


def topic(popup_id: str) -> str:
    """The Topic header: the push service keeps only the newest undelivered message per topic.

    RFC 8030 allows 32 base64url characters, so the popup id is hashed to fit.
    """
    return b64url(hashlib.sha256(popup_id.encode("utf-8")).digest()[:24])


def send(http: requests.Session, key: VapidKey, contact: str, timeout: int, target: Target, notice: Notice) -> Result:
    """Encrypt and POST `notice` to one browser's push service; say what it answered."""
    # Imported on the first push: pywebpush brings aiohttp with it (10 MB a process, measured), and
    # the web processes, which only take subscriptions, never send one.
    from pywebpush import WebPushException, webpush

    info = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
    try:
        # A fresh claims dict each time: pywebpush writes `aud` and `exp` into the one it is given.
        webpush(info, payload(notice), vapid_private_key=key.signer, vapid_claims={"sub": contact},
                ttl=TTL_SECONDS, timeout=timeout, headers={"Topic": topic(notice.id), "Urgency": "normal"},
                requests_session=http)
    except WebPushException as exc:
        status = exc.status_code
        if status in GONE:
            return Result("gone", f"the push service answered {status}: this browser is no longer subscribed")
        return Result("failed", f"the push service answered {status}" if status else exc.message)
    except requests.Timeout:
        return Result("failed", f"the push service did not answer within {timeout} s")
    except requests.RequestException as exc:
        return Result("failed", f"could not reach the push service: {_reason(exc)}")
    except ValueError as exc:
        # The browser's keys do not make a P-256 point: nothing can be encrypted for it.
        return Result("failed", f"the subscription's keys are unusable: {exc}")
    return Result("sent")


def _reason(exc: requests.RequestException) -> str:
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError):
        # Its text starts with the connection object's repr, of no use to anyone.
        return str(cause.reason).rpartition(">: ")[2]
    return type(exc).__name__
