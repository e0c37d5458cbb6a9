"""A fake Google: the OAuth 2.0 endpoints and the part of the Gmail API a metadata-only reader uses.

The real google-auth-oauthlib, google-auth and google-api-python-client talk to it over HTTPS
(tests/fakes/https.py). Shapes and error bodies follow Google's published pages:

- Authorization and token endpoints, PKCE, offline access and refresh tokens:
  https://developers.google.com/identity/protocols/oauth2/web-server
- Revocation: https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
- users.getProfile: https://developers.google.com/gmail/api/reference/rest/v1/users/getProfile
- users.history.list: https://developers.google.com/gmail/api/reference/rest/v1/users.history/list
- users.messages.list: https://developers.google.com/gmail/api/reference/rest/v1/users.messages/list
  (`q` "cannot be used when accessing the api using the gmail.metadata scope")
- users.messages.get and the Format enum: https://developers.google.com/gmail/api/reference/rest/v1/users.messages/get,
  https://developers.google.com/gmail/api/reference/rest/v1/Format (FULL and RAW refused under gmail.metadata)
- users.threads.get: https://developers.google.com/gmail/api/reference/rest/v1/users.threads/get
- The Message resource: https://developers.google.com/gmail/api/reference/rest/v1/users.messages#Message
- Error bodies: https://developers.google.com/gmail/api/guides/handle-errors
- Quota units per method: https://developers.google.com/gmail/api/reference/quota

What is only modelled, not copied from Google: the exact wording of a few token-endpoint error
descriptions, history ids' spacing, and when a refresh token is issued (first consent, or
prompt=consent, with access_type=offline).
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from flask import Flask, Response, jsonify, redirect, request

from telltale.config import GoogleApp

from .https import TestCA, serve_https

CLIENT_ID = "1234567890-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-client-secret"
REDIRECT_URI = "https://telltale.example/accounts/callback/google"
METADATA_SCOPE = "https://www.googleapis.com/auth/gmail.metadata"
GMAIL_SCOPES = frozenset({
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/gmail.readonly",
    METADATA_SCOPE,
})
# https://developers.google.com/gmail/api/reference/quota
QUOTA_UNITS = {"profile": 1, "history": 2, "messages.list": 5, "messages.get": 5, "threads.get": 10}


@dataclass
class Message:
    id: str
    thread_id: str
    labels: tuple[str, ...]
    headers: list[tuple[str, str]]
    internal_date: int  # ms since the epoch
    history_id: int


@dataclass
class Mailbox:
    address: str
    history_id: int
    messages: dict[str, Message] = field(default_factory=dict)
    # (history id, kind, message): kind is "messageAdded" or "messageDeleted".
    history: list[tuple[int, str, Message]] = field(default_factory=list)
    # history.list answers 404 for a startHistoryId older than this.
    oldest_history: int = 0
    units: list[tuple[float, int]] = field(default_factory=list)  # (when, quota units) for the per-user limit


@dataclass
class Grant:
    address: str
    scopes: tuple[str, ...]
    revoked: bool = False


class FakeGoogle:
    """The state behind the fake: mailboxes, grants, tokens, and what the test asked to go wrong."""

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET,
                 redirect_uris: tuple[str, ...] = (REDIRECT_URI,)):
        self.lock = threading.RLock()
        self.reset(client_id, client_secret, redirect_uris)

    def reset(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET,
              redirect_uris: tuple[str, ...] = (REDIRECT_URI,)) -> None:
        """Forget everything: a server kept for several tests starts each one as new."""
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)
        self.mailboxes: dict[str, Mailbox] = {}
        self.signed_in: str | None = None  # who consents; default: the first mailbox added
        self.refuse_consent = False
        self.grant_scopes: tuple[str, ...] | None = None  # what the user leaves ticked; None: all asked
        self.require_pkce = True
        # Gmail's per-user limit (https://developers.google.com/gmail/api/reference/quota): 6,000 units
        # per minute for projects created since May 2026, 15,000 before.
        self.user_units_per_minute = 6000
        self.requests_seen: list[tuple[str, str, dict[str, list[str]]]] = []
        self._codes: dict[str, dict] = {}
        self._refresh: dict[str, Grant] = {}
        self._access: dict[str, tuple[Grant, str | None]] = {}  # token -> (grant, its refresh token)
        self._consented: set[tuple[str, str]] = set()  # (client id, address) pairs that consented before
        self._failures: list[list] = []  # [path fragment, status, retry_after, times left]
        self._ids = itertools.count(0x18C2A7D3E5F00000)

    # -- control API for tests --

    def add_mailbox(self, address: str) -> None:
        with self.lock:
            # History ids are large and not contiguous in Gmail; start somewhere that looks like one.
            # Kept as typed: users.getProfile answers the address as the account spells it.
            self.mailboxes[address.lower()] = Mailbox(address, history_id=9_000_000 + len(self.mailboxes) * 1000)
            if self.signed_in is None:
                self.signed_in = address.lower()

    def add_message(self, address: str, *, headers: dict[str, str], labels=("INBOX",), thread_id: str | None = None,
                    at: datetime | None = None) -> tuple[str, str]:
        """Deliver (or, with labels=("SENT",), send) a message: it gets an id, a thread and a history record."""
        with self.lock:
            box = self.mailboxes[address.lower()]
            message_id = f"{next(self._ids):x}"
            box.history_id += 7  # not contiguous, as in Gmail
            when = at or datetime.now(UTC)
            message = Message(message_id, thread_id or message_id, tuple(labels), list(headers.items()),
                              int(when.timestamp() * 1000), box.history_id)
            box.messages[message_id] = message
            box.history.append((box.history_id, "messageAdded", message))
            return message_id, message.thread_id

    def delete_message(self, address: str, message_id: str) -> None:
        with self.lock:
            box = self.mailboxes[address.lower()]
            message = box.messages.pop(message_id)
            box.history_id += 3
            box.history.append((box.history_id, "messageDeleted", message))

    def expire_history(self, address: str) -> None:
        """Forget the mailbox's history records, as Gmail does after about a week: older cursors get 404."""
        with self.lock:
            box = self.mailboxes[address.lower()]
            box.history.clear()
            box.history_id += 11
            box.oldest_history = box.history_id

    def fail_next(self, path_fragment: str, status: int, retry_after: float | None = None, times: int = 1) -> None:
        """The next `times` requests whose path contains `path_fragment` answer `status`."""
        with self.lock:
            self._failures.append([path_fragment, status, retry_after, times])

    def revoke_all(self, address: str) -> None:
        """The user removed the app at myaccount.google.com/permissions: every token of theirs stops working."""
        with self.lock:
            for grant in self._refresh.values():
                if grant.address == address.lower():
                    grant.revoked = True
            for grant, _ in self._access.values():
                if grant.address == address.lower():
                    grant.revoked = True

    def live_grants(self, address: str) -> int:
        """How many of `address`'s grants still work: what Google still lets Telltale do."""
        with self.lock:
            return sum(1 for grant in self._refresh.values() if grant.address == address.lower() and not grant.revoked)

    def units_used(self, address: str) -> int:
        with self.lock:
            return sum(units for _, units in self.mailboxes[address.lower()].units)

    def gmail_requests(self, fragment: str = "") -> list[tuple[str, str, dict[str, list[str]]]]:
        return [seen for seen in self.requests_seen if seen[1].startswith("/gmail/") and fragment in seen[1]]

    # -- used by the app --

    def take_failure(self, path: str) -> tuple[int, float | None] | None:
        with self.lock:
            for failure in self._failures:
                if failure[0] in path and failure[3] > 0:
                    failure[3] -= 1
                    return failure[1], failure[2]
        return None

    def issue_code(self, data: dict) -> str:
        code = "4/0A" + secrets.token_urlsafe(24)
        self._codes[code] = data
        return code


