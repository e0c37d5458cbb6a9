"""Commitments: the receipt proves which message it is about without saying its subject,
recipients or sending time.

Each is SHA-256 over a random salt, the field's name, a zero byte and the field's canonical
bytes. The salt (32 bytes, new for every receipt, printed in it) stops anyone from hashing a
dictionary of likely subjects once and matching every receipt; the name keeps a subject that
reads like an address from hashing like that address. Whoever knows the values (the sender, a
recipient) recomputes the hashes and shows they match; nobody else learns them.
"""
from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import UTC, datetime

SALT_BYTES = 32
SCHEME = (
    "hex SHA-256 of salt || name || 0x00 || value, where salt is the 32 bytes whose base64url is "
    "`salt`, name is the ASCII field name (subject, recipients, sent_at), and value is: for subject, "
    "the subject in Unicode NFC, UTF-8; for recipients, each address trimmed and lower-cased, "
    "duplicates removed, sorted by code point, joined by a line feed (0x0A), UTF-8; for sent_at, "
    "the sending time in UTC to the second, as YYYY-MM-DDTHH:MM:SSZ, ASCII"
)
FIELDS = ("subject", "recipients", "sent_at")


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def subject_bytes(subject: str) -> bytes:
    # NFC: the same subject typed on two systems may arrive composed or decomposed.
    return unicodedata.normalize("NFC", subject).encode("utf-8")


def recipients_bytes(recipients: list[str]) -> bytes:
    addresses = sorted({address.strip().lower() for address in recipients})
    return "\n".join(addresses).encode("utf-8")


def sent_at_bytes(sent_at: datetime) -> bytes:
    return rfc3339_seconds(sent_at).encode("ascii")


def rfc3339_seconds(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a time without its offset is ambiguous")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def commit(salt: bytes, name: str, value: bytes) -> str:
    return hashlib.sha256(salt + name.encode("ascii") + b"\x00" + value).hexdigest()


def commitments(salt: bytes, subject: str, recipients: list[str], sent_at: datetime) -> dict[str, str]:
    return {
        "subject": commit(salt, "subject", subject_bytes(subject)),
        "recipients": commit(salt, "recipients", recipients_bytes(recipients)),
        "sent_at": commit(salt, "sent_at", sent_at_bytes(sent_at)),
    }
