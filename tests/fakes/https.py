"""Serve a WSGI app over HTTPS on a spare loopback port, with a throwaway certificate authority.

The OAuth libraries refuse plain HTTP (oauthlib's token endpoint, msal's authority), so the fakes
speak TLS, signed by a CA that trustme makes for the test session.
"""
from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme
from werkzeug.serving import make_server


@dataclass(frozen=True)
class TestCA:
    ca: trustme.CA
    bundle: Path  # the CA's certificate, PEM: what clients are told to trust

    @property
    def client_env(self) -> dict[str, str]:
        """Environment that makes requests (google-auth, oauthlib, msal) and httplib2 (the Gmail client) trust the fakes."""
        return {"REQUESTS_CA_BUNDLE": str(self.bundle), "HTTPLIB2_CA_CERTS": str(self.bundle)}


def make_ca(directory: Path) -> TestCA:
    ca = trustme.CA()
    bundle = directory / "fake-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return TestCA(ca, bundle)


@contextmanager
def serve_https(app, ca: TestCA) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 over TLS in a thread; yield its base URL (https://127.0.0.1:PORT)."""
    ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.ca.issue_cert("127.0.0.1", "localhost").configure_cert(ssl_context)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
    thread = threading.Thread(target=server.serve_forever, name="fake-https", daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
