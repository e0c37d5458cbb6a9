"""Protected messages: the body kept on the server, sealed, read through a page whose Show button
records the view; withdrawn, expired or revoked, it is gone. Real app, real worker, both databases."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from telltale.live.stream import read_after
from telltale.protected.sanitize import MAX_BODY_BYTES, clean
from telltale.store.models import Event, ProtectedBody, Protection
from telltale.worker.protected import purge_now

from .helpers import path_of, register, user_id

SECRET = "The Q3 price is 41,300 euros"
HTML = f"<h2>Quote</h2><p>{SECRET}, valid to March.</p><p><a href=\"https://example.com/terms\">Terms</a></p>"
AN_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
# A person at a desktop browser, on a network of its own.
PERSON = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/131.0.0.0 Safari/537.36",
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "REMOTE_ADDR": "203.0.113.50",
}
# Safe Links: a plain Chrome User-Agent from Exchange Online Protection's published range.
SAFE_LINKS = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0.0.0 Safari/537.36",
    "REMOTE_ADDR": "40.107.22.14",
}
BARRACUDA = {"HTTP_USER_AGENT": "Barracuda Sentinel (EE)", "REMOTE_ADDR": "198.51.100.9"}


def register_protected(client, auth, **fields) -> dict:
    body = {"subject": "Q3 quote", "recipients": ["bo@example.test"], "sent_at": AN_HOUR_AGO, **fields}
    response = client.post("/api/v1/messages/protected", json=body, headers=auth)
    assert response.status_code == 201, response.json
    return response.json


def protect(client, auth, recipients=("bo@example.test",), **protection) -> dict:
    """Register a message protecting HTML (sent an hour ago: nobody's view is seconds after sending)."""
    return register_protected(client, auth, recipients=list(recipients), protected={"html": HTML, **protection})


def nonce_of(page) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', page.data.decode())[1]


def read(client, url: str, who: dict = PERSON):
    """Open the reading page and press Show the message, as a person does."""
    page = client.get(path_of(url), environ_base=who)
    assert page.status_code == 200, page.data
    return client.post(path_of(url), data={"nonce": nonce_of(page)}, environ_base=who)


def shown(client, auth, message_id: int) -> dict:
    return client.get(f"/api/v1/messages/{message_id}", headers=auth).json


def bodies(services, message_id: int) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(ProtectedBody)
                              .where(ProtectedBody.message_id == message_id))


def shift_protection(services, message_id: int, back: timedelta, *columns: str) -> None:
    """Move the protection's stored times back, as if that much time had passed since they were set."""
    with services.sessions.begin() as session:
        protection = session.get(Protection, message_id)
        for column in columns:
            setattr(protection, column, getattr(protection, column) - back)


def test_each_recipient_reads_through_the_button_and_each_view_is_an_event(client, ana, drain, services):
    created = protect(client, ana, recipients=["bo@example.test", "cy@example.test"], teaser="See {link} today")
    protected = created["protected"]
    urls = [entry["url"] for entry in protected["recipient_urls"]]
    assert [entry["address"] for entry in protected["recipient_urls"]] == ["bo@example.test", "cy@example.test"]
    assert all("/m/" in url for url in urls) and len({*urls, protected["url"]}) == 3
    # Two recipients in one mail: the mail carries the URL they share.
    assert protected["teaser_text"] == f"See {protected['url']} today"
    assert f'<a href="{protected["url"]}">' in protected["teaser_html"]
    for url in urls:
        page = client.get(path_of(url), environ_base=PERSON)
        assert page.status_code == 200 and SECRET not in page.data.decode()
        assert "Show the message" in page.data.decode() and "ana@example.test" in page.data.decode()
        opened = client.post(path_of(url), data={"nonce": nonce_of(page)}, environ_base=PERSON)
        assert opened.status_code == 200 and SECRET in opened.data.decode()
    drain()

    message = shown(client, ana, created["id"])
    views = sorted((e for e in message["events"] if e["kind"] == "view"), key=lambda e: e["recipient"])
    assert [(e["recipient"], e["source"], e["method"]) for e in views] == [(0, "person", "POST"), (1, "person", "POST")]
    assert message["protection"]["views"] == 2 and message["protection"]["state"] == "available"
    assert message["protection"]["first_view_at"] is not None
    # Published live, with the reader named by their own URL.
    events = read_after(services.redis, user_id(services, "ana@example.test"), "0-0")
    titles = sorted(e["popup"]["title"] for e in events if e["type"] == "view" and e["popup"])
    assert titles[0].startswith("bo@example.test viewed the protected message “Q3 quote”")
    assert {e["type"] for e in events} == {"view"} and len(events) == 2


