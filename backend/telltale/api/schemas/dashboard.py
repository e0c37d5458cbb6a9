"""/api/v1/dashboard/link: a one-time sign-in to the web dashboard."""
from __future__ import annotations

from pydantic import BaseModel, Field


class DashboardLinkOut(BaseModel):
    url: str = Field(description="Open in the user's browser within 15 minutes; it signs in once, with a button press")
