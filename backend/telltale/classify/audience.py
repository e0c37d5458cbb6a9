"""Who read a message and how: distinct readers, reading time, forwards. Estimates, labelled so.

Pure: the worker hands in stored rows and gets back keys, labels and judgements.
"""
from __future__ import annotations

from dataclasses import dataclass

# The hop of the reading chain (tracking/hotpath.py) a client reached: the message was still open
# on its screen at that mark (1, 3 and 9 s by default). ContactMonkey's buckets.
READING_LABELS = {1: "glanced", 2: "skimmed", 3: "read"}
READING_NOTE = "estimate: how long the message stayed open after this open, from an image the client kept loading"
FORWARD_REASON = "a new client in a new place after the first reader: likely forwarded (estimate)"
FORWARD_MARKUP_REASON = "shown inside a mail client's forward headers"


@dataclass(frozen=True)
class Reader:
    """What the first reader looked like: the client and the place it opened from."""

    client: str | None
    country: str | None
    city: str | None


def reader_key(source: str, recipient: int | None, ip: str, ua: str) -> tuple:
    """One reader: a client (User-Agent) on a network. Behind an image proxy only the proxy shows,
    so everyone reading through one provider's proxy is one reader unless the pixel names them."""
    if source == "proxy":
        return (recipient, "proxy", ua)
    return (recipient, ip, ua)


def reading_label(step: int | None) -> str | None:
    return READING_LABELS.get(step) if step else None


def looks_forwarded(first: Reader, now: Reader) -> bool:
    """A different mail client in a different place than the first reader's: someone else, most
    likely sent a forward. Both must be known; a reader's second device at home is not a forward."""
    if not (first.client and now.client and first.country and now.country) or first.client == now.client:
        return False
    if first.country != now.country:
        return True
    return bool(first.city and now.city and first.city != now.city)
