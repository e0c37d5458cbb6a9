"""Live events as clients see them, made from the rows the worker stores."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def live_event(row: dict, message: Any, open_number: int, country_names: Mapping[str, str]) -> dict:
    """The event as clients see it."""
    return {
        "type": row["kind"],
        "message_id": message.id,
        "subject": message.subject,
        "thread_ref": message.thread_ref,
        "recipients": message.recipients,
        "open_number": open_number,
        "at": row["occurred_at"].isoformat(),
        "source": row["source"],
        "device": row.get("device"),
        "client": row.get("client"),
        "place": place(row, country_names),
        "url": row.get("url"),
        "link_index": row.get("link_position"),
        "forwarded": row.get("forwarded", False),
        # Who replied, for a reply: the one event that knows its person by address.
        "from": row.get("from"),
        "popup": None,
        "held": False,
    }


def place(row: Mapping, country_names: Mapping[str, str]) -> str | None:
    """ "Madrid, Spain", "Spain" or None: roughly where, never more than the row knows."""
    country = country_names.get(row.get("country") or "", row.get("country"))
    return ", ".join(part for part in (row.get("city") or row.get("region"), country) if part) or None
