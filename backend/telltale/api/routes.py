"""Every API route in one table; the same table registers the views and describes them in OpenAPI."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ValidationError

from ..accounts.credentials import find_token
from ..services import Services, services
from ..store.models import User
from . import accounts, dashboard, messages, pairing, privacy, protected, push, recipients, settings, tokens
from . import receipts as receipts_api
from .errors import ApiError, from_path_validation, from_validation
from .schemas import (
    AccountDeleteIn,
    AccountList,
    AccountPath,
    AppriseIn,
    AppriseOut,
    DashboardLinkOut,
    LinkIn,
    LinkUrlOut,
    MessageCreated,
    MessageDetail,
    MessageIn,
    MessageOut,
    MessagePage,
    MessagePatch,
    MessagePath,
    MessageQuery,
    PairIn,
    PairOut,
    ProtectedMessageIn,
    ProtectionOut,
    ProtectionPut,
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionList,
    PushSubscriptionOut,
    PushSubscriptionPath,
    PushTestOut,
    RecipientIndexPath,
    RecipientList,
    RecipientOut,
    RecipientPath,
    RecipientQuery,
    SenderViewIn,
    SettingsOut,
    SettingsPatch,
    TokenList,
    TokenPath,
    UnlinkOut,
)
from .schemas.receipts import ReceiptOut

PREFIX = "/api/v1"
# A protected message's HTML may be 2 MiB once cleaned; sent as JSON, with images as base64 parts, more.
PROTECTED_REQUEST_BYTES = 4 * 1024 * 1024
# What each error status means, for the document; which routes answer which is Route.errors.
ERRORS = {
    "400": "Malformed body, a pairing code that is unknown, used or expired, or an account deletion not confirmed",
    "401": "Missing or bad API token",
    "404": "No such message, token, account or recipient for this user, or an id out of range",
    "409": "The server's owner has not set up that provider, or a protected message is already withdrawn or expired",
    "413": "Body too large (for a protected message: its HTML over 2 MiB once cleaned, inline images included)",
    "415": "Body is not JSON",
    "422": "A field has a bad value",
    "429": "Too many requests: wait the seconds the Retry-After header says",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable[..., tuple[Any, int]]
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    path_params: type[BaseModel] | None = None
    conflicts: bool = False
    # A larger request body than TELLTALE_MAX_BODY_BYTES this route accepts (a protected message's HTML).
    max_body: int | None = None

    @property
    def errors(self) -> list[str]:
        """Return the error statuses this route can answer with."""
        codes = ["400", "413", "415"] if self.body else []
        if self.auth:
            codes.append("401")
        if self.path_params:
            codes.append("404")
        if self.conflicts:
            codes.append("409")
        if self.body or self.query:
            codes.append("422")
        # Any route may be rate limited.
        codes.append("429")
        return sorted(codes)


ROUTES = [
    Route("POST", "/pair", pairing.pair, "Trade a pairing code for an API token", PairIn, response=PairOut, auth=False),
    Route("POST", "/messages", messages.create, "Register a message and get its signed pixel and link URLs",
          MessageIn, response=MessageCreated, status=201),
    # A route of its own for the larger body: ordinary registrations keep TELLTALE_MAX_BODY_BYTES.
    Route("POST", "/messages/protected", messages.create_protected,
          "Register a protected message: its body is kept here, sealed, and the mail carries a teaser with a link",
          ProtectedMessageIn, response=MessageCreated, status=201, max_body=PROTECTED_REQUEST_BYTES),
    Route("GET", "/messages", messages.index, "List messages, newest first", query=MessageQuery, response=MessagePage),
    Route("GET", "/messages/<int:message_id>", messages.show, "Read a message with its events", response=MessageDetail,
          path_params=MessagePath),
    Route("PATCH", "/messages/<int:message_id>", messages.change, "Change tracking, notifications, tags or references",
          MessagePatch, response=MessageOut, path_params=MessagePath),
    Route("DELETE", "/messages/<int:message_id>", messages.remove, "Delete a message and its events", status=204,
          path_params=MessagePath),
    Route("POST", "/messages/<int:message_id>/sender-views", messages.sender_viewed,
          "Report that the sender viewed the message: hits around that moment are theirs", SenderViewIn,
          response=MessageOut, path_params=MessagePath),
    Route("GET", "/messages/<int:message_id>/receipt", receipts_api.show,
          "A signed, timestamped receipt of the message's counted opens and clicks, to check offline",
          response=ReceiptOut, path_params=MessagePath),
    Route("POST", "/messages/<int:message_id>/withdraw", protected.withdraw,
          "Withdraw a protected message: its stored body is deleted and its page says it was withdrawn",
          response=ProtectionOut, path_params=MessagePath),
    Route("PUT", "/messages/<int:message_id>/protection", protected.change,
          "Set a protected message's expiry: an absolute time, hours after the first view by a person, or none",
          ProtectionPut, response=ProtectionOut, path_params=MessagePath, conflicts=True),
    Route("POST", "/messages/<int:message_id>/recipients/<int:index>/revoke", protected.revoke,
          "Revoke one recipient's reading URL of a protected message; the others still read it",
          response=ProtectionOut, path_params=RecipientIndexPath),
    Route("GET", "/settings", settings.show, "Read notification settings", response=SettingsOut),
    Route("PATCH", "/settings", settings.change,
          "Change time zone, re-open period, quiet hours, digest or popups after a reply", SettingsPatch,
          response=SettingsOut),
    Route("GET", "/export", privacy.export,
          "Download all the caller's data (settings, messages, events with their sources and reasons) as one JSON "
          "document, streamed"),
    Route("DELETE", "/account", privacy.delete_account,
          "Delete the caller's account and all their data; linked mailboxes are revoked at their provider",
          AccountDeleteIn, status=204),
    Route("POST", "/dashboard/link", dashboard.link,
          "Get a one-time URL that signs the caller in to the web dashboard: open it in the user's browser",
          response=DashboardLinkOut),
    Route("GET", "/accounts", accounts.index, "List the caller's linked Google and Microsoft mailboxes",
          response=AccountList),
    Route("POST", "/accounts/link", accounts.link,
          "Get a one-time URL that links a mailbox: open it in the user's browser", LinkIn, response=LinkUrlOut,
          conflicts=True),
    Route("DELETE", "/accounts/<int:account_id>", accounts.unlink,
          "Unlink a mailbox: its token is revoked at the provider where it allows, and deleted here",
          response=UnlinkOut, path_params=AccountPath),
    Route("GET", "/recipients", recipients.index,
          "Per recipient: sent, opened, clicked, replied, and a plain-language interest signal",
          query=RecipientQuery, response=RecipientList),
    Route("GET", "/recipients/<address>", recipients.show, "One recipient's figures and interest signal",
          query=RecipientQuery, response=RecipientOut, path_params=RecipientPath),
    Route("GET", "/tokens", tokens.index, "List the caller's API tokens that still work, without their secrets",
          response=TokenList),
    # Before /tokens/<id> only for the reader: the int converter never takes "current".
    Route("DELETE", "/tokens/current", tokens.remove_current, "Revoke the token this request is made with (unpair)",
          status=204),
    Route("DELETE", "/tokens/<int:token_id>", tokens.remove, "Revoke one of the caller's tokens", status=204,
          path_params=TokenPath),
    Route("GET", "/push/key", push.key, "The server's VAPID public key, for PushManager.subscribe()",
          response=PushKeyOut),
    Route("POST", "/push/subscriptions", push.subscribe_browser,
          "Subscribe this browser to phone notifications with its PushSubscription, or renew it", PushSubscriptionIn,
          response=PushSubscriptionOut, status=201),
    Route("GET", "/push/subscriptions", push.index, "List the caller's subscribed browsers, oldest first",
          response=PushSubscriptionList),
    Route("DELETE", "/push/subscriptions/<int:subscription_id>", push.remove, "Unsubscribe one of the caller's browsers",
          status=204, path_params=PushSubscriptionPath),
    Route("GET", "/push/apprise", push.show_apprise, "List the caller's Apprise URLs, secrets hidden",
          response=AppriseOut),
    Route("PUT", "/push/apprise", push.replace_apprise, "Set the caller's Apprise URLs, replacing the list", AppriseIn,
          response=AppriseOut),
    Route("POST", "/push/test", push.test, "Send a test notification to each of the caller's channels and say what "
          "each did", response=PushTestOut),
]


@dataclass
class Call:
    """What a handler gets: the transaction, the caller and the id of the token they sent, the validated input."""

    services: Services
    session: Any
    user: Any = None
    body: BaseModel | None = None
    query: BaseModel | None = None
    token_id: int | None = None


def blueprint() -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix=PREFIX)
    for route in ROUTES:
        bp.add_url_rule(
            route.path, endpoint=f"{route.handler.__module__.rpartition('.')[2]}_{route.handler.__name__}",
            view_func=_view(route), methods=[route.method],
        )
    return bp


def _view(route: Route):
    def view(**params):
        svc = services()
        if route.path_params:
            params = _parse_path(route.path_params, params)
        # Read the body before the transaction opens, so a slow client holds no connection; judge it
        # only after the caller is known, so strangers learn nothing about the API but "401".
        if route.max_body:
            request.max_content_length = max(route.max_body, current_app.config["MAX_CONTENT_LENGTH"] or 0)
        raw = request.get_data(cache=False) if route.body else b""
        with svc.sessions.begin() as session:
            token = _caller_token(session) if route.auth else None
            user = session.get(User, token.user_id) if token else None
            body = _parse_body(route.body, raw) if route.body else None
            query = _parse_query(route.query) if route.query else None
            call = Call(svc, session, user, body, query, token.id if token else None)
            result, status = route.handler(call, **params)
            if isinstance(result, Response):
                return result  # streamed: it reads in a session of its own
            payload = result.model_dump(mode="json") if isinstance(result, BaseModel) else None
        if callable(result):
            result()  # work that needs the call's transaction over (api/privacy.py)
        if payload is None:
            return Response(status=status)
        response = jsonify(payload)
        response.status_code = status
        return response

    return view


def _parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the request body as application/json")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise from_validation(exc) from None


def _parse_path(model: type[BaseModel], params: dict) -> dict:
    try:
        return dict(model.model_validate(params))
    except ValidationError as exc:
        raise from_path_validation(exc) from None


def _parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise from_validation(exc) from None


def _caller_token(session):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "send an API token as 'Authorization: Bearer <token>'")
    found = find_token(session, token.strip())
    if found is None:
        raise ApiError(401, "unauthorized", "the API token is unknown or revoked")
    return found