def create_app(fake: FakeGoogle) -> Flask:
    app = Flask("fake_google")

    @app.before_request
    def _record_and_fail():
        with fake.lock:
            fake.requests_seen.append((request.method, request.path, {k: request.args.getlist(k) for k in request.args}))
        failure = fake.take_failure(request.path)
        if failure is not None:
            return _failure(*failure)
        return None

    _oauth_routes(app, fake)
    _gmail_routes(app, fake)
    return app


def _failure(status: int, retry_after: float | None) -> Response:
    if status == 429:
        body = _gmail_error(429, "Too many concurrent requests for user.", "RESOURCE_EXHAUSTED", "rateLimitExceeded")
    elif status >= 500:
        body = _gmail_error(status, "The service is currently unavailable.", "UNAVAILABLE", "backendError")
    else:
        body = _gmail_error(status, "Injected failure.", "FAILED_PRECONDITION", "failedPrecondition")
    response = jsonify(body)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
    return response


def _gmail_error(code: int, message: str, status: str, reason: str) -> dict:
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "global", "reason": reason}], "status": status}}


def _error(code: int, message: str, status: str, reason: str, **headers) -> Response:
    response = jsonify(_gmail_error(code, message, status, reason))
    response.status_code = code
    response.headers.update(headers)
    return response


