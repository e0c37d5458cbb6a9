"""What a receipt says: the signed document, built from a snapshot of one message.

The document is the part the signature and the timestamp cover (`receipt` in the file). Every
word of it is signed, the statement of what it proves included, so nobody can hand on a
receipt whose statement claims more than this one does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..counting import COUNTED_SOURCES
from ..store.models import Message
from ..store.receipts import counted_events
from .canonical import CANONICAL_FORM, b64url, rfc3339
from .commitments import SCHEME, commitments

FORMAT = "telltale-receipt"
VERSION = 1

COUNTING = (
    "Only counted events are listed: opens and clicks that the server judged a person's "
    f"(source {' or '.join(sorted(COUNTED_SOURCES))}: a mail client or browser, or the recipient's provider "
    "fetching the image for them, such as Gmail's image proxy), once per reader within 30 seconds. "
    "Prefetches, security scanners, crawlers, the sender's own views and requests nobody can name are "
    "left out, as they are from every count the server shows."
)
PROVES = (
    "For each event listed, the server at the issuer URL received a request for this message's "
    "tracking image (an open) or for one of its tracked links (a click, with the link's position in "
    "the message), at the time shown by its clock, from the network shown, and classified that request "
    "as shown: who it judged made it (source) and why (reason). The signature proves that the holder of "
    "the key named in this receipt issued it, unchanged since; an RFC 3161 timestamp, when present, "
    "proves that this document existed at the timestamp's time. The commitments let whoever knows the "
    "message's subject, recipients and sending time show that this receipt is about that message."
)
DOES_NOT_PROVE = (
    "It does not prove that a person read the message, nor who did: software can fetch images and "
    "follow links, one reader behind a provider's image proxy looks like another, and a person can read "
    "a message without loading its images. The source and reason are the server's judgement, not facts. "
    "It does not prove that the message was delivered, nor what it said. Each time is only as right as "
    "the server's clock. The server's operator, who holds the key, could have issued a different receipt; "
    "a timestamp from an authority the operator does not control limits only when it could have done so."
)
LEGAL = (
    "This is not a qualified electronic registered delivery service under eIDAS (Regulation (EU) "
    "No 910/2014, Article 44), nor a qualified electronic time stamp or signature: its issuer is not a "
    "qualified trust service provider. It is evidence of what one server recorded, to be weighed as such."
)


@dataclass(frozen=True)
class EventFact:
    id: str
    kind: str
    at: datetime
    source: str
    reason: str
    network: str
    link_index: int | None


@dataclass(frozen=True)
class MessageFacts:
    """What a receipt needs of a message, read in one transaction and kept after it ends."""

    id: int
    subject: str
    recipients: list[str]
    sent_at: datetime
    events: list[EventFact]


def gather(session: Session, message: Message) -> MessageFacts:
    events = [
        EventFact(e.id, e.kind, e.occurred_at, e.source, e.reason, e.ip,
                  e.link_position if e.kind == "click" else None)
        for e in counted_events(session, message.id)
    ]
    return MessageFacts(message.id, message.subject or "", list(message.recipients or []), message.sent_at, events)


def networks_note(store_full_ip: bool) -> str:
    # The setting may have changed since an event was stored: say what it is now, and what that means.
    stored = ("this server now keeps whole addresses (TELLTALE_STORE_FULL_IP), so events stored while it "
              "does show the whole address" if store_full_ip else "this server keeps no whole address")
    return ("Each network is the request's address as the server stored it, never more: its /24 (IPv4) "
            f"or /48 (IPv6) network with the host part zeroed, unless the owner keeps whole addresses; {stored}.")


def build(facts: MessageFacts, *, public_url: str, key_id: str, tsa_url: str | None, store_full_ip: bool,
          clock: dict, issued_at: datetime, salt: bytes) -> dict:
    """The document to sign: plain JSON values only (canonical.py), times as RFC 3339 UTC strings."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "issuer": {"url": public_url, "key_id": key_id, "timestamp_authority": tsa_url},
        "issued_at": rfc3339(issued_at),
        "clock": clock,
        "message": {
            "id": facts.id,
            "commitments": {
                "scheme": SCHEME,
                "salt": b64url(salt),
                **commitments(salt, facts.subject, facts.recipients, facts.sent_at),
            },
        },
        "counting": COUNTING,
        "networks": networks_note(store_full_ip),
        "events": [
            {"id": e.id, "kind": e.kind, "at": rfc3339(e.at), "source": e.source, "reason": e.reason,
             "network": e.network, "link_index": e.link_index}
            for e in facts.events
        ],
        "statement": {"proves": PROVES, "does_not_prove": DOES_NOT_PROVE, "legal": LEGAL},
        "canonical_form": CANONICAL_FORM,
    }
