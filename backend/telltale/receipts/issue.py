"""Issue a receipt: build the document, sign its canonical bytes, and ask for a timestamp.

A receipt is made afresh on each request (new salt, new issue time) and stored nowhere: it says
what the database holds at that moment. The file:

    {"receipt": {...the signed document...},
     "signature": {"algorithm": "Ed25519", "key_id", "public_key", "value"},
     "timestamp": {"token" (base64 DER), "time", "authority"} or null,
     "timestamp_missing": why there is no token, or null}
"""
from __future__ import annotations

import base64
from datetime import UTC, datetime

from ..config import Settings
from .canonical import b64url, canonical_bytes, rfc3339
from .clock import clock_state
from .commitments import new_salt
from .document import MessageFacts, build
from .keys import ALGORITHM, load_receipt_key

NO_TSA = "this server has no timestamp authority set (TELLTALE_TSA_URL)"


def issue_receipt(facts: MessageFacts, settings: Settings) -> dict:
    key = load_receipt_key(settings.receipt_key_file)
    document = build(
        facts, public_url=settings.public_url, key_id=key.id, tsa_url=settings.tsa_url,
        store_full_ip=settings.store_full_ip, clock=clock_state().as_dict(), issued_at=datetime.now(UTC),
        salt=new_salt(),
    )
    signed = canonical_bytes(document)
    receipt: dict = {
        "receipt": document,
        "signature": {"algorithm": ALGORITHM, "key_id": key.id, "public_key": b64url(key.public_raw),
                      "value": b64url(key.sign(signed))},
        "timestamp": None,
        "timestamp_missing": None,
    }
    if settings.tsa_url is None:
        receipt["timestamp_missing"] = NO_TSA
        return receipt
    # Imported only where a TSA is set: rfc3161-client and asn1crypto cost every web process 6 MB.
    from .timestamps import NoTimestamp, request_timestamp

    try:
        stamp = request_timestamp(settings.tsa_url, signed, settings.tsa_timeout_seconds)
    except NoTimestamp as missing:
        # A TSA that is down or slow must not cost the sender the receipt: issue it, and say why not.
        receipt["timestamp_missing"] = str(missing)
        return receipt
    # Standard base64, so `base64 -d` gives the DER that `openssl ts -verify -token_in` reads.
    receipt["timestamp"] = {"token": base64.b64encode(stamp.token).decode("ascii"), "time": rfc3339(stamp.time),
                            "authority": stamp.authority}
    return receipt
