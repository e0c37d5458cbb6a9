"""Security headers: on everything the Flask app answers, and on the tracking path's not-found page."""
from __future__ import annotations

import pytest

from .helpers import make_user

SECURE = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_secure(response) -> None:
    assert {name: response.headers.get(name) for name in SECURE} == SECURE


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/healthz", 200),
    ("GET", "/api/v1/openapi.json", 200),
    ("GET", "/api/v1/messages", 401),
    ("DELETE", "/api/v1/settings", 405),
    ("GET", "/api/v1/nowhere", 404),
    ("GET", "/nowhere", 404),
])
def test_every_answer_of_the_app_carries_the_security_headers(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert_secure(response)


def test_an_api_answer_to_a_signed_in_user_carries_them_too(client, services):
    auth, _ = make_user(services)
    response = client.get("/api/v1/messages", headers=auth)
    assert response.status_code == 200
    assert_secure(response)


def test_a_rate_limited_answer_carries_them_too(client):
    wrong, address = {"code": "ABCDE-FGHJK"}, {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(11):
        response = client.post("/api/v1/pair", json=wrong, environ_base=address)
    assert response.status_code == 429
    assert_secure(response)


def test_the_page_for_a_forged_link_may_not_be_sniffed_framed_or_run_scripts(client):
    response = client.get("/l/forged.token")
    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == SECURE["Content-Security-Policy"]
