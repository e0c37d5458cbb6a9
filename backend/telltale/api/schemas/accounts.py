"""/api/v1/accounts: the caller's linked Google and Microsoft mailboxes."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import Id, Strict

Provider = Literal["google", "microsoft"]


class AccountOut(BaseModel):
    id: int
    provider: Provider
    address: str
    linked_at: datetime
    status: Literal["ok", "relink", "waiting"] = Field(
        description="ok; relink: the provider refused our access, link again; waiting: polls paused, see problem")
    checked_at: datetime | None = Field(description="When the mailbox was last read")
    problem: str | None


class AccountList(BaseModel):
    items: list[AccountOut]
    providers: dict[Provider, bool] = Field(description="Which providers the server's owner has set up")


class LinkIn(Strict):
    provider: Provider


class LinkUrlOut(BaseModel):
    url: str = Field(description="Open in the user's browser within 10 minutes, once: it leads to the provider's consent")


class AccountPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: Id


class UnlinkOut(BaseModel):
    revoked: bool = Field(description="The provider confirmed the access is revoked")
    message: str
