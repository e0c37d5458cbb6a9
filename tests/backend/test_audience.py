"""Reading time, distinct readers and forwards, through the hot path and the worker."""
from __future__ import annotations

import json
import os
import time
from urllib.parse import urljoin

import pytest

from telltale.config import load_settings
from telltale.worker.ingest import store

from .helpers import make_user, path_of, register

GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
APPLE_MAIL = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)")
OUTLOOK = ("Mozilla/4.0 (compatible; ms-office; MSOffice 16) Microsoft Outlook 16.0.17328; Pro")
# Real registry allocations the bundled country data places (tests/backend/classify/test_enrich.py).
ZURICH, BERLIN = "129.132.0.7", "130.149.0.7"
MARKS = (0.05, 0.15, 0.3)


@pytest.fixture
def settings(tmp_path, database_url, redis_url):
    # Short marks keep the chain quick; the worker's buckets follow the hop, not the seconds.
    return load_settings({
        "TELLTALE_HOME": str(tmp_path / "home"),
        "TELLTALE_PUBLIC_URL": "http://t.example.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TELLTALE_READING_MARKS": ",".join(map(str, MARKS)),
    })


def follow_chain(client, url: str, reader: dict, hops: int | None = None) -> list[tuple[int, float]]:
    """Load the reading image as a client would, stopping after `hops` redirects (None: to the end).

    Return each answer's status and how long it took to come.
    """
    answers, path = [], path_of(url)
    while True:
        started = time.monotonic()
        response = client.get(path, environ_base=reader)
        answers.append((response.status_code, time.monotonic() - started))
        if response.status_code != 302 or (hops is not None and len(answers) > hops):
            return answers
        path = urljoin(path, response.headers["Location"])


def events_of(client, auth, message) -> tuple[dict, list[dict]]:
    shown = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json
    return shown, shown["events"]


def test_the_reading_chain_holds_each_hop_and_ends_in_the_image(client, services):
    auth, _ = make_user(services)
    message = register(client, auth)
    answers = follow_chain(client, message["reading_url"], {"REMOTE_ADDR": ZURICH})
    assert [status for status, _ in answers] == [302, 302, 302, 200]
    waits = [MARKS[0], MARKS[1] - MARKS[0], MARKS[2] - MARKS[1]]
    for (_, took), wait in zip(answers, waits, strict=False):
        assert took >= wait * 0.9
    assert answers[-1][1] < MARKS[0]


@pytest.mark.parametrize(("hops", "label"), [(0, None), (1, "glanced"), (2, "skimmed"), (3, "read")])
def test_a_persons_open_gets_the_reading_its_client_stayed_for(client, services, drain, hops, label):
    auth, _ = make_user(services)
    message = register(client, auth)
    reader = {"REMOTE_ADDR": ZURICH, "HTTP_USER_AGENT": APPLE_MAIL}
    client.get(path_of(message["pixel_url"]), environ_base=reader)
    follow_chain(client, message["reading_url"], reader, hops)
    drain()
    shown, events = events_of(client, auth, message)
    assert [(event["kind"], event["source"], event["reading"]) for event in events] == [("open", "person", label)]
    assert shown["opens"] == 1  # the chain is not an open of its own


