"""/api/v1/recipients: per address, what the user sent and what came of it, with the interest signal."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import Address


class RecipientQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: Annotated[int, Field(ge=1, le=365)] = 30
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class RecipientPath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Address


class Interest(BaseModel):
    signal: Literal["not_enough_data", "replies", "replies_unknown", "opens_never_replies", "opens_sometimes",
                    "not_opening"]
    text: str = Field(description="The signal in plain words, with the counts behind it")


class RecipientOut(BaseModel):
    address: str
    sent: int
    opened: int = Field(description="Messages with a counted open that can be told to be this recipient's: sent to "
                                    "them alone, or through their own pixel. An open through Gmail's or Yahoo's image "
                                    "proxy counts, but says nothing about who read")
    clicked: int
    replied: int
    median_first_open_seconds: float | None
    median_reply_seconds: float | None
    interest: Interest


class RecipientList(BaseModel):
    days: int
    items: list[RecipientOut]
