"""Linking a Google or Microsoft mailbox, and signing in with one: the OAuth authorization-code flow.

The flow's state lives in Redis for ten minutes under a random `state` that also goes in a cookie
of the browser that started it, so a callback completes only in the browser that asked (no login
CSRF: nobody can link their mailbox to someone else's Telltale user by sending them a link).
The extension starts a link with a one-time ticket signed with the instance's keys: the pages
then need no session of their own.

A sign-in has a purpose, kept with the flow: the extension's ends on a page with a pairing code,
the dashboard's starts a dashboard session instead. One callback serves both, so the owner
registers one redirect URI per provider.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..keyring import load_or_create_keys
from ..replies.mailbox import Grant, LinkFailed, ProviderBusy
from ..services import Services
from ..store.accounts import AccountTaken, account_for, link_account
from ..store.models import LinkedAccount, User
from .credentials import create_user, find_user, issue_pairing_code
from .vault import VaultError

PROVIDERS = ("google", "microsoft")
NAMES = {"google": "Google", "microsoft": "Microsoft"}
SETTINGS = {"google": ("TELLTALE_GOOGLE_CLIENT_ID", "TELLTALE_GOOGLE_CLIENT_SECRET"),
            "microsoft": ("TELLTALE_MICROSOFT_CLIENT_ID", "TELLTALE_MICROSOFT_CLIENT_SECRET",
                          "TELLTALE_MICROSOFT_TENANT")}
# Where a person withdraws Telltale's access themselves.
APP_PAGES = {"google": "https://myaccount.google.com/permissions",
             "microsoft": "https://myapps.microsoft.com (work or school) or https://account.live.com/consent/Manage"}
FLOW_SECONDS = 600
TICKET_SALT = "telltale.link-ticket"
_FLOW_KEY = "telltale:oauth:flow:{state}"
_TICKET_KEY = "telltale:oauth:ticket:{nonce}"
# Why a flow was started: what the callback does once the provider has answered.
EXTENSION, DASHBOARD = "extension", "dashboard"


@dataclass(frozen=True)
class Outcome:
    """What the callback page tells the person, or does for them."""

    provider: str
    address: str
    user_id: int
    user_email: str
    created: bool  # signing in made a new Telltale user
    pairing_code: str | None  # signing in for the extension: a code to pair it with
    purpose: str = EXTENSION
    next_path: str | None = None  # a dashboard sign-in: the page it was started from, unchecked


class DashboardSignInFailed(LinkFailed):
    """A dashboard sign-in that could not finish: its reason goes on the dashboard's sign-in page."""

    def __init__(self, reason: str, next_path: str | None) -> None:
        super().__init__(reason)
        self.next_path = next_path


def app_for(svc: Services, provider: str):
    """The owner's OAuth client for `provider`, or None while it is not set up."""
    return svc.settings.google if provider == "google" else svc.settings.microsoft


def authorization_origin(svc: Services, provider: str) -> str:
    """Where a browser starting a sign-in is sent first: a page whose form starts one must allow it."""
    app = app_for(svc, provider)
    url = app.auth_uri if provider == "google" else app.authority_host
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _client(provider: str):
    # Each provider's library loads only when someone links with it.
    if provider == "google":
        from . import google as client
    else:
        from . import microsoft as client
    return client


def issue_ticket(svc: Services, user_id: int, provider: str) -> str:
    return _tickets(svc).dumps({"u": user_id, "p": provider, "n": secrets.token_urlsafe(12)})


def redeem_ticket(svc: Services, ticket: str, provider: str) -> int:
    """Return the user a link ticket was issued to; a ticket works once, for ten minutes."""
    try:
        claim = _tickets(svc).loads(ticket, max_age=FLOW_SECONDS)
    except BadData:
        raise LinkFailed("This link has expired or is not valid: start again from the extension's options") from None
    if claim.get("p") != provider:
        raise LinkFailed("This link was made for another provider: start again from the extension's options")
    if not svc.redis.set(_TICKET_KEY.format(nonce=claim["n"]), b"1", nx=True, ex=FLOW_SECONDS):
        raise LinkFailed("This link was used already: start again from the extension's options")
    return int(claim["u"])