def test_one_recipient_gets_their_own_url_and_the_default_teaser(client, ana):
    protected = protect(client, ana)["protected"]
    assert protected["url"] == protected["recipient_urls"][0]["url"]
    assert protected["teaser_text"] == f"ana@example.test sent you a message. Read it here: {protected['url']}"


def test_the_page_is_plain_strict_and_not_indexed(client, ana):
    url = protect(client, ana)["protected"]["url"]
    for response in (client.get(path_of(url)), read(client, url)):
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'none'; img-src data:; style-src 'sha256-")
        assert "script-src" not in policy and "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Robots-Tag"].startswith("noindex") and headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        page = response.data.decode()
        assert '<meta name="robots" content="noindex' in page and "<script" not in page
        assert not re.search(r"""(src|href)=["']?(https?:)?//(?!example\.com)""", page)
        assert "the sender is told when it is viewed" in page.lower() and "withdrawn or expire" in page


def test_withdrawing_deletes_the_body_and_the_page_says_so(client, ana, services, drain):
    created = protect(client, ana)
    url = created["protected"]["url"]
    assert SECRET in read(client, url).data.decode()
    withdrawn = client.post(f"/api/v1/messages/{created['id']}/withdraw", headers=ana)
    assert withdrawn.status_code == 200
    assert withdrawn.json["state"] == "withdrawn" and withdrawn.json["body_stored"] is False
    assert bodies(services, created["id"]) == 0
    page = client.get(path_of(url))
    assert page.status_code == 410 and "Withdrawn by the sender on" in page.data.decode()
    posted = client.post(path_of(url), data={"nonce": "anything"})
    assert posted.status_code == 410 and SECRET not in posted.data.decode()
    # Withdrawn it stays: a second withdrawal keeps the date, new dates are refused.
    again = client.post(f"/api/v1/messages/{created['id']}/withdraw", headers=ana).json
    assert again["withdrawn_at"] == withdrawn.json["withdrawn_at"]
    refused = client.put(f"/api/v1/messages/{created['id']}/protection", json={"expires_after_view_hours": 5},
                         headers=ana)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "withdrawn"
    drain()
    assert shown(client, ana, created["id"])["protection"]["state"] == "withdrawn"


def test_the_message_list_tells_protected_messages_and_their_state(client, ana):
    created = protect(client, ana)
    ordinary = client.post("/api/v1/messages", json={"subject": "plain", "recipients": ["bo@example.test"]},
                           headers=ana).json
    listed = {item["id"]: item for item in client.get("/api/v1/messages", headers=ana).json["items"]}
    assert listed[created["id"]]["protected"] == "available" and listed[ordinary["id"]]["protected"] is None
    client.post(f"/api/v1/messages/{created['id']}/withdraw", headers=ana)
    listed = {item["id"]: item for item in client.get("/api/v1/messages", headers=ana).json["items"]}
    assert listed[created["id"]]["protected"] == "withdrawn"
    # A change made from the popup answers the row as the list draws it, its state included.
    muted = client.patch(f"/api/v1/messages/{created['id']}", json={"notify": False}, headers=ana).json
    assert muted["protected"] == "withdrawn"


def test_forged_and_other_purpose_tokens_find_nothing(client, ana, services):
    created = protect(client, ana)
    token = path_of(created["protected"]["url"]).removeprefix("/m/")
    payload, _, signature = token.rpartition(".")
    other_id = str(created["id"] + 1)
    forged = [
        f"{payload}.{signature[:-2]}xy",
        f"{other_id}.{signature}",  # another message's id under this message's signature
        f"{payload}_0.{signature}",
        path_of(created["pixel_url"]).removeprefix("/p/").removesuffix(".gif"),  # signed, but as a pixel
        services.signer.protected_token(created["id"] + 1),  # signed for a message that does not exist
        services.signer.protected_token(created["id"], 5),  # a recipient it was never sent to
        "nothing",
    ]
    for bad in forged:
        for response in (client.get(f"/m/{bad}"), client.post(f"/m/{bad}", data={"nonce": "x"})):
            assert response.status_code == 404, bad
            assert SECRET not in response.data.decode() and "ana@example.test" not in response.data.decode()


def test_the_body_is_sealed_at_rest(client, ana, services, settings):
    created = protect(client, ana)
    with services.sessions() as session:
        sealed = session.scalar(select(ProtectedBody.sealed).where(ProtectedBody.message_id == created["id"]))
    assert SECRET.encode() not in sealed and b"Quote" not in sealed
    if settings.database_url.startswith("sqlite"):
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        stored = b"".join(path.read_bytes() for path in database.parent.glob(f"{database.name}*"))
        assert stored and SECRET.encode() not in stored
    keys = Path(settings.home) / "content_keys"
    assert keys.stat().st_mode & 0o777 == 0o600


