"""The recipient's opt-out: a footer link to a page whose button declines the sender's tracking, kept
as a keyed hash; the worker then discards that recipient's hits. Real app, real worker, both databases."""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from telltale.optout.hashing import load_hasher
from telltale.store.models import Message, TrackingOptOut, User

from .helpers import make_user, path_of, register, sign_in

AN_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
# Microsoft Defender's Safe Links fetching a link in a message: a scanner, not the recipient.
SCANNER = {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Microsoft Defender for Office 365 Safe Links)",
           "REMOTE_ADDR": "40.107.22.14"}
DONE = {"en": "You are not tracked", "es": "Ya no se le rastrea", "de": "Sie werden nicht verfolgt"}
BUTTON = {"en": "Don&#39;t track me", "es": "No rastrearme", "de": "Nicht verfolgen"}


def send(client, auth, recipients=("bo@example.test",), **fields) -> dict:
    """Register a message sent an hour ago with the opt-out footer on."""
    return register(client, auth, recipients=list(recipients), sent_at=AN_HOUR_AGO, optout=True, **fields)


def set_user(services, email: str, **fields) -> None:
    with services.sessions.begin() as session:
        user = session.scalar(select(User).where(User.email == email))
        for name, value in fields.items():
            setattr(user, name, value)


def optout_rows(services) -> list[tuple]:
    with services.sessions() as session:
        return [tuple(row) for row in session.execute(text("SELECT * FROM tracking_optouts"))]


def declined(services, message_id: int) -> list[int] | None:
    with services.sessions() as session:
        return session.get(Message, message_id).declined_recipients


def shown(client, auth, message_id: int) -> dict:
    return client.get(f"/api/v1/messages/{message_id}", headers=auth).json


def test_it_rejects_a_forged_or_altered_token(client, ana, services):
    url = path_of(send(client, ana)["optout"]["url"])
    pixel = path_of(register(client, ana)["pixel_url"]).removeprefix("/p/").removesuffix(".gif")
    altered = url[:-1] + ("A" if url[-1] != "A" else "B")
    for path in (altered, f"/o/{pixel}", "/o/1.abc", "/o/nothing"):
        for response in (client.get(path), client.post(path, data={"address": "bo@example.test"})):
            assert response.status_code == 404, path
            assert "Link not valid" in response.text and "Don&#39;t track me" not in response.text
    assert optout_rows(services) == []


def test_a_get_or_head_records_nothing(client, ana, services):
    created = send(client, ana)
    url = path_of(created["optout"]["url"])
    for response in (client.get(url, environ_base=SCANNER), client.head(url, environ_base=SCANNER), client.get(url)):
        assert response.status_code == 200
    assert BUTTON["en"] in client.get(url).text
    assert optout_rows(services) == [] and declined(services, created["id"]) is None
    assert shown(client, ana, created["id"])["tracking_declined"] is False


def test_pressing_the_button_keeps_a_keyed_hash_and_never_the_address(client, ana, services):
    created = send(client, ana, recipients=["Bo.Smith@Example.test"])
    done = client.post(path_of(created["optout"]["url"]))
    assert done.status_code == 200 and DONE["en"] in done.text and "ana@example.test" in done.text
    assert client.post(path_of(created["optout"]["url"])).status_code == 200  # a second press changes nothing

    rows = optout_rows(services)
    assert len(rows) == 1
    assert not any("bo.smith" in str(value).lower() or "example.test" in str(value).lower() for value in rows[0])
    key = (services.settings.optout_key_file.read_text().splitlines()[0]).encode()
    with services.sessions() as session:
        kept = session.scalar(select(TrackingOptOut.address_hash))
    assert kept == hmac.new(key, b"bo.smith@example.test", hashlib.sha256).hexdigest()
    assert declined(services, created["id"]) == [0]
    # Once declined, the page says so rather than offering the button again.
    assert DONE["en"] in client.get(path_of(created["optout"]["url"])).text


def test_the_hash_keeps_the_first_key_when_a_key_is_added(services):
    before = services.optout_hasher()("bo@example.test")
    with services.settings.optout_key_file.open("a") as keys:
        keys.write("a-key-added-later-for-rotation-0123456789\n")
    # As a process started after the key was added loads it.
    assert load_hasher(services.settings.optout_key_file)(" BO@example.test ") == before


