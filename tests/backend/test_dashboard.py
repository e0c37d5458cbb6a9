"""The dashboard at /app: one-time sign-in, sessions, CSRF, the messages list and a message's timeline."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from telltale.dashboard.signin import EXTENSION_KEY, LoginLinks
from telltale.store.models import Event, Message

from .helpers import csrf_of, make_user, path_of, register, sign_in, user_id

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def test_a_sign_in_link_shows_a_button_and_signs_in_only_when_it_is_pressed(client, services, links, ana):
    url = path_of(links.url(user_id(services, "ana@example.test")))
    form = client.get(url)
    assert b"Sign in" in form.data
    # A link preview fetched it: nobody is signed in yet.
    assert client.get("/app/messages").status_code == 303
    response = client.post(url, data={"csrf_token": csrf_of(form.data)})
    assert response.status_code == 303 and response.location.endswith("/app/messages")
    assert client.get("/app/messages").status_code == 200


def test_it_spends_a_sign_in_link_once(client, services, links, ana):
    url = path_of(links.url(user_id(services, "ana@example.test")))
    assert client.post(url, data={"csrf_token": csrf_of(client.get(url).data)}).status_code == 303
    again = client.post(url, data={"csrf_token": csrf_of(client.get(url).data)})
    assert again.status_code == 400 and b"used already" in again.data


def test_it_refuses_a_forged_link_and_one_from_another_server(client, services, ana):
    forged = client.get("/app/login/eyJ1IjoxLCJuIjoieCJ9.forged.sig")
    assert forged.status_code == 400 and b"not a sign-in link of this server" in forged.data
    elsewhere = LoginLinks(["another server's key, long enough"], None, "http://t.example.test")
    response = client.get(path_of(elsewhere.url(user_id(services, "ana@example.test"))))
    assert response.status_code == 400


def test_an_expired_link_says_so(client, services, ana, monkeypatch):
    import itsdangerous.timed

    links = client.application.extensions[EXTENSION_KEY]
    url = path_of(links.url(user_id(services, "ana@example.test")))
    later = datetime.now(UTC) + timedelta(minutes=16)
    # itsdangerous reads its clock through this one function: move it 16 minutes on.
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(later.timestamp()))
    response = client.get(url)
    assert response.status_code == 400 and b"expired" in response.data


def test_a_form_without_its_csrf_token_changes_nothing(client, services, links, ana):
    message = register(client, ana)
    sign_in(client, services, links)
    response = client.post(f"/app/messages/{message['id']}/switch", data={"what": "tracking", "value": "off"})
    assert response.status_code == 400 and b"CSRF" in response.data
    with services.sessions() as db:
        assert db.get(Message, message["id"]).tracking is True


def test_the_session_cookie_is_http_only_and_same_site(client, services, links, ana):
    sign_in(client, services, links)
    cookie = client.get_cookie("telltale_session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure  # the test server is http


def test_sign_out_ends_the_session(client, services, links, ana):
    sign_in(client, services, links)
    page = client.get("/app/messages")
    assert client.post("/app/logout", data={"csrf_token": csrf_of(page.data)}).status_code == 303
    assert client.get("/app/messages").status_code == 303


def test_after_sign_in_it_returns_to_the_page_asked_for_but_never_off_site(client, services, links, ana):
    url = path_of(links.url(user_id(services, "ana@example.test")))
    token = csrf_of(client.get(url).data)
    response = client.post(url, data={"csrf_token": token, "next": "//evil.example/app/"})
    assert response.location.endswith("/app/messages")


def test_it_searches_by_subject_and_recipient_and_filters_by_state_tag_and_date(client, services, links, ana, drain):
    register(client, ana, subject="100% sure", recipients=["di@example.test"],
             sent_at=(datetime.now(UTC) - timedelta(days=40)).isoformat())
    register(client, ana, subject="Q3 quote", recipients=["bo@example.test"], tags=["sales"])
    opened = register(client, ana, subject="Lunch?", recipients=["cy@example.test"])
    client.get(path_of(opened["pixel_url"]))
    drain()
    sign_in(client, services, links)

    def subjects(**args) -> list[str]:
        page = client.get("/app/messages", query_string=args)
        assert page.status_code == 200
        return re.findall(r'/app/messages/\d+">([^<]+)</a>', page.data.decode())

    assert subjects() == ["Lunch?", "Q3 quote", "100% sure"]
    assert subjects(q="quote") == ["Q3 quote"]
    assert subjects(q="cy@example") == ["Lunch?"]
    assert subjects(q="100%") == ["100% sure"]  # a % is a character, not a wildcard
    assert subjects(state="opened") == ["Lunch?"]
    assert subjects(tag="sales") == ["Q3 quote"]
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    assert subjects(since=week_ago) == ["Lunch?", "Q3 quote"]
    assert subjects(until=week_ago) == ["100% sure"]


def test_a_bad_filter_gets_a_clear_error(client, services, links, ana):
    sign_in(client, services, links)
    for args, words in (({"state": "lost"}, b"no state"), ({"since": "yesterday"}, b"a date like"),
                        ({"before": "x"}, b"message number")):
        page = client.get("/app/messages", query_string=args)
        assert page.status_code == 400 and words in page.data


def test_it_pages_by_cursor_through_every_message_once(client, services, links, ana):
    sent = datetime.now(UTC)
    with services.sessions.begin() as db:
        owner = user_id(services, "ana@example.test")
        db.add_all(Message(user_id=owner, subject=f"m{i:03}", recipients=["bo@example.test"], sent_at=sent,
                           created_at=sent, opens=0, clicks=0, replies=0) for i in range(120))
    sign_in(client, services, links)
    seen, url = [], "/app/messages"
    while url:
        page = client.get(url).data.decode()
        seen += re.findall(r'/app/messages/\d+">(m\d+)</a>', page)
        older = re.search(r'href="([^"]+)" rel="next"', page)
        url = older and older[1].replace("&amp;", "&")
    assert seen == [f"m{i:03}" for i in reversed(range(120))]


def test_someone_elses_message_does_not_exist(client, services, links, ana):
    bo, _ = make_user(services, "bo@example.test")
    theirs = register(client, bo)
    sign_in(client, services, links)
    assert client.get(f"/app/messages/{theirs['id']}").status_code == 404
    token = csrf_of(client.get("/app/messages").data)
    assert client.post(f"/app/messages/{theirs['id']}/delete", data={"csrf_token": token}).status_code == 404
    with services.sessions() as db:
        assert db.get(Message, theirs["id"]) is not None


def test_the_timeline_sets_machines_apart_and_shows_no_address(client, services, links, ana, drain):
    message = register(client, ana)
    client.get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": "198.51.100.23"})
    client.get(path_of(message["pixel_url"]), headers={"User-Agent": GOOGLEBOT},
               environ_base={"REMOTE_ADDR": "66.249.66.1"})
    drain()
    sign_in(client, services, links)
    page = client.get(f"/app/messages/{message['id']}").data.decode()
    rows = re.findall(r'<tr class="(counted|set-apart)">(.*?)</tr>', page, re.S)
    assert sorted(kind for kind, _ in rows) == ["counted", "set-apart"]
    machine = next(row for kind, row in rows if kind == "set-apart")
    assert "crawler" in machine and "set apart" in machine
    assert "1 event set apart" in page
    with services.sessions() as db:
        stored = [event.ip for event in db.scalars(select(Event))]
    assert stored and not any(ip and ip in page for ip in stored)
    assert "198.51.100" not in page and "66.249" not in page


def test_it_switches_tracking_and_notifications_tags_and_deletes(client, services, links, ana):
    message = register(client, ana)
    sign_in(client, services, links)
    page = f"/app/messages/{message['id']}"
    token = csrf_of(client.get(page).data)
    for what in ("tracking", "notify"):
        response = client.post(f"{page}/switch", data={"csrf_token": token, "what": what, "value": "off"})
        assert response.status_code == 303
    client.post(f"{page}/tags", data={"csrf_token": token, "tags": "sales, q3 ,"})
    shown = client.get(page).data.decode()
    assert "Tracking is <strong>off</strong>" in shown and "Notifications are <strong>off</strong>" in shown
    with services.sessions() as db:
        stored = db.get(Message, message["id"])
        assert (stored.tracking, stored.notify, sorted(t.tag for t in stored.tags)) == (False, False, ["q3", "sales"])
    assert client.post(f"{page}/delete", data={"csrf_token": token}).status_code == 303
    with services.sessions() as db:
        assert db.get(Message, message["id"]) is None
    assert client.get(page).status_code == 404


def test_pages_allow_only_their_own_resources(client, services, links, ana):
    sign_in(client, services, links)
    page = client.get("/app/messages")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "style-src 'self'" in policy and "form-action 'self'" in policy
    assert page.headers["Cache-Control"] == "no-store"
    with client.get("/app/static/app.css") as style:
        assert style.status_code == 200 and b"font" in style.data


def test_the_extension_gets_a_sign_in_link_with_its_api_token(client, ana):
    assert client.post("/api/v1/dashboard/link").status_code == 401
    response = client.post("/api/v1/dashboard/link", headers=ana)
    assert response.status_code == 200
    path = path_of(response.json["url"])
    assert client.post(path, data={"csrf_token": csrf_of(client.get(path).data)}).status_code == 303
    assert b"ana@example.test" in client.get("/app/messages").data
