"""What is known of a message when new hits for it arrive: plain data the store gathers and the
classifier judges the hits against, so that neither knows the other's code.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from .counting import Reader, ReaderKey


@dataclass(frozen=True)
class Click:
    at: datetime
    link_index: int | None


class Client(NamedTuple):
    """A client as the store keeps it: its address (the stored form) and User-Agent."""

    address: str
    user_agent: str


class RecentOpen(NamedTuple):
    """A counted open by one client."""

    at: datetime
    address: str
    user_agent: str


@dataclass(frozen=True, kw_only=True)
class MessageContext:
    id: int
    sent_at: datetime
    link_count: int = 0
    decoy_position: int | None = None
    sender_views: tuple[datetime, ...] = ()
    # Each link's latest click shortly before these hits: what a burst is judged on.
    recent_clicks: tuple[Click, ...] = ()
    # Counted opens shortly before these hits, by the clients that open it among them.
    recent_opens: tuple[RecentOpen, ...] = ()
    # The readers already counted who may be these hits' (the clients among them, and proxies).
    readers: frozenset[ReaderKey] = frozenset()
    # Its first person to open it, looked up only when a client new to it opens it now.
    first_reader: Reader | None = None
    # Some hit before these was an open (of any source: a prefetch still shows the mail arrived).
    opened: bool = False


@dataclass(frozen=True, kw_only=True)
class ContextQuery:
    """What a batch of hits needs known of its messages: how far back, and about which clients."""

    # Per message, the clients whose opens are among the hits: only their past can repeat.
    openers: Mapping[int, frozenset[Client]]
    clicks_since: datetime
    opens_since: datetime
