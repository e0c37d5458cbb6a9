"""Linking a Microsoft mailbox, and the access tokens Graph is read with.

msal does the protocol: initiate_auth_code_flow adds PKCE (S256), a state and a hashed nonce, and
acquire_token_by_auth_code_flow checks the state and the nonce echoed in the ID token. What is kept per
mailbox is msal's own serialized token cache rather than a bare refresh token, so that msal keeps
finding, refreshing and replacing its tokens itself; graph.py hands the cache back whenever msal
changed it (a new access token, a rotated refresh token).

Only Mail.ReadBasic is asked for: message metadata without bodies, previews or attachments
(https://learn.microsoft.com/en-us/graph/permissions-reference#mailreadbasic). msal adds openid,
profile and offline_access on its own, the last one being what yields a refresh token.
"""
from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import msal
import requests
from msal.exceptions import MsalServiceError

from ..config import MicrosoftApp
from ..replies.mailbox import AccountRevoked, Grant, LinkFailed, ProviderBusy

SCOPES = ("Mail.ReadBasic",)
PROVIDER = "microsoft"
TIMEOUT_SECONDS = 20
# Microsoft has no endpoint through which an app gives up a user's delegated consent or refresh token
# (the identity platform implements no RFC 7009 revocation; revokeSignInSessions ends every app's
# sessions and needs a directory permission). The user withdraws access themselves, here:
REMOVE_ACCESS_HINT = (
    "Microsoft keeps your consent until you withdraw it: remove Telltale at https://myapps.microsoft.com "
    "(work or school account) or https://account.live.com/consent/Manage (personal account)."
)
# Token-endpoint errors that mean the stored grant is gone: the user must link the mailbox again.
_RELINK_ERRORS = frozenset({"invalid_grant", "interaction_required", "consent_required", "login_required"})


# msal's http_cache: the tenant's OpenID configuration (kept a day) and its own throttling of a token
# endpoint that said 429. One per thread, since msal's cache index is not safe across threads.
_HTTP_CACHES = threading.local()


class MicrosoftConfigError(RuntimeError):
    """The owner's app registration settings are refused (unknown tenant or host, a rejected client secret)."""


def authorization(app: MicrosoftApp, redirect_uri: str, state: str) -> tuple[str, dict]:
    """Return the URL to send the user to, and msal's flow to keep server-side until the callback.

    The flow is plain JSON (state, redirect URI, scopes, the PKCE verifier and the nonce): it may be
    stored in a signed session or a table, but it must not reach the browser.
    """
    with msal_client(app) as client, warnings.catch_warnings():
        # msal recommends response_mode=form_post; the callback is a GET with the code in its query,
        # which PKCE and the client secret make useless to anyone who reads it from a log.
        warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended", category=UserWarning)
        flow = client.initiate_auth_code_flow(list(SCOPES), redirect_uri=redirect_uri, state=state,
                                              prompt="select_account")
    return flow["auth_uri"], flow


def complete(app: MicrosoftApp, redirect_uri: str, kept: dict, args: Mapping[str, str]) -> Grant:
    """Redeem the callback's code with the kept flow; raise LinkFailed with a message for the user."""
    if args.get("error"):
        raise LinkFailed(_refusal(args.get("error", ""), args.get("error_description", "")))
    if kept.get("redirect_uri") != redirect_uri:
        raise LinkFailed("This Microsoft sign-in was started from another address. Start linking again.")
    cache = msal.SerializableTokenCache()
    try:
        with msal_client(app, cache=cache) as client:
            result = client.acquire_token_by_auth_code_flow(dict(kept), dict(args), scopes=list(SCOPES))
    except MicrosoftConfigError:
        raise
    except ValueError as exc:  # state mismatch, or neither a code nor an error in the answer
        raise LinkFailed("Microsoft's answer does not belong to this linking attempt. Start linking again.") from exc
    except RuntimeError as exc:  # the ID token's nonce is not the one this flow sent
        raise LinkFailed("Microsoft's answer could not be verified. Start linking again.") from exc
    except (requests.RequestException, MsalServiceError, ProviderBusy) as exc:
        raise LinkFailed("Microsoft could not be reached to finish linking. Try again in a few minutes.") from exc
    if "error" in result:
        raise LinkFailed(_refusal(result["error"], result.get("error_description", "")))
    return _grant(result, cache)


