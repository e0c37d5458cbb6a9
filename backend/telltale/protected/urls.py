"""The reading URLs of a protected message: `/m/<token>`, the token signed like a link's.

Not `/r/`: that prefix is the reading chain's (tracking/hotpath.py answers it before Flask).
"""
from __future__ import annotations

from ..url_tokens import TokenSigner

PREFIX = "/m/"


def reading_url(signer: TokenSigner, base: str, message_id: int, recipient: int | None = None) -> str:
    return f"{base}{PREFIX}{signer.protected_token(message_id, recipient)}"


def mail_url(signer: TokenSigner, base: str, message_id: int, recipients: list[str]) -> str:
    """The URL the mail carries: one recipient's own (revocable alone), else one all of them share."""
    return reading_url(signer, base, message_id, 0 if len(recipients) == 1 else None)