# -- OAuth 2.0 --

def _oauth_routes(app: Flask, fake: FakeGoogle) -> None:
    @app.get("/o/oauth2/auth")
    def authorize():
        args = request.args
        problem = _authorization_problem(fake, args)
        if problem:
            # Google shows an error page and does not redirect when the request itself is wrong.
            return Response(f"Error 400: {problem}", status=400, mimetype="text/plain")
        target = args["redirect_uri"]
        if fake.refuse_consent:
            return redirect(f"{target}?{urlencode({'error': 'access_denied', 'state': args.get('state', '')})}")
        asked = tuple(args["scope"].split())
        granted = fake.grant_scopes if fake.grant_scopes is not None else asked
        with fake.lock:
            first = (args["client_id"], fake.signed_in) not in fake._consented
            fake._consented.add((args["client_id"], fake.signed_in))
            code = fake.issue_code({
                "client_id": args["client_id"], "redirect_uri": target, "address": fake.signed_in,
                "scopes": granted, "challenge": args.get("code_challenge"),
                "offline": args.get("access_type") == "offline" and (first or "consent" in args.get("prompt", "")),
            })
        query = {"state": args.get("state", ""), "code": code, "scope": " ".join(granted)}
        return redirect(f"{target}?{urlencode(query)}")

    @app.post("/token")
    def token():
        client = _client_credentials(request)
        if client != (fake.client_id, fake.client_secret):
            return _oauth_error("invalid_client", "Unauthorized", 401)
        grant_type = request.form.get("grant_type")
        with fake.lock:
            if grant_type == "authorization_code":
                return _exchange_code(fake, request.form)
            if grant_type == "refresh_token":
                return _refresh(fake, request.form)
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    @app.post("/revoke")
    def revoke():
        token = request.form.get("token") or request.args.get("token")
        with fake.lock:
            grant = fake._refresh.get(token) or (fake._access.get(token) or (None,))[0]
            if grant is None or grant.revoked:
                return _oauth_error("invalid_token", "Token expired or revoked")
            # Revoking either token revokes the grant: the refresh token and every access token from it.
            grant.revoked = True
        return Response("{}", status=200, mimetype="application/json")


def _authorization_problem(fake: FakeGoogle, args) -> str | None:
    if args.get("client_id") != fake.client_id:
        return "invalid_client (The OAuth client was not found.)"
    if args.get("redirect_uri") not in fake.redirect_uris:
        return "redirect_uri_mismatch"
    if args.get("response_type") != "code":
        return "unsupported_response_type"
    if not args.get("scope"):
        return "invalid_request (Missing required parameter: scope)"
    if fake.require_pkce and (not args.get("code_challenge") or args.get("code_challenge_method") != "S256"):
        return "invalid_request (code_challenge with code_challenge_method=S256 required by this fake)"
    if not args.get("state"):
        return "invalid_request (this fake wants a state to be sent back)"
    if fake.signed_in is None:
        return "no Google account signed in (add a mailbox first)"
    return None


def _client_credentials(req) -> tuple[str | None, str | None]:
    if req.authorization and req.authorization.type == "basic":
        return req.authorization.username, req.authorization.password
    return req.form.get("client_id"), req.form.get("client_secret")


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _exchange_code(fake: FakeGoogle, form) -> Response:
    data = fake._codes.pop(form.get("code", ""), None)  # single use
    if data is None or data["client_id"] != fake.client_id:
        return _oauth_error("invalid_grant", "Malformed auth code.")
    if form.get("redirect_uri") != data["redirect_uri"]:
        return _oauth_error("redirect_uri_mismatch", "Bad Request")
    if data["challenge"]:
        verifier = form.get("code_verifier")
        if not verifier:
            return _oauth_error("invalid_grant", "Missing code verifier.")
        if _s256(verifier) != data["challenge"]:
            return _oauth_error("invalid_grant", "Invalid code verifier.")
    grant = Grant(data["address"], tuple(data["scopes"]))
    body = _access_token(fake, grant, None)
    if data["offline"]:
        refresh = "1//0g" + secrets.token_urlsafe(32)
        fake._refresh[refresh] = grant
        fake._access[body["access_token"]] = (grant, refresh)
        body["refresh_token"] = refresh
    return jsonify(body)


