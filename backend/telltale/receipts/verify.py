"""Check a receipt offline: its form, signature, origin key, timestamp and commitments.

Nothing here touches the network or the server's data: a receipt, and what its reader chooses
to give (the subject, recipients and sending time they know, the key they fetched from the
server's well-known URL, the TSA certificate they trust), are all it needs. Each part gets one
Check; the receipt holds only when none failed.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .canonical import NotCanonical, canonical_bytes, rfc3339, unb64url
from .commitments import commit, recipients_bytes, sent_at_bytes, subject_bytes
from .document import FORMAT, VERSION
from .keys import ALGORITHM, WELL_KNOWN_PATH, key_id
from .timestamps import BadToken, check_token

OK, FAILED, SKIPPED = "ok", "FAILED", "not checked"
TOP_LEVEL = {"receipt", "signature", "timestamp", "timestamp_missing"}


@dataclass(frozen=True)
class Check:
    part: str  # format, signature, key, timestamp, subject, recipients, sent time
    status: str
    detail: str


@dataclass(frozen=True)
class Given:
    """What the reader brings: every field optional; what is missing is not checked."""

    subject: str | None = None
    recipients: list[str] = field(default_factory=list)
    sent_at: datetime | None = None
    key: bytes | None = None  # a raw Ed25519 public key, as the well-known URL publishes it
    tsa_certs: list[x509.Certificate] = field(default_factory=list)
    require_timestamp: bool = False


def verify(receipt: object, given: Given) -> list[Check]:
    problem = _form_problem(receipt)
    if problem:
        skipped = [Check(part, SKIPPED, "the receipt's form is wrong") for part in
                   ("signature", "key", "timestamp", "subject", "recipients", "sent time")]
        return [Check("format", FAILED, problem), *skipped]
    document = receipt["receipt"]
    signed = canonical_bytes(document)
    checks = [Check("format", OK, f"{FORMAT} version {VERSION}"), _signature(receipt, signed)]
    checks.append(_origin(receipt["signature"], given.key))
    checks.append(_timestamp(receipt, signed, given))
    commitments = document["message"]["commitments"]
    salt = unb64url(commitments["salt"])
    checks.append(_commitment(salt, commitments, "subject", "subject",
                              None if given.subject is None else subject_bytes(given.subject)))
    checks.append(_commitment(salt, commitments, "recipients", "recipients",
                              recipients_bytes(given.recipients) if given.recipients else None))
    checks.append(_commitment(salt, commitments, "sent_at", "sent time",
                              None if given.sent_at is None else sent_at_bytes(given.sent_at)))
    return checks


def passed(checks: list[Check]) -> bool:
    return all(check.status != FAILED for check in checks)


def _form_problem(receipt: object) -> str | None:
    """What is wrong with the file's shape, or None: only what the checks below read is required."""
    if not isinstance(receipt, dict):
        return "the file is not a JSON object"
    unknown = set(receipt) - TOP_LEVEL
    if unknown:
        return f"unknown fields beside the receipt: {', '.join(sorted(unknown))}"
    document, signature = receipt.get("receipt"), receipt.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, dict):
        return "the file lacks its 'receipt' or its 'signature'"
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        return f"not a {FORMAT} of version {VERSION}: format {document.get('format')!r}, version {document.get('version')!r}"
    try:
        canonical_bytes(document)
    except NotCanonical as exc:
        return f"the receipt holds a value that has no canonical form: {exc}"
    message = document.get("message")
    commitments = message.get("commitments") if isinstance(message, dict) else None
    if not isinstance(commitments, dict) or not all(
            isinstance(commitments.get(name), str) for name in ("salt", "subject", "recipients", "sent_at")):
        return "the receipt lacks its message's commitments"
    try:
        unb64url(commitments["salt"])
    except ValueError:
        return "the commitments' salt is not base64url"
    if not isinstance(document.get("issuer"), dict) or not isinstance(document.get("events"), list):
        return "the receipt lacks its issuer or its events"
    timestamp = receipt.get("timestamp")
    if timestamp is not None and not (isinstance(timestamp, dict) and all(
            isinstance(timestamp.get(name), str) for name in ("token", "time", "authority"))):
        return "the timestamp is neither null nor a {token, time, authority} object"
    return None


