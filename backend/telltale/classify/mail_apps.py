"""Mail apps by name from device-detector's maintained list of mail clients (its pim.yml).

Mail apps' own User-Agents are people: the Gmail app on Android ("Android-Gmail"), Yahoo's,
Outlook's, eM Client, Spark... A generic bot list calls several of them bots (Crawler-Detect
lists "^Mail/", Apple Mail's own requests), so this list is consulted before it, right after
our own mail-client safelist in agents.toml.
"""
from __future__ import annotations

from .catalogue import Catalogue, device_detector_list, entry_name


class MailApps:
    """device-detector's mail clients ("PIM": mail, calendar and contacts apps), as one RE2 set."""

    def __init__(self) -> None:
        self._apps = Catalogue(device_detector_list("client/pim.yml"))

    def match(self, ua: str) -> str | None:
        """The mail app this User-Agent names, or None."""
        found = self._apps.first(ua)
        if found is None:
            return None
        return entry_name(*found, default="a mail app")