def test_an_altered_body_fails_closed_with_a_page(client, ana, services):
    first, second = protect(client, ana), protect(client, ana)
    with services.sessions.begin() as session:
        sealed = session.scalar(select(ProtectedBody.sealed).where(ProtectedBody.message_id == first["id"]))
        flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
        session.execute(update(ProtectedBody).where(ProtectedBody.message_id == first["id"]).values(sealed=flipped))
        # Another message's sealed body, whole and unaltered: the message id it was sealed for differs.
        session.execute(update(ProtectedBody).where(ProtectedBody.message_id == second["id"]).values(sealed=sealed))
    for created in (first, second):
        response = read(client, created["protected"]["url"])
        assert response.status_code == 503
        page = response.data.decode()
        assert "cannot be opened" in page and SECRET not in page


def test_a_scanners_get_and_head_neither_count_nor_start_the_clock(client, ana, drain, services):
    created = protect(client, ana, expires_after_view_hours=1)
    url = path_of(created["protected"]["url"])
    for who in (SAFE_LINKS, BARRACUDA, {**SAFE_LINKS, "HTTP_SEC_PURPOSE": "prefetch"}):
        assert client.get(url, environ_base=who).status_code == 200
        assert client.head(url, environ_base=who).status_code == 200
    # A scanner that does press the button is seen, set apart, and starts nothing either.
    assert read(client, created["protected"]["url"], BARRACUDA).status_code == 200
    drain()
    message = shown(client, ana, created["id"])
    assert [(e["kind"], e["source"]) for e in message["events"]] == [("view", "scanner")]
    protection = message["protection"]
    assert (protection["views"], protection["first_view_at"], protection["ends_at"]) == (0, None, None)
    # The person who comes later still reads it, and their view starts the clock.
    assert SECRET in read(client, created["protected"]["url"]).data.decode()
    drain()
    protection = shown(client, ana, created["id"])["protection"]
    assert protection["views"] == 1 and protection["first_view_at"] is not None
    started = datetime.fromisoformat(protection["first_view_at"])
    assert datetime.fromisoformat(protection["ends_at"]) == started + timedelta(hours=1)


def test_it_expires_hours_after_the_first_view_and_its_body_is_deleted(client, ana, drain, services):
    created = protect(client, ana, expires_after_view_hours=2)
    url = created["protected"]["url"]
    assert SECRET in read(client, url).data.decode()
    drain()
    # Still readable within the two hours.
    assert SECRET in read(client, url).data.decode()
    shift_protection(services, created["id"], timedelta(hours=2, minutes=1), "first_view_at", "view_expires_at")
    page = client.get(path_of(url))
    assert page.status_code == 410 and "This message expired on" in page.data.decode()
    assert bodies(services, created["id"]) == 0
    assert shown(client, ana, created["id"])["protection"]["state"] == "expired"


def test_an_absolute_expiry_ends_it_and_the_purge_deletes_unasked_bodies(client, ana, services):
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    read_later, never_read = protect(client, ana, expires_at=in_an_hour), protect(client, ana, expires_at=in_an_hour)
    assert SECRET in read(client, read_later["protected"]["url"]).data.decode()
    for created in (read_later, never_read):
        shift_protection(services, created["id"], timedelta(hours=2), "expires_at")
    assert purge_now(services) == 2
    assert bodies(services, read_later["id"]) == bodies(services, never_read["id"]) == 0
    page = client.get(path_of(read_later["protected"]["url"]))
    assert page.status_code == 410 and "This message expired on" in page.data.decode()


def test_the_sender_changes_the_expiry(client, ana, services, drain):
    created = protect(client, ana)
    path = f"/api/v1/messages/{created['id']}/protection"
    changed = client.put(path, json={"expires_after_view_hours": 3}, headers=ana)
    assert changed.status_code == 200 and changed.json["expires_after_view_hours"] == 3
    assert changed.json["ends_at"] is None  # nobody has viewed it yet
    read(client, created["protected"]["url"])
    drain()
    # Changed after the first view, the hours count from that view.
    changed = client.put(path, json={"expires_after_view_hours": 1}, headers=ana).json
    assert datetime.fromisoformat(changed["ends_at"]) == datetime.fromisoformat(changed["first_view_at"]) + timedelta(
        hours=1)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    ended = client.put(path, json={"expires_at": past}, headers=ana).json
    assert ended["state"] == "expired" and ended["body_stored"] is False and bodies(services, created["id"]) == 0
    refused = client.post("/api/v1/messages/protected", headers=ana, json={
        "recipients": ["bo@example.test"], "protected": {"html": HTML, "expires_at": past}})
    assert refused.status_code == 422 and refused.json["error"]["field"] == "protected.expires_at"


