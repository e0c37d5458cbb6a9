"""The /accounts pages: signing in with Google creates the first user, links, and the flow's guards."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from telltale.store.models import LinkedAccount, User
from tests.fakes.google import consent, google_app_for

from ..helpers import make_user

PUBLIC = "http://t.example.test"
CALLBACK = f"{PUBLIC}/accounts/callback/google"


@pytest.fixture
def google(google_server, trusted_ca, settings, make_app):
    fake, base_url = google_server
    fake.reset(redirect_uris=(CALLBACK,))
    app = make_app(replace(settings, google=google_app_for(base_url, fake)))
    return fake, app


def _sign_in(web):
    started = web.get("/accounts/signin/google")
    assert started.status_code == 303
    return web.get("/accounts/callback/google", query_string=consent(started.headers["Location"]))


def _count(app, model) -> int:
    with app.extensions["telltale"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_first_person_to_sign_in_becomes_a_user_and_gets_a_pairing_code(google):
    fake, app = google
    fake.add_mailbox("Owner@Example.com")
    page = _sign_in(app.test_client())
    assert page.status_code == 200
    assert "owner@example.com is linked" in page.text and "was created for you" in page.text
    code = page.text.split('class="code">')[1].split("<")[0]
    paired = app.test_client().post("/api/v1/pair", json={"code": code})
    assert paired.status_code == 200
    assert (_count(app, User), _count(app, LinkedAccount)) == (1, 1)
    assert page.headers["Cache-Control"] == "no-store" and "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_signing_in_again_finds_the_same_user(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    _sign_in(app.test_client())
    again = _sign_in(app.test_client())
    assert again.status_code == 200 and "was created" not in again.text
    assert (_count(app, User), _count(app, LinkedAccount)) == (1, 1)


def test_a_stranger_cannot_make_a_user_once_the_instance_has_one(google):
    fake, app = google
    make_user(app.extensions["telltale"], "owner@example.com")
    fake.add_mailbox("stranger@example.net")
    page = _sign_in(app.test_client())
    assert page.status_code == 400 and "TELLTALE_SIGNUP_ALLOWED" in page.text
    assert _count(app, User) == 1


def test_an_allowed_domain_may_sign_up(google, settings, make_app):
    fake, app = google
    make_user(app.extensions["telltale"], "owner@example.com")
    allowed = make_app(replace(app.extensions["telltale"].settings, signup_allowed=("@example.net",)))
    fake.add_mailbox("colleague@example.net")
    assert _sign_in(allowed.test_client()).status_code == 200
    assert _count(allowed, User) == 2


def test_a_callback_from_another_browser_is_refused(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    started = app.test_client().get("/accounts/signin/google")
    # A victim's browser, without the state cookie of the browser that started the flow.
    page = app.test_client().get("/accounts/callback/google", query_string=consent(started.headers["Location"]))
    assert page.status_code == 400 and "another browser" in page.text
    assert _count(app, User) == 0


def test_a_refused_consent_says_so_and_links_nothing(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    fake.refuse_consent = True
    page = _sign_in(app.test_client())
    assert page.status_code == 400 and "did not allow" in page.text
    assert _count(app, LinkedAccount) == 0


def test_a_link_ticket_works_once(google):
    fake, app = google
    fake.add_mailbox("ana@example.test")
    auth, _ = make_user(app.extensions["telltale"])
    url = app.test_client().post("/api/v1/accounts/link", json={"provider": "google"}, headers=auth).json["url"]
    web = app.test_client()
    assert web.get(url.removeprefix(PUBLIC)).status_code == 303
    again = web.get(url.removeprefix(PUBLIC))
    assert again.status_code == 400 and "used already" in again.text
    forged = web.get("/accounts/link/google?ticket=" + url.rsplit("=", 1)[1][:-3] + "abc")
    assert forged.status_code == 400


def test_without_settings_the_pages_say_what_is_missing(app, client):
    index = client.get("/accounts")
    assert index.status_code == 200 and "TELLTALE_GOOGLE_CLIENT_ID" in index.text
    assert "TELLTALE_MICROSOFT_CLIENT_ID" in index.text and f"{PUBLIC}/accounts/callback/microsoft" in index.text
    refused = client.get("/accounts/signin/google")
    assert refused.status_code == 409 and "TELLTALE_GOOGLE_CLIENT_SECRET" in refused.text
    auth, _ = make_user(app.extensions["telltale"])
    listed = client.get("/api/v1/accounts", headers=auth).json
    assert listed == {"items": [], "providers": {"google": False, "microsoft": False}}
    link = client.post("/api/v1/accounts/link", json={"provider": "microsoft"}, headers=auth)
    assert link.status_code == 409 and link.json["error"]["code"] == "provider_not_configured"
