"""A push service and a browser, on loopback, for the phone-notification tests.

The push service records every POST it gets and answers as told (201, 410, 500, or not at all
until released). The browser holds what a real one makes when it subscribes: a P-256 key pair
and a 16-byte auth secret. The checks are written here from the RFCs with `cryptography` alone,
not with the libraries the server sends through: a VAPID JWT verified against the key in its own
header (RFC 8292), and an aes128gcm payload decrypted with the browser's keys (RFC 8291, 8188).
"""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Browser:
    """One browser's push subscription: its keys, and the decryption only it can do."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self, **extra) -> dict:
        """What `PushSubscription.toJSON()` gives, as the page would post it."""
        keys = {"p256dh": b64url(_point(self.private.public_key())), "auth": b64url(self.auth)}
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": keys, **extra}

    def decrypt(self, body: bytes) -> dict:
        """Open an aes128gcm message (RFC 8188) encrypted for this browser (RFC 8291); return its JSON."""
        salt, record_size, id_length = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        sender_point = body[21:21 + id_length]
        ciphertext = body[21 + id_length:]
        assert id_length == 65 and len(ciphertext) <= record_size, "one record, keyed by the sender's public key"
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_point)
        shared = self.private.exchange(ec.ECDH(), sender)
        key_info = b"WebPush: info\x00" + _point(self.private.public_key()) + sender_point
        ikm = HKDF(hashes.SHA256(), 32, salt=self.auth, info=key_info).derive(shared)
        cek = HKDF(hashes.SHA256(), 16, salt=salt, info=b"Content-Encoding: aes128gcm\x00").derive(ikm)
        nonce = HKDF(hashes.SHA256(), 12, salt=salt, info=b"Content-Encoding: nonce\x00").derive(ikm)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
        content = padded.rstrip(b"\x00")
        assert content.endswith(b"\x02"), "the last record ends with the delimiter 2"
        return json.loads(content[:-1])


def verify_vapid(received: Received, audience: str) -> dict:
    """Check the request's VAPID authorization (RFC 8292); return its claims and public key."""
    scheme, _, params = received.headers["authorization"].partition(" ")
    assert scheme.lower() == "vapid", received.headers["authorization"]
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    header, claims, signature = fields["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    # Raises InvalidSignature unless the JWT was signed by the key the header names.
    key.verify(der, f"{header}.{claims}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    claimed = json.loads(unb64url(claims))
    assert claimed["aud"] == audience
    assert time.time() < claimed["exp"] <= time.time() + 24 * 3600
    assert claimed["sub"]
    return {**claimed, "k": fields["k"]}


@dataclass
class Script:
    """How the stand-in answers a path: a status, perhaps a Location, or nothing until released."""

    status: int = 201
    hang: bool = False
    location: str | None = None


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        service: PushService = self.server.service
        script = service.scripts.get(self.path, Script())
        service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if script.hang:
            service.released.wait(30)
        self.send_response(script.status)
        if script.location:
            self.send_header("Location", script.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@dataclass
class PushService:
    """A push service (and an Apprise JSON endpoint) on 127.0.0.1, answering each path as scripted."""

    received: list[Received] = field(default_factory=list)
    scripts: dict[str, Script] = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.service = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        self.origin = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def browser(self, name: str = "phone") -> Browser:
        return Browser(f"{self.origin}/push/{name}")

    def answer(self, browser: Browser, status: int) -> None:
        self.scripts[_path(browser.endpoint)] = Script(status=status)

    def hang(self, browser: Browser) -> None:
        self.scripts[_path(browser.endpoint)] = Script(hang=True)

    def to(self, path: str) -> list[Received]:
        return [received for received in self.received if received.path == path]

    def pushes(self, browser: Browser) -> list[tuple[Received, dict]]:
        """What reached `browser`, each with its VAPID checked and its payload decrypted."""
        mine = self.to(_path(browser.endpoint))
        for received in mine:
            verify_vapid(received, self.origin)
            assert received.headers["content-encoding"] == "aes128gcm"
        return [(received, browser.decrypt(received.body)) for received in mine]

    def close(self) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]
