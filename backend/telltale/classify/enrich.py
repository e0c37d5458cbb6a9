"""Describe who read: client, device and system from the User-Agent, place from the address."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .clients import Agent, Clients
from .places import NOWHERE, Places

# Lookups kept per process: a worker sees the same few clients and networks again and again.
CACHE_SIZE = 8192
NOBODY: Agent = (None, None, None)


class Enrichment(NamedTuple):
    """What a hit says of its reader; None wherever it does not say.

    Built for every hit a person made: a named tuple, a third of a frozen dataclass's cost.
    """

    client: str | None = None
    device: str | None = None
    os: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    country_name: str | None = None
    region: str | None = None
    city: str | None = None
    timezone: str | None = None  # IANA name


class Enricher:
    """Enrich hits; build one per worker process, share it between threads (both halves are cached)."""

    def __init__(self, mmdb_path: Path | None = None, *, cache_size: int = CACHE_SIZE) -> None:
        self._clients = Clients()
        self._places = Places(mmdb_path)
        self._agent = lru_cache(maxsize=cache_size)(self._clients.describe)
        self._place = lru_cache(maxsize=cache_size)(self._places.locate)

    def enrich(self, ua: str | None, ip: str | None) -> Enrichment:
        """Describe the reader of a hit from its User-Agent and (possibly truncated) address."""
        agent = self._agent(ua) if ua else NOBODY
        place = self._place(ip) if ip else NOWHERE
        return Enrichment(*agent, place.country, place.country_name, place.region, place.city, place.timezone)

    def close(self) -> None:
        """Close the owner's database, if one is open."""
        self._places.close()
