"""The keyed hash an opt-out is kept as: the address itself is never stored.

HMAC-SHA256 under a key of this instance's own (`<home>/optout_key`, made at first run), so a
leaked database does not tell whose addresses declined, nor can a list of known addresses be
hashed against it without the key. Only the file's first key is used: a hash must stay the same
for as long as the opt-out is kept, and a key appended for rotation would silently forget every
opt-out made before it. The key file is never rotated.
"""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from ..keyring import load_or_create_keys


class AddressHasher:
    def __init__(self, key: str):
        self._key = key.encode("utf-8")

    def __call__(self, address: str) -> str:
        """Return the hex hash of `address`, the same whatever its case or surrounding spaces."""
        return hmac.new(self._key, normalized(address).encode("utf-8"), hashlib.sha256).hexdigest()


def normalized(address: str) -> str:
    # Lower-cased whole: the local part is case-sensitive in theory (RFC 5321), never in practice,
    # and a recipient who declined as Bo@ must not be tracked as bo@.
    return address.strip().lower()


def load_hasher(path: Path) -> AddressHasher:
    """Return the hasher keyed by the first key in `path`, creating the file on first use."""
    return AddressHasher(load_or_create_keys(path)[0])
