"""/api/v1/dashboard/link: the extension, already paired, opens the dashboard signed in."""
from __future__ import annotations

from ..dashboard.signin import login_links
from .schemas import DashboardLinkOut


def link(call) -> tuple[DashboardLinkOut, int]:
    return DashboardLinkOut(url=login_links().url(call.user.id)), 200