def test_a_proxy_loading_the_whole_chain_claims_no_reading(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    proxy = {"REMOTE_ADDR": "66.102.8.41", "HTTP_USER_AGENT": GMAIL_PROXY}
    client.get(path_of(message["pixel_url"]), environ_base=proxy)
    follow_chain(client, message["reading_url"], proxy)
    drain()
    _, events = events_of(client, auth, message)
    assert [(event["source"], event["reading"]) for event in events] == [("proxy", None)]


def test_a_hop_the_server_did_not_hand_out_is_refused(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    reader = {"REMOTE_ADDR": ZURICH}
    client.get(path_of(message["pixel_url"]), environ_base=reader)
    first_hop = client.get(path_of(message["reading_url"]), environ_base=reader).headers["Location"]
    signature = first_hop.partition("?s=1.")[2]
    for forged in (f"?s=3.{signature}", "?s=3.AAAA", "?s=x", f"?s=99.{signature}"):
        started = time.monotonic()
        answer = client.get(path_of(message["reading_url"]) + forged, environ_base=reader)
        assert answer.status_code == 200 and answer.mimetype == "image/gif"
        assert time.monotonic() - started < MARKS[0]  # a refused hop is not held either
    drain()
    _, events = events_of(client, auth, message)
    assert [event["reading"] for event in events] == [None]


def test_a_forged_reading_token_gets_the_image_and_records_nothing(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    url = message["reading_url"].replace("/r/", "/r/x")
    assert client.get(path_of(url)).status_code == 200
    drain()
    assert events_of(client, auth, message)[1] == []


def test_head_on_the_reading_image_is_answered_at_once(client, services):
    auth, _ = make_user(services)
    message = register(client, auth)
    started = time.monotonic()
    answer = client.head(path_of(message["reading_url"]))
    assert (answer.status_code, answer.headers.get("Location")) == (200, None)
    assert time.monotonic() - started < MARKS[0]


def record(message_id: int, kind: str, at: float, ip: str, ua: str, **claim) -> bytes:
    """A hit as the hot path writes it, at a time of the test's choosing."""
    return json.dumps({"id": os.urandom(12).hex(), "kind": kind, "message_id": message_id, **claim, "at": at,
                       "ip": ip, "ua": ua, "method": "GET", "headers": {}}).encode()


def test_readers_count_each_client_once_and_a_proxy_as_one(client, services):
    auth, _ = make_user(services)
    message = register(client, auth)
    later = time.time() + 120  # past the window in which opens come from the send itself
    store(services, [record(message["id"], "open", later, ZURICH, APPLE_MAIL)])
    # The same reader a minute on: a second open, not a second reader.
    store(services, [record(message["id"], "open", later + 60, ZURICH, APPLE_MAIL)])
    # Gmail fetches through many addresses: all one reader as far as anyone can tell.
    store(services, [record(message["id"], "open", later + 120 + i * 60, f"66.102.8.{i + 1}", GMAIL_PROXY)
                     for i in range(3)])
    store(services, [record(message["id"], "open", later + 400, BERLIN, APPLE_MAIL)])
    shown, _ = events_of(client, auth, message)
    assert (shown["opens"], shown["readers"]) == (6, 3)
    # Later, alone in its chunk and from another network: the store knows it as that reader.
    store(services, [record(message["id"], "open", later + 500, "66.249.84.9", GMAIL_PROXY)])
    shown, _ = events_of(client, auth, message)
    assert (shown["opens"], shown["readers"]) == (7, 3)


def test_clicks_are_counted_as_clicks_not_as_readers_or_repeats(client, services):
    auth, _ = make_user(services)
    message = register(client, auth)
    later = time.time() + 120
    store(services, [record(message["id"], "click", later, ZURICH, APPLE_MAIL, link_index=0)])
    store(services, [record(message["id"], "click", later + 5, ZURICH, APPLE_MAIL, link_index=0)])
    shown, events = events_of(client, auth, message)
    assert (shown["clicks"], shown["readers"]) == (2, 0)
    assert [(event["source"], event["repeat"]) for event in events] == [("person", False)] * 2


def test_a_new_client_in_a_new_place_after_the_first_reader_looks_forwarded(client, services):
    auth, _ = make_user(services)
    message = register(client, auth)
    later = time.time() + 120
    store(services, [record(message["id"], "open", later, ZURICH, APPLE_MAIL)])
    # The same client elsewhere is the reader travelling; another client at home is a second device.
    store(services, [record(message["id"], "open", later + 60, BERLIN, APPLE_MAIL)])
    store(services, [record(message["id"], "open", later + 120, "129.132.1.7", OUTLOOK)])
    shown, _ = events_of(client, auth, message)
    assert (shown["readers"], shown["forwarded"]) == (3, False)

    store(services, [record(message["id"], "open", later + 180, BERLIN, OUTLOOK)])
    shown, events = events_of(client, auth, message)
    assert (shown["readers"], shown["forwarded"]) == (4, True)
    forwarded = [event for event in events if event["forwarded"]]
    assert len(forwarded) == 1 and forwarded[0]["country"] == "DE" and "likely forwarded" in forwarded[0]["reason"]


def test_the_forward_image_marks_the_message_forwarded_without_an_open(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    assert client.get(path_of(message["forward_url"]), environ_base={"REMOTE_ADDR": BERLIN,
                                                                     "HTTP_USER_AGENT": OUTLOOK}).status_code == 200
    drain()
    shown, events = events_of(client, auth, message)
    assert (shown["opens"], shown["readers"], shown["forwarded"]) == (0, 0, True)
    assert [(event["kind"], event["source"], event["forwarded"]) for event in events] == [("forward", "person", True)]
    assert "forward headers" in events[0]["reason"]


def test_a_forward_image_a_scanner_fetched_says_nothing(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.head(path_of(message["forward_url"]), environ_base={"HTTP_USER_AGENT": ""})
    drain()
    shown, events = events_of(client, auth, message)
    assert shown["forwarded"] is False and [event["forwarded"] for event in events] == [False]


def test_the_senders_view_takes_its_reader_back(client, services, drain):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": ZURICH})
    client.get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": BERLIN})
    drain()
    assert events_of(client, auth, message)[0]["readers"] == 2
    # The sender opened it in their own mailbox just now: both hits were theirs.
    assert client.post(f"/api/v1/messages/{message['id']}/sender-views", json={}, headers=auth).status_code == 200
    assert events_of(client, auth, message)[0]["readers"] == 0
