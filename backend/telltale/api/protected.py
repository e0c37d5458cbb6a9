"""Protected messages as the extension sees them: protect a body at registration, withdraw, expire, revoke.

Protecting is registering: `POST /api/v1/messages/protected` takes what `POST /api/v1/messages`
takes plus a `protected` object, not a second call after it. The extension's Send waits at most
1.5 s for the server, and one request either registers the message with its body kept or
registers nothing, so a Send never leaves a message without its body. A route of its own, because
only it accepts bodies past TELLTALE_MAX_BODY_BYTES (up to 4 MiB): ordinary registrations keep
the small limit.
"""
from __future__ import annotations

from datetime import UTC, datetime

from ..protected import sanitize
from ..protected.teaser import teaser
from ..protected.urls import mail_url, reading_url
from ..store import messages as queries
from ..store import protected as protections
from ..store.models import Message, Protection
from .errors import ApiError, not_found
from .schemas import ProtectedCreated, ProtectedIn, ProtectionOut, ReadingUrl, RevokedOut


def protect(call, message: Message, given: ProtectedIn, now: datetime) -> ProtectedCreated:
    """Keep `given`'s body for `message`, sanitized and sealed; return its reading URLs and teaser."""
    if given.expires_at is not None and given.expires_at <= now:
        raise ApiError(422, "invalid_field", "protected.expires_at: must be in the future", "protected.expires_at")
    try:
        html = sanitize.clean(given.html, {image.cid: (image.content_type, image.data) for image in given.images})
    except sanitize.BodyRefused as refused:
        if refused.too_large:
            raise ApiError(413, "protected_too_large", str(refused), "protected.html") from None
        raise ApiError(422, "invalid_field", f"protected.images: {refused}", "protected.images") from None
    sealed = call.services.content_keys().seal(message.id, html.encode("utf-8"))
    protections.add_protection(call.session, message.id, sealed, now, given.expires_at, given.expires_after_view_hours)
    signer, base = call.services.signer, call.services.settings.public_url
    url = mail_url(signer, base, message.id, message.recipients)
    text, markup = teaser(given.teaser, message.account or call.user.email, url)
    return ProtectedCreated(
        url=url, recipient_urls=_recipient_urls(call, message), teaser_text=text, teaser_html=markup,
        expires_at=given.expires_at, expires_after_view_hours=given.expires_after_view_hours,
    )


def withdraw(call, message_id: int) -> tuple[ProtectionOut, int]:
    message, protection = _protected(call, message_id)
    protections.withdraw(call.session, protection, datetime.now(UTC))
    call.session.flush()
    return protection_out(call, message, protection), 200


def change(call, message_id: int) -> tuple[ProtectionOut, int]:
    message, protection = _protected(call, message_id)
    now = datetime.now(UTC)
    state = protections.standing(protection, now).state
    if state != "available":
        # Its body is deleted: new dates would promise a message that is no longer there.
        raise ApiError(409, state, f"message {message_id} is {state}: its body is deleted and cannot come back")
    protections.set_expiry(protection, call.body.expires_at, call.body.expires_after_view_hours)
    if protections.standing(protection, now).state == "expired":
        protections.delete_body(call.session, message_id)
    call.session.flush()
    return protection_out(call, message, protection), 200


def revoke(call, message_id: int, index: int) -> tuple[ProtectionOut, int]:
    message, protection = _protected(call, message_id)
    if index >= len(message.recipients):
        raise not_found(f"recipient {index} of message {message_id}")
    protections.revoke(call.session, message_id, index, datetime.now(UTC))
    return protection_out(call, message, protection), 200


def protection_out(call, message: Message, protection: Protection | None = None) -> ProtectionOut | None:
    """The protection state `GET /api/v1/messages/<id>` shows; None for a message that is not protected."""
    protection = protection or protections.protection_of(call.session, message.id)
    if protection is None:
        return None
    now = datetime.now(UTC)
    session = call.session
    return ProtectionOut(
        state=protections.standing(protection, now).state,
        url=mail_url(call.services.signer, call.services.settings.public_url, message.id, message.recipients),
        recipient_urls=_recipient_urls(call, message),
        created_at=protection.created_at,
        withdrawn_at=protection.withdrawn_at,
        expires_at=protection.expires_at,
        expires_after_view_hours=protection.expires_after_view_hours,
        first_view_at=protection.first_view_at,
        ends_at=protections.ends_at(protection),
        views=protection.views or 0,
        body_stored=protections.has_body(session, message.id),
        revoked=[RevokedOut(index=r.recipient, address=_address(message, r.recipient), revoked_at=r.revoked_at)
                 for r in protections.revocations(session, message.id)],
    )


def _recipient_urls(call, message: Message) -> list[ReadingUrl]:
    signer, base = call.services.signer, call.services.settings.public_url
    return [ReadingUrl(index=i, address=address, url=reading_url(signer, base, message.id, i))
            for i, address in enumerate(message.recipients)]


def _address(message: Message, index: int) -> str | None:
    return message.recipients[index] if 0 <= index < len(message.recipients) else None


def _protected(call, message_id: int) -> tuple[Message, Protection]:
    message = queries.owned_message(call.session, call.user.id, message_id)
    protection = protections.protection_of(call.session, message_id) if message is not None else None
    if protection is None:
        # Not protected, someone else's or missing: the same answer, as everywhere in the API.
        raise not_found(f"protected message {message_id}")
    return message, protection
