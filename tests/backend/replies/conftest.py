"""Fixtures for the replies tests: one test CA for the fakes, trusted by the client libraries, and a
fake Google server kept for a module (stopping one takes half a second; tests reset it), with
ana@example.test's mailbox in it."""
from __future__ import annotations

import pytest

from tests.fakes.google import google_app_for, running_fake_google
from tests.fakes.https import make_ca


@pytest.fixture(scope="session")
def fake_ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("fake-ca"))


@pytest.fixture
def trusted_ca(fake_ca, monkeypatch):
    """The fakes' CA, trusted by requests (google-auth, oauthlib, msal) and httplib2 for this test."""
    for name, value in fake_ca.client_env.items():
        monkeypatch.setenv(name, value)
    return fake_ca


@pytest.fixture(scope="module")
def google_server(fake_ca):
    with running_fake_google(fake_ca) as served:
        yield served


@pytest.fixture
def google(google_server, trusted_ca):
    """The fake Google, reset, with Ana's mailbox, and the app settings that point at it."""
    fake, base_url = google_server
    fake.reset(redirect_uris=("http://t.example.test/accounts/callback/google",))
    fake.add_mailbox("ana@example.test")
    return fake, google_app_for(base_url, fake)
