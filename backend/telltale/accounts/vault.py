"""Linked accounts' refresh tokens, encrypted at rest with keys generated at first run.

Fernet (the `cryptography` package's authenticated encryption: AES-128-CBC with an HMAC-SHA256)
rather than anything of our own. The keys live beside the signing keys in the instance folder, one
per line, newest last: MultiFernet encrypts with the newest and decrypts with any, so an owner
rotates with `telltale keys rotate --vault` without relinking anyone. A stolen database alone
opens no mailbox.
"""
from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ..errors import ConfigError
from ..keyring import load_or_create_keys, rotate_keys


def _new_key() -> str:
    return Fernet.generate_key().decode("ascii")


class Vault:
    def __init__(self, keys: list[str]):
        try:
            # MultiFernet tries its keys in order and encrypts with the first: newest first.
            self._fernet = MultiFernet([Fernet(key) for key in reversed(keys)])
        except ValueError:
            raise ConfigError("a vault key is not a Fernet key (32 url-safe base64-encoded bytes)") from None

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """Return the secret; raise VaultError if no key opens it (the key file was replaced)."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise VaultError("no vault key opens this credential: was the instance's vault_keys file replaced?") from None


class VaultError(Exception):
    """A stored credential cannot be decrypted with the instance's keys."""


def load_vault(path: Path) -> Vault:
    return Vault(load_or_create_keys(path, _new_key))


def rotate_vault(path: Path) -> Vault:
    return Vault(rotate_keys(path, _new_key))
