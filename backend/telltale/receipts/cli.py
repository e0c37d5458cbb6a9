"""`telltale receipt verify`: check a receipt offline, part by part, and exit 0 only if every part holds."""
from __future__ import annotations

import json
from datetime import datetime

import click

KEY_HELP = ("the server's public key: the JSON its /.well-known/telltale-receipt-key serves, saved to a file, "
            "or a PEM public key, or the base64url key alone")


@click.group()
def receipt() -> None:
    """Receipts: signed, timestamped records of a message's opens and clicks."""


@receipt.command("verify")
@click.argument("file", type=click.File("rb"))
@click.option("--subject", help="the message's subject, to check against the receipt's commitment")
@click.option("--recipient", "recipients", multiple=True, help="a recipient's address; repeat for each one")
@click.option("--sent-at", help="when the message was sent, with its offset: 2026-11-23T09:00:00+01:00")
@click.option("--key", "key_file", type=click.File("rb"), help=KEY_HELP)
@click.option("--tsa-cert", type=click.File("rb"), help="PEM certificate(s) of the timestamp authority or its CA "
                                                        "that you trust, to check the token's chain")
@click.option("--require-timestamp", is_flag=True, help="fail when the receipt carries no timestamp token")
def receipt_verify(file, subject, recipients, sent_at, key_file, tsa_cert, require_timestamp) -> None:
    """Check a receipt FILE offline: signature, origin key, timestamp and, if given, what it commits to.

    Nothing is fetched: fetch the server's key yourself (--key) to check who issued the receipt.
    """
    from .verify import FAILED, SKIPPED, Given, passed, verify

    given = Given(subject=subject, recipients=list(recipients), sent_at=_moment(sent_at),
                  key=_public_key(key_file.read()) if key_file else None,
                  tsa_certs=_certificates(tsa_cert.read()) if tsa_cert else [],
                  require_timestamp=require_timestamp)
    try:
        document = json.loads(file.read())
    except (ValueError, UnicodeDecodeError):
        document = None
    checks = verify(document, given)
    for check in checks:
        click.echo(f"{check.part:<11} {check.status:<12} {check.detail}")
    if passed(checks):
        skipped = [check.part for check in checks if check.status == SKIPPED]
        click.echo("The receipt holds." + (f" Not checked: {', '.join(skipped)}." if skipped else ""))
        return
    failed = ", ".join(check.part for check in checks if check.status == FAILED)
    raise click.ClickException(f"the receipt does not hold: {failed}")


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not an RFC 3339 time: {text!r}", param_hint="--sent-at") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give the time with its offset, such as 2026-11-23T09:00:00Z", param_hint="--sent-at")
    return moment


def _public_key(data: bytes) -> bytes:
    """The raw Ed25519 key in what the user saved: the well-known JSON, a PEM key, or base64url."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from .canonical import unb64url
    from .keys import key_id, raw_public

    text = data.decode("utf-8", "replace").strip()
    try:
        if text.startswith("{"):
            published = json.loads(text)
            raw = unb64url(published["public_key"])
            if "key_id" in published and published["key_id"] != key_id(raw):
                raise ValueError("its key_id is not the SHA-256 of its public_key")
        elif "BEGIN PUBLIC KEY" in text:
            key = load_pem_public_key(data)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("it is not an Ed25519 key")
            raw = raw_public(key)
        else:
            raw = unb64url(text)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise click.BadParameter(f"not an Ed25519 public key ({exc})", param_hint="--key") from None
    return raw


def _certificates(data: bytes) -> list:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise click.BadParameter("not a PEM or DER certificate", param_hint="--tsa-cert") from None
