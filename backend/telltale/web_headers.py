"""Security headers on every answer the Flask app gives: the API's JSON, /healthz, error pages.

A hook of a few lines rather than flask-talisman: that one redirects to HTTPS and sends HSTS by
default (wrong behind a TLS-terminating proxy or on a loopback install) and its CSP defaults are
for HTML pages; turning that off costs more lines than this, and a dependency besides.
"""
from __future__ import annotations

from flask import Flask, Response

# Nothing the app serves loads anything or may be framed: JSON, and Werkzeug's plain error pages.
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    # frame-ancestors above is the standard; this is for browsers that predate it.
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


def init_app(app: Flask) -> None:
    """Add the security headers to every response a view or an error handler makes."""

    @app.after_request
    def secure(response: Response) -> Response:
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name, value)
        return response
