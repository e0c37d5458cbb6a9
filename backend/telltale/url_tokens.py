"""The signed tokens inside tracking URLs: pixel tokens and link tokens, one salt per purpose.

Signing goes through itsdangerous. Verification sits on the hot path, so it recomputes the same
HMAC with the keys itsdangerous derives (computed once, at start) instead of calling
`Signer.unsign`, which costs about 10 µs a call; a test checks both agree on every token.
"""
from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, Signer, TimestampSigner

from .errors import BadToken
from .targets import validate_target

PIXEL_SALT = "telltale.pixel"
LINK_SALT = "telltale.link"
READING_SALT = "telltale.reading"
# Protected messages (protected/): the reading page's URL, and the short-lived nonce of its Show button.
PROTECTED_SALT = "telltale.protected"
VIEW_NONCE_SALT = "telltale.protected.view"
# The opt-out page's URL (optout/): a salt of its own, so no pixel or reading URL opens it.
OPTOUT_SALT = "telltale.optout"
_SEP = "."


@dataclass(frozen=True, slots=True)
class PixelClaim:
    message_id: int
    recipient: int | None


@dataclass(frozen=True, slots=True)
class ProtectedClaim:
    message_id: int
    recipient: int | None  # None: the one URL a mail to several people carries


@dataclass(frozen=True, slots=True)
class OptOutClaim:
    message_id: int
    recipient: int | None  # None: the one footer a mail to several people carries


@dataclass(frozen=True, slots=True)
class LinkClaim:
    message_id: int
    link_index: int
    target: str


class _Purpose:
    """One signer (one salt) with a fast verifier over the same derived keys."""

    def __init__(self, secret_keys: Sequence[str], salt: str):
        self._signer = Signer(list(secret_keys), salt=salt)
        # itsdangerous tries keys newest first; so do we, because fresh mail is the common case.
        self._keys = [self._signer.derive_key(key) for key in reversed(self._signer.secret_keys)]
        self._digest = self._signer.digest_method().name

    def sign(self, payload: str) -> str:
        return self._signer.sign(payload).decode("ascii")

    def unsign(self, token: str) -> str:
        payload, sep, signature = token.rpartition(_SEP)
        if not sep or not payload or not token.isascii():
            raise BadToken("token has no signature")
        message, given = payload.encode("ascii"), signature.encode("ascii")
        # Compare the canonical encoding: padded or otherwise re-encoded signatures are refused,
        # so one token has exactly one spelling.
        for key in self._keys:
            expected = base64.urlsafe_b64encode(hmac.digest(key, message, self._digest)).rstrip(b"=")
            if hmac.compare_digest(expected, given):
                return payload
        raise BadToken("token signature does not match")


class TokenSigner:
    """Issue and verify pixel and link tokens with a rotating list of secret keys."""

    def __init__(self, secret_keys: Sequence[str]):
        if not secret_keys:
            raise ValueError("at least one secret key is needed")
        self._pixel = _Purpose(secret_keys, PIXEL_SALT)
        self._link = _Purpose(secret_keys, LINK_SALT)
        self._reading = _Purpose(secret_keys, READING_SALT)
        self._protected = _Purpose(secret_keys, PROTECTED_SALT)
        self._optout = _Purpose(secret_keys, OPTOUT_SALT)
        # Timestamped: a Show button's nonce works for a while after its page was served, then no more.
        self._view_nonce = TimestampSigner(list(secret_keys), salt=VIEW_NONCE_SALT)

    def pixel_token(self, message_id: int, recipient: int | None = None) -> str:
        return self._pixel.sign(_for_recipient(message_id, recipient))

    def link_token(self, message_id: int, link_index: int, target: str) -> str:
        validate_target(target)
        encoded = base64.urlsafe_b64encode(target.encode("utf-8")).rstrip(b"=").decode("ascii")
        return self._link.sign(f"{message_id}_{link_index}_{encoded}")

    def reading_hop(self, pixel_token: str, step: int) -> str:
        """Return the `s` query value for hop `step` of `pixel_token`'s reading chain.

        Only the server hands a hop out, and only after the wait before it: a client cannot claim
        to have kept the message open longer than it did by asking for a later hop itself.
        """
        return f"{step}.{self._reading.sign(f'{step}:{pixel_token}').rpartition(_SEP)[2]}"

    def verify_reading_hop(self, pixel_token: str, hop: str) -> int:
        """Return the step a `reading_hop` value names; raise BadToken if we did not sign it."""
        step, sep, signature = hop.partition(_SEP)
        if not sep or not step.isascii() or not step.isdigit() or len(step) > 2:
            raise BadToken("reading hop is malformed")
        self._reading.unsign(f"{step}:{pixel_token}{_SEP}{signature}")
        return int(step)

    def protected_token(self, message_id: int, recipient: int | None = None) -> str:
        return self._protected.sign(_for_recipient(message_id, recipient))

    def verify_protected(self, token: str) -> ProtectedClaim:
        return ProtectedClaim(*_of_recipient(self._protected.unsign(token)))

    def optout_token(self, message_id: int, recipient: int | None = None) -> str:
        return self._optout.sign(_for_recipient(message_id, recipient))

    def verify_optout(self, token: str) -> OptOutClaim:
        return OptOutClaim(*_of_recipient(self._optout.unsign(token)))

    def view_nonce(self, token: str) -> str:
        """The nonce of the reading page's Show button: it names the page's token and when it was served."""
        # itsdangerous signs "token.time.signature": the form carries what follows the token.
        return self._view_nonce.sign(token).decode("ascii")[len(token) + 1:]

    def verify_view_nonce(self, token: str, nonce: str, max_age: int) -> None:
        """Raise BadToken unless `nonce` was made for `token` within `max_age` seconds."""
        try:
            self._view_nonce.unsign(f"{token}{_SEP}{nonce}", max_age=max_age)
        except (BadSignature, UnicodeError):
            raise BadToken("the view nonce is not this page's, or too old") from None

    def verify_pixel(self, token: str) -> PixelClaim:
        return PixelClaim(*_of_recipient(self._pixel.unsign(token)))

    def verify_link(self, token: str) -> LinkClaim:
        payload = self._link.unsign(token)
        parts = payload.split("_", 2)
        if len(parts) != 3:
            raise BadToken("link token payload is malformed")
        try:
            target = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)).decode("utf-8")
        except (binascii.Error, ValueError):
            raise BadToken("link token target is not base64") from None
        return LinkClaim(_number(parts[0]), _number(parts[1]), target)


def _for_recipient(message_id: int, recipient: int | None) -> str:
    """The payload of a token for one message, and for one of its recipients when given."""
    return str(message_id) if recipient is None else f"{message_id}_{recipient}"


def _of_recipient(payload: str) -> tuple[int, int | None]:
    message, _, recipient = payload.partition("_")
    return _number(message), _number(recipient) if recipient else None


def _number(text: str) -> int:
    # str.isdigit accepts non-ASCII digits that int() would parse; tokens only ever carry ASCII.
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise BadToken("token payload is malformed")
    return int(text)
