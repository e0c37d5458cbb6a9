"""/api/v1/messages: register a send, list, read, change and delete messages."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from telltale.store.models import Event, Link, MessageTag

from .helpers import make_user, path_of, register


@pytest.fixture
def auth(services):
    return make_user(services)[0]


def _count(services, model, message_id: int) -> int:
    with services.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.message_id == message_id))


def test_it_registers_a_message_and_signs_its_pixel_and_links(client, auth):
    links = ["https://example.com/a?x=1&y=2", "http://example.org/b#part"]
    created = client.post(
        "/api/v1/messages", json={"subject": "Hi", "recipients": ["bo@example.test"], "links": links}, headers=auth
    )
    assert created.status_code == 201
    body = created.json
    assert isinstance(body["id"], int)
    assert body["pixel_url"].startswith("http://t.example.test/p/") and body["pixel_url"].endswith(".gif")
    assert [link["url"] for link in body["links"]] == links
    assert all(link["tracked_url"].startswith("http://t.example.test/l/") for link in body["links"])
    assert len({link["tracked_url"] for link in body["links"]}) == 2


def test_its_tracked_links_redirect_to_their_targets(client, auth):
    created = register(client, auth, links=["https://example.com/one", "https://example.com/two"])
    for link in created["links"]:
        redirect = client.get(path_of(link["tracked_url"]))
        assert (redirect.status_code, redirect.headers["Location"]) == (302, link["url"])


def test_it_issues_one_pixel_per_recipient_when_asked(client, auth):
    created = register(client, auth, recipients=["a@example.test", "b@example.test"], per_recipient=True)
    assert len(set(created["recipient_pixel_urls"])) == 2
    assert created["pixel_url"] not in created["recipient_pixel_urls"]


def test_it_stores_what_was_registered(client, auth):
    created = register(
        client, auth, subject="Quote", recipients=[" bo@example.test "], client_ref="draft-1", thread_ref="t-9",
        tracking=True, notify=False, tags=["q3", "q3", "sales"],
    )
    shown = client.get(f"/api/v1/messages/{created['id']}", headers=auth).json
    assert shown["subject"] == "Quote"
    assert shown["recipients"] == ["bo@example.test"]
    assert (shown["client_ref"], shown["thread_ref"]) == ("draft-1", "t-9")
    assert (shown["tracking"], shown["notify"]) == (True, False)
    assert shown["tags"] == ["q3", "sales"]
    assert (shown["state"], shown["opens"], shown["clicks"]) == ("sent", 0, 0)
    assert shown["links"] == [{"index": 0, "url": "https://example.com/a?x=1&y=2", "clicks": 0}]
    assert shown["events"] == []


def test_a_send_can_be_registered_after_the_fact(client, auth):
    created = register(client, auth, sent_at="2024-05-01T10:00:00+02:00")
    shown = client.get(f"/api/v1/messages/{created['id']}", headers=auth).json
    sent_at = datetime.fromisoformat(shown["sent_at"])
    assert sent_at.utcoffset() is not None
    assert sent_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_sent_at_defaults_to_now(client, auth):
    before = datetime.now(UTC)
    created = register(client, auth)
    shown = client.get(f"/api/v1/messages/{created['id']}", headers=auth).json
    assert before <= datetime.fromisoformat(shown["sent_at"]) <= datetime.now(UTC)


def test_it_refuses_a_sent_at_without_a_timezone(client, auth):
    refused = client.post(
        "/api/v1/messages", json={"recipients": ["bo@example.test"], "sent_at": "2024-05-01T10:00:00"}, headers=auth
    )
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "sent_at"


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "data:text/html,<b>hi</b>", "/relative/path", "example.com/no-scheme",
     "https://example.com/" + "a" * 2048, "ftp://example.com/file", "https:///no-host", "https://exa mple.com/"],
)
def test_it_refuses_a_link_target_that_is_not_an_absolute_http_url(client, auth, target):
    refused = client.post(
        "/api/v1/messages",
        json={"recipients": ["bo@example.test"], "links": ["https://example.com/", target]},
        headers=auth,
    )
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "links.1"
    assert refused.json["error"]["message"].startswith("links.1: ")
    assert client.get("/api/v1/messages", headers=auth).json["items"] == []


def test_it_lists_messages_newest_first_a_page_at_a_time(client, auth):
    ids = [register(client, auth, subject=f"m{i}")["id"] for i in range(5)]
    seen, before, pages = [], None, 0
    while True:
        query = {"limit": 2} if before is None else {"limit": 2, "before": before}
        page = client.get("/api/v1/messages", query_string=query, headers=auth).json
        seen += [item["id"] for item in page["items"]]
        pages += 1
        before = page["next_before"]
        if before is None:
            break
    assert seen == ids[::-1]
    assert pages == 3


def test_a_full_last_page_says_there_is_no_next(client, auth):
    for _ in range(2):
        register(client, auth)
    page = client.get("/api/v1/messages?limit=2", headers=auth).json
    assert len(page["items"]) == 2 and page["next_before"] is None


def test_it_lists_only_the_callers_messages(client, services, auth):
    other, _ = make_user(services, "cy@example.test")
    mine = register(client, auth)["id"]
    register(client, other)
    assert [item["id"] for item in client.get("/api/v1/messages", headers=auth).json["items"]] == [mine]


def test_it_filters_by_tag(client, auth):
    tagged = register(client, auth, tags=["q3"])["id"]
    register(client, auth, tags=["q4"])
    register(client, auth)
    page = client.get("/api/v1/messages?tag=q3", headers=auth).json
    assert [item["id"] for item in page["items"]] == [tagged]


def test_it_filters_by_state(client, auth, drain):
    untracked = register(client, auth, tracking=False)["id"]
    sent = register(client, auth)["id"]
    opened = register(client, auth)
    clicked = register(client, auth)
    client.get(path_of(opened["pixel_url"]))
    client.get(path_of(clicked["pixel_url"]))
    client.get(path_of(clicked["links"][0]["tracked_url"]))
    drain()
    expected = {"untracked": untracked, "sent": sent, "opened": opened["id"], "clicked": clicked["id"]}
    for state, message_id in expected.items():
        page = client.get(f"/api/v1/messages?state={state}", headers=auth).json
        assert [(item["id"], item["state"]) for item in page["items"]] == [(message_id, state)]


def test_it_shows_a_message_with_its_events(client, auth, drain):
    created = register(client, auth)
    client.get(path_of(created["pixel_url"]), headers={"User-Agent": "Thunderbird/128.0"})
    client.get(path_of(created["links"][0]["tracked_url"]))
    drain()
    shown = client.get(f"/api/v1/messages/{created['id']}", headers=auth).json
    assert sorted(event["kind"] for event in shown["events"]) == ["click", "open"]
    assert all(datetime.fromisoformat(event["at"]).utcoffset() is not None for event in shown["events"])
    assert shown["links"][0]["clicks"] == 1


def test_it_changes_tracking_notify_tags_and_references(client, auth):
    created = register(client, auth, tags=["q3", "old"], client_ref="draft-1")
    changed = client.patch(
        f"/api/v1/messages/{created['id']}",
        json={"tracking": False, "notify": False, "tags": ["q3", "new"], "thread_ref": "t-1", "client_ref": None},
        headers=auth,
    )
    assert changed.status_code == 200
    for shown in (changed.json, client.get(f"/api/v1/messages/{created['id']}", headers=auth).json):
        assert (shown["tracking"], shown["notify"], shown["state"]) == (False, False, "untracked")
        assert shown["tags"] == ["new", "q3"]
        assert (shown["thread_ref"], shown["client_ref"]) == ("t-1", None)


def test_a_change_leaves_fields_it_does_not_name(client, auth):
    created = register(client, auth, tags=["q3"], client_ref="draft-1", notify=False)
    changed = client.patch(f"/api/v1/messages/{created['id']}", json={"thread_ref": "t-1"}, headers=auth).json
    assert (changed["tags"], changed["client_ref"], changed["notify"], changed["tracking"]) == (
        ["q3"], "draft-1", False, True
    )


def test_a_change_can_clear_the_tags(client, services, auth):
    created = register(client, auth, tags=["q3", "q4"])
    changed = client.patch(f"/api/v1/messages/{created['id']}", json={"tags": []}, headers=auth).json
    assert changed["tags"] == []
    assert _count(services, MessageTag, created["id"]) == 0


def test_it_deletes_a_message_with_its_events_links_and_tags(client, services, auth, drain):
    created = register(client, auth, tags=["q3"])
    client.get(path_of(created["pixel_url"]))
    client.get(path_of(created["links"][0]["tracked_url"]))
    drain()
    assert _count(services, Event, created["id"]) == 2
    deleted = client.delete(f"/api/v1/messages/{created['id']}", headers=auth)
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get(f"/api/v1/messages/{created['id']}", headers=auth).status_code == 404
    assert [_count(services, model, created["id"]) for model in (Event, Link, MessageTag)] == [0, 0, 0]


def test_hits_that_arrive_after_a_delete_are_dropped(client, services, auth, drain):
    created = register(client, auth)
    client.get(path_of(created["pixel_url"]))
    client.delete(f"/api/v1/messages/{created['id']}", headers=auth)
    # The mail is still out there: its image still loads, and its link says the message is gone.
    assert client.get(path_of(created["pixel_url"])).status_code == 200
    link = client.get(path_of(created["links"][0]["tracked_url"]))
    assert link.status_code == 410 and b"deleted" in link.data and "Location" not in link.headers
    drain()
    assert _count(services, Event, created["id"]) == 0
