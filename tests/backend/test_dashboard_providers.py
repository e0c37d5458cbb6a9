"""Signing in to the dashboard with Google or Microsoft: the real flow, through the Flask test client,
against the local fake Google and Microsoft (tests/fakes), on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from telltale.accounts.credentials import create_user
from telltale.store.models import LinkedAccount, PairingCode, User
from tests.fakes import google as fake_google
from tests.fakes import microsoft as fake_microsoft
from tests.fakes.https import make_ca

PUBLIC = "http://t.example.test"
FLOWS = "telltale:oauth:flow:*"


@pytest.fixture(scope="module")
def fake_ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("fake-ca"))


@pytest.fixture
def trusted_ca(fake_ca, monkeypatch):
    """The fakes' CA, trusted by requests (oauthlib, msal) and httplib2 for this test."""
    for name, value in fake_ca.client_env.items():
        monkeypatch.setenv(name, value)
    return fake_ca


@pytest.fixture(scope="module")
def google_server(fake_ca):
    # Kept for the module (stopping one takes half a second); each test resets it.
    with fake_google.running_fake_google(fake_ca) as served:
        yield served


@pytest.fixture
def google(google_server, trusted_ca, settings, make_app):
    """A fake Google and an app with only Google set up."""
    fake, base_url = google_server
    fake.reset(redirect_uris=(f"{PUBLIC}/accounts/callback/google",))
    return fake, make_app(replace(settings, google=fake_google.google_app_for(base_url, fake)))


@pytest.fixture
def microsoft(trusted_ca, settings, make_app):
    """A fake Microsoft and an app with only Microsoft set up."""
    with fake_microsoft.running_fake_microsoft(trusted_ca) as (fake, base_url):
        yield fake, make_app(replace(settings, microsoft=fake_microsoft.microsoft_app_for(base_url)))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def start(web, provider: str, next_path: str | None = None):
    """Press "Sign in with ..." on the dashboard's sign-in page; return the answer (a 303 to the provider)."""
    page = web.get("/app/signin")
    form = {"csrf_token": csrf_of(page.text)}
    if next_path is not None:
        form["next"] = next_path
    return web.post(f"/app/signin/{provider}", data=form)


def sign_in(web, provider: str, consent, next_path: str | None = None):
    """The whole flow in one browser; return the callback's answer."""
    started = start(web, provider, next_path)
    assert started.status_code == 303, started.text
    return web.get(f"/accounts/callback/{provider}", query_string=consent(started.location))


def signed_in_as(web) -> str | None:
    """The address the dashboard shows as signed in, or None when it sends the browser to sign in."""
    page = web.get("/app/messages")
    if page.status_code == 303:
        return None
    assert page.status_code == 200
    return re.search(r'<span class="muted">([^<]+)</span>', page.text)[1]