def _signature(receipt: dict, signed: bytes) -> Check:
    signature, issuer = receipt["signature"], receipt["receipt"]["issuer"]
    if signature.get("algorithm") != ALGORITHM:
        return Check("signature", FAILED, f"the signature's algorithm is {signature.get('algorithm')!r}, not {ALGORITHM}")
    try:
        public = unb64url(signature.get("public_key"))
        value = unb64url(signature.get("value"))
        key = Ed25519PublicKey.from_public_bytes(public)
    except ValueError:
        return Check("signature", FAILED, "the public key or the signature value is not a base64url Ed25519 value")
    named = key_id(public)
    if signature.get("key_id") != named or issuer.get("key_id") != named:
        return Check("signature", FAILED, "the key inside the file is not the key the receipt names (key_id differs)")
    try:
        key.verify(value, signed)
    except InvalidSignature:
        return Check("signature", FAILED, "the Ed25519 signature does not verify: the receipt was changed after it "
                                          "was signed, or the signature or key was replaced")
    url = issuer.get("url")
    return Check("signature", OK, (
        f"Ed25519 signature by key {named} verifies: the receipt is unchanged since it was signed. That key is "
        "the one inside the file, which proves integrity, not origin: anyone can sign a file with a key of their "
        f"own. To know it comes from {url}, fetch {url}{WELL_KNOWN_PATH} and pass it with --key."))


def _origin(signature: dict, given: bytes | None) -> Check:
    if given is None:
        return Check("key", SKIPPED, "no --key given: who issued the receipt is not checked")
    named = key_id(given)
    inside = signature.get("public_key")
    try:
        same = unb64url(inside) == given
    except ValueError:
        same = False
    if not same:
        return Check("key", FAILED, f"the receipt was signed with key {signature.get('key_id')}, not with the key "
                                    f"you gave ({named})")
    return Check("key", OK, f"signed with the key you gave ({named}): the receipt comes from whoever publishes it")


def _timestamp(receipt: dict, signed: bytes, given: Given) -> Check:
    stamp = receipt.get("timestamp")
    if stamp is None:
        why = receipt.get("timestamp_missing") or "no reason given"
        asked = receipt["receipt"]["issuer"].get("timestamp_authority")
        note = f"no timestamp token; the file says: {why}" + (f" (the server was set to ask {asked})" if asked else "")
        return Check("timestamp", FAILED if given.require_timestamp else SKIPPED, note)
    try:
        token = base64.b64decode(stamp["token"], validate=True)
        checked = check_token(token, signed, given.tsa_certs or None)
    except (binascii.Error, ValueError):
        return Check("timestamp", FAILED, "the token is not base64")
    except BadToken as bad:
        return Check("timestamp", FAILED, str(bad))
    if rfc3339(checked.time) != stamp["time"] or checked.authority != stamp["authority"]:
        return Check("timestamp", FAILED, f"the time or authority written beside the token ({stamp['time']}, "
                                          f"{stamp['authority']}) is not the token's ({rfc3339(checked.time)}, "
                                          f"{checked.authority})")
    trust = ("verifies against the certificate you trust (--tsa-cert)" if checked.anchored else
             "verifies against the certificates inside the token. Whether to trust that authority is your "
             "decision: pass --tsa-cert with its CA certificate to check the chain")
    return Check("timestamp", OK, f"RFC 3161 token of {checked.time.isoformat()} by {checked.authority}, over this "
                                  f"receipt's SHA-256; its signature {trust}. {_skew(receipt, checked.time)}")


def _skew(receipt: dict, stamped: datetime) -> str:
    # The one outside reading of the server's clock a receipt carries: say how far apart they were.
    try:
        issued = datetime.fromisoformat(receipt["receipt"]["issued_at"])
    except (KeyError, TypeError, ValueError):
        return ""
    seconds = (stamped - issued).total_seconds()
    return (f"The authority's time is {abs(seconds):.1f} s {'after' if seconds >= 0 else 'before'} the issue time "
            "the server's clock gave.")


def _commitment(salt: bytes, commitments: dict, name: str, part: str, value: bytes | None) -> Check:
    if value is None:
        return Check(part, SKIPPED, f"no {part} given")
    if commit(salt, name, value) == commitments[name]:
        return Check(part, OK, f"the {part} you gave matches the receipt's commitment")
    return Check(part, FAILED, f"the {part} you gave does not match the receipt's commitment")
