"""API tokens and pairing codes: random secrets handed out once, stored only as hashes."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..store.models import ApiToken, PairingCode, User

TOKEN_PREFIX = "tt_"
# No 0/O or 1/I/L: people read pairing codes off a terminal and type them into a form.
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PAIRING_LENGTH = 10
LAST_USED_GRANULARITY = timedelta(minutes=5)


def utcnow() -> datetime:
    return datetime.now(UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_user(session: Session, email: str) -> User:
    user = User(email=email.strip().lower(), created_at=utcnow())
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def issue_api_token(session: Session, user: User, label: str = "") -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=digest(token), label=label[:100], created_at=utcnow()))
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    """Return the live API token `token` is, noting its use; None if it is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None)))
    if row is None:
        return None
    now = utcnow()
    # Record use at most every few minutes: a write per request would make every API read on
    # SQLite wait for the worker's write lock.
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_GRANULARITY:
        row.last_used_at = now
    return row


def user_for_token(session: Session, token: str) -> User | None:
    """Return the user a live API token belongs to, noting its use."""
    row = find_token(session, token)
    return None if row is None else session.get(User, row.user_id)


def live_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """Return the user's tokens that still work, oldest first."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)
    ))


def revoke_token(session: Session, user_id: int, token_id: int) -> bool:
    """Revoke the user's live token `token_id`; False if they have no such token.

    Every request looks its token up again (find_token), so the next one with it is refused.
    """
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return revoked.rowcount == 1


def issue_pairing_code(session: Session, user: User, ttl_seconds: int) -> str:
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    session.add(PairingCode(user_id=user.id, code_hash=digest(raw), expires_at=utcnow() + timedelta(seconds=ttl_seconds)))
    return f"{raw[:5]}-{raw[5:]}"


def redeem_pairing_code(session: Session, code: str) -> User | None:
    """Spend `code` and return its user; None if it is unknown, used or expired."""
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    now = utcnow()
    # One conditional UPDATE: two requests racing with the same code cannot both win.
    row_id = session.scalar(
        update(PairingCode)
        .where(PairingCode.code_hash == digest(normalized), PairingCode.used_at.is_(None), PairingCode.expires_at > now)
        .values(used_at=now)
        .returning(PairingCode.user_id)
    )
    return None if row_id is None else session.get(User, row_id)
