"""Linking a Microsoft mailbox and reading it through Graph, with the real msal and requests against
the local fake Microsoft (tests/fakes/microsoft.py) over HTTPS."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from telltale.accounts import microsoft
from telltale.replies.graph import read_mailbox
from telltale.replies.mailbox import AccountRevoked, LinkFailed, ProviderBusy
from tests.fakes.microsoft import consent, microsoft_app_for, running_fake_microsoft

OWNER = "ada@example.com"
CALLBACK = "https://telltale.example/accounts/callback/microsoft"


@pytest.fixture
def fake(trusted_ca):
    with running_fake_microsoft(trusted_ca) as (fake, base_url):
        fake.add_mailbox(OWNER)
        fake.app = microsoft_app_for(base_url)
        yield fake


def link(fake, state="state-1"):
    url, kept = microsoft.authorization(fake.app, CALLBACK, state)
    return microsoft.complete(fake.app, CALLBACK, json.loads(json.dumps(kept)), consent(url))


def test_linking_gives_the_lower_cased_address_and_msals_token_cache(fake):
    grant = link(fake)
    assert (grant.provider, grant.address) == ("microsoft", OWNER)
    assert "Mail.ReadBasic" in grant.scopes
    cache = json.loads(grant.secret)
    assert cache["RefreshToken"] and cache["AccessToken"] and cache["Account"]


def test_the_kept_flow_is_json_and_holds_the_pkce_verifier_and_nonce(fake):
    url, kept = microsoft.authorization(fake.app, CALLBACK, "s")
    assert json.loads(json.dumps(kept)) == kept
    assert kept["code_verifier"] and kept["nonce"] and kept["state"] == "s"
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0] != kept["code_verifier"]


def test_only_mail_readbasic_and_msals_reserved_scopes_are_asked(fake):
    url, _ = microsoft.authorization(fake.app, CALLBACK, "s")
    assert set(parse_qs(urlsplit(url).query)["scope"][0].split()) == {
        "Mail.ReadBasic", "openid", "profile", "offline_access"}


def test_a_wrong_pkce_verifier_is_refused_by_the_token_endpoint(fake):
    url, kept = microsoft.authorization(fake.app, CALLBACK, "s")
    answer = consent(url)
    _, other = microsoft.authorization(fake.app, CALLBACK, "s")
    with pytest.raises(LinkFailed, match="invalid_grant: AADSTS501481: The code_verifier does not match"):
        microsoft.complete(fake.app, CALLBACK, dict(kept, code_verifier=other["code_verifier"]), answer)


def test_an_id_token_with_another_flows_nonce_is_refused(fake):
    url, kept = microsoft.authorization(fake.app, CALLBACK, "s")
    answer = consent(url)
    _, other = microsoft.authorization(fake.app, CALLBACK, "s")
    with pytest.raises(LinkFailed, match="could not be verified"):
        microsoft.complete(fake.app, CALLBACK, dict(kept, nonce=other["nonce"]), answer)


def test_an_answer_for_another_state_is_refused(fake):
    url, kept = microsoft.authorization(fake.app, CALLBACK, "mine")
    answer = consent(url)
    with pytest.raises(LinkFailed, match="does not belong"):
        microsoft.complete(fake.app, CALLBACK, kept, dict(answer, state="someone-else"))


def test_refused_consent_is_a_link_failure_saying_so(fake):
    fake.refuse_consent = True
    with pytest.raises(LinkFailed, match="declined"):
        link(fake)


def test_revoking_says_microsoft_did_not_and_calls_nobody(fake):
    grant = link(fake)
    seen = len(fake.requests_seen)
    assert microsoft.revoke(fake.app, grant.secret) is False
    assert len(fake.requests_seen) == seen
    assert "myapps.microsoft.com" in microsoft.REMOVE_ACCESS_HINT


def ago(minutes):
    return datetime.now(UTC) - timedelta(minutes=minutes)


def test_an_incremental_read_returns_a_reply_with_its_thread_and_headers_and_advances(fake):
    grant = link(fake)
    first = read_mailbox(fake.app, grant.secret, None, since=ago(60))
    assert first.items == [] and not first.resynced
    sent_id, conversation = fake.add_message(
        OWNER, folder="sentitems", subject="Proposal", sender=OWNER, to=["Bob@Example.com"],
        internet_message_id="<proposal@example.com>")
    reply_id, _ = fake.add_message(
        OWNER, subject="Re: Proposal", sender="Bob@Example.com", to=[OWNER], cc=["Carol@Example.com"],
        conversation_id=conversation, internet_message_id="<reply@example.net>",
        headers={"In-Reply-To": "<proposal@example.com>", "References": "<x@y> <proposal@example.com>",
                 "Auto-Submitted": "no", "Received": "from somewhere"})
    page = read_mailbox(fake.app, grant.secret, first.cursor, since=ago(60))
    by_id = {item.provider_id: item for item in page.items}
    reply, sent = by_id[reply_id], by_id[sent_id]
    assert (reply.thread_id, reply.message_id) == (conversation, "<reply@example.net>")
    assert reply.in_reply_to == ("<proposal@example.com>",)
    assert reply.references == ("<x@y>", "<proposal@example.com>")
    assert reply.sender == "bob@example.com" and reply.recipients == (OWNER, "carol@example.com")
    assert reply.headers == {"auto-submitted": "no"} and not reply.outgoing and not reply.automatic
    assert reply.at.tzinfo is not None and reply.at.utcoffset() == timedelta(0)
    assert sent.outgoing and sent.thread_id == conversation and sent.headers == {}
    again = read_mailbox(fake.app, grant.secret, page.cursor, since=ago(60))
    assert again.items == [] and set(json.loads(again.cursor)) == {"inbox", "sentitems"}


def test_delta_asks_for_metadata_only_created_messages_and_the_since_bound(fake):
    grant = link(fake)
    read_mailbox(fake.app, grant.secret, None, since=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    first = fake.seen("/inbox/messages/delta")[0]
    assert first.args["changeType"] == "created"
    assert first.args["$filter"] == "receivedDateTime ge 2026-01-02T03:04:05Z"
    assert "body" not in first.args["$select"].lower() and "internetMessageId" in first.args["$select"]
    assert first.headers["Prefer"].startswith("odata.maxpagesize=")


def test_an_expired_delta_link_is_replaced_by_a_bounded_resync(fake):
    grant = link(fake)
    start = read_mailbox(fake.app, grant.secret, None, since=ago(60))
    fake.add_message(OWNER, subject="old", sender="x@example.org", to=[OWNER], at=ago(120))
    recent = [fake.add_message(OWNER, subject=f"new {n}", sender="x@example.org", to=[OWNER], at=ago(10))[0]
              for n in range(5)]
    fake.expire_delta(OWNER)
    page = read_mailbox(fake.app, grant.secret, start.cursor, since=ago(60), limit=3)
    assert page.resynced and len(page.items) == 3
    assert {item.provider_id for item in page.items} <= set(recent)
    rest = read_mailbox(fake.app, grant.secret, page.cursor, since=ago(60))
    assert rest.resynced  # Sent Items' link, untouched while the Inbox used the budget, had expired too
    assert {item.provider_id for item in page.items + rest.items} == set(recent)


def test_a_first_read_is_bounded_by_since_and_not_called_a_resync(fake):
    grant = link(fake)
    fake.add_message(OWNER, subject="old", sender="x@example.org", to=[OWNER], at=ago(120))
    new_id, _ = fake.add_message(OWNER, subject="new", sender="x@example.org", to=[OWNER], at=ago(5))
    page = read_mailbox(fake.app, grant.secret, None, since=ago(60))
    assert [item.provider_id for item in page.items] == [new_id] and not page.resynced


def test_a_short_retry_after_is_waited_out(fake):
    grant = link(fake)
    fake.fail_next("/messages/delta", 429, retry_after=0.1)
    page = read_mailbox(fake.app, grant.secret, None, since=ago(60))
    assert page.items == []


def test_a_long_retry_after_is_provider_busy_with_its_delay(fake):
    grant = link(fake)
    fake.fail_next("/messages/delta", 429, retry_after=120)
    with pytest.raises(ProviderBusy) as busy:
        read_mailbox(fake.app, grant.secret, None, since=ago(60))
    assert busy.value.retry_after == 120


def test_a_second_throttle_in_a_row_is_provider_busy(fake):
    grant = link(fake)
    fake.fail_next("/messages/delta", 503, retry_after=0, times=2)
    with pytest.raises(ProviderBusy):
        read_mailbox(fake.app, grant.secret, None, since=ago(60))


def test_refresh_token_rotation_hands_back_the_new_cache(fake):
    fake.access_token_lifetime = 60  # msal refreshes an access token with under five minutes left
    grant = link(fake)
    page = read_mailbox(fake.app, grant.secret, None, since=ago(60))
    assert page.secret is not None
    old, new = json.loads(grant.secret), json.loads(page.secret)
    assert [rt["secret"] for rt in old["RefreshToken"].values()] != [rt["secret"] for rt in new["RefreshToken"].values()]
    assert read_mailbox(fake.app, page.secret, page.cursor, since=ago(60)).items == []


def test_an_unexpired_access_token_leaves_the_secret_as_it_was(fake):
    grant = link(fake)
    assert read_mailbox(fake.app, grant.secret, None, since=ago(60)).secret is None


def test_a_401_from_graph_is_retried_once_after_a_silent_refresh(fake):
    grant = link(fake)
    fake.expire_access_tokens()
    page = read_mailbox(fake.app, grant.secret, None, since=ago(60))
    assert page.secret is not None and fake.seen("/oauth2/v2.0/token")[-1].form["grant_type"] == "refresh_token"


def test_a_revoked_refresh_token_is_account_revoked(fake):
    grant = link(fake)
    fake.revoke_all(OWNER)
    fake.expire_access_tokens()
    with pytest.raises(AccountRevoked):
        read_mailbox(fake.app, grant.secret, None, since=ago(60))


def test_a_refused_header_read_leaves_items_without_headers(fake):
    grant = link(fake)
    start = read_mailbox(fake.app, grant.secret, None, since=ago(60))
    fake.add_message(OWNER, subject="a", sender="x@example.org", to=[OWNER], headers={"Auto-Submitted": "auto-replied"})
    fake.add_message(OWNER, subject="b", sender="x@example.org", to=[OWNER])
    fake.fail_next("/me/messages/", 403)
    page = read_mailbox(fake.app, grant.secret, start.cursor, since=ago(60))
    assert [item.headers for item in page.items] == [{}, {}]
    assert len(fake.seen("/me/messages/")) == 1  # not asked again during that poll


def test_a_refused_client_secret_is_the_owners_configuration_not_a_revoked_account(fake):
    grant = link(fake)
    fake.client_secret = "rotated-by-the-owner"
    fake.expire_access_tokens()
    with pytest.raises(microsoft.MicrosoftConfigError, match="invalid_client"):
        read_mailbox(fake.app, grant.secret, None, since=ago(60))


def test_an_unknown_redirect_address_at_the_callback_is_a_link_failure(fake):
    url, kept = microsoft.authorization(fake.app, CALLBACK, "s")
    with pytest.raises(LinkFailed, match="another address"):
        microsoft.complete(fake.app, "https://elsewhere.example/callback", kept, consent(url))


def test_a_cursor_pointing_elsewhere_is_refused_before_the_token_leaves(fake):
    grant = link(fake)
    cursor = json.dumps({"inbox": "https://attacker.example/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=x"})
    with pytest.raises(ValueError, match="not a link into"):
        read_mailbox(fake.app, grant.secret, cursor, since=ago(60))
    assert not fake.seen("/messages/delta")


def test_the_tenants_discovery_document_is_fetched_once_not_every_poll(fake):
    grant = link(fake)
    cursor = read_mailbox(fake.app, grant.secret, None, since=ago(60)).cursor
    read_mailbox(fake.app, grant.secret, cursor, since=ago(60))
    assert len(fake.seen("/.well-known/openid-configuration")) == 1
