"""/api/v1/pair: a pairing code traded for an API token."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from .common import PRINTABLE, Strict

# Ten letters and digits, grouped as the server shows them or not; case does not matter.
PairingCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]([ -]?[A-Za-z0-9]){9}$")]


class PairIn(Strict):
    code: PairingCode
    label: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE)] | None = Field(
        default=None, description="What the token is for, shown in the token list: e.g. the browser and system "
                                  "it was paired from; defaults to 'extension'"
    )


class PairOut(BaseModel):
    token: str