def revoke(app: MicrosoftApp, secret: str) -> bool:
    """Forget the credential; return whether Microsoft itself revoked it, which it never does.

    Nothing here calls Microsoft: an app holding only Mail.ReadBasic cannot withdraw its own consent
    nor revoke its refresh token (REMOVE_ACCESS_HINT says where the user does it). The caller deletes
    the stored cache, after which Telltale holds nothing that reads the mailbox.
    """
    return False


@contextmanager
def msal_client(app: MicrosoftApp, secret: str | None = None, *, cache=None
                ) -> Iterator[msal.ConfidentialClientApplication]:
    """msal's client for the owner's app registration, over the token cache `secret` (or `cache`).

    Its HTTP session is ours, so that it is closed afterwards: msal never closes the one it would make.
    Its http_cache spares a fetch of the tenant's discovery document on every poll.
    instance_discovery=False: msal would otherwise ask login.microsoftonline.com to vouch for an
    authority host it does not know; the owner's configured host is trusted as is. Building the client
    fetches the tenant's OpenID configuration, hence the network errors.
    """
    if cache is None:
        cache = msal.SerializableTokenCache()
        if secret:
            cache.deserialize(secret)
    with _Session() as http:
        try:
            client = msal.ConfidentialClientApplication(
                app.client_id, client_credential=app.client_secret, authority=app.authority,
                token_cache=cache, http_client=http, instance_discovery=False, http_cache=_http_cache(),
            )
        except (requests.RequestException, MsalServiceError) as exc:
            raise ProviderBusy(f"Microsoft's sign-in service could not be reached: {exc}") from exc
        except ValueError as exc:  # a 4xx on the tenant's discovery document: a wrong tenant or host
            raise MicrosoftConfigError(f"Microsoft does not know the authority {app.authority}: {exc}") from exc
        yield client


def _http_cache() -> dict:
    if not hasattr(_HTTP_CACHES, "cache"):
        _HTTP_CACHES.cache = {}
    return _HTTP_CACHES.cache


class _Session(requests.Session):
    """requests with a timeout on every call and one retry on a failed connection, as msal's own."""

    def __init__(self):
        super().__init__()
        adapter = requests.adapters.HTTPAdapter(max_retries=1)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(method, url, **kwargs)


def access_token(client: msal.ConfidentialClientApplication, *, force_refresh: bool = False) -> str:
    """An access token for Graph from the cache, refreshed by msal when due (or when forced)."""
    accounts = client.get_accounts()
    if not accounts:
        raise AccountRevoked("The stored Microsoft credential holds no account.")
    try:
        result = client.acquire_token_silent_with_error(list(SCOPES), accounts[0], force_refresh=force_refresh)
    except (requests.RequestException, MsalServiceError) as exc:
        raise ProviderBusy(f"Microsoft's token service could not be reached: {exc}") from exc
    if not result:
        raise AccountRevoked("The stored Microsoft credential holds no refresh token.")
    if "access_token" in result:
        return result["access_token"]
    error, description = result.get("error", ""), _first_line(result.get("error_description", ""))
    if error in _RELINK_ERRORS:
        raise AccountRevoked(f"Microsoft no longer honours this mailbox's grant ({error}: {description}).")
    if error in ("temporarily_unavailable", "server_error"):
        raise ProviderBusy(f"Microsoft's token service is busy ({error}).")
    # invalid_client (an expired client secret) and the like: the owner's configuration, not the user's.
    raise MicrosoftConfigError(f"Microsoft refused a token refresh: {error}: {description}")


def _grant(result: dict, cache: msal.SerializableTokenCache) -> Grant:
    claims = result.get("id_token_claims") or {}
    address = (claims.get("preferred_username") or claims.get("email") or "").strip().lower()
    if "@" not in address:
        raise LinkFailed("Microsoft did not say which mailbox was signed in to. Link it again.")
    scopes = tuple(result.get("scope", "").split())
    if not any(scope.rsplit("/", 1)[-1].lower() == "mail.readbasic" for scope in scopes):
        raise LinkFailed("Microsoft did not grant permission to read the mailbox. Link it again and accept.")
    return Grant(provider=PROVIDER, address=address, secret=cache.serialize(), scopes=scopes)


def _refusal(error: str, description: str) -> str:
    if error == "access_denied":
        return "You declined to let Telltale read your Microsoft mailbox, so it was not linked."
    detail = _first_line(description)
    return f"Microsoft did not link the mailbox ({error}{': ' + detail if detail else ''})."


def _first_line(text: str) -> str:
    # AADSTS descriptions continue with trace and correlation ids on further lines.
    return text.strip().splitlines()[0][:200] if text.strip() else ""
