"""What a provider's mailbox reader hands back, the same for Gmail and Microsoft Graph.

The readers (gmail.py, graph.py) talk to the providers; matching.py decides what each message
means. Neither knows the other's words beyond these shapes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MailItem:
    """One message that arrived in, or left, a linked mailbox: its metadata only, never a body."""

    provider_id: str  # the provider's own id of this message (Gmail id, Graph id)
    thread_id: str | None  # Gmail threadId, Graph conversationId
    message_id: str | None  # the RFC 5322 Message-ID, angle brackets kept as sent
    in_reply_to: tuple[str, ...]  # Message-IDs, angle brackets kept
    references: tuple[str, ...]
    sender: str  # the From address, lower-cased; "" when there is none
    recipients: tuple[str, ...]  # To and Cc addresses, lower-cased
    subject: str
    at: datetime  # when the provider received it (Gmail internalDate, Graph receivedDateTime), aware UTC
    outgoing: bool  # the mailbox's owner sent it (Gmail's SENT label, Graph's Sent Items)
    # The few headers fetched to tell people from machines, names lower-cased: auto-submitted,
    # x-autoreply, x-autorespond, precedence, content-type, x-auto-response-suppress, ...
    headers: dict[str, str] = field(default_factory=dict)
    # Graph's own word that this is an automatic reply, where the provider gives one.
    automatic: bool = False


@dataclass(frozen=True)
class MailboxPage:
    """What one poll found since the cursor, and where the next poll starts."""

    items: list[MailItem]
    cursor: str  # opaque: a Gmail historyId, Graph's delta links
    # The old cursor had expired (Gmail 404, Graph 410): a bounded full resync was done instead.
    resynced: bool = False
    # The credential to keep from now on, when the provider rotated it (msal); None: keep the old one.
    secret: str | None = None


@dataclass(frozen=True)
class Grant:
    """A mailbox the user just allowed us to read: who it is and the credential to keep."""

    provider: str  # "google" or "microsoft"
    address: str  # the mailbox's address, lower-cased
    secret: str  # opaque to the caller, encrypted at rest: a refresh token, or msal's token cache
    scopes: tuple[str, ...]


class AccountRevoked(Exception):
    """The provider no longer honours the stored credential (revoked, expired, password changed):
    the user must link the account again."""


class ProviderBusy(Exception):
    """The provider said 429 or 5xx after the client's own retries: try this mailbox later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class LinkFailed(Exception):
    """Linking did not complete: the user refused, the code was stale, or the provider said no.
    The message is shown to the user as is: it names what happened, never a token."""
