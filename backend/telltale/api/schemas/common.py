"""Shapes shared by several resources: ids, addresses, printable text and the strict base model."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Ids are 64-bit signed integers in both databases; a larger number names nothing and overflows SQLite.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Printable text without whitespace at either end: what is shown is what is filtered on.
PRINTABLE = r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
Address = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=320,
                                           pattern=r"^[^\s@\x00]+@[^\s@\x00]+$")]


class Strict(BaseModel):
    # Strict: "true" is not a boolean and "5" is not a number; unknown fields are mistakes.
    model_config = ConfigDict(strict=True, extra="forbid")
