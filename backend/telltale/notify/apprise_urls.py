"""Apprise URLs (ntfy, Gotify, Telegram, Pushover, Matrix...): checked by Apprise itself, shown redacted, sent to.

Apprise is imported on first use: most processes never send to it, and its plugin table costs
a fifth of a second to load.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .guard import check_host, check_resolved
from .notice import Notice, Result

if TYPE_CHECKING:
    from apprise.plugins.base import NotifyBase

MAX_URL = 2048
# Plugins that notify the server's own desktop or log: nothing a user elsewhere would see.
LOCAL_PLUGINS = frozenset({"NotifySyslog", "NotifyDBus", "NotifyGnome", "NotifyMacOSX", "NotifyWindows"})


def parse(url: str, allow_private: bool) -> NotifyBase:
    """Return the Apprise service `url` names; raise ValueError saying what is wrong with it."""
    import apprise

    # Memory only: Apprise may otherwise keep per-service state in files under the user's home.
    plugin = apprise.Apprise.instantiate(url, asset=apprise.AppriseAsset(storage_mode="memory"))
    if plugin is None:
        raise ValueError("Apprise does not take this URL: see its list of services for the form each one needs")
    if type(plugin).__name__ in LOCAL_PLUGINS:
        raise ValueError(f"{plugin.service_name} would notify this server itself, not you")
    for host in hosts(plugin):
        check_host(host, allow_private)
    return plugin


def hosts(plugin: NotifyBase) -> list[str]:
    """The hosts Apprise will connect to for this service, where the URL chooses them.

    A self-hostable service (ntfy, Gotify, JSON) names its server in the URL's host; Telegram or
    Discord put a token there and always reach their own API.
    """
    named = [plugin.host] if "host" in getattr(plugin, "template_tokens", {}) else []
    named.append(getattr(plugin, "smtp_host", None))
    return [host for host in named if isinstance(host, str) and host]


def redacted(url: str) -> str:
    """The URL as Apprise shows it with its secrets hidden."""
    import apprise

    plugin = apprise.Apprise.instantiate(url, asset=apprise.AppriseAsset(storage_mode="memory"))
    return plugin.url(privacy=True) if plugin is not None else "(a URL this version of Apprise no longer takes)"


def send(url: str, notice: Notice, timeout: int, allow_private: bool) -> Result:
    """Send `notice` to one Apprise URL; say whether the service took it."""
    try:
        plugin = parse(url, allow_private)
        # Again at send time: a name may resolve elsewhere now than when the URL was given.
        for host in hosts(plugin):
            check_resolved(host, None, allow_private)
    except ValueError as exc:
        return Result("failed", str(exc))
    plugin.socket_connect_timeout = plugin.socket_read_timeout = float(timeout)
    if plugin.notify(title=notice.title, body=notice.body):
        return Result("sent")
    return Result("failed", f"{plugin.service_name} did not take it (the worker's log says why)")
