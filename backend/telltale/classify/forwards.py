"""Whether a counted open looks like a forward: an estimate, labelled so where it is shown."""
from __future__ import annotations

from ..counting import Reader

FORWARD_REASON = "a new client in a new place after the first reader: likely forwarded (estimate)"
FORWARD_MARKUP_REASON = "shown inside a mail client's forward headers"


def looks_forwarded(first: Reader, now: Reader) -> bool:
    """A different mail client in a different place than the first reader's: someone else, most
    likely sent a forward. Both must be known; a reader's second device at home is not a forward."""
    if not (first.client and now.client and first.country and now.country) or first.client == now.client:
        return False
    if first.country != now.country:
        return True
    return bool(first.city and now.city and first.city != now.city)
