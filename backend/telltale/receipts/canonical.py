"""The bytes a receipt's signature and timestamp cover.

RFC 8785 (JSON Canonicalization Scheme) for the values a receipt holds: objects with ASCII keys
sorted, no whitespace, UTF-8, and no floating-point numbers (whose shortest form is the one part
of RFC 8785 that Python's json module does not match). With those limits, `json.dumps` with sorted
keys and compact separators gives exactly RFC 8785's bytes, so any JCS library can recompute them.
"""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

CANONICAL_FORM = "RFC 8785 (JCS): keys sorted, no whitespace, UTF-8"


class NotCanonical(ValueError):
    """A value a receipt may not hold (a float, a non-ASCII key): its bytes would be ambiguous."""


def canonical_bytes(value) -> bytes:
    _check(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _check(value) -> None:
    if isinstance(value, float):
        raise NotCanonical("a receipt holds no floating-point numbers")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise NotCanonical(f"keys must be ASCII strings, got {key!r}")
            _check(item)
    elif isinstance(value, list):
        for item in value:
            _check(item)
    elif not (value is None or isinstance(value, (str, int))):
        raise NotCanonical(f"a receipt holds no {type(value).__name__}")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url; ValueError for anything else (padding, other alphabets, spaces)."""
    if not isinstance(text, str) or not text.isascii() or "=" in text or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    if any(not (c.isalnum() or c in "-_") for c in text):
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rfc3339(moment: datetime) -> str:
    """A time as receipts write it: UTC, RFC 3339, to the millisecond, with Z."""
    if moment.tzinfo is None:
        raise ValueError("a time without its offset is ambiguous")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
