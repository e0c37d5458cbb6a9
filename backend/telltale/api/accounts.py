"""/api/v1/accounts: the caller's linked mailboxes, a link to add one, and unlinking."""
from __future__ import annotations

from urllib.parse import quote

from ..accounts import linking
from ..store.accounts import accounts_of, owned_account
from .errors import ApiError, not_found
from .schemas import AccountList, AccountOut, LinkUrlOut, UnlinkOut


def index(call) -> tuple[AccountList, int]:
    svc = call.services
    return AccountList(
        items=[_out(account) for account in accounts_of(call.session, call.user.id)],
        providers={provider: linking.app_for(svc, provider) is not None for provider in linking.PROVIDERS},
    ), 200


def link(call) -> tuple[LinkUrlOut, int]:
    provider = call.body.provider
    svc = call.services
    if linking.app_for(svc, provider) is None:
        settings = " and ".join(linking.SETTINGS[provider][:2])
        raise ApiError(409, "provider_not_configured",
                       f"{linking.NAMES[provider]} accounts are not set up on this server: its owner sets {settings}")
    ticket = linking.issue_ticket(svc, call.user.id, provider)
    return LinkUrlOut(url=f"{svc.settings.public_url}/accounts/link/{provider}?ticket={quote(ticket)}"), 200


def unlink(call, account_id: int) -> tuple[UnlinkOut, int]:
    account = owned_account(call.session, call.user.id, account_id)
    if account is None:
        raise not_found(f"account {account_id}")
    revoked, message = linking.unlink(call.services, call.session, account)
    return UnlinkOut(revoked=revoked, message=message), 200


def _out(account) -> AccountOut:
    return AccountOut(id=account.id, provider=account.provider, address=account.address, linked_at=account.linked_at,
                      status=account.status, checked_at=account.checked_at, problem=account.problem)
