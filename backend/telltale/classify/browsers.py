"""Browsers by name from device-detector's maintained list (its client/browsers.yml, 600 browsers).

A generic bot list errs on browsers it was not written for: Crawler-Detect calls Lynx a bot because
it is built on the libwww library, and AmigaVoyager one because its name holds "Voyager". When the
only evidence of a bot is such a generic pattern or an HTTP library, a browser that the User-Agent
names as its program (its first product: RFC 9110 lists products "in decreasing order of their
significance") is the better reading, and a probable person. The list is consulted only then, and for
User-Agents nothing else names, so its cost stays off the common path.
"""
from __future__ import annotations

from .catalogue import Catalogue, device_detector_list, entry_name


class Browsers:
    """device-detector's browsers, as one RE2 set."""

    def __init__(self) -> None:
        self._browsers = Catalogue(device_detector_list("client/browsers.yml"))

    def named(self, ua: str, first: bool = False) -> str | None:
        """The browser this User-Agent names (with `first`, only as its first product), or None."""
        found = self._browsers.first(ua)
        if found is None or (first and found[1].start() != 0):
            return None
        return entry_name(*found, default="a browser")
