"""Through the worker: what machines do to a message is shown, not counted."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telltale.store.counters import recount
from telltale.store.models import Message

from .helpers import make_user, path_of, register

APPLE_RELAY = {"HTTP_USER_AGENT": "Mozilla/5.0", "REMOTE_ADDR": "17.58.101.7"}
# Exchange Online Protection's published range, with the plain Chrome User-Agent Safe Links uses.
SAFE_LINKS = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0.0.0 Safari/537.36",
    "REMOTE_ADDR": "40.107.22.14",
}
GMAIL_PROXY = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "REMOTE_ADDR": "66.102.8.41",
}
LINKS = ["https://example.com/quote", "https://example.com/terms", "https://example.com/contact"]


def test_a_prefetch_a_safe_links_burst_and_a_gmail_open_count_as_one_open(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth, links=LINKS)
    client.get(path_of(message["pixel_url"]), environ_base=APPLE_RELAY)
    for link in message["links"]:
        assert client.get(path_of(link["tracked_url"]), environ_base=SAFE_LINKS).status_code == 302
    drain()  # the burst may span two drains: the earlier clicks are set aside afterwards
    client.get(path_of(message["pixel_url"]), environ_base=GMAIL_PROXY)
    drain()

    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert (shown["opens"], shown["clicks"], shown["state"]) == (1, 0, "opened")
    assert [link["clicks"] for link in shown["links"]] == [0, 0, 0]
    sources = sorted((event["kind"], event["source"]) for event in shown["events"])
    assert sources == [("click", "scanner")] * 3 + [("open", "prefetch"), ("open", "proxy")]
    by_source = {event["source"]: event for event in shown["events"]}
    assert "Apple" in by_source["prefetch"]["reason"]
    assert "all 3 links" in by_source["scanner"]["reason"]
    assert "Google" in by_source["proxy"]["reason"]
    # A proxy's device and place are Google's, not the reader's: none is claimed.
    assert by_source["proxy"]["device"] is None and by_source["proxy"]["country"] is None


def test_clicks_of_a_burst_stored_before_it_was_seen_are_set_aside(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth, links=LINKS)
    client.get(path_of(message["links"][0]["tracked_url"]), environ_base=SAFE_LINKS)
    drain()
    assert client.get(f"/api/v1/messages/{message['id']}", headers=auth).json["clicks"] in (0, 1)
    for link in message["links"][1:]:
        client.get(path_of(link["tracked_url"]), environ_base=SAFE_LINKS)
    drain()
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert shown["clicks"] == 0 and {event["source"] for event in shown["events"]} == {"scanner"}


def test_a_burst_takes_the_clicks_it_sets_aside_off_the_message_and_each_link(client, services, drain):
    auth, _ = make_user(services)
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    message, other = (register(client, auth, links=LINKS, sent_at=an_hour_ago) for _ in range(2))
    home = {**SAFE_LINKS, "REMOTE_ADDR": "81.2.69.160"}
    for pixel in (message["pixel_url"], other["pixel_url"]):
        client.get(path_of(pixel), environ_base=home)
    for link in message["links"][:2] + other["links"][:1]:
        client.get(path_of(link["tracked_url"]), environ_base=home)
    drain()
    assert _counters(services, message["id"]) == (2, [1, 1, 0])
    client.get(path_of(message["links"][2]["tracked_url"]), environ_base=home)
    drain()
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    clicks = [event for event in shown["events"] if event["kind"] == "click"]
    assert [(event["source"], "all 3 links" in event["reason"]) for event in clicks] == [("scanner", True)] * 3
    assert _counters(services, message["id"]) == (0, [0, 0, 0])
    assert _counters(services, other["id"]) == (1, [1, 0, 0])
    # The counters taken down agree with the ones recomputed from the events.
    with services.sessions.begin() as session:
        recount(session, session.get(Message, message["id"]))
    assert _counters(services, message["id"]) == (0, [0, 0, 0])


def _counters(services, message_id: int) -> tuple[int, list[int]]:
    with services.sessions() as session:
        found = session.get(Message, message_id)
        return found.clicks, [link.clicks for link in sorted(found.links, key=lambda link: link.position)]


def test_a_click_on_the_invisible_decoy_is_a_machines(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth, links=LINKS[:1], decoy=True)
    assert message["decoy_url"] and [link["url"] for link in message["links"]] == LINKS[:1]
    assert client.get(path_of(message["decoy_url"])).status_code == 302
    client.get(path_of(message["links"][0]["tracked_url"]))
    drain()
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert shown["clicks"] == 1 and [link["clicks"] for link in shown["links"]] == [1]
    decoy = next(event for event in shown["events"] if event["link_index"] == 1)
    assert (decoy["source"], decoy["reason"]) == ("scanner", "followed a link no person can see")


def test_one_client_opening_again_within_seconds_is_one_open(client, services, drain):
    # The four hits arrive well within the 30 s window.
    auth, _ = make_user(services)
    message = register(client, auth)
    reader = {"REMOTE_ADDR": "203.0.113.7"}
    client.get(path_of(message["pixel_url"]), environ_base=reader)
    client.get(path_of(message["pixel_url"]), environ_base=reader)  # Outlook and others load images twice
    drain()
    client.get(path_of(message["pixel_url"]), environ_base=reader)  # a re-render, stored in a later drain
    client.get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": "198.51.100.20"})  # another reader
    drain()
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert shown["opens"] == 2
    assert sorted(event["repeat"] for event in shown["events"]) == [False, False, True, True]
    repeated = [event for event in shown["events"] if event["repeat"]]
    assert all("the same client again" in event["reason"] and event["source"] == "person" for event in repeated)


def test_a_burst_whose_reasons_run_long_is_stored_in_one_chunk_with_each_reason_cut_to_its_column(
        client, services, drain, caplog):
    # A Safe Links address outside the published ranges, following every link with HEAD and no
    # User-Agent seconds after sending: the verdict gives five reasons and the burst a sixth, past
    # the 200 characters the column holds. PostgreSQL refused the longer value and the chunk with
    # it, which then fell back to storing its hits one by one (SQLite kept the whole text).
    auth, _ = make_user(services)
    message = register(client, auth, links=LINKS[:2])
    quiet_scanner = {"HTTP_USER_AGENT": "", "REMOTE_ADDR": "40.94.29.84"}
    for link in message["links"]:
        assert client.head(path_of(link["tracked_url"]), environ_base=quiet_scanner).status_code == 302
    with caplog.at_level("WARNING", logger="telltale.worker.ingest"):
        drain()
    assert not [record for record in caplog.records if "failed" in record.getMessage()]
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    assert [event["source"] for event in shown["events"]] == ["scanner", "scanner"]
    assert all(event["reason"].startswith("no User-Agent; ") for event in shown["events"])
    assert all(len(event["reason"]) <= 200 for event in shown["events"])
    assert any(event["reason"].endswith("\u2026") for event in shown["events"])  # cut, and says so
