"""/api/v1/account: deleting it takes the address typed again, as a person confirms it."""
from __future__ import annotations

from pydantic import Field

from .common import Strict


class AccountDeleteIn(Strict):
    confirm: str = Field(max_length=320, description="The account's email address, typed again to confirm")
