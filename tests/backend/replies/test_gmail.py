"""Linking a Google account and reading its Gmail, with the real client libraries against the fake Google.

google-auth-oauthlib, google-auth and google-api-python-client speak HTTPS to tests/fakes/google.py;
nothing in them is patched. The fake's certificate authority is trusted through the libraries' own
environment variables.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from googleapiclient.errors import HttpError

from telltale.accounts import google
from telltale.config import GoogleApp
from telltale.replies.gmail import read_mailbox
from telltale.replies.mailbox import AccountRevoked, Grant, LinkFailed, ProviderBusy
from tests.fakes.google import REDIRECT_URI, FakeGoogle, consent, google_app_for

ADDRESS = "Ana.Lima@Example.com"
METADATA = "https://www.googleapis.com/auth/gmail.metadata"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class Google:
    fake: FakeGoogle
    app: GoogleApp
    base_url: str

    def link(self, state: str = "state-1") -> Grant:
        url, kept = google.authorization(self.app, REDIRECT_URI, state)
        return google.complete(self.app, REDIRECT_URI, kept, consent(url))

    def deliver(self, **headers: str) -> tuple[str, str]:
        return self.fake.add_message(ADDRESS, headers=headers)


@pytest.fixture
def env(google_server, trusted_ca):
    fake, base_url = google_server
    with fake.lock:
        fake.reset()
        fake.add_mailbox(ADDRESS)
    return Google(fake, google_app_for(base_url, fake), base_url)


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# -- linking --

def test_linking_gives_the_lower_cased_address_and_a_refresh_token(env):
    grant = env.link()
    assert grant.provider == "google"
    assert grant.address == "ana.lima@example.com"
    assert grant.secret.startswith("1//")
    assert grant.scopes == (METADATA,)


def test_the_consent_url_asks_for_gmail_metadata_only_offline_with_pkce(env):
    url, kept = google.authorization(env.app, REDIRECT_URI, "state-1")
    asked = query(url)
    assert url.startswith(env.base_url + "/o/oauth2/auth?")
    assert asked["scope"] == METADATA
    assert (asked["access_type"], asked["prompt"], asked["response_type"]) == ("offline", "consent", "code")
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    assert asked["state"] == "state-1" and asked["redirect_uri"] == REDIRECT_URI
    # What is kept server-side is small, JSON-shaped, and holds the verifier, not the challenge.
    assert set(kept) == {"code_verifier", "state"} and len(kept["code_verifier"]) >= 43
    assert kept["code_verifier"] not in url


def test_scopes_granted_beyond_those_asked_are_kept_without_oauthlib_warning(env):
    env.fake.grant_scopes = (METADATA, "openid")
    assert env.link().scopes == (METADATA, "openid")


def test_a_wrong_code_verifier_fails_the_link(env):
    url, kept = google.authorization(env.app, REDIRECT_URI, "state-1")
    args = consent(url)
    with pytest.raises(LinkFailed, match="Invalid code verifier"):
        google.complete(env.app, REDIRECT_URI, {**kept, "code_verifier": "x" * 64}, args)


def test_a_code_is_good_once(env):
    url, kept = google.authorization(env.app, REDIRECT_URI, "state-1")
    args = consent(url)
    google.complete(env.app, REDIRECT_URI, kept, args)
    with pytest.raises(LinkFailed, match="invalid_grant"):
        google.complete(env.app, REDIRECT_URI, kept, args)


def test_a_refused_consent_says_so(env):
    env.fake.refuse_consent = True
    with pytest.raises(LinkFailed) as refused:
        env.link()
    assert str(refused.value) == "You did not allow Telltale to read your Gmail metadata"


def test_an_unticked_gmail_box_fails_the_link_and_gives_the_grant_back(env):
    env.fake.grant_scopes = ("openid",)
    with pytest.raises(LinkFailed, match="allow that permission"):
        env.link()
    assert [path for method, path, _ in env.fake.requests_seen if method == "POST"] == ["/token", "/revoke"]


def test_without_prompt_consent_a_second_link_has_no_refresh_token(env):
    env.link()
    url, kept = google.authorization(env.app, REDIRECT_URI, "state-2")
    parts = urlsplit(url)
    asked = {key: value for key, value in query(url).items() if key != "prompt"}
    args = consent(urlunsplit(parts._replace(query=urlencode(asked))))
    with pytest.raises(LinkFailed, match="no refresh token"):
        google.complete(env.app, REDIRECT_URI, kept, args)


def test_a_callback_with_another_state_is_refused(env):
    url, kept = google.authorization(env.app, REDIRECT_URI, "state-1")
    args = consent(url)
    with pytest.raises(LinkFailed, match="does not match"):
        google.complete(env.app, REDIRECT_URI, kept, {**args, "state": "state-2"})


def test_a_wrong_client_secret_fails_the_link(env):
    url, kept = google.authorization(env.app, REDIRECT_URI, "state-1")
    args = consent(url)
    with pytest.raises(LinkFailed, match="invalid_client"):
        google.complete(replace(env.app, client_secret="wrong"), REDIRECT_URI, kept, args)


# -- reading --

def test_reads_reach_the_configured_endpoint(env):
    page = read_mailbox(env.app, env.link().secret, None, LONG_AGO)
    assert page.items == [] and not page.resynced
    paths = [path for _, path, _ in env.fake.requests_seen]
    assert "/gmail/v1/users/me/profile" in paths and "/gmail/v1/users/me/messages" in paths
    assert paths.count("/token") == 2  # the link's code exchange, then the reader's refresh


def test_an_incremental_read_returns_a_reply_and_advances_the_cursor(env):
    secret = env.link().secret
    sent_id, thread = env.fake.add_message(ADDRESS, labels=("SENT",), headers={
        "Message-ID": "<first@telltale.example>", "From": "Ana <ana.lima@example.com>", "To": "bo@example.org",
        "Subject": "Lunch?"})
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    reply_id, _ = env.fake.add_message(ADDRESS, thread_id=thread, headers={
        "Message-ID": "<reply@example.org>", "In-Reply-To": "<first@telltale.example>",
        "References": "<zero@telltale.example>\r\n <first@telltale.example>", "From": "Bo <Bo@Example.org>",
        "To": "Ana <Ana.Lima@example.com>", "Cc": "c@example.net, D <d@example.net>", "Subject": "Re: Lunch?",
        "Auto-Submitted": "no", "X-Unasked": "not fetched"})

    page = read_mailbox(env.app, secret, cursor, LONG_AGO)

    assert [item.provider_id for item in page.items] == [reply_id]
    reply = page.items[0]
    assert reply.thread_id == thread and reply.message_id == "<reply@example.org>"
    assert reply.in_reply_to == ("<first@telltale.example>",)
    assert reply.references == ("<zero@telltale.example>", "<first@telltale.example>")
    assert reply.sender == "bo@example.org"
    assert reply.recipients == ("ana.lima@example.com", "c@example.net", "d@example.net")
    assert reply.subject == "Re: Lunch?" and not reply.outgoing and not page.resynced
    assert reply.headers["auto-submitted"] == "no" and "x-unasked" not in reply.headers
    assert abs(reply.at - datetime.now(UTC)) < timedelta(minutes=1) and reply.at.tzinfo is not None
    assert page.cursor != cursor
    again = read_mailbox(env.app, secret, page.cursor, LONG_AGO)
    assert again.items == [] and again.cursor == page.cursor


def test_sent_mail_is_outgoing(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    env.fake.add_message(ADDRESS, labels=("SENT",), headers={"From": ADDRESS, "To": "bo@example.org"})
    env.deliver(From="bo@example.org", To=ADDRESS)
    page = read_mailbox(env.app, secret, cursor, LONG_AGO)
    assert [item.outgoing for item in page.items] == [True, False]


def test_a_message_deleted_before_it_is_read_is_skipped(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    gone, _ = env.deliver(From="bo@example.org", Subject="oops")
    kept, _ = env.deliver(From="bo@example.org", Subject="kept")
    env.fake.delete_message(ADDRESS, gone)
    assert [item.provider_id for item in read_mailbox(env.app, secret, cursor, LONG_AGO).items] == [kept]


def test_an_expired_cursor_becomes_a_resync_bounded_by_since_and_limit(env):
    secret = env.link().secret
    now = datetime.now(UTC)
    for days in (30, 20):
        env.fake.add_message(ADDRESS, headers={"Subject": f"{days} days ago"}, at=now - timedelta(days=days))
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    env.fake.expire_history(ADDRESS)
    for hours in (5, 4, 3, 2, 1):
        env.fake.add_message(ADDRESS, headers={"Subject": f"{hours} hours ago"}, at=now - timedelta(hours=hours))

    since_a_week = read_mailbox(env.app, secret, cursor, now - timedelta(days=7))
    assert since_a_week.resynced
    assert [item.subject for item in since_a_week.items] == [f"{h} hours ago" for h in (5, 4, 3, 2, 1)]
    profile_history = env.fake.mailboxes[ADDRESS.lower()].history_id
    assert since_a_week.cursor == str(profile_history)

    limited = read_mailbox(env.app, secret, cursor, LONG_AGO, limit=2)
    assert limited.resynced and [item.subject for item in limited.items] == ["2 hours ago", "1 hours ago"]
    # From the new cursor, reading is incremental again.
    assert not read_mailbox(env.app, secret, limited.cursor, LONG_AGO).resynced


def test_the_resync_takes_the_profile_history_id_before_listing(env):
    secret = env.link().secret
    env.fake.requests_seen.clear()  # linking read the profile too
    read_mailbox(env.app, secret, None, LONG_AGO)
    gmail_paths = [path for _, path, _ in env.fake.gmail_requests()]
    assert gmail_paths[0] == "/gmail/v1/users/me/profile"
    assert gmail_paths[1] == "/gmail/v1/users/me/messages"


def test_an_incremental_read_stops_at_limit_and_resumes_where_it_stopped(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    sent = [env.deliver(Subject=f"n{n}")[0] for n in range(5)]
    first = read_mailbox(env.app, secret, cursor, LONG_AGO, limit=3)
    second = read_mailbox(env.app, secret, first.cursor, LONG_AGO, limit=3)
    assert [item.provider_id for item in first.items + second.items] == sent


def test_q_is_never_sent_and_messages_are_fetched_as_metadata(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    env.deliver(Subject="hello")
    read_mailbox(env.app, secret, cursor, LONG_AGO)
    env.fake.expire_history(ADDRESS)
    read_mailbox(env.app, secret, cursor, LONG_AGO)
    lists = env.fake.gmail_requests("/messages")
    assert lists and all("q" not in asked for _, _, asked in lists)
    gets = [asked for _, path, asked in lists if path.startswith("/gmail/v1/users/me/messages/")]
    assert gets and all(asked["format"] == ["metadata"] for asked in gets)
    assert all("Message-ID" in asked["metadataHeaders"] for asked in gets)


def test_a_quiet_poll_costs_two_quota_units(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    before = env.fake.units_used(ADDRESS)
    read_mailbox(env.app, secret, cursor, LONG_AGO)
    assert env.fake.units_used(ADDRESS) - before == 2  # one history.list page


def test_429_with_retry_after_becomes_provider_busy(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    env.fake.fail_next("/history", 429, retry_after=30, times=3)  # the first try and the client's two retries
    with pytest.raises(ProviderBusy) as busy:
        read_mailbox(env.app, secret, cursor, LONG_AGO)
    assert busy.value.retry_after == 30
    assert len(env.fake.gmail_requests("/history")) == 3


def test_a_passing_503_is_retried_by_the_client(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    env.fake.fail_next("/history", 503)
    env.deliver(Subject="after the outage")
    assert [item.subject for item in read_mailbox(env.app, secret, cursor, LONG_AGO).items] == ["after the outage"]


def test_another_4xx_is_raised_as_it_is(env):
    secret = env.link().secret
    cursor = read_mailbox(env.app, secret, None, LONG_AGO).cursor
    env.fake.fail_next("/history", 400)
    with pytest.raises(HttpError) as failed:
        read_mailbox(env.app, secret, cursor, LONG_AGO)
    assert failed.value.status_code == 400


def test_a_revoked_refresh_token_means_the_account_must_be_linked_again(env):
    secret = env.link().secret
    env.fake.revoke_all(ADDRESS)
    with pytest.raises(AccountRevoked, match="invalid_grant"):
        read_mailbox(env.app, secret, None, LONG_AGO)


def test_revoke_makes_later_reads_fail_and_may_be_repeated(env):
    secret = env.link().secret
    google.revoke(env.app, secret)
    with pytest.raises(AccountRevoked):
        read_mailbox(env.app, secret, None, LONG_AGO)
    google.revoke(env.app, secret)  # Google's invalid_token: already done


def test_revoke_while_google_is_down_is_provider_busy(env):
    secret = env.link().secret
    env.fake.fail_next("/revoke", 503, retry_after=5)
    with pytest.raises(ProviderBusy) as busy:
        google.revoke(env.app, secret)
    assert busy.value.retry_after == 5


# -- the fake itself: refusing what Google refuses under gmail.metadata --

def test_the_fake_refuses_q_and_full_format_under_the_metadata_scope(env):
    secret = env.link().secret
    with requests.Session() as session:
        token = session.post(env.base_url + "/token", timeout=20, data={
            "grant_type": "refresh_token", "refresh_token": secret,
            "client_id": env.app.client_id, "client_secret": env.app.client_secret}).json()["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"
        message_id, _ = env.deliver(Subject="hi")
        searched = session.get(env.base_url + "/gmail/v1/users/me/messages", params={"q": "rfc822msgid:x"}, timeout=20)
        full = session.get(f"{env.base_url}/gmail/v1/users/me/messages/{message_id}", timeout=20)
        thread = session.get(f"{env.base_url}/gmail/v1/users/me/threads/{message_id}",
                             params={"format": "metadata", "metadataHeaders": "Subject"}, timeout=20)
    assert searched.status_code == 403
    assert searched.json()["error"]["message"] == "Metadata scope does not support 'q' parameter"
    assert full.status_code == 403 and full.json()["error"]["message"] == "Metadata scope doesn't allow format FULL"
    assert thread.json()["messages"][0]["payload"]["headers"] == [{"name": "Subject", "value": "hi"}]


def test_revoke_while_google_is_unreachable_is_provider_busy(env):
    # Only revoke: on a refused connection httplib2 (the Gmail client's transport) leaves its socket
    # open, which this suite's leak check would blame on the test.
    closed = "https://127.0.0.1:9"  # the discard port: nothing listens there
    with pytest.raises(ProviderBusy, match="could not be reached"):
        google.revoke(replace(env.app, revoke_uri=closed + "/revoke"), env.link().secret)