def test_revoking_one_recipient_leaves_the_others_reading(client, ana, services):
    created = protect(client, ana, recipients=["bo@example.test", "cy@example.test"])
    bo, cy = (entry["url"] for entry in created["protected"]["recipient_urls"])
    revoked = client.post(f"/api/v1/messages/{created['id']}/recipients/1/revoke", headers=ana)
    assert revoked.status_code == 200
    assert [(r["index"], r["address"]) for r in revoked.json["revoked"]] == [(1, "cy@example.test")]
    page = client.get(path_of(cy))
    assert page.status_code == 410 and "no longer available to you" in page.data.decode()
    assert client.post(path_of(cy), data={"nonce": "x"}).status_code == 410
    assert SECRET in read(client, bo).data.decode()
    assert client.post(f"/api/v1/messages/{created['id']}/recipients/2/revoke", headers=ana).status_code == 404
    assert shown(client, ana, created["id"])["protection"]["revoked"][0]["index"] == 1


def test_only_the_sender_manages_it_and_unprotected_messages_have_no_protection(client, ana, services):
    from .helpers import make_user

    created = protect(client, ana)
    other, _ = make_user(services, "eve@example.test")
    for path in (f"/api/v1/messages/{created['id']}/withdraw", f"/api/v1/messages/{created['id']}/recipients/0/revoke"):
        assert client.post(path, headers=other).status_code == 404
    plain = register(client, ana)
    # An ordinary registration keeps the small body limit and knows no `protected` field.
    refused = client.post("/api/v1/messages", headers=ana, json={"recipients": ["bo@example.test"],
                                                                  "protected": {"html": HTML}})
    assert refused.status_code == 422 and refused.json["error"]["field"] == "protected"
    assert shown(client, ana, plain["id"])["protection"] is None and plain["protected"] is None
    assert client.post(f"/api/v1/messages/{plain['id']}/withdraw", headers=ana).status_code == 404
    assert bodies(services, created["id"]) == 1


def test_the_show_button_needs_the_pages_fresh_nonce(client, ana, drain, services):
    created = protect(client, ana)
    url = path_of(created["protected"]["url"])
    other = path_of(protect(client, ana)["protected"]["url"])
    stale = client.post(url, data={"nonce": nonce_of(client.get(other))}, environ_base=PERSON)
    missing = client.post(url, environ_base=PERSON)
    for response in (stale, missing):
        assert response.status_code == 400 and SECRET not in response.data.decode()
        assert "Show the message" in response.data.decode()
    drain()
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_deleting_the_message_deletes_its_body(client, ana, services):
    created = protect(client, ana)
    assert client.delete(f"/api/v1/messages/{created['id']}", headers=ana).status_code == 204
    assert bodies(services, created["id"]) == 0
    with services.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM protections")).scalar() == 0
    assert client.get(path_of(created["protected"]["url"])).status_code == 404


def test_the_sanitizer_keeps_formatting_and_inline_images_only(client, ana):
    pixel = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    html = (
        '<p style="color: red; background: url(https://evil.example/bg.png)" onclick="steal()">Hello <b>there</b></p>'
        "<script>steal()</script><style>p{background:url(https://evil.example/s.png)}</style>"
        '<img src="https://tracker.example/pixel.gif"><img src="cid:logo" alt="Logo" onerror="steal()">'
        f'<img src="data:image/gif;base64,{pixel}" alt="dot"><a href="javascript:steal()">bad</a>'
        '<iframe src="https://evil.example/"></iframe><form action="https://evil.example/"><input name="x"></form>'
        '<a href="https://example.com/terms">Terms</a>'
    )
    created = register_protected(client, ana, protected={
        "html": html, "images": [{"cid": "logo", "content_type": "image/png", "data": "iVBORw0KGgo="}]})
    page = read(client, created["protected"]["url"]).data.decode()
    body = page[page.index('<article'):page.index("</article>")]
    for gone in ("steal", "evil.example", "tracker.example", "<script", "<iframe", "<form", "<input", "url("):
        assert gone not in body, gone
    assert '<p style="color:red">Hello <b>there</b></p>' in body
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in body and f"data:image/gif;base64,{pixel}" in body
    assert 'href="https://example.com/terms"' in body