def _tickets(svc: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(load_or_create_keys(svc.settings.keys_file), salt=TICKET_SALT)


def start(svc: Services, provider: str, redirect_uri: str, user_id: int | None, *,
          purpose: str = EXTENSION, next_path: str | None = None) -> tuple[str, str]:
    """Begin a flow (a link for `user_id`, or a sign-in); return the provider's URL and the state.

    A sign-in for the dashboard (`purpose=DASHBOARD`) lands on `next_path` once it is done.
    """
    if purpose not in (EXTENSION, DASHBOARD) or (purpose == DASHBOARD and user_id is not None):
        raise ValueError(f"no such flow: {purpose} for user {user_id}")
    state = secrets.token_urlsafe(24)
    url, kept = _client(provider).authorization(app_for(svc, provider), redirect_uri, state)
    flow = {"provider": provider, "user_id": user_id, "kept": kept, "purpose": purpose, "next": next_path}
    svc.redis.set(_FLOW_KEY.format(state=state), json.dumps(flow), ex=FLOW_SECONDS)
    return url, state


def finish(svc: Services, provider: str, redirect_uri: str, args: dict[str, str], browser_state: str | None) -> Outcome:
    """Complete the flow the callback's `args` answer; raise LinkFailed with words for the person.

    Once the flow is known, a dashboard sign-in's failure is a DashboardSignInFailed, so that the
    person reads it on the page they started from.
    """
    flow = _claim(svc, provider, args, browser_state)
    try:
        grant = _client(provider).complete(app_for(svc, provider), redirect_uri, flow["kept"], args)
        with svc.sessions.begin() as session:
            return _keep(svc, session, grant, flow)
    except LinkFailed as exc:
        if flow.get("purpose") == DASHBOARD:
            raise DashboardSignInFailed(str(exc), flow.get("next")) from exc
        raise


def _claim(svc: Services, provider: str, args: dict[str, str], browser_state: str | None) -> dict:
    """The flow this browser started and the callback answers; it can be claimed once."""
    state = args.get("state", "")
    if not state or not browser_state or not secrets.compare_digest(state, browser_state):
        raise LinkFailed("This answer from the provider belongs to another browser or an older attempt: start again")
    raw = svc.redis.getdel(_FLOW_KEY.format(state=state))
    if raw is None:
        raise LinkFailed("This sign-in took longer than ten minutes, or was completed already: start again")
    flow = json.loads(raw)
    if flow["provider"] != provider:
        raise LinkFailed("The answer came back for another provider: start again")
    return flow


def _keep(svc: Services, session: Session, grant: Grant, flow: dict) -> Outcome:
    # Flows started before purposes existed are the extension's.
    user_id, purpose = flow["user_id"], flow.get("purpose", EXTENSION)
    created, code = False, None
    if user_id is None:
        user, created = _signing_in(svc, session, grant)
        user_id = user.id
        if purpose == EXTENSION:  # the dashboard signs in with a session, not a pairing code
            code = issue_pairing_code(session, user, svc.settings.pairing_ttl_seconds)
    user = session.get(User, user_id)
    if user is None:
        raise LinkFailed("The Telltale user this link was made for no longer exists")
    try:
        link_account(session, user.id, grant.provider, grant.address, svc.vault().seal(grant.secret),
                     " ".join(grant.scopes), datetime.now(UTC))
    except AccountTaken:
        raise LinkFailed(f"{grant.address} is linked to another Telltale user already: unlink it there first") from None
    return Outcome(provider=grant.provider, address=grant.address, user_id=user.id, user_email=user.email,
                   created=created, pairing_code=code, purpose=purpose, next_path=flow.get("next"))


def _signing_in(svc: Services, session: Session, grant: Grant) -> tuple[User, bool]:
    """The user a sign-in names: by the linked mailbox, then by address, else a new one if allowed."""
    linked = account_for(session, grant.provider, grant.address)
    if linked is not None:
        return session.get(User, linked.user_id), False
    user = find_user(session, grant.address)
    if user is not None:
        return user, False
    if not _may_sign_up(svc, session, grant.address):
        raise LinkFailed(f"{grant.address} has no Telltale user on this server, and the owner has not allowed new "
                         "ones for it (TELLTALE_SIGNUP_ALLOWED)")
    return create_user(session, grant.address), True


def _may_sign_up(svc: Services, session: Session, address: str) -> bool:
    # The first person to sign in to a new instance is its owner; after that, only whom the owner allows.
    if not session.scalar(select(func.count(User.id))):
        return True
    domain = "@" + address.rpartition("@")[2]
    return address in svc.settings.signup_allowed or domain in svc.settings.signup_allowed


def unlink(svc: Services, session: Session, account: LinkedAccount) -> tuple[bool, str]:
    """Revoke the account's access at the provider where it allows, and delete it here."""
    name, address = NAMES[account.provider], account.address
    app = app_for(svc, account.provider)
    revoked = False
    if app is not None:
        try:
            revoked = _client(account.provider).revoke(app, svc.vault().open(account.secret))
        except (ProviderBusy, VaultError, RuntimeError) as exc:
            # The token is deleted here whatever the provider says (RuntimeError: it refused the request).
            session.delete(account)
            return False, (f"{address} is unlinked and its token deleted here, but {name} could not be reached to "
                           f"revoke it ({type(exc).__name__}): remove Telltale from your {name} account's apps at "
                           f"{APP_PAGES[account.provider]}")
    session.delete(account)
    if revoked:
        return True, f"{address} is unlinked: {name} revoked Telltale's access and the token is deleted here"
    return False, (f"{address} is unlinked and its token deleted here; {name} does not let Telltale revoke it "
                   f"itself: remove Telltale from your {name} account's apps at {APP_PAGES[account.provider]} "
                   "to end its access there too")
