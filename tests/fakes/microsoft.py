"""A local Microsoft: the identity platform's v2.0 endpoints and the part of Graph the mailbox reader uses.

The real msal and requests talk to it over HTTPS (serve_https), so the tests exercise msal's own
discovery, PKCE, nonce, token cache and refresh, and the reader's own HTTP. The shapes follow:

- discovery: https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
  (GET {authority}/v2.0/.well-known/openid-configuration)
- authorize and token: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
  (PKCE S256, error=access_denied on refusal, refresh_token grant, 400 invalid_grant with AADSTS codes)
- ID token claims: https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
- client_info (uid, utid), which msal asks for with client_info=1 and keys its accounts by
- delta: https://learn.microsoft.com/en-us/graph/api/message-delta and
  https://learn.microsoft.com/en-us/graph/delta-query-messages ($select, changeType, $filter on
  receivedDateTime only, Prefer: odata.maxpagesize, @odata.nextLink / @odata.deltaLink)
- 410 Gone with SyncStateNotFound: https://learn.microsoft.com/en-us/graph/delta-query-overview
- errors and throttling: https://learn.microsoft.com/en-us/graph/errors and
  https://learn.microsoft.com/en-us/graph/throttling (429 with Retry-After)
- internetMessageHeaders only with $select, and not for Sent Items:
  https://learn.microsoft.com/en-us/graph/api/resources/message
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from flask import Flask, Response, jsonify, redirect, request

from telltale.config import MicrosoftApp

from .https import TestCA, serve_https

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "fake~client~secret"
TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"  # the tenant of personal Microsoft accounts
# Mail.ReadBasic leaves these out (https://learn.microsoft.com/en-us/graph/permissions-reference#mailreadbasic).
BODY_PROPERTIES = frozenset({"body", "bodypreview", "uniquebody", "attachments", "extensions"})
BASIC_PROPERTIES = ("id", "conversationId", "internetMessageId", "subject", "from", "sender", "toRecipients",
                    "ccRecipients", "replyTo", "receivedDateTime", "sentDateTime", "parentFolderId", "isRead")


@dataclass
class Message:
    id: str
    folder: str
    seq: int
    subject: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    conversation_id: str
    internet_message_id: str
    headers: dict[str, str]
    received: datetime

    def resource(self) -> dict:
        def recipient(address: str) -> dict:
            return {"emailAddress": {"name": address.split("@")[0], "address": address}}
        return {
            "@odata.type": "#microsoft.graph.message", "@odata.etag": f'W/"{self.seq}"', "id": self.id,
            "conversationId": self.conversation_id, "internetMessageId": self.internet_message_id,
            "subject": self.subject, "from": recipient(self.sender), "sender": recipient(self.sender),
            "toRecipients": [recipient(a) for a in self.to], "ccRecipients": [recipient(a) for a in self.cc],
            "replyTo": [], "receivedDateTime": self.received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sentDateTime": self.received.strftime("%Y-%m-%dT%H:%M:%SZ"), "parentFolderId": self.folder,
            "isRead": False,
        }


@dataclass
class Mailbox:
    address: str
    oid: str
    messages: list[Message] = field(default_factory=list)
    epoch: int = 0  # bumped by expire_delta: older delta and skip tokens answer 410


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    args: dict
    form: dict
    headers: dict


class FakeMicrosoft:
    """The fake's state, and what tests use to arrange and inspect it."""

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET):
        self.client_id, self.client_secret = client_id, client_secret
        self.mailboxes: dict[str, Mailbox] = {}
        self.signing_in: str | None = None  # who consents at /authorize; default: the first mailbox
        self.refuse_consent = False
        self.access_token_lifetime = 3600
        self.requests_seen: list[SeenRequest] = []
        self.codes: dict[str, dict] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> address
        self.access_tokens: dict[str, tuple[str, float]] = {}  # access token -> (address, expiry)
        self._failures: list[list] = []  # [path fragment, status, retry_after, times left]
        self._seq = itertools.count(1)
        self._lock = threading.RLock()

    # Arranging

    def add_mailbox(self, address: str) -> Mailbox:
        with self._lock:
            return self.mailboxes.setdefault(address.lower(), Mailbox(address.lower(), secrets.token_hex(16)))

    def add_message(self, address: str, *, folder: str = "inbox", subject: str, sender: str, to, cc=(),
                    conversation_id: str | None = None, internet_message_id: str | None = None,
                    headers: dict | None = None, at: datetime | None = None) -> tuple[str, str]:
        """File a message in `address`'s folder; return its Graph id and conversationId."""
        with self._lock:
            seq = next(self._seq)
            message = Message(
                id=f"AAMkAD{seq:06d}{secrets.token_hex(4)}=", folder=folder, seq=seq, subject=subject,
                sender=sender, to=tuple(to), cc=tuple(cc),
                conversation_id=conversation_id or f"AAQkAD{secrets.token_hex(8)}=",
                internet_message_id=internet_message_id or f"<{secrets.token_hex(8)}@fake.outlook.com>",
                headers=dict(headers or {}), received=(at or datetime.now(UTC)).astimezone(UTC),
            )
            self.mailboxes[address.lower()].messages.append(message)
            return message.id, message.conversation_id

    def expire_delta(self, address: str) -> None:
        """Make every delta and skip token issued so far for `address` answer 410 SyncStateNotFound."""
        with self._lock:
            self.mailboxes[address.lower()].epoch += 1

    def fail_next(self, path_fragment: str, status: int, retry_after: float | None = None, times: int = 1) -> None:
        """Answer the next `times` requests whose path contains `path_fragment` with `status`."""
        with self._lock:
            self._failures.append([path_fragment, status, retry_after, times])

    def revoke_all(self, address: str) -> None:
        """The user (or an admin) revoked the refresh tokens: refreshes answer invalid_grant."""
        with self._lock:
            self.refresh_tokens = {t: a for t, a in self.refresh_tokens.items() if a != address.lower()}

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 at Graph, as after its lifetime."""
        with self._lock:
            self.access_tokens.clear()

    def seen(self, fragment: str) -> list[SeenRequest]:
        return [r for r in self.requests_seen if fragment in r.path]

    # Internals used by the routes

    def _failure(self, path: str) -> tuple[int, float | None] | None:
        with self._lock:
            for rule in self._failures:
                if rule[0] in path and rule[3] > 0:
                    rule[3] -= 1
                    return rule[1], rule[2]
        return None

    def _issue(self, address: str, form: dict, issuer: str, nonce: str | None) -> dict:
        mailbox = self.mailboxes[address]
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        with self._lock:
            self.access_tokens[access] = (address, time.time() + self.access_token_lifetime)
            self.refresh_tokens[refresh] = address
        scope = " ".join(s for s in form.get("scope", "").split() if s != "offline_access")
        now = int(time.time())
        claims = {"aud": self.client_id, "iss": issuer, "iat": now, "nbf": now, "exp": now + 3600,
                  "sub": hashlib.sha256(mailbox.oid.encode()).hexdigest()[:43], "oid": mailbox.oid, "tid": TENANT_ID,
                  "preferred_username": address.title() if "@" in address else address, "name": "Fake User",
                  "ver": "2.0"}
        if nonce:
            claims["nonce"] = nonce
        response = {"token_type": "Bearer", "scope": scope, "expires_in": self.access_token_lifetime,
                    "ext_expires_in": self.access_token_lifetime, "access_token": access, "refresh_token": refresh,
                    "id_token": _jwt(claims, self.client_secret)}
        if form.get("client_info") == "1":
            response["client_info"] = _b64(json.dumps({"uid": mailbox.oid, "utid": TENANT_ID}).encode())
        return response


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _jwt(claims: dict, key: str) -> str:
    head = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode()) + "." + _b64(json.dumps(claims).encode())
    return head + "." + _b64(hmac.new(key.encode(), head.encode(), hashlib.sha256).digest())


def _token_error(error: str, description: str, code: int, status: int = 400) -> Response:
    response = jsonify({"error": error, "error_description": f"AADSTS{code}: {description}",
                        "error_codes": [code], "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")})
    response.status_code = status
    return response


def _graph_error(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def create_app(fake: FakeMicrosoft) -> Flask:
    app = Flask("fake_microsoft")

    @app.before_request
    def record_and_fail():
        fake.requests_seen.append(SeenRequest(request.method, request.path, request.args.to_dict(),
                                              request.form.to_dict(), dict(request.headers)))
        failure = fake._failure(request.path)
        if failure:
            status, retry_after = failure
            code = {429: "TooManyRequests", 503: "ServiceNotAvailable", 504: "GatewayTimeout"}.get(status, "Failure")
            response = _graph_error(status, code, "The fake was told to fail this request.")
            if retry_after is not None:
                response.headers["Retry-After"] = str(retry_after)
            return response
        return None

    _identity_routes(app, fake)
    _graph_routes(app, fake)
    return app


def _identity_routes(app: Flask, fake: FakeMicrosoft) -> None:
    def base() -> str:
        return request.host_url.rstrip("/")

    @app.get("/<tenant>/v2.0/.well-known/openid-configuration")
    def discovery(tenant):
        issuer_tenant = TENANT_ID if tenant not in ("common", "organizations", "consumers") else "{tenantid}"
        return jsonify({
            "issuer": f"{base()}/{issuer_tenant}/v2.0",
            "authorization_endpoint": f"{base()}/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base()}/{tenant}/oauth2/v2.0/token",
            "end_session_endpoint": f"{base()}/{tenant}/oauth2/v2.0/logout",
            "jwks_uri": f"{base()}/{tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "tenant_region_scope": None,
        })

    @app.get("/<tenant>/oauth2/v2.0/authorize")
    def authorize(tenant):
        args = request.args
        problem = _authorize_problem(fake, args)
        if problem:
            return Response(f"Sign-in error: {problem}", status=400, mimetype="text/plain")
        target = args["redirect_uri"] + ("&" if "?" in args["redirect_uri"] else "?")
        if fake.refuse_consent:
            return redirect(target + urlencode({
                "error": "access_denied", "state": args["state"],
                "error_description": "AADSTS65004: User declined to consent to access the app."}))
        address = fake.signing_in or next(iter(fake.mailboxes))
        code = secrets.token_urlsafe(32)
        with fake._lock:
            fake.codes[code] = {"address": address, "client_id": args["client_id"], "nonce": args["nonce"],
                                "redirect_uri": args["redirect_uri"], "challenge": args["code_challenge"],
                                "issuer": f"{base()}/{TENANT_ID}/v2.0"}
        return redirect(target + urlencode({"code": code, "state": args["state"], "session_state": "fake"}))

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token(tenant):
        form = request.form.to_dict()
        if not _client_authenticated(fake, form):
            return _token_error("invalid_client", "Invalid client secret provided.", 7000215, status=401)
        if form.get("grant_type") == "authorization_code":
            return _redeem_code(fake, form)
        if form.get("grant_type") == "refresh_token":
            with fake._lock:
                address = fake.refresh_tokens.get(form.get("refresh_token", ""))
            if address is None:
                return _token_error("invalid_grant", "The provided authorization code or refresh token has "
                                    "expired due to inactivity. The token was issued on 2026-01-01.", 70008)
            return jsonify(fake._issue(address, form, f"{base()}/{TENANT_ID}/v2.0", None))
        return _token_error("unsupported_grant_type", "The grant type is not supported.", 70003)


def _authorize_problem(fake: FakeMicrosoft, args) -> str | None:
    scopes = args.get("scope", "").split()
    if args.get("client_id") != fake.client_id:
        return "AADSTS700016: Application not found in the directory."
    if args.get("response_type") != "code":
        return "AADSTS900144: response_type must be code."
    if not args.get("redirect_uri", "").startswith(("https://", "http://")):
        return "AADSTS50011: The redirect URI does not match the redirect URIs configured for the application."
    if "Mail.ReadBasic" not in scopes or "openid" not in scopes:
        return "AADSTS70011: The provided value for scope is not valid: Mail.ReadBasic and openid are expected."
    if not args.get("code_challenge") or args.get("code_challenge_method") != "S256":
        return "AADSTS9002325: Proof Key for Code Exchange is required (S256)."
    if not args.get("state") or not args.get("nonce"):
        return "state and nonce are expected."
    if not fake.mailboxes and not fake.signing_in:
        return "nobody to sign in: add a mailbox first."
    return None


def _client_authenticated(fake: FakeMicrosoft, form: dict) -> bool:
    client_id, secret = form.get("client_id"), form.get("client_secret")
    basic = request.authorization
    if basic is not None and basic.type == "basic":
        client_id, secret = basic.username, basic.password
    return client_id == fake.client_id and secret is not None and hmac.compare_digest(secret, fake.client_secret)


def _redeem_code(fake: FakeMicrosoft, form: dict) -> Response:
    with fake._lock:
        grant = fake.codes.pop(form.get("code", ""), None)  # codes are single-use
    if grant is None:
        return _token_error("invalid_grant", "The provided authorization code is invalid or has expired.", 70000)
    if form.get("redirect_uri") != grant["redirect_uri"]:
        return _token_error("invalid_grant", "The reply URL does not match the one in the request.", 50148)
    verifier = form.get("code_verifier", "")
    if _b64(hashlib.sha256(verifier.encode("ascii")).digest()) != grant["challenge"]:
        return _token_error("invalid_grant", "The code_verifier does not match the code_challenge.", 501481)
    return jsonify(fake._issue(grant["address"], form, grant["issuer"], grant["nonce"]))


def _graph_routes(app: Flask, fake: FakeMicrosoft) -> None:
    def mailbox_or_401() -> Mailbox | Response:
        auth = request.headers.get("Authorization", "")
        with fake._lock:
            entry = fake.access_tokens.get(auth.removeprefix("Bearer "))
        if not auth.startswith("Bearer ") or entry is None or entry[1] < time.time():
            return _graph_error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        return fake.mailboxes[entry[0]]

    @app.get("/v1.0/me/mailFolders/<folder>/messages/delta")
    def delta(folder):
        mailbox = mailbox_or_401()
        if isinstance(mailbox, Response):
            return mailbox
        if folder not in ("inbox", "sentitems"):
            return _graph_error(404, "ErrorFolderNotFound", "The specified folder could not be found.")
        state = _delta_state(mailbox, folder)
        if isinstance(state, Response):
            return state
        return _delta_page(mailbox, state)

    @app.get("/v1.0/me/messages/<message_id>")
    def message(message_id):
        mailbox = mailbox_or_401()
        if isinstance(mailbox, Response):
            return mailbox
        found = next((m for m in mailbox.messages if m.id == message_id), None)
        if found is None:
            return _graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        select = _select(request.args.get("$select"))
        if isinstance(select, Response):
            return select
        body = _project(found.resource(), select)
        if select and "internetmessageheaders" in {s.lower() for s in select} and found.folder != "sentitems":
            body["internetMessageHeaders"] = [{"name": k, "value": v} for k, v in found.headers.items()]
        return jsonify(body)


def _select(raw: str | None) -> list[str] | Response:
    names = [n.strip() for n in (raw or "").split(",") if n.strip()]
    forbidden = sorted(n for n in names if n.lower() in BODY_PROPERTIES)
    if forbidden:
        return _graph_error(403, "ErrorAccessDenied", f"Access is denied to {', '.join(forbidden)} under Mail.ReadBasic.")
    return names


def _project(resource: dict, select: list[str]) -> dict:
    if not select:
        return {k: v for k, v in resource.items() if k.startswith("@") or k in BASIC_PROPERTIES}
    wanted = {s.lower() for s in select} | {"id"}
    return {k: v for k, v in resource.items() if k.startswith("@") or k.lower() in wanted}


def _delta_state(mailbox: Mailbox, folder: str) -> dict | Response:
    """The round's state: decoded from $deltatoken / $skiptoken, or made from an initial request's options."""
    token = request.args.get("$deltatoken") or request.args.get("$skiptoken")
    if token:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if state["epoch"] != mailbox.epoch or state["folder"] != folder:
            return _graph_error(410, "SyncStateNotFound", "The sync state generation is not found. Resync required.")
        return state
    select = _select(request.args.get("$select"))
    if isinstance(select, Response):
        return select
    since = None
    raw_filter = request.args.get("$filter")
    if raw_filter:
        parts = raw_filter.split()
        if len(parts) != 3 or parts[0] != "receivedDateTime" or parts[1] not in ("ge", "gt"):
            return _graph_error(400, "ErrorInvalidUrlQueryFilter", "Only receivedDateTime ge|gt is supported in delta.")
        since = [parts[1], parts[2]]
    newest = max((m.seq for m in mailbox.messages), default=0)
    return {"folder": folder, "epoch": mailbox.epoch, "select": select, "since": since, "after": 0, "upto": newest,
            "created_only": request.args.get("changeType") == "created"}


def _delta_page(mailbox: Mailbox, state: dict) -> Response:
    if "$deltatoken" in request.args:  # a new round: everything filed since the last one
        newest = max((m.seq for m in mailbox.messages), default=0)
        state = dict(state, after=state["upto"], upto=newest)
    size = _max_page_size()
    matching = [m for m in mailbox.messages
                if m.folder == state["folder"] and state["after"] < m.seq <= state["upto"] and _passes(m, state)]
    page, rest = matching[:size], matching[size:]
    link_state = dict(state, after=page[-1].seq if rest else state["upto"])
    kind = "$skiptoken" if rest else "$deltatoken"
    link = f"{request.base_url}?{kind}={_b64(json.dumps(link_state).encode())}"
    body = {"@odata.context": f"{request.host_url}v1.0/$metadata#Collection(message)",
            "@odata.nextLink" if rest else "@odata.deltaLink": link,
            "value": [_project(m.resource(), state["select"]) for m in page]}
    response = jsonify(body)
    if "Prefer" in request.headers:
        response.headers["Preference-Applied"] = f"odata.maxpagesize={size}"
    return response


def _max_page_size() -> int:
    for part in request.headers.get("Prefer", "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "odata.maxpagesize" and value.isdigit():
            return max(1, int(value))
    return 10  # Graph's default page of messages


def _passes(message: Message, state: dict) -> bool:
    if not state["since"]:
        return True
    op, value = state["since"]
    bound = datetime.fromisoformat(value).astimezone(UTC)
    return message.received >= bound if op == "ge" else message.received > bound


@contextmanager
def running_fake_microsoft(ca: TestCA) -> Iterator[tuple[FakeMicrosoft, str]]:
    """Serve a fresh FakeMicrosoft over HTTPS; yield it and its base URL."""
    fake = FakeMicrosoft()
    with serve_https(create_app(fake), ca) as base_url:
        yield fake, base_url


def microsoft_app_for(base_url: str) -> MicrosoftApp:
    """The app registration that points msal and the reader at the fake."""
    return MicrosoftApp(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tenant="common",
                        authority_host=base_url, graph_endpoint=base_url + "/v1.0")


def consent(authorization_url: str) -> dict[str, str]:
    """Play the browser: open the authorization URL and return the redirect's query parameters."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=10)
    if response.status_code != 302:
        raise AssertionError(f"the fake did not redirect ({response.status_code}): {response.text[:300]}")
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))
