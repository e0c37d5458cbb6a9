"""Who made an event, and which of them count as opens and clicks: one rule for the whole app."""
from __future__ import annotations

from datetime import timedelta

# A proxy's open is a real one relayed by the recipient's provider (classify/classifier.py);
# prefetchers, scanners, crawlers, the sender and hits nobody can name are shown, not counted.
COUNTED_SOURCES = frozenset({"person", "proxy"})
# A sender's own view loads the pixel within moments of the extension reporting it; a minute
# either side covers slow image loads and clock skew without swallowing a recipient's open.
SENDER_VIEW_WINDOW = timedelta(seconds=60)
SENDER_REASON = "the sender viewed the message in their own mailbox"


def counts(source: str) -> bool:
    return source in COUNTED_SOURCES
