"""The instance's receipt key: Ed25519, generated at first use into the instance folder.

One line, the 32-byte private key in base64url, written by the keyring's atomic create (mode
0600), so every process of an instance signs with the same key and a new instance folder means
a new key. Its public half is published at /.well-known/telltale-receipt-key (web.py) and
printed in every receipt; its id is the hex SHA-256 of the raw 32-byte public key.

There is no rotation: receipts already issued carry the public key they were signed with, so a
new key (delete the file) leaves them verifiable, but a verifier comparing with the published key
then needs the old one, which only the owner can give.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..errors import ConfigError
from ..keyring import load_or_create_keys
from .canonical import b64url, unb64url

ALGORITHM = "Ed25519"
WELL_KNOWN_PATH = "/.well-known/telltale-receipt-key"


def _new_key() -> str:
    return b64url(Ed25519PrivateKey.generate().private_bytes_raw())


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ReceiptKey:
    private: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return raw_public(self.private.public_key())

    @property
    def id(self) -> str:
        return key_id(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def published(self, public_url: str) -> dict:
        """What the well-known URL serves: the key three ways, and whose it is."""
        pem = self.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        return {"algorithm": ALGORITHM, "key_id": self.id, "public_key": b64url(self.public_raw),
                "pem": pem.decode("ascii"), "issuer": public_url}


def load_receipt_key(path: Path) -> ReceiptKey:
    """Return the key in `path`, creating the file (mode 0600) at first use."""
    keys = load_or_create_keys(path, _new_key)
    if len(keys) != 1:
        raise ConfigError(f"{path} must hold exactly one receipt key")
    try:
        raw = unb64url(keys[0])
        if len(raw) != 32:
            raise ValueError
        return ReceiptKey(Ed25519PrivateKey.from_private_bytes(raw))
    except ValueError:
        raise ConfigError(f"{path} does not hold an Ed25519 private key in base64url; delete it to have one made") from None
