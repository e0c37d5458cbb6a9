"""The instance's VAPID key (RFC 8292): it signs every Web Push request, and browsers subscribe to it.

Generated at first use into the instance folder by the keyring's atomic create, as one line: the
P-256 private number, base64url, the form web-push libraries take. There is no rotation: a browser's
subscription is bound to the public key it subscribed with, so a new key means every device
subscribing again.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..errors import ConfigError
from ..keyring import load_or_create_keys

if TYPE_CHECKING:
    from py_vapid import Vapid02


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _new_key() -> str:
    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return b64url(number.to_bytes(32, "big"))


@dataclass(frozen=True)
class VapidKey:
    signer: Vapid02
    # What `PushManager.subscribe({applicationServerKey})` takes: the uncompressed point, base64url.
    public_key: str


def load_vapid(path: Path) -> VapidKey:
    """Return the key in `path`, creating the file (mode 0600) at first use."""
    keys = load_or_create_keys(path, _new_key)
    if len(keys) != 1:
        raise ConfigError(f"{path} must hold exactly one VAPID key; browsers are subscribed to the first")
    try:
        raw = base64.urlsafe_b64decode(keys[0] + "=" * (-len(keys[0]) % 4))
        private = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError:
        raise ConfigError(f"{path} does not hold a P-256 private key in base64url; delete it to have one made") from None
    # Imported here: py_vapid costs 9 MB a process, and most processes never load the key.
    from py_vapid import Vapid02

    # The contact is checked once in config.py; py_vapid's own check refuses https URLs with a port.
    signer = Vapid02(private, conf={"no-strict": True})
    point = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return VapidKey(signer, b64url(point))
