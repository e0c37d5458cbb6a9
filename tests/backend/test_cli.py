"""The `telltale` command as an owner uses it."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from telltale.cli import main

from .processes import env_for


@pytest.fixture
def cli(settings):
    runner = CliRunner(env={k: v for k, v in env_for(settings).items() if k.startswith(("TELLTALE_", "DATABASE_", "REDIS_"))})
    return lambda *args, **options: runner.invoke(main, list(args), **options)


def test_user_create_prints_a_working_token_and_pairing_code(cli, client):
    result = cli("user", "create", "Ana@Example.test", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    auth = {"Authorization": f"Bearer {printed['token']}"}
    assert client.get("/api/v1/messages", headers=auth).status_code == 200
    paired = client.post("/api/v1/pair", json={"code": printed["pairing_code"]})
    assert paired.status_code == 200
    assert client.get("/api/v1/messages", headers={"Authorization": f"Bearer {paired.json['token']}"}).status_code == 200


def test_user_create_refuses_an_existing_user_and_user_pair_gives_a_new_code(cli, client):
    assert cli("user", "create", "ana@example.test").exit_code == 0
    again = cli("user", "create", "ANA@example.test")
    assert again.exit_code == 1 and "exists already" in again.output
    code = cli("user", "pair", "ana@example.test").output.strip()
    assert client.post("/api/v1/pair", json={"code": code}).status_code == 200
    assert cli("user", "pair", "nobody@example.test").exit_code == 1


def test_user_login_prints_a_link_that_signs_in_to_the_dashboard_once(cli, client):
    assert cli("user", "create", "ana@example.test").exit_code == 0
    url = cli("user", "login", "ana@example.test").output.strip()
    assert url.startswith("http://t.example.test/app/login/")
    path = "/" + url.split("/", 3)[3]
    form = client.get(path)
    token = re.search(rb'name="csrf_token" value="([^"]+)"', form.data)[1].decode()
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    assert b"ana@example.test" in client.get("/app/messages").data
    assert cli("user", "login", "nobody@example.test").exit_code == 1


def test_db_upgrade_is_idempotent(cli):
    assert cli("db", "upgrade").exit_code == 0
    assert "up to date" in cli("db", "upgrade").output


def test_a_bad_setting_stops_the_command_with_a_clear_message(cli, monkeypatch):
    result = CliRunner(env={"TELLTALE_TRUSTED_PROXIES": "lots"}).invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1 and "TELLTALE_TRUSTED_PROXIES must be an integer" in result.output


def test_keys_rotate_keeps_issued_links_working(cli, settings, client, services, make_app):

    from .helpers import make_user, path_of, register

    auth, _ = make_user(services)
    message = register(client, auth)
    assert cli("keys", "rotate").exit_code == 0
    restarted = make_app(settings).test_client()
    old_link = restarted.get(path_of(message["links"][0]["tracked_url"]))
    assert old_link.status_code == 302 and old_link.headers["Location"] == message["links"][0]["url"]
    fresh = register(restarted, auth)
    assert fresh["pixel_url"] != message["pixel_url"]


def test_classify_reads_json_lines_and_judges_each_as_the_worker_does(cli):
    lines = [
        {"kind": "open", "ua": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
         "ip": "66.102.8.1", "method": "GET", "headers": {}, "seconds_after_send": 600},
        {"kind": "open", "ua": "Mozilla/5.0", "ip": "17.58.1.2", "seconds_after_send": 5},
        {"kind": "click", "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0",
         "ip": "8.8.8.8", "headers": {"accept": "text/html"}, "seconds_after_send": 3600},
        {"kind": "click", "ua": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "ip": "66.249.66.1"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    result = cli("classify", input=stdin)
    assert result.exit_code == 0, result.output
    answers = [json.loads(text) for text in result.output.splitlines()]
    assert [answer.get("source") for answer in answers[:4]] == ["proxy", "prefetch", "person", "crawler"]
    person = answers[2]
    assert person["client"].startswith("Thunderbird") and person["os"].startswith("Windows") and person["country"] == "US"
    assert answers[0]["device"] is None and answers[0]["country"] is None
    assert all(answer["reason"] for answer in answers[:4])
    assert answers[4]["error"].startswith("line 5:")


def test_classify_reads_headers_as_the_tracking_urls_do(cli):
    # Header names in any case are one header, as on the hot path; a header it does not keep is not seen.
    chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    base = {"kind": "open", "ua": chrome, "ip": "198.51.100.20", "seconds_after_send": 600}
    lines = [
        {**base, "headers": {"Sec-Purpose": "prefetch", "Accept": "image/*"}},
        {**base, "headers": {"SEC-PURPOSE": "prefetch;anonymous-client-ip", "accept": "image/*"}},
        {**base, "headers": {"ACCEPT": "image/*"}},
        {**base, "kind": "click", "ua": "Example-Tool/1.0", "headers": {"X-Unkept": "x"}, "seconds_after_send": 60},
        {**base, "kind": "click", "ua": "Example-Tool/1.0", "headers": {"Accept": "*/*"}, "seconds_after_send": 60},
    ]
    result = cli("classify", input="\n".join(json.dumps(line) for line in lines) + "\n")
    answers = [json.loads(text) for text in result.output.splitlines()]
    assert [answer["source"] for answer in answers[:3]] == ["prefetch", "prefetch", "person"]
    assert "no Accept header" in answers[3]["reason"] and "no Accept header" not in answers[4]["reason"]
