"""Secret keys: generated at first run into the instance folder, never committed.

The file holds one key per line, oldest first; the last line signs, every line verifies, so an
owner rotates by appending a key and removes an old one only when mail signed with it no longer
matters.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from .errors import ConfigError


def new_signing_key() -> str:
    return secrets.token_urlsafe(32)


def load_or_create_keys(path: Path, new_key: Callable[[], str] = new_signing_key) -> list[str]:
    """Return the secret keys in `path`, creating the file with one `new_key()` if it is missing."""
    if not path.exists():
        _create(path, new_key())
    keys = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    if not keys:
        raise ConfigError(f"{path} holds no secret key; delete it to have a new one generated")
    if any(len(key) < 16 for key in keys):
        raise ConfigError(f"every key in {path} must be at least 16 characters long")
    return keys


def _create(path: Path, key: str) -> None:
    """Put a file holding `key` at `path`, unless another process does so first.

    Several web processes start at once on a new instance folder. The key is written whole to a
    file of this process's own, then linked into place: `link` fails if `path` exists, so every
    process sees either no file or a complete one, and all of them agree on the first key linked.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def rotate_keys(path: Path, new_key: Callable[[], str] = new_signing_key) -> list[str]:
    """Append a fresh key to `path`; older keys keep verifying (or decrypting)."""
    keys = load_or_create_keys(path, new_key)
    with path.open("a") as handle:
        handle.write(new_key() + "\n")
    return keys + [path.read_text().splitlines()[-1].strip()]
