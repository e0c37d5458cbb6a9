"""From a linked mailbox to a reply event: linking through the pages, polling, matching, storing, popups.

The real google-auth-oauthlib, google-api-python-client and msal talk HTTPS to the local fakes
(tests/fakes); the app, Redis and the database are real.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from telltale.live.stream import read_after
from telltale.store.models import Event, LinkedAccount, Message
from telltale.worker.replies import enqueue_due_polls, poll_mailbox
from telltale.worker.runner import run_worker
from tests.fakes.google import consent as google_consent
from tests.fakes.microsoft import consent as microsoft_consent
from tests.fakes.microsoft import microsoft_app_for, running_fake_microsoft

from ..conftest import RECIPIENT_AGENT
from ..helpers import make_user, path_of, register

ANA = "ana@example.test"
BO = "bo@example.test"
PUBLIC = "http://t.example.test"



@pytest.fixture
def microsoft(trusted_ca):
    with running_fake_microsoft(trusted_ca) as (fake, base_url):
        fake.add_mailbox(ANA)
        yield fake, microsoft_app_for(base_url)


def _app(make_app, settings, **apps):
    app = make_app(replace(settings, **apps))
    return app, app.extensions["telltale"]


def _link(app, auth, provider, consent) -> dict:
    web = app.test_client()
    url = web.post("/api/v1/accounts/link", json={"provider": provider}, headers=auth).json["url"]
    started = web.get(url.removeprefix(PUBLIC))
    assert started.status_code == 303
    done = web.get(f"/accounts/callback/{provider}", query_string=consent(started.headers["Location"]))
    assert done.status_code == 200, done.text
    assert f"{ANA} is linked" in done.text
    [account] = web.get("/api/v1/accounts", headers=auth).json["items"]
    return account


def _poll(app, account_id: int) -> int:
    with app.app_context():
        return poll_mailbox(account_id)


def _events(svc, message_id):
    with svc.sessions() as session:
        return list(session.scalars(select(Event).where(Event.message_id == message_id).order_by(Event.occurred_at)))


def _message(svc, message_id) -> Message:
    with svc.sessions() as session:
        return session.get(Message, message_id)


def test_a_gmail_reply_becomes_one_reply_event_with_a_popup(settings, make_app, google):
    fake, google_app = google
    app, svc = _app(make_app, settings, google=google_app)
    auth, _ = make_user(svc, ANA)
    account = _link(app, auth, "google", google_consent)
    assert (account["provider"], account["address"], account["status"]) == ("google", ANA, "ok")
    sent = register(app.test_client(), auth, subject="Q3 quote", recipients=[BO], account=ANA)
    _, thread = fake.add_message(ANA, labels=("SENT",), headers={
        "From": ANA, "To": BO, "Subject": "Q3 quote", "Message-ID": "<q3@ana>"})
    assert _poll(app, account["id"]) == 0
    learnt = _message(svc, sent["id"])
    assert (learnt.internet_message_id, learnt.thread_ref) == ("<q3@ana>", f"gmail:{thread}")

    fake.add_message(ANA, thread_id=thread, headers={
        "From": f"Bo <{BO}>", "To": ANA, "Subject": "Re: Q3 quote", "Message-ID": "<r1@bo>",
        "In-Reply-To": "<q3@ana>", "References": "<q3@ana>"})
    assert _poll(app, account["id"]) == 1
    assert _poll(app, account["id"]) == 0  # nothing new, nothing twice
    [reply] = [e for e in _events(svc, sent["id"]) if e.kind == "reply"]
    assert (reply.source, reply.recipient) == ("person", 0)
    shown = app.test_client().get(f"/api/v1/messages/{sent['id']}", headers=auth).json
    assert (shown["state"], shown["replies"], shown["account"]) == ("replied", 1, ANA)
    [event] = [e for e in read_after(svc.redis, learnt.user_id, "0-0") if e["type"] == "reply"]
    assert event["from"] == BO and event["popup"]["title"] == f"{BO} replied to “Q3 quote”"
    assert event["popup"]["body"] == "1 min after you sent it"

    # A while later (the minute in which a thread's events share a popup is over), Bo opens the
    # thread again to read the conversation: stored and counted, but no popup.
    svc.redis.delete(*svc.redis.keys("telltale:popup:*"))
    reader = app.test_client()
    reader.environ_base.update(HTTP_USER_AGENT=RECIPIENT_AGENT, REMOTE_ADDR="10.9.8.7")
    assert reader.get(path_of(sent["pixel_url"])).status_code == 200
    run_worker(app.extensions["telltale"], burst=True)
    [reopen] = [e for e in read_after(svc.redis, learnt.user_id, "0-0") if e["type"] == "open"]
    assert reopen["source"] == "person" and reopen["popup"] is None


def test_a_gmail_auto_reply_is_stored_but_not_counted_and_raises_no_popup(settings, make_app, google):
    fake, google_app = google
    app, svc = _app(make_app, settings, google=google_app)
    auth, _ = make_user(svc, ANA)
    account = _link(app, auth, "google", google_consent)
    sent = register(app.test_client(), auth, recipients=[BO], account=ANA)
    _, thread = fake.add_message(ANA, labels=("SENT",), headers={
        "From": ANA, "To": BO, "Subject": "Q3 quote", "Message-ID": "<q3@ana>"})
    fake.add_message(ANA, thread_id=thread, headers={
        "From": BO, "To": ANA, "Subject": "Automatic reply: Q3 quote", "Auto-Submitted": "auto-replied",
        "In-Reply-To": "<q3@ana>"})
    assert _poll(app, account["id"]) == 1
    [reply] = [e for e in _events(svc, sent["id"]) if e.kind == "reply"]
    assert reply.source == "auto" and "Auto-Submitted" in reply.reason
    assert _message(svc, sent["id"]).replies == 0
    [event] = [e for e in read_after(svc.redis, _message(svc, sent["id"]).user_id, "0-0") if e["type"] == "reply"]
    assert event["popup"] is None


def test_an_expired_history_id_resyncs_without_storing_a_reply_twice(settings, make_app, google):
    fake, google_app = google
    app, svc = _app(make_app, settings, google=google_app)
    auth, _ = make_user(svc, ANA)
    account = _link(app, auth, "google", google_consent)
    sent = register(app.test_client(), auth, recipients=[BO], account=ANA, thread_ref="gmail:18c2a7d3e5f0abcd")
    fake.add_message(ANA, thread_id="18c2a7d3e5f0abcd", headers={"From": BO, "To": ANA, "Subject": "Re: Q3 quote"})
    assert _poll(app, account["id"]) == 1
    fake.expire_history(ANA)
    fake.add_message(ANA, thread_id="18c2a7d3e5f0abcd", headers={"From": BO, "To": ANA, "Subject": "Re: Q3 quote"})
    assert _poll(app, account["id"]) == 1  # the second reply only: the first is found again, and kept once
    assert len([e for e in _events(svc, sent["id"]) if e.kind == "reply"]) == 2


def test_a_revoked_grant_asks_the_user_to_link_again_and_stops_polling(settings, make_app, google):
    fake, google_app = google
    app, svc = _app(make_app, settings, google=google_app, reply_poll_seconds=1)
    auth, _ = make_user(svc, ANA)
    account = _link(app, auth, "google", google_consent)
    fake.revoke_all(ANA)
    assert _poll(app, account["id"]) == 0
    [shown] = app.test_client().get("/api/v1/accounts", headers=auth).json["items"]
    assert shown["status"] == "relink" and "link the account again" in shown["problem"]
    assert enqueue_due_polls(svc, datetime.now(UTC) + timedelta(days=1)) == 0


def test_a_busy_gmail_is_left_alone_for_as_long_as_it_asks(settings, make_app, google):
    fake, google_app = google
    app, svc = _app(make_app, settings, google=google_app)
    auth, _ = make_user(svc, ANA)
    account = _link(app, auth, "google", google_consent)
    fake.fail_next("/history", 429, retry_after=120, times=5)
    fake.fail_next("/messages", 429, retry_after=120, times=5)
    fake.fail_next("/profile", 429, retry_after=120, times=5)
    before = datetime.now(UTC)
    assert _poll(app, account["id"]) == 0
    with svc.sessions() as session:
        stored = session.get(LinkedAccount, account["id"])
        assert stored.status == "waiting" and stored.next_check_at >= before + timedelta(seconds=119)


def test_unlinking_google_revokes_the_grant_and_deletes_the_token(settings, make_app, google):
    fake, google_app = google
    app, svc = _app(make_app, settings, google=google_app)
    auth, _ = make_user(svc, ANA)
    account = _link(app, auth, "google", google_consent)
    with svc.sessions() as session:
        sealed = session.get(LinkedAccount, account["id"]).secret
    secret = svc.vault().open(sealed)
    assert secret and secret not in sealed  # encrypted at rest
    gone = app.test_client().delete(f"/api/v1/accounts/{account['id']}", headers=auth)
    assert gone.status_code == 200 and gone.json["revoked"] is True
    assert app.test_client().get("/api/v1/accounts", headers=auth).json["items"] == []
    from telltale.replies.gmail import read_mailbox
    from telltale.replies.mailbox import AccountRevoked

    with pytest.raises(AccountRevoked):
        read_mailbox(google_app, secret, None, datetime.now(UTC) - timedelta(days=1))


def test_a_graph_reply_in_the_conversation_is_found_and_an_auto_reply_is_set_apart(settings, make_app, microsoft):
    fake, microsoft_app = microsoft
    app, svc = _app(make_app, settings, microsoft=microsoft_app)
    auth, _ = make_user(svc, ANA)
    account = _link(app, auth, "microsoft", microsoft_consent)
    sent = register(app.test_client(), auth, subject="Q3 quote", recipients=[BO], account=ANA)
    _, conversation = fake.add_message(ANA, folder="sentitems", subject="Q3 quote", sender=ANA, to=[BO],
                                       internet_message_id="<q3@ana>")
    assert _poll(app, account["id"]) == 0
    assert _message(svc, sent["id"]).thread_ref == f"outlook:{conversation}"
    fake.add_message(ANA, subject="Automatic reply: Q3 quote", sender=BO, to=[ANA], conversation_id=conversation,
                     headers={"Auto-Submitted": "auto-replied"})
    fake.add_message(ANA, subject="RE: Q3 quote", sender=BO, to=[ANA], conversation_id=conversation,
                     headers={"In-Reply-To": "<q3@ana>"})
    assert _poll(app, account["id"]) == 2
    sources = sorted(e.source for e in _events(svc, sent["id"]) if e.kind == "reply")
    assert sources == ["auto", "person"]
    assert _message(svc, sent["id"]).replies == 1
    fake.expire_delta(ANA)
    assert _poll(app, account["id"]) == 0  # the resync finds both again and stores neither twice
    gone = app.test_client().delete(f"/api/v1/accounts/{account['id']}", headers=auth).json
    assert gone["revoked"] is False and "remove Telltale from your Microsoft account's apps" in gone["message"]
    with svc.sessions() as session:
        assert session.scalar(select(LinkedAccount)) is None
