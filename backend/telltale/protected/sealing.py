"""Protected bodies sealed at rest: AES-256-GCM under a per-instance content key, the message id as associated data.

AES-GCM from the `cryptography` package rather than the vault's Fernet: a body is up to a few
megabytes, and GCM binds the ciphertext to associated data, so a sealed body copied onto another
message's row does not open there. The keys are made the way the signing and vault keys are
(keyring.py): generated at first use into `$TELLTALE_HOME/content_keys`, mode 0600, one per line,
the newest sealing and every one opening. A sealed body names its key by a short fingerprint, so
opening tries one key, not all.
"""
from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import ConfigError
from ..keyring import load_or_create_keys, rotate_keys

VERSION = b"\x01"
FINGERPRINT_BYTES = 4
NONCE_BYTES = 12  # GCM's own size; random nonces are safe far beyond any one instance's bodies


class SealBroken(Exception):
    """A sealed body does not open: altered, moved to another message, or sealed with a key this server lacks."""


def _new_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def _associated(message_id: int) -> bytes:
    return f"telltale.protected:{message_id}".encode("ascii")


class ContentKeys:
    def __init__(self, keys: list[str]):
        self._keys: dict[bytes, AESGCM] = {}
        for key in keys:
            try:
                raw = base64.urlsafe_b64decode(key.encode("ascii"))
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise ConfigError("a content key is not 32 url-safe base64-encoded bytes")
            self._keys[hashlib.sha256(raw).digest()[:FINGERPRINT_BYTES]] = AESGCM(raw)
        # dicts keep insertion order: the file's last key seals.
        self._newest = list(self._keys)[-1]

    def seal(self, message_id: int, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self._newest].encrypt(nonce, plaintext, _associated(message_id))
        return VERSION + self._newest + nonce + sealed

    def open(self, message_id: int, sealed: bytes) -> bytes:
        header = 1 + FINGERPRINT_BYTES
        if len(sealed) < header + NONCE_BYTES + 16 or sealed[:1] != VERSION:
            raise SealBroken("the stored body is not a sealed body")
        aead = self._keys.get(bytes(sealed[1:header]))
        if aead is None:
            raise SealBroken("the stored body was sealed with a content key this server does not have")
        nonce, body = sealed[header:header + NONCE_BYTES], sealed[header + NONCE_BYTES:]
        try:
            return aead.decrypt(nonce, bytes(body), _associated(message_id))
        except InvalidTag:
            raise SealBroken("the stored body was altered, or belongs to another message") from None


def load_content_keys(path: Path) -> ContentKeys:
    return ContentKeys(load_or_create_keys(path, _new_key))


def rotate_content_keys(path: Path) -> ContentKeys:
    return ContentKeys(rotate_keys(path, _new_key))
