"""The whole way through: user, pairing, a registered message, a recipient's open and click."""
from __future__ import annotations

from .helpers import make_user, path_of

# A Thunderbird User-Agent as in matomo-org/device-detector Tests/Parser/Client/fixtures/pim.yml.
THUNDERBIRD = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0"


def test_a_recipients_open_and_click_reach_the_senders_message(client, services, drain):
    _, code = make_user(services)
    paired = client.post("/api/v1/pair", json={"code": code})
    assert paired.status_code == 200
    auth = {"Authorization": f"Bearer {paired.json['token']}"}
    target = "https://shop.example.com/offer?id=7&ref=mail#terms"
    created = client.post(
        "/api/v1/messages",
        json={"subject": "Q3 quote", "recipients": ["bo@example.test"], "links": [target, "https://example.org/"]},
        headers=auth,
    )
    assert created.status_code == 201
    message = created.json
    assert message["pixel_url"].startswith("http://t.example.test/p/")
    assert [link["url"] for link in message["links"]] == [target, "https://example.org/"]

    pixel = client.get(path_of(message["pixel_url"]), headers={"User-Agent": THUNDERBIRD},
                       environ_base={"REMOTE_ADDR": "8.8.8.8"})
    click = client.get(path_of(message["links"][0]["tracked_url"]), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert pixel.status_code == 200 and pixel.mimetype == "image/gif" and len(pixel.data) == 43
    assert click.status_code == 302
    assert click.headers["Location"] == target
    drain()

    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert (shown["opens"], shown["clicks"], shown["state"]) == (1, 1, "clicked")
    assert shown["first_open_at"] is not None and shown["first_open_at"] == shown["last_open_at"]
    assert [link["clicks"] for link in shown["links"]] == [1, 0]
    kinds = sorted((event["kind"], event["source"]) for event in shown["events"])
    assert kinds == [("click", "person"), ("open", "person")]
    open_event = next(event for event in shown["events"] if event["kind"] == "open")
    assert open_event["user_agent"] == THUNDERBIRD
    assert open_event["client"].startswith("Thunderbird") and open_event["os"].startswith("Windows")
    assert open_event["country"] == "US" and open_event["ip"] == "8.8.8.0"
    click_event = next(event for event in shown["events"] if event["kind"] == "click")
    assert click_event["ip"] == "203.0.113.0"
    assert click_event["url"] == target and click_event["link_index"] == 0
