"""GET /api/v1/recipients: per address, what was sent and what came of it, and the signal in words."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telltale.reports.interest import Figures, signal
from telltale.store.models import Event, LinkedAccount

from .helpers import make_user, path_of, register

BO = "bo@example.test"


def _link_a_mailbox(services, user_email="ana@example.test"):
    from telltale.accounts.credentials import find_user

    with services.sessions.begin() as session:
        user = find_user(session, user_email)
        now = datetime.now(UTC)
        session.add(LinkedAccount(user_id=user.id, provider="google", address=user_email, secret="x", scopes="",
                                  linked_at=now, next_check_at=now + timedelta(days=1)))


def _open(client, message):
    assert client.get(path_of(message["pixel_url"])).status_code == 200


def test_a_recipient_who_opens_often_and_never_replies_is_named_so(client, services, drain):
    auth, _ = make_user(services)
    _link_a_mailbox(services)
    sent = [register(client, auth, recipients=[BO]) for _ in range(5)]
    for message in sent[:4]:
        _open(client, message)
    drain()
    [bo] = client.get("/api/v1/recipients", headers=auth).json["items"]
    assert (bo["address"], bo["sent"], bo["opened"], bo["replied"]) == (BO, 5, 4, 0)
    assert bo["interest"] == {"signal": "opens_never_replies",
                              "text": "opened 4 of your last 5 messages, replied to none in 30 days"}
    assert bo["median_first_open_seconds"] is not None and bo["median_reply_seconds"] is None
    assert client.get(f"/api/v1/recipients/{BO.upper()}", headers=auth).json == bo


def test_without_a_linked_mailbox_replies_are_not_claimed(client, services, drain):
    auth, _ = make_user(services)
    for message in [register(client, auth, recipients=[BO]) for _ in range(3)]:
        _open(client, message)
    drain()
    bo = client.get(f"/api/v1/recipients/{BO}", headers=auth).json
    assert bo["interest"]["signal"] == "replies_unknown" and "link your mailbox" in bo["interest"]["text"]


def test_a_shared_pixel_does_not_credit_an_open_to_each_recipient(client, services, drain):
    auth, _ = make_user(services)
    _link_a_mailbox(services)
    for message in [register(client, auth, recipients=[BO, "cy@example.test"]) for _ in range(3)]:
        _open(client, message)
    drain()
    items = {r["address"]: r for r in client.get("/api/v1/recipients", headers=auth).json["items"]}
    assert items[BO]["sent"] == 3 and items[BO]["opened"] == 0


def test_a_reply_counts_for_the_recipient_who_sent_it(client, services, drain):
    auth, _ = make_user(services)
    _link_a_mailbox(services)
    sent = [register(client, auth, recipients=[BO]) for _ in range(3)]
    with services.sessions.begin() as session:
        session.add(Event(id="r" + "0" * 31, message_id=sent[0]["id"], kind="reply", recipient=0, source="person",
                          occurred_at=datetime.now(UTC) + timedelta(hours=2), reason="a reply"))
    bo = client.get(f"/api/v1/recipients/{BO}", headers=auth).json
    assert bo["replied"] == 1 and bo["interest"]["signal"] == "replies"
    assert bo["median_reply_seconds"] > 7000


def test_an_unknown_recipient_is_not_found_and_a_bad_address_is_refused(client, services):
    auth, _ = make_user(services)
    assert client.get("/api/v1/recipients/nobody@example.test", headers=auth).status_code == 404
    assert client.get("/api/v1/recipients/not-an-address", headers=auth).status_code == 404


def test_too_few_messages_say_nothing():
    figures = Figures(BO, 2, 2, 0, 0, (), ())
    assert signal(figures, 30, True) == ("not_enough_data", "2 messages in 30 days: not enough to say (3 needed)")
    rarely = Figures(BO, 5, 1, 0, 0, (), ())
    assert signal(rarely, 30, True)[0] == "opens_sometimes"
    never = Figures(BO, 4, 0, 0, 0, (), ())
    assert signal(never, 30, True)[0] == "not_opening"
