"""A message's receipt (receipts/): the signed document, its signature and its timestamp.

These models describe the file for OpenAPI and check it on the way out; they add nothing and
drop nothing (extra fields are refused), because the signature covers the document exactly.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Exact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReceiptIssuer(Exact):
    url: str = Field(description="The server's public URL; its key is at <url>/.well-known/telltale-receipt-key")
    key_id: str = Field(description="Hex SHA-256 of the raw Ed25519 public key that signs")
    timestamp_authority: str | None = Field(description="The RFC 3161 authority the server asks, if any")


class ReceiptClock(Exact):
    source: str
    synchronised: bool | None = Field(description="Whether the kernel reports the clock synchronised by a time "
                                                  "service; null when it cannot be read")
    detail: str


class ReceiptCommitments(Exact):
    scheme: str = Field(description="The exact bytes each commitment hashes")
    salt: str = Field(description="32 random bytes, base64url, new for every receipt")
    subject: str
    recipients: str
    sent_at: str


class ReceiptMessage(Exact):
    id: int
    commitments: ReceiptCommitments


class ReceiptEvent(Exact):
    id: str
    kind: Literal["open", "click"]
    at: str = Field(description="When the server received the request: RFC 3339, UTC, milliseconds")
    source: str
    reason: str = Field(description="Why the classifier judged the source so")
    network: str = Field(description="The address as stored: its /24 or /48 network unless the owner keeps "
                                     "whole addresses")
    link_index: int | None = Field(description="The link's position in the message, for a click")


class ReceiptStatement(Exact):
    proves: str
    does_not_prove: str
    legal: str


class ReceiptDocument(Exact):
    format: Literal["telltale-receipt"]
    version: Literal[1]
    issuer: ReceiptIssuer
    issued_at: str
    clock: ReceiptClock
    message: ReceiptMessage
    counting: str
    networks: str
    events: list[ReceiptEvent]
    statement: ReceiptStatement
    canonical_form: str


class ReceiptSignature(Exact):
    algorithm: Literal["Ed25519"]
    key_id: str
    public_key: str = Field(description="The raw 32-byte public key, base64url")
    value: str = Field(description="Ed25519 over the canonical bytes of `receipt`, base64url")


class ReceiptTimestamp(Exact):
    token: str = Field(description="The RFC 3161 TimeStampToken, DER, base64; its imprint is the SHA-256 of the "
                                   "canonical bytes of `receipt`")
    time: str = Field(description="The token's genTime")
    authority: str = Field(description="The subject of the certificate that signed the token")


class ReceiptOut(Exact):
    receipt: ReceiptDocument
    signature: ReceiptSignature
    timestamp: ReceiptTimestamp | None
    timestamp_missing: str | None = Field(description="Why there is no timestamp token; null when there is one")
