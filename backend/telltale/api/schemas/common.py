"""Shapes shared by several resources: ids, addresses, printable text and the strict base model."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

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


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def _plausible(moment: datetime) -> datetime:
    # Far years overflow the conversion to UTC or the windows computed around a moment.
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"{moment.isoformat()} is out of range: use a time from 1970 to 2999 (UTC)")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]