def _refresh(fake: FakeGoogle, form) -> Response:
    grant = fake._refresh.get(form.get("refresh_token", ""))
    if grant is None or grant.revoked:
        return _oauth_error("invalid_grant", "Token has been expired or revoked.")
    asked = form.get("scope", "").split()
    if asked and not set(asked) <= set(grant.scopes):
        return _oauth_error("invalid_scope", "Bad Request")
    body = _access_token(fake, grant, form["refresh_token"])
    if asked:
        body["scope"] = " ".join(asked)
    return jsonify(body)


def _access_token(fake: FakeGoogle, grant: Grant, refresh: str | None) -> dict:
    token = "ya29.a0" + secrets.token_urlsafe(32)
    fake._access[token] = (grant, refresh)
    return {"access_token": token, "expires_in": 3599, "scope": " ".join(grant.scopes), "token_type": "Bearer"}


# -- Gmail --

def _gmail_routes(app: Flask, fake: FakeGoogle) -> None:
    base = "/gmail/v1/users/<user>"

    def caller(user: str, method: str) -> Grant | Response:
        return _gmail_caller(fake, user, method)

    @app.get(f"{base}/profile")
    def profile(user):
        grant = caller(user, "profile")
        if isinstance(grant, Response):
            return grant
        with fake.lock:
            box = fake.mailboxes[grant.address]
            return jsonify({"emailAddress": box.address, "messagesTotal": len(box.messages),
                            "threadsTotal": len({m.thread_id for m in box.messages.values()}),
                            "historyId": str(box.history_id)})

    @app.get(f"{base}/history")
    def history(user):
        grant = caller(user, "history")
        if isinstance(grant, Response):
            return grant
        with fake.lock:
            return _history(fake.mailboxes[grant.address], request.args)

    @app.get(f"{base}/messages")
    def messages_list(user):
        grant = caller(user, "messages.list")
        if isinstance(grant, Response):
            return grant
        if "q" in request.args and METADATA_SCOPE in grant.scopes:
            return _error(403, "Metadata scope does not support 'q' parameter", "PERMISSION_DENIED", "forbidden")
        with fake.lock:
            return _messages_list(fake.mailboxes[grant.address], request.args)

    @app.get(f"{base}/messages/<message_id>")
    def messages_get(user, message_id):
        grant = caller(user, "messages.get")
        if isinstance(grant, Response):
            return grant
        fmt = request.args.get("format", "full").lower()
        if fmt in ("full", "raw") and METADATA_SCOPE in grant.scopes:
            return _error(403, f"Metadata scope doesn't allow format {fmt.upper()}", "PERMISSION_DENIED", "forbidden")
        with fake.lock:
            message = fake.mailboxes[grant.address].messages.get(message_id)
            if message is None:
                return _error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
            return jsonify(_message_json(message, fmt, request.args.getlist("metadataHeaders")))

    @app.get(f"{base}/threads/<thread_id>")
    def threads_get(user, thread_id):
        grant = caller(user, "threads.get")
        if isinstance(grant, Response):
            return grant
        fmt = request.args.get("format", "full").lower()
        if fmt in ("full", "raw") and METADATA_SCOPE in grant.scopes:
            return _error(403, f"Metadata scope doesn't allow format {fmt.upper()}", "PERMISSION_DENIED", "forbidden")
        with fake.lock:
            box = fake.mailboxes[grant.address]
            members = sorted((m for m in box.messages.values() if m.thread_id == thread_id), key=lambda m: m.internal_date)
            if not members:
                return _error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
            headers = request.args.getlist("metadataHeaders")
            return jsonify({"id": thread_id, "historyId": str(max(m.history_id for m in members)),
                            "messages": [_message_json(m, fmt, headers) for m in members]})