def test_hits_on_earlier_and_later_messages_to_that_address_are_discarded(client, ana, services, drain):
    dee = make_user(services, "dee@example.test")[0]
    alone = send(client, ana)
    shared = send(client, ana, recipients=["bo@example.test", "cy@example.test"], per_recipient=True)
    others = send(client, dee)
    assert client.post(path_of(alone["optout"]["url"])).status_code == 200
    later = send(client, ana, recipients=["cy@example.test", "BO@example.test"], per_recipient=True)
    assert declined(services, later["id"]) == [1]

    hits = [alone["pixel_url"], alone["links"][0]["tracked_url"], shared["pixel_url"],
            *shared["recipient_pixel_urls"], later["pixel_url"], *later["recipient_pixel_urls"], others["pixel_url"]]
    for url in hits:
        # The hot path answers every one as always: the image, the redirect.
        assert client.get(path_of(url)).status_code in (200, 302)
    drain()

    def kept(created, auth=ana):
        message = shown(client, auth, created["id"])
        return message["tracking_declined"], sorted((e["kind"], e["recipient"]) for e in message["events"])

    assert kept(alone) == (True, [])
    assert kept(shared) == (True, [("open", 1)])  # cy's own pixel; bo's and the shared one dropped
    assert kept(later) == (True, [("open", 0)])
    assert kept(others, dee) == (False, [("open", None)])  # another sender's tracking is not declined
    listed = {m["id"]: m["tracking_declined"]
              for m in client.get("/api/v1/messages", headers=ana).json["items"]}
    assert listed == {alone["id"]: True, shared["id"]: True, later["id"]: True}
    # Nothing counted because the recipient said no reads "declined", not "sent" (unread); a
    # message someone else still opens reads what they did.
    states = {m["id"]: m["state"] for m in client.get("/api/v1/messages", headers=ana).json["items"]}
    assert states == {alone["id"]: "declined", shared["id"]: "opened", later["id"]: "opened"}
    only = client.get("/api/v1/messages", query_string={"state": "declined"}, headers=ana).json["items"]
    assert [m["id"] for m in only] == [alone["id"]]
    assert client.get("/api/v1/messages", query_string={"state": "sent"}, headers=ana).json["items"] == []


@pytest.mark.parametrize("lang", ["en", "es", "de"])
def test_the_page_and_its_confirmation_speak_each_language(client, ana, services, lang):
    url = path_of(send(client, ana)["optout"]["url"])
    page = client.get(f"{url}?lang={lang}")
    assert f'<html lang="{lang}">' in page.text and BUTTON[lang] in page.text
    assert f"?lang={lang}" in page.text  # the form keeps the language
    done = client.post(f"{url}?lang={lang}")
    assert done.status_code == 200 and DONE[lang] in done.text


def test_the_page_speaks_the_senders_language_unless_asked_otherwise(client, ana, services):
    set_user(services, "ana@example.test", optout_language="de")
    url = path_of(send(client, ana)["optout"]["url"])
    assert BUTTON["de"] in client.get(url).text
    assert BUTTON["de"] in client.get(f"{url}?lang=fr").text  # not one we have: the sender's
    assert BUTTON["es"] in client.get(f"{url}?lang=es").text


def test_a_mail_to_several_asks_for_the_address_and_never_lists_them(client, ana, services):
    created = send(client, ana, recipients=["bo@example.test", "Cy@Example.test"])
    url = path_of(created["optout"]["url"])
    page = client.get(url)
    assert 'name="address"' in page.text and "example.test" not in page.text.replace("ana@example.test", "")

    refused = client.post(url, data={"address": "eve@example.test"})
    assert refused.status_code == 400 and "This message was not sent to that address" in refused.text
    assert "bo@example.test" not in refused.text and "Cy@Example.test" not in refused.text
    assert client.post(url, data={"address": ""}).status_code == 400
    assert optout_rows(services) == [] and declined(services, created["id"]) is None

    done = client.post(url, data={"address": "  cy@EXAMPLE.test "})
    assert done.status_code == 200 and DONE["en"] in done.text
    assert declined(services, created["id"]) == [1] and len(optout_rows(services)) == 1


def test_a_deleted_message_gets_a_page_saying_so(client, ana, services):
    created = send(client, ana)
    url = path_of(created["optout"]["url"])
    assert client.delete(f"/api/v1/messages/{created['id']}", headers=ana).status_code == 204
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410 and "This message no longer exists" in response.text
    assert optout_rows(services) == []


def test_the_page_is_strict_and_loads_nothing(client, ana):
    response = client.get(path_of(send(client, ana)["optout"]["url"]))
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-") and "script" not in policy
    assert "<script" not in response.text and response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow, noarchive"


def test_the_footer_follows_the_users_default_unless_the_message_says_otherwise(client, ana, services):
    assert register(client, ana)["optout"] is None
    footer = send(client, ana)["optout"]
    assert footer["text"] == "This message tells the sender when it is opened."
    assert footer["link_text"] == "Don't track me" and "/o/" in footer["url"]

    set_user(services, "ana@example.test", optout_footer=True, optout_language="es",
             optout_wording="Uso un contador de lecturas.")
    created = register(client, ana, recipients=["bo@example.test", "cy@example.test"], per_recipient=True)
    assert created["optout"]["text"] == "Uso un contador de lecturas." and created["optout"]["link_text"] == "No rastrearme"
    signer = services.signer
    assert signer.verify_optout(created["optout"]["url"].rsplit("/", 1)[1]).recipient is None
    assert [signer.verify_optout(url.rsplit("/", 1)[1]).recipient for url in created["recipient_optout_urls"]] == [0, 1]
    assert register(client, ana, optout=False)["optout"] is None
    assert register(client, ana, tracking=False)["optout"] is None
    one = register(client, ana)
    assert signer.verify_optout(one["optout"]["url"].rsplit("/", 1)[1]).recipient == 0
    assert one["recipient_optout_urls"] is None


def test_the_dashboard_says_tracking_was_declined(client, ana, services, links):
    created = send(client, ana)
    client.post(path_of(created["optout"]["url"]))
    sign_in(client, services, links)
    assert "Tracking declined by the recipient" in client.get("/app/messages").text
    assert "Tracking declined by the recipient" in client.get(f"/app/messages/{created['id']}").text
