"""Linking a Google account: OAuth 2.0 for web server apps, with PKCE, asking for gmail.metadata only.

gmail.metadata is the narrowest scope that shows replies: headers and labels, never a body. It also
answers users.getProfile, so the mailbox's address needs no second scope (no openid, no email).

- The authorization URL asks for access_type=offline and prompt=consent: Google issues a refresh
  token only on a user's first consent otherwise, and an account linked again would come back without one
  (https://developers.google.com/identity/protocols/oauth2/web-server#offline).
- PKCE (S256): the code verifier stays on the server until the callback, so a stolen code is useless.
- Google says an app "can't assume users grant all requested scopes" (granular consent, shown when
  several scopes are asked: https://developers.google.com/identity/protocols/oauth2/resources/granular-permissions),
  and an owner's own app may ask for more than this one. The granted scopes come back with the token
  and are checked here, not trusted. The code exchange is therefore made without telling oauthlib
  which scopes were asked: it would raise its "Scope has changed" Warning on any difference, unless
  OAUTHLIB_RELAX_TOKEN_SCOPE is set process-wide.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin

import requests
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from ..config import GoogleApp
from ..replies.mailbox import Grant, LinkFailed, ProviderBusy

SCOPES = ("https://www.googleapis.com/auth/gmail.metadata",)
TIMEOUT = 20  # seconds, for every request to Google made here

REFUSED = "You did not allow Telltale to read your Gmail metadata"
UNTICKED = ("Google linked the account without the permission to read your Gmail metadata. Link it again and "
            "allow that permission (leave its box ticked if Google shows one).")
NO_REFRESH_TOKEN = ("Google did not give Telltale lasting access to this mailbox (no refresh token). "
                    "Remove Telltale at https://myaccount.google.com/permissions and link the account again.")


def _client_config(app: GoogleApp) -> dict:
    # The "web" shape of a client secrets file, the form google-auth-oauthlib reads.
    return {"web": {"client_id": app.client_id, "client_secret": app.client_secret,
                    "auth_uri": app.auth_uri, "token_uri": app.token_uri}}


def authorization(app: GoogleApp, redirect_uri: str, state: str) -> tuple[str, dict]:
    """The URL to send the user's browser to, and what to keep server-side until the callback."""
    flow = Flow.from_client_config(_client_config(app), scopes=list(SCOPES), redirect_uri=redirect_uri,
                                   autogenerate_code_verifier=True)
    try:
        url, _ = flow.authorization_url(access_type="offline", prompt="consent", state=state)
    finally:
        flow.oauth2session.close()
    return url, {"code_verifier": flow.code_verifier, "state": state}


def complete(app: GoogleApp, redirect_uri: str, kept: dict, args: Mapping[str, str]) -> Grant:
    """Turn the callback's query (`code` and `state`, or `error`) into a Grant, or raise LinkFailed."""
    if args.get("error"):
        if args["error"] == "access_denied":
            raise LinkFailed(REFUSED)
        raise LinkFailed(f"Google did not link the account: {args['error']}")
    if not args.get("code"):
        raise LinkFailed("Google's answer had no authorization code; please link the account again")
    if args.get("state") != kept.get("state"):
        raise LinkFailed("This linking attempt does not match the one this browser started; please link the account again")
    token = _exchange(app, redirect_uri, kept, args["code"])
    granted = _granted(token)
    refresh_token = token.get("refresh_token")
    if not set(SCOPES) <= set(granted) or not refresh_token:
        _revoke_quietly(app, refresh_token or token["access_token"])
        raise LinkFailed(UNTICKED if not set(SCOPES) <= set(granted) else NO_REFRESH_TOKEN)
    address = _profile_address(app, token["access_token"])
    return Grant(provider="google", address=address, secret=refresh_token, scopes=granted)


def _granted(token: Mapping) -> tuple[str, ...]:
    # RFC 6749 section 5.1: the scope may be left out only when it is exactly what was asked.
    # oauthlib hands it back as a list; the wire form is space-separated.
    scope = token.get("scope") or list(SCOPES)
    return tuple(sorted(scope.split() if isinstance(scope, str) else scope))


def _exchange(app: GoogleApp, redirect_uri: str, kept: dict, code: str) -> Mapping:
    # scopes=None: oauthlib then compares nothing, and the granted scopes are checked by the caller.
    flow = Flow.from_client_config(_client_config(app), scopes=None, redirect_uri=redirect_uri,
                                   code_verifier=kept.get("code_verifier"), autogenerate_code_verifier=False)
    try:
        return flow.fetch_token(code=code, timeout=TIMEOUT)
    except OAuth2Error as exc:
        detail = f"{exc.error}: {exc.description}" if exc.description else exc.error
        if exc.error == "invalid_grant":
            raise LinkFailed(f"Google did not accept this sign-in any more ({detail}); please link the account again") from None
        raise LinkFailed(f"Google refused to finish linking ({detail})") from None
    except requests.RequestException as exc:
        raise LinkFailed(f"Google could not be reached to finish linking ({type(exc).__name__}); "
                         "please try again in a minute") from None
    finally:
        flow.oauth2session.close()


def _profile_address(app: GoogleApp, access_token: str) -> str:
    """The mailbox's address, from users.getProfile (allowed under gmail.metadata, 1 quota unit)."""
    url = urljoin(app.api_endpoint, "gmail/v1/users/me/profile")
    try:
        response = requests.get(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise LinkFailed(f"Gmail could not be reached to read the mailbox's address ({type(exc).__name__}); "
                         "please try again in a minute") from None
    if response.status_code != 200:
        raise LinkFailed(f"Gmail would not tell the mailbox's address (HTTP {response.status_code}); "
                         "please link the account again")
    return response.json()["emailAddress"].strip().lower()


def revoke(app: GoogleApp, secret: str) -> bool:
    """Ask Google to forget the grant behind this refresh token; True once it has. Already revoked or
    expired is done too."""
    try:
        response = requests.post(app.revoke_uri, data={"token": secret}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise ProviderBusy(f"Google's revocation endpoint could not be reached ({type(exc).__name__})") from None
    if response.status_code == 200:
        return True
    if response.status_code == 429 or response.status_code >= 500:
        raise ProviderBusy(f"Google's revocation endpoint answered {response.status_code}",
                           retry_after=_seconds(response.headers.get("Retry-After")))
    error = _json(response).get("error")
    if error == "invalid_token":  # https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
        return True
    raise RuntimeError(f"Google refused to revoke the grant: HTTP {response.status_code} {error or response.text[:200]}")


def _revoke_quietly(app: GoogleApp, token: str) -> None:
    # A grant we will not keep should not linger in the user's account; failing here changes nothing.
    try:
        revoke(app, token)
    except (ProviderBusy, RuntimeError):
        pass


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
