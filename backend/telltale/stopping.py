"""What the app asks of its web process when that process is told to stop.

The server (tracking/gunicorn_worker.py) stops accepting and lets requests under way finish; the
app's own long-lived connections, the extension's websockets, are for the app to end. Kept here,
apart from both, so the server needs no part of the app to ask it.
"""
from __future__ import annotations

from collections.abc import Callable

EXTENSION_KEY = "telltale.on_stop"


def on_stop(app, action: Callable[[], None]) -> None:
    """Have `action` run when the process serving `app` begins to stop."""
    app.extensions.setdefault(EXTENSION_KEY, []).append(action)


def begin(app) -> None:
    """The process serving `app` is stopping: run what the app asked for."""
    for action in getattr(app, "extensions", {}).get(EXTENSION_KEY, ()):
        action()