def test_the_sanitizer_rules_one_by_one():
    assert clean('<img src="http://x.example/a.png" alt="a">') == '<img alt="a">'
    assert clean('<img src="data:image/svg+xml;base64,PHN2Zz4=">') == "<img>"
    assert clean('<p style="font: 12px url(x); color: blue">x</p>') == '<p style="color:blue">x</p>'
    assert clean('<p style="width: u\\72l(x)">x</p>') == "<p>x</p>"
    assert clean('<a href="/relative">x</a>') == '<a rel="noopener noreferrer nofollow">x</a>'
    assert clean("<details open ontoggle=alert(1)><summary>s</summary>x</details>") == (
        "<details><summary>s</summary>x</details>")


def test_a_body_over_the_limit_is_refused_clearly(client, ana):
    big = "<p>" + "x" * (MAX_BODY_BYTES + 10) + "</p>"
    refused = client.post("/api/v1/messages/protected", headers=ana, json={"recipients": ["bo@example.test"],
                                                                  "protected": {"html": big}})
    assert refused.status_code == 413 and refused.json["error"]["code"] == "protected_too_large"
    assert "2097152" in refused.json["error"]["message"]
    huge = client.post("/api/v1/messages/protected", headers=ana, json={"recipients": ["bo@example.test"],
                                                               "protected": {"html": "x" * (5 * 1024 * 1024)}})
    assert huge.status_code == 413 and huge.json["error"]["code"] == "body_too_large"
    bad_image = client.post("/api/v1/messages/protected", headers=ana, json={"recipients": ["bo@example.test"], "protected": {
        "html": "<img src='cid:a'>", "images": [{"cid": "a", "content_type": "image/svg+xml", "data": "PHN2Zz4="}]}})
    assert bad_image.status_code == 422 and bad_image.json["error"]["field"].startswith("protected.images")


def test_a_body_above_the_usual_request_limit_but_within_its_own_is_kept(client, ana):
    html = "<p>" + "y" * (1024 * 1024) + f"</p><p>{SECRET}</p>"
    created = register_protected(client, ana, protected={"html": html})
    assert SECRET in read(client, created["protected"]["url"]).data.decode()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_keys_rotate_content_keeps_sealed_bodies_opening(client, ana, settings, make_app):
    from click.testing import CliRunner

    from telltale.cli import main

    from .processes import env_for

    before = protect(client, ana)
    keys = settings.content_keys_file.read_text()
    env = {k: v for k, v in env_for(settings).items() if k.startswith(("TELLTALE_", "DATABASE_", "REDIS_"))}
    rotated = CliRunner(env=env).invoke(main, ["keys", "rotate", "--content"])
    assert rotated.exit_code == 0, rotated.output
    assert settings.content_keys_file.read_text().startswith(keys) and len(settings.content_keys_file.read_text()
                                                                           .splitlines()) == 2
    restarted = make_app(settings).test_client()
    after = protect(restarted, ana)
    for created in (before, after):
        assert SECRET in read(restarted, created["protected"]["url"]).data.decode()


def test_the_dashboard_shows_the_protection_and_withdraws_it(app, client, ana, services, links):
    from .helpers import csrf_of, sign_in

    created = protect(client, ana, expires_after_view_hours=4)
    browser = app.test_client()
    sign_in(browser, services, links)
    page = browser.get(f"/app/messages/{created['id']}")
    assert page.status_code == 200 and b"Protected" in page.data and b"4 h after the first view" in page.data
    assert b"Withdraw" in page.data
    # One recipient's link revoked from the page: theirs is gone, the page says so.
    revoked = browser.post(f"/app/messages/{created['id']}/recipients/0/revoke", data={"csrf_token": csrf_of(page.data)})
    assert revoked.status_code == 303
    assert client.get(path_of(created["protected"]["url"])).status_code == 410
    page = browser.get(f"/app/messages/{created['id']}")
    assert b"1 recipient revoked" in page.data and re.search(rb"bo@example.test:\s+revoked", page.data)
    assert browser.post(f"/app/messages/{created['id']}/recipients/5/revoke",
                        data={"csrf_token": csrf_of(page.data)}).status_code == 404
    done = browser.post(f"/app/messages/{created['id']}/withdraw", data={"csrf_token": csrf_of(page.data)})
    assert done.status_code == 303 and bodies(services, created["id"]) == 0
    after = browser.get(f"/app/messages/{created['id']}").data
    assert b"You withdrew it on" in after and b"Withdraw:" not in after
    assert "Withdrawn by the sender" in client.get(path_of(created["protected"]["url"])).data.decode()
