"""Named queries for linked mailboxes: linking, listing, and which ones are due a poll."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import LinkedAccount


class AccountTaken(Exception):
    """The mailbox is already linked to another Telltale user."""


def link_account(session: Session, user_id: int, provider: str, address: str, sealed: str, scopes: str,
                 now: datetime) -> LinkedAccount:
    """Link the mailbox to the user, or renew its credential if it is theirs already; poll it now."""
    account = account_for(session, provider, address)
    if account is not None and account.user_id != user_id:
        raise AccountTaken(f"{address} is already linked to another Telltale user")
    if account is None:
        account = LinkedAccount(user_id=user_id, provider=provider, address=address, linked_at=now)
        session.add(account)
    account.secret, account.scopes = sealed, scopes
    account.status, account.problem, account.failures, account.next_check_at = "ok", None, 0, now
    session.flush()
    return account


def account_for(session: Session, provider: str, address: str) -> LinkedAccount | None:
    return session.scalar(
        select(LinkedAccount).where(LinkedAccount.provider == provider, LinkedAccount.address == address)
    )


def accounts_of(session: Session, user_id: int) -> list[LinkedAccount]:
    return list(session.scalars(
        select(LinkedAccount).where(LinkedAccount.user_id == user_id).order_by(LinkedAccount.id)
    ))


def owned_account(session: Session, user_id: int, account_id: int) -> LinkedAccount | None:
    return session.scalar(
        select(LinkedAccount).where(LinkedAccount.id == account_id, LinkedAccount.user_id == user_id)
    )


def due_account_ids(session: Session, now: datetime, limit: int = 200) -> list[int]:
    """Accounts whose next poll is due, most overdue first; an account to relink waits for its user."""
    return list(session.scalars(
        select(LinkedAccount.id)
        .where(LinkedAccount.next_check_at <= now, LinkedAccount.status != "relink")
        .order_by(LinkedAccount.next_check_at)
        .limit(limit)
    ))
