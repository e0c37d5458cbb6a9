"""The opt-out page's URLs, `/o/<token>`: what the footer links to.

Not under a prefix the hot path answers (/p/, /l/, /r/, /f/): these are pages, served by Flask.
"""
from __future__ import annotations

from ..url_tokens import TokenSigner

PREFIX = "/o/"


def optout_url(signer: TokenSigner, base: str, message_id: int, recipient: int | None = None) -> str:
    return f"{base}{PREFIX}{signer.optout_token(message_id, recipient)}"


def mail_url(signer: TokenSigner, base: str, message_id: int, recipients: list[str]) -> str:
    """The URL a mail's footer carries: one recipient's own, else one that asks which recipient is declining."""
    return optout_url(signer, base, message_id, 0 if len(recipients) == 1 else None)
