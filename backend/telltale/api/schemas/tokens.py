"""/api/v1/tokens: the caller's API tokens, never their secrets."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from .common import Id


class TokenPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token_id: Id


class TokenOut(BaseModel):
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="To within five minutes; null if never used")
    current: bool = Field(description="This is the token the request was made with")


class TokenList(BaseModel):
    items: list[TokenOut] = Field(description="The caller's tokens that still work, oldest first; never the secrets")
