"""RFC 3161 timestamps: ask the owner's timestamp authority (TSA) for a token, and check one offline.

The token's message imprint is the SHA-256 of the receipt's canonical bytes (canonical.py), the
same bytes the signature covers, not of the signature: the timestamp then says when the document
existed without trusting the receipt key at all, and a changed document fails it as it fails the
signature.

rfc3161-client (Trail of Bits; the library sigstore-python uses) builds the request, reads the
token, and verifies its CMS signature and certificate chain with OpenSSL. Its parser is strict
DER, which tokens from many authorities are not quite (der_ordered), so asn1crypto, which reads
BER, takes the reply apart first and puts the token back together in DER order.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

import requests
from asn1crypto import cms, tsp
from asn1crypto.core import Void
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

# A reply is a few kilobytes: a certificate chain and a signature.
MAX_REPLY_BYTES = 64 * 1024


class NoTimestamp(Exception):
    """The TSA gave no usable token; the message says why, in words for the receipt."""


class BadToken(Exception):
    """A token that does not check out offline; the message says which part."""


@dataclass(frozen=True)
class Stamp:
    token: bytes  # DER TimeStampToken (a CMS ContentInfo), as `openssl ts -verify -token_in` reads it
    time: datetime  # the TSA's genTime
    authority: str  # the subject of the certificate that signed the token


def request_timestamp(url: str, document: bytes, timeout: float) -> Stamp:
    """Ask `url` to timestamp `document`; NoTimestamp when it cannot, within `timeout` seconds in all."""
    request = TimestampRequestBuilder().data(document).hash_algorithm(HashAlgorithm.SHA256).build()
    body = _post(url, request.as_bytes(), timeout)
    try:
        reply = tsp.TimeStampResp.load(body)
        status = reply["status"]["status"].native
        words = "; ".join(reply["status"]["status_string"].native or []) or "no reason given"
        token = der_ordered(reply["time_stamp_token"].dump()) if status == "granted" else b""
        response = decode_timestamp_response(as_reply(token)) if token else None
    except (ValueError, TypeError, KeyError):
        raise NoTimestamp("the timestamp authority's answer is not an RFC 3161 reply") from None
    if response is None:
        raise NoTimestamp(f"the timestamp authority refused ({status}: {words})")
    info = response.tst_info
    if info.message_imprint.message != hashlib.sha256(document).digest() or info.nonce != request.nonce:
        raise NoTimestamp("the timestamp authority's token is for another request (its imprint or nonce differs)")
    return Stamp(token, info.gen_time, authority_of(response))


def _post(url: str, query: bytes, timeout: float) -> bytes:
    # requests' timeout bounds each wait for bytes; the deadline bounds a TSA that trickles them.
    deadline = time.monotonic() + timeout
    headers = {"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"}
    try:
        with requests.post(url, data=query, headers=headers, timeout=timeout, stream=True,
                           allow_redirects=False) as answer:
            if answer.status_code != 200:
                raise NoTimestamp(f"the timestamp authority answered HTTP {answer.status_code}")
            body = bytearray()
            for chunk in answer.iter_content(8192):
                body += chunk
                if len(body) > MAX_REPLY_BYTES:
                    raise NoTimestamp("the timestamp authority's answer is larger than any timestamp reply")
                if time.monotonic() > deadline:
                    raise NoTimestamp(f"the timestamp authority did not answer within {timeout:g} s")
            return bytes(body)
    except requests.Timeout:
        raise NoTimestamp(f"the timestamp authority did not answer within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise NoTimestamp(f"the timestamp authority could not be reached ({type(exc).__name__})") from None


def authority_of(response: TimeStampResponse) -> str:
    """The subject of the certificate the token's signer names, or a note that it carries none."""
    signer = next(iter(response.signed_data.signer_infos), None)
    for der in response.signed_data.certificates:
        cert = x509.load_der_x509_certificate(der)
        if signer is not None and cert.issuer == signer.issuer and cert.serial_number == signer.serial_number:
            return cert.subject.rfc4514_string()
    return "unnamed (the token carries no certificate of its signer)"


def der_ordered(token: bytes) -> bytes:
    """The token with its certificates in DER order.

    The certificate set lies outside what the TSA signs, and OpenSSL-based authorities send it in
    chain order, which DER forbids and rfc3161-client's strict parser refuses. Sorting it changes
    nothing a signature covers (`openssl ts -verify` accepts the token either way).
    """
    info = cms.ContentInfo.load(token)
    signed = info["content"]
    if isinstance(signed["certificates"], Void):
        return token
    encodings = [choice.dump() for choice in signed["certificates"]]
    if encodings == sorted(encodings):
        return token
    signed["certificates"] = cms.CertificateSet([cms.CertificateChoices.load(e) for e in sorted(encodings)])
    return info.dump()


def as_reply(token: bytes) -> bytes:
    """The granted reply around a stored token, which is what rfc3161-client parses."""
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": cms.ContentInfo.load(token)}).dump()


@dataclass(frozen=True)
class CheckedToken:
    time: datetime
    authority: str
    anchored: bool  # checked against certificates the user trusts (--tsa-cert), not only those inside it


def check_token(token: bytes, document: bytes, trusted: list[x509.Certificate] | None = None) -> CheckedToken:
    """Check that `token` timestamps `document` and that its signature verifies.

    Against `trusted` (the user's choice of TSA or CA certificates) when given; else against the
    self-signed certificates the token carries, which shows it is intact, not who made it.
    """
    try:
        response = decode_timestamp_response(as_reply(der_ordered(token)))
        carried = [x509.load_der_x509_certificate(der) for der in response.signed_data.certificates]
    except (ValueError, TypeError, KeyError):
        raise BadToken("the token is not an RFC 3161 timestamp token") from None
    roots = trusted or [cert for cert in carried if _self_signed(cert)]
    if not roots:
        raise BadToken("the token does not carry its authority's root certificate, so its signature cannot be "
                       "checked offline without one: pass --tsa-cert with the authority's CA certificate")
    # The certificates the token carries serve as intermediates on their own (OpenSSL's PKCS7_verify);
    # only what the user chose, or the token's own root, is trusted.
    verifier = VerifierBuilder(roots=roots).build()
    try:
        verifier.verify_message(response, document)
    except VerificationError as exc:
        raise BadToken(_why(str(exc))) from None
    return CheckedToken(response.tst_info.gen_time, authority_of(response), trusted is not None)


def _self_signed(cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _why(problem: str) -> str:
    if "Mismatch between messages" in problem:
        return "the token timestamps another document: its message imprint is not this receipt's SHA-256"
    if "verif" in problem.lower() and "certificate" in problem.lower():
        return f"the token's signature does not verify against the authority's certificates ({problem})"
    return f"the token does not verify ({problem})"