def count(app, model) -> int:
    with app.extensions["telltale"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def google_server_url(app) -> str:
    return app.extensions["telltale"].settings.google.auth_uri.removesuffix("/o/oauth2/auth")


def add_user(app, email: str) -> None:
    with app.extensions["telltale"].sessions.begin() as session:
        create_user(session, email)


def test_the_sign_in_page_offers_only_the_providers_the_owner_set_up(google):
    fake, app = google
    web = app.test_client()
    page = web.get("/app/signin")
    assert page.status_code == 200
    assert 'action="/app/signin/google"' in page.text and "Sign in with Google" in page.text
    assert "Sign in with Microsoft" not in page.text and "/app/signin/microsoft" not in page.text
    assert "gmail.metadata" in page.text and "Mail.ReadBasic" not in page.text
    # The form's 303 leads to Google: browsers hold redirects after a form to form-action too.
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(google_server_url(app)))
    assert f"form-action 'self' {origin};" in page.headers["Content-Security-Policy"]
    refused = web.post("/app/signin/microsoft", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 409 and "Sign in with Microsoft is not set up on this server" in refused.text
    assert web.post("/app/signin/yahoo", data={"csrf_token": csrf_of(page.text)}).status_code == 404


def test_without_providers_the_page_offers_one_time_links_only(app, client):
    page = client.get("/app/signin")
    assert page.status_code == 200 and "/app/signin/" not in page.text and "telltale user login" in page.text
    assert "form-action 'self';" in page.headers["Content-Security-Policy"]


def test_only_a_post_with_its_csrf_token_starts_a_sign_in(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    web, redis = app.test_client(), app.extensions["telltale"].redis
    # A link previewer that follows the form's address starts nothing.
    assert web.get("/app/signin/google").status_code == 405
    web.get("/app/signin")
    assert web.post("/app/signin/google").status_code == 400
    assert redis.keys(FLOWS) == [] and web.get_cookie("telltale_oauth_state") is None
    started = start(web, "google")
    assert started.status_code == 303 and started.location.startswith(google_server_url(app) + "/o/oauth2/auth?")
    cookie = web.get_cookie("telltale_oauth_state", path="/accounts/callback")
    assert cookie.http_only and cookie.same_site == "Lax" and len(redis.keys(FLOWS)) == 1


def test_a_google_sign_in_starts_a_dashboard_session_and_lands_on_next(google):
    fake, app = google
    fake.add_mailbox("Owner@Example.com")
    web = app.test_client()
    landed = sign_in(web, "google", fake_google.consent, next_path="/app/recipients?sort=opens")
    assert landed.status_code == 303 and landed.location == "/app/recipients?sort=opens"
    assert web.get_cookie("telltale_oauth_state", path="/accounts/callback") is None
    assert signed_in_as(web) == "owner@example.com"
    # The first person is the owner, their mailbox is linked with the narrow scope, and no pairing
    # code is made for an extension nobody is pairing.
    assert (count(app, User), count(app, LinkedAccount), count(app, PairingCode)) == (1, 1, 0)
    with app.extensions["telltale"].sessions() as session:
        assert session.scalar(select(LinkedAccount.scopes)) == "https://www.googleapis.com/auth/gmail.metadata"


def test_it_finds_the_user_the_extension_sign_in_made(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    extension = app.test_client()
    started = extension.get("/accounts/signin/google")
    assert extension.get("/accounts/callback/google", query_string=fake_google.consent(started.location)).status_code == 200
    web = app.test_client()
    assert sign_in(web, "google", fake_google.consent).location == "/app/messages"
    assert signed_in_as(web) == "owner@example.com"
    assert (count(app, User), count(app, LinkedAccount)) == (1, 1)


@pytest.mark.parametrize("target", ["//evil.example/app/", "https://evil.example/app/", "/app/\\evil.example",
                                    "/accounts/signin/google"])
def test_a_next_off_the_dashboard_lands_on_messages(google, target):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    web = app.test_client()
    landed = sign_in(web, "google", fake_google.consent, next_path=target)
    assert landed.status_code == 303 and landed.location == "/app/messages"
    assert signed_in_as(web) == "owner@example.com"


def test_a_callback_in_another_browser_signs_nobody_in(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    victim_answer = fake_google.consent(start(app.test_client(), "google").location)
    # No state cookie at all: a link an attacker sends with their own provider's answer.
    bare = app.test_client()
    refused = bare.get("/accounts/callback/google", query_string=victim_answer)
    assert refused.status_code == 400 and "another browser" in refused.text
    assert signed_in_as(bare) is None
    # Another flow's cookie: this browser started a sign-in of its own.
    other = app.test_client()
    start(other, "google")
    refused = other.get("/accounts/callback/google", query_string=victim_answer)
    assert refused.status_code == 400 and "another browser" in refused.text
    assert signed_in_as(other) is None
    assert count(app, User) == 0


def test_an_address_the_owner_did_not_allow_is_told_why_and_not_signed_in(google):
    fake, app = google
    add_user(app, "owner@example.com")
    fake.add_mailbox("stranger@example.net")
    web = app.test_client()
    refused = sign_in(web, "google", fake_google.consent, next_path="/app/reports")
    assert refused.status_code == 303 and refused.location == "/app/signin?next=/app/reports"
    page = web.get(refused.location)
    assert page.status_code == 200 and 'role="alert"' in page.text
    assert "stranger@example.net has no Telltale user on this server" in page.text
    assert "TELLTALE_SIGNUP_ALLOWED" in page.text and 'name="next" value="/app/reports"' in page.text
    assert signed_in_as(web) is None
    assert (count(app, User), count(app, LinkedAccount)) == (1, 0)
    # Said once: the reason does not stay on the page.
    assert "TELLTALE_SIGNUP_ALLOWED" not in web.get("/app/signin").text


def test_an_allowed_domain_signs_up_from_the_dashboard(google, make_app):
    fake, app = google
    add_user(app, "owner@example.com")
    allowed = make_app(replace(app.extensions["telltale"].settings, signup_allowed=("@example.net",)))
    fake.add_mailbox("colleague@example.net")
    web = allowed.test_client()
    assert sign_in(web, "google", fake_google.consent).location == "/app/messages"
    assert signed_in_as(web) == "colleague@example.net" and count(allowed, User) == 2


def test_a_refused_consent_is_told_on_the_sign_in_page(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    fake.refuse_consent = True
    web = app.test_client()
    refused = sign_in(web, "google", fake_google.consent)
    assert refused.status_code == 303 and refused.location == "/app/signin"
    assert "You did not allow Telltale to read your Gmail metadata" in web.get(refused.location).text
    assert signed_in_as(web) is None and count(app, User) == 0


def test_a_microsoft_sign_in_starts_a_dashboard_session(microsoft):
    fake, app = microsoft
    fake.add_mailbox("owner@contoso.example")
    web = app.test_client()
    page = web.get("/app/signin")
    assert "Sign in with Microsoft" in page.text and "Sign in with Google" not in page.text
    assert "Mail.ReadBasic" in page.text and "gmail.metadata" not in page.text
    landed = sign_in(web, "microsoft", fake_microsoft.consent, next_path="/app/best-time")
    assert landed.status_code == 303 and landed.location == "/app/best-time"
    assert signed_in_as(web) == "owner@contoso.example"
    assert (count(app, User), count(app, LinkedAccount), count(app, PairingCode)) == (1, 1, 0)


def test_the_extension_sign_in_still_shows_a_pairing_code(google):
    fake, app = google
    fake.add_mailbox("owner@example.com")
    web = app.test_client()
    started = web.get("/accounts/signin/google")
    assert started.status_code == 303
    page = web.get("/accounts/callback/google", query_string=fake_google.consent(started.location))
    assert page.status_code == 200 and "owner@example.com is linked" in page.text
    code = re.search(r'class="code">([^<]+)<', page.text)[1]
    assert app.test_client().post("/api/v1/pair", json={"code": code}).status_code == 200
    # Pairing the extension does not sign this browser in to the dashboard.
    assert signed_in_as(web) is None
