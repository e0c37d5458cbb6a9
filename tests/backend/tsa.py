"""An RFC 3161 timestamp authority on loopback, for the receipt tests.

The answers come from `openssl ts -reply`, not from the library the server asks with, so the
tokens the tests check were made by an independent implementation. The CA and the TSA
certificate are made here with `cryptography`, thrown away with the folder: a CA that signs one
certificate, for a TSA whose key may only timestamp (extendedKeyUsage timeStamping, critical, as
RFC 3161 section 2.3 requires).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str = "Telltale test TSA root"):
    """A self-signed CA: its key and certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_tsa_cert(ca_key, ca_cert, common_name: str = "Telltale test TSA"):
    """A TSA certificate issued by the CA: timestamping only, EKU critical."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class TimestampAuthority:
    """POST an application/timestamp-query to `url`; get `openssl ts -reply`'s application/timestamp-reply.

    `chain` puts the CA's certificate in each token beside the TSA's, as some authorities do (most
    send the TSA's alone); `delay` holds each answer that many seconds (a slow TSA); `garbage`
    answers bytes that are no reply.
    """

    def __init__(self, chain: bool = False, delay: float = 0.0, garbage: bool = False):
        self.folder = Path(tempfile.mkdtemp(prefix="telltale-tsa-"))
        self.ca_key, self.ca_cert = make_ca()
        self.key, self.cert = make_tsa_cert(self.ca_key, self.ca_cert)
        (self.folder / "tsa.key").write_bytes(self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (self.folder / "tsa.crt").write_bytes(pem(self.cert))
        (self.folder / "ca.crt").write_bytes(pem(self.ca_cert))
        (self.folder / "serial").write_text("01\n")
        config = CONFIG.format(folder=self.folder) + (f"certs = {self.folder / 'ca.crt'}\n" if chain else "")
        (self.folder / "tsa.cnf").write_text(config)
        self.delay, self.garbage = delay, garbage
        self.queries: list[bytes] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.crt"

    def reply(self, query: bytes) -> bytes:
        """What `openssl ts -reply` answers to `query` (one at a time: openssl keeps the serial in a file)."""
        with self._lock:
            (self.folder / "query.tsq").write_bytes(query)
            subprocess.run(
                ["openssl", "ts", "-reply", "-config", str(self.folder / "tsa.cnf"),
                 "-queryfile", str(self.folder / "query.tsq"), "-signer", str(self.folder / "tsa.crt"),
                 "-inkey", str(self.folder / "tsa.key"), "-out", str(self.folder / "reply.tsr")],
                check=True, capture_output=True, timeout=30,
            )
            return (self.folder / "reply.tsr").read_bytes()

    def _handler(self):
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                authority.queries.append(body)
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                if authority.delay and authority._release.wait(authority.delay):
                    return  # closed while holding the answer: nobody waits for it any more
                answer = b"not a timestamp reply" if authority.garbage else authority.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)
