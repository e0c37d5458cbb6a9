"""What counts: the sources that are opens and clicks, the sender's own views, and who one reader is.

One rule for the whole app, below both the store (which keeps the counters) and the classifier
(which judges each hit): neither needs the other's words to count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

# A proxy's open is a real one relayed by the recipient's provider (classify/classifier.py);
# prefetchers, scanners, crawlers, the sender and hits nobody can name are shown, not counted.
COUNTED_SOURCES = frozenset({"person", "proxy"})
# A sender's own view loads the pixel within moments of the extension reporting it; a minute
# either side covers slow image loads and clock skew without swallowing a recipient's open.
SENDER_VIEW_WINDOW = timedelta(seconds=60)
SENDER_REASON = "the sender viewed the message in their own mailbox"


def counts(source: str, repeat: bool = False) -> bool:
    """Whether an event counts: a person's or a proxy's, and not the same reader again within seconds."""
    return source in COUNTED_SOURCES and not repeat


def counted(source_column, repeat_column):
    """The SQL form of `counts` over an event table's columns: every count the app shows uses one of the two."""
    return source_column.in_(sorted(COUNTED_SOURCES)) & repeat_column.is_(False)


class ReaderKey(NamedTuple):
    """One reader of a message: a client (User-Agent) on a network, or behind a provider's proxy."""

    recipient: int | None
    network: str  # the stored address, or "proxy"
    user_agent: str


@dataclass(frozen=True)
class Reader:
    """What the first reader looked like: the client and the place it opened from."""

    client: str | None
    country: str | None
    city: str | None


def reader_key(source: str, recipient: int | None, ip: str, ua: str) -> ReaderKey:
    """One reader: a client (User-Agent) on a network. Behind an image proxy only the proxy shows,
    so everyone reading through one provider's proxy is one reader unless the pixel names them."""
    if source == "proxy":
        return ReaderKey(recipient, "proxy", ua)
    return ReaderKey(recipient, ip, ua)