def _gmail_caller(fake: FakeGoogle, user: str, method: str) -> Grant | Response:
    """The grant behind the request's Bearer token, charged `method`'s quota units; or the error Gmail gives."""
    header = request.headers.get("Authorization", "")
    with fake.lock:
        found = fake._access.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        if found is None or found[0].revoked:
            return _error(401, "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                          "login cookie or other valid authentication credential.", "UNAUTHENTICATED", "authError",
                          **{"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'})
        grant = found[0]
        if not GMAIL_SCOPES & set(grant.scopes):
            return _error(403, "Request had insufficient authentication scopes.", "PERMISSION_DENIED",
                          "insufficientPermissions")
        if user not in ("me", grant.address):
            return _error(403, "Delegation denied for " + grant.address, "PERMISSION_DENIED", "forbidden")
        box = fake.mailboxes[grant.address]
        now = time.monotonic()
        box.units[:] = [(when, units) for when, units in box.units if now - when < 60]
        if sum(units for _, units in box.units) + QUOTA_UNITS[method] > fake.user_units_per_minute:
            return _error(429, "User-rate limit exceeded.", "RESOURCE_EXHAUSTED", "userRateLimitExceeded",
                          **{"Retry-After": "60"})
        box.units.append((now, QUOTA_UNITS[method]))
        return grant


def _page(args, default: int = 100) -> tuple[int, int]:
    size = min(int(args.get("maxResults", default)), 500)
    return int(args.get("pageToken", "0") or 0), size


def _history(box: Mailbox, args) -> Response:
    try:
        start = int(args["startHistoryId"])
    except (KeyError, ValueError):
        return _error(400, "Invalid startHistoryId", "INVALID_ARGUMENT", "invalidArgument")
    if start < box.oldest_history:
        return _error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
    kinds = set(args.getlist("historyTypes")) or {"messageAdded", "messageDeleted"}
    label = args.get("labelId")
    records = [(hid, kind, m) for hid, kind, m in box.history
               if hid > start and kind in kinds and (label is None or label in m.labels)]
    offset, size = _page(args)
    body: dict = {"historyId": str(box.history_id)}
    chunk = records[offset:offset + size]
    if chunk:
        body["history"] = [_history_record(hid, kind, m) for hid, kind, m in chunk]
    if offset + size < len(records):
        body["nextPageToken"] = str(offset + size)
    return jsonify(body)


def _history_record(history_id: int, kind: str, message: Message) -> dict:
    ref = {"id": message.id, "threadId": message.thread_id}
    with_labels = {**ref, "labelIds": list(message.labels)}
    # "messageAdded" records carry "messagesAdded", "messageDeleted" ones "messagesDeleted".
    return {"id": str(history_id), "messages": [ref], kind.replace("message", "messages"): [{"message": with_labels}]}


def _messages_list(box: Mailbox, args) -> Response:
    wanted = set(args.getlist("labelIds"))
    hidden = set() if args.get("includeSpamTrash", "false").lower() == "true" else {"SPAM", "TRASH"}
    found = sorted((m for m in box.messages.values() if wanted <= set(m.labels) and not hidden & set(m.labels)),
                   key=lambda m: (m.internal_date, m.id), reverse=True)  # newest first
    offset, size = _page(args)
    body: dict = {"resultSizeEstimate": len(found)}
    if found[offset:offset + size]:
        body["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in found[offset:offset + size]]
    if offset + size < len(found):
        body["nextPageToken"] = str(offset + size)
    return jsonify(body)


def _message_json(message: Message, fmt: str, metadata_headers: list[str]) -> dict:
    body = {"id": message.id, "threadId": message.thread_id, "labelIds": list(message.labels),
            "historyId": str(message.history_id), "internalDate": str(message.internal_date),
            "sizeEstimate": 512 + sum(len(n) + len(v) + 4 for n, v in message.headers)}
    if fmt == "metadata":
        wanted = {name.lower() for name in metadata_headers}
        headers = [{"name": n, "value": v} for n, v in message.headers if not wanted or n.lower() in wanted]
        content_type = next((v for n, v in message.headers if n.lower() == "content-type"), "text/plain")
        body["payload"] = {"mimeType": content_type.split(";")[0].strip(), "headers": headers}
    return body


# -- running it --

@contextmanager
def running_fake_google(ca: TestCA) -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle()
    with serve_https(create_app(fake), ca) as base_url:
        yield fake, base_url


def google_app_for(base_url: str, fake: FakeGoogle | None = None) -> GoogleApp:
    return GoogleApp(
        client_id=fake.client_id if fake else CLIENT_ID,
        client_secret=fake.client_secret if fake else CLIENT_SECRET,
        auth_uri=base_url + "/o/oauth2/auth",
        token_uri=base_url + "/token",
        revoke_uri=base_url + "/revoke",
        api_endpoint=base_url + "/",
    )


def consent(authorization_url: str) -> dict[str, str]:
    """Play the user's browser: open the consent URL, and read the callback's query from the redirect."""
    with requests.Session() as browser:
        response = browser.get(authorization_url, allow_redirects=False, timeout=20)
    if response.status_code != 302:
        raise AssertionError(f"the consent page did not redirect: {response.status_code} {response.text}")
    return {key: values[0] for key, values in parse_qs(urlsplit(response.headers["Location"]).query).items()}
