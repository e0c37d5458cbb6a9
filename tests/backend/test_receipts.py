"""Receipts: real hits through the worker, a signed receipt of the counted ones, checked offline.

Every check goes through `telltale receipt verify` (click's runner, one run as a process), the
way someone handed a receipt would run it; the timestamps come from `openssl ts -reply` (tsa.py).
"""
from __future__ import annotations

import base64
import copy
import html
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from telltale.cli import main
from telltale.config import load_settings
from telltale.errors import ConfigError
from telltale.receipts.canonical import b64url, canonical_bytes
from telltale.receipts.clock import clock_state
from telltale.receipts.keys import key_id

from .helpers import make_user, path_of, register, sign_in
from .tsa import TimestampAuthority

THUNDERBIRD = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0"
SUBJECT = "Q3 quote"
RECIPIENTS = ["Bo@Example.test", "cy@example.test"]
SENT_AT = "2026-11-23T09:00:00.250000+01:00"
WELL_KNOWN = "/.well-known/telltale-receipt-key"


@pytest.fixture
def tsa():
    authority = TimestampAuthority()
    yield authority
    authority.close()


@pytest.fixture
def chained_tsa():
    authority = TimestampAuthority(chain=True)
    yield authority
    authority.close()


def _tracked(client, auth, drain) -> dict:
    """A message opened by a person, fetched by a scanner, and clicked by a person; its hits stored."""
    message = register(client, auth, subject=SUBJECT, recipients=RECIPIENTS, sent_at=SENT_AT,
                       links=["https://example.com/quote", "https://example.com/terms"])
    assert client.get(path_of(message["pixel_url"]), headers={"User-Agent": THUNDERBIRD},
                      environ_base={"REMOTE_ADDR": "8.8.8.8"}).status_code == 200
    assert client.get(path_of(message["pixel_url"]), headers={"User-Agent": "python-requests/2.32.3"},
                      environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
    assert client.get(path_of(message["links"][1]["tracked_url"]),
                      environ_base={"REMOTE_ADDR": "203.0.113.77"}).status_code == 302
    drain()
    return message


def _receipt(client, auth, message_id: int) -> dict:
    response = client.get(f"/api/v1/messages/{message_id}/receipt", headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def _verify(tmp_path, receipt, *args: str) -> tuple[int, str]:
    """Run `telltale receipt verify` on `receipt` (a dict, or the file's text) with `args`."""
    path = tmp_path / f"receipt-{time.monotonic_ns()}.json"
    path.write_text(receipt if isinstance(receipt, str) else json.dumps(receipt))
    result = CliRunner().invoke(main, ["receipt", "verify", str(path), *args])
    return result.exit_code, result.output


def _failed_parts(output: str) -> list[str]:
    found = re.search(r"the receipt does not hold: (.+)", output)
    return found[1].strip().split(", ") if found else []


def _given() -> list[str]:
    return ["--subject", SUBJECT, "--recipient", "cy@example.test", "--recipient", "BO@example.test",
            "--sent-at", "2026-11-23T08:00:00Z"]


def _key_file(client, tmp_path) -> str:
    path = tmp_path / "telltale-receipt-key.json"
    path.write_text(client.get(WELL_KNOWN).get_data(as_text=True))
    return str(path)


def test_a_receipt_lists_the_counted_opens_and_clicks_and_verifies_offline(client, services, drain, ana, tmp_path):
    message = _tracked(client, ana, drain)
    receipt = _receipt(client, ana, message["id"])
    document = receipt["receipt"]

    shown = client.get(f"/api/v1/messages/{message['id']}", headers=ana).json
    assert sorted(e["source"] for e in shown["events"]) == ["person", "person", "scanner"]
    listed = [(e["kind"], e["source"], e["network"], e["link_index"]) for e in document["events"]]
    assert listed == [("open", "person", "8.8.8.0", None), ("click", "person", "203.0.113.0", 1)]
    reasons = {e["id"]: e["reason"] for e in shown["events"]}
    assert all(e["reason"] and e["reason"] == reasons[e["id"]] for e in document["events"])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["at"]) for e in document["events"])
    # What it is about, committed to and not said.
    text = json.dumps(receipt)
    assert SUBJECT not in text and "@example.test" not in text and "2026-11-23" not in text
    assert document["message"]["id"] == message["id"]
    assert document["issuer"] == {"url": "http://t.example.test", "key_id": receipt["signature"]["key_id"],
                                  "timestamp_authority": None}
    assert document["clock"]["source"].startswith("the host's system clock")
    assert isinstance(document["clock"]["synchronised"], bool | None) and document["clock"]["detail"]
    assert "does not prove that a person read the message" in document["statement"]["does_not_prove"]
    assert "not a qualified electronic registered delivery service under eIDAS" in document["statement"]["legal"]
    assert receipt["timestamp"] is None and "TELLTALE_TSA_URL" in receipt["timestamp_missing"]

    code, output = _verify(tmp_path, receipt, *_given(), "--key", _key_file(client, tmp_path))
    assert code == 0, output
    assert "The receipt holds. Not checked: timestamp." in output
    assert "proves integrity, not origin" in output
    assert re.search(r"^key +ok", output, re.M) and re.search(r"^subject +ok", output, re.M)
    assert re.search(r"^recipients +ok", output, re.M) and re.search(r"^sent time +ok", output, re.M)
    # Without what it commits to, the rest still holds, and the output says what was not checked.
    code, output = _verify(tmp_path, receipt)
    assert code == 0 and "Not checked: key, timestamp, subject, recipients, sent time." in output


def test_changing_any_part_of_a_receipt_fails_verification_and_names_the_part(client, drain, ana, tmp_path):
    message = _tracked(client, ana, drain)
    receipt = _receipt(client, ana, message["id"])
    assert _verify(tmp_path, receipt)[0] == 0
    other = Ed25519PrivateKey.generate()
    other_raw = other.public_key().public_bytes_raw()

    def event(field, value):
        return lambda r: r["receipt"]["events"][0].__setitem__(field, value)

    def commitment(field):
        return lambda r: r["receipt"]["message"]["commitments"].__setitem__(field, "0" * 64)

    def resigned(r):  # a forger's own key, named everywhere: intact, but not the server's
        r["receipt"]["issuer"]["key_id"] = key_id(other_raw)
        r["signature"].update(key_id=key_id(other_raw), public_key=b64url(other_raw),
                              value=b64url(other.sign(canonical_bytes(r["receipt"]))))

    def swapped_key(r):
        r["signature"].update(key_id=key_id(other_raw), public_key=b64url(other_raw))

    def flipped_signature(r):
        value = bytearray(base64.urlsafe_b64decode(r["signature"]["value"] + "=="))
        value[10] ^= 1
        r["signature"]["value"] = b64url(bytes(value))

    tampers = {
        "message id": (lambda r: r["receipt"]["message"].__setitem__("id", message["id"] + 1), "signature"),
        "subject commitment": (commitment("subject"), "signature"),
        "recipients commitment": (commitment("recipients"), "signature"),
        "sent time commitment": (commitment("sent_at"), "signature"),
        "salt": (lambda r: r["receipt"]["message"]["commitments"].__setitem__("salt", b64url(bytes(32))), "signature"),
        "event time": (event("at", "2026-01-01T00:00:00.000Z"), "signature"),
        "event source": (event("source", "scanner"), "signature"),
        "event reason": (event("reason", "a person, certainly"), "signature"),
        "event network": (event("network", "8.8.4.0"), "signature"),
        "event added": (lambda r: r["receipt"]["events"].append({**r["receipt"]["events"][0], "id": "f" * 32}),
                        "signature"),
        "event removed": (lambda r: r["receipt"]["events"].pop(), "signature"),
        "issue time": (lambda r: r["receipt"].__setitem__("issued_at", "2030-01-01T00:00:00.000Z"), "signature"),
        "clock source": (lambda r: r["receipt"]["clock"].__setitem__("source", "an atomic clock"), "signature"),
        "clock synchronised": (lambda r: r["receipt"]["clock"].__setitem__("synchronised", True)
                               if r["receipt"]["clock"]["synchronised"] is not True
                               else r["receipt"]["clock"].__setitem__("synchronised", False), "signature"),
        "statement": (lambda r: r["receipt"]["statement"].__setitem__("does_not_prove", ""), "signature"),
        "signature": (flipped_signature, "signature"),
        "key inside": (swapped_key, "signature"),
        "key id": (lambda r: r["signature"].__setitem__("key_id", "0" * 64), "signature"),
        "version": (lambda r: r["receipt"].__setitem__("version", 2), "format"),
        "unknown field": (lambda r: r.__setitem__("note", "trust me"), "format"),
    }
    key = _key_file(client, tmp_path)
    for name, (tamper, part) in tampers.items():
        changed = copy.deepcopy(receipt)
        tamper(changed)
        code, output = _verify(tmp_path, changed, "--key", key)
        assert code == 1 and _failed_parts(output)[0] == part, (name, output)
    # Re-signed with another key: intact by its own key, but not the one the server publishes.
    changed = copy.deepcopy(receipt)
    resigned(changed)
    assert _verify(tmp_path, changed)[0] == 0
    code, output = _verify(tmp_path, changed, "--key", key)
    assert code == 1 and _failed_parts(output) == ["key"] and "not with the key you gave" in output
    # Not JSON at all.
    code, output = _verify(tmp_path, "{not json")
    assert code == 1 and _failed_parts(output) == ["format"]


def test_what_the_reader_gives_is_checked_against_the_commitments(client, drain, ana, tmp_path):
    message = _tracked(client, ana, drain)
    receipt = _receipt(client, ana, message["id"])
    wrong = {
        "subject": ["--subject", "Q4 quote"],
        "recipients": ["--recipient", "bo@example.test"],
        "sent time": ["--sent-at", "2026-11-23T08:00:01Z"],
    }
    for part, args in wrong.items():
        code, output = _verify(tmp_path, receipt, *args)
        assert code == 1 and _failed_parts(output) == [part], output
    # The same values written otherwise: NFC, case, order, duplicates, another offset.
    code, output = _verify(tmp_path, receipt, "--subject", SUBJECT, "--recipient", " cy@EXAMPLE.test",
                           "--recipient", "bo@example.test", "--recipient", "Bo@example.test",
                           "--sent-at", "2026-11-23T03:00:00-05:00")
    assert code == 0, output
    code, output = _verify(tmp_path, receipt, "--sent-at", "2026-11-23T08:00:00")
    assert code == 2 and "with its offset" in output
    # Each receipt has its own salt: two receipts of one message share no commitment.
    again = _receipt(client, ana, message["id"])
    assert again["receipt"]["message"]["commitments"]["subject"] != receipt["receipt"]["message"]["commitments"]["subject"]


def test_a_timestamp_from_the_owners_tsa_verifies_and_tampering_fails_it(settings, make_app, tsa, chained_tsa,
                                                                         tmp_path):
    for number, authority in enumerate((tsa, chained_tsa)):
        app = make_app(replace(settings, tsa_url=authority.url))
        client = app.test_client()
        auth, _ = make_user(app.extensions["telltale"], f"user{number}@example.test")
        message = register(client, auth)
        receipt = _receipt(client, auth, message["id"])
        assert len(authority.queries) == 1
        stamp = receipt["timestamp"]
        assert receipt["timestamp_missing"] is None and receipt["receipt"]["issuer"]["timestamp_authority"] == authority.url
        assert stamp["authority"] == "CN=Telltale test TSA"
        code, output = _verify(tmp_path, receipt, "--tsa-cert", str(authority.ca_file), "--require-timestamp")
        assert code == 0 and "verifies against the certificate you trust" in output, output
        # OpenSSL alone agrees: the token is over the canonical bytes of `receipt`.
        (tmp_path / "receipt.bin").write_bytes(canonical_bytes(receipt["receipt"]))
        (tmp_path / "token.der").write_bytes(base64.b64decode(stamp["token"]))
        openssl = subprocess.run(["openssl", "ts", "-verify", "-data", str(tmp_path / "receipt.bin"), "-in",
                                  str(tmp_path / "token.der"), "-token_in", "-CAfile", str(authority.ca_file)],
                                 capture_output=True, text=True, timeout=30)
        assert "Verification: OK" in openssl.stdout, openssl.stdout + openssl.stderr

    # Without --tsa-cert: a token that carries its root checks against it; one that does not cannot be checked.
    code, output = _verify(tmp_path, receipt)
    assert code == 0 and "Whether to trust that authority is your decision" in output, output
    code, output = _verify(tmp_path, receipt, "--tsa-cert", str(tsa.ca_file))
    assert code == 1 and _failed_parts(output) == ["timestamp"], output  # the other authority's CA
    code, output = _verify(tmp_path, _receipt(make_app(replace(settings, tsa_url=tsa.url)).test_client(), auth,
                                              message["id"]))
    assert code == 1 and _failed_parts(output) == ["timestamp"] and "pass --tsa-cert" in output

    def token(r, change):
        der = bytearray(base64.b64decode(r["timestamp"]["token"]))
        change(der)
        r["timestamp"]["token"] = base64.b64encode(bytes(der)).decode()

    def flip_signature(der):
        der[-5] ^= 1  # inside the token's signature, its last field

    tampers = {
        "token's signature": (lambda r: token(r, flip_signature), ["timestamp"]),
        "token cut short": (lambda r: token(r, lambda der: der.__delitem__(slice(-20, None))), ["timestamp"]),
        "token not base64": (lambda r: r["timestamp"].__setitem__("token", "%%%"), ["timestamp"]),
        "time beside it": (lambda r: r["timestamp"].__setitem__("time", "2020-01-01T00:00:00.000Z"), ["timestamp"]),
        "document after": (lambda r: r["receipt"]["events"].append(
            {"id": "0" * 32, "kind": "open", "at": "2026-11-23T09:00:00.000Z", "source": "person", "reason": "x",
             "network": "8.8.8.0", "link_index": None}), ["signature", "timestamp"]),
        "token removed": (lambda r: r.update(timestamp=None, timestamp_missing="the TSA was down"), ["timestamp"]),
    }
    for name, (tamper, parts) in tampers.items():
        changed = copy.deepcopy(receipt)
        tamper(changed)
        code, output = _verify(tmp_path, changed, "--require-timestamp")
        assert code == 1 and _failed_parts(output) == parts, (name, output)

    # The command as a process, offline: no setting, no database, no network needed.
    path = tmp_path / "as-a-process.json"
    path.write_text(json.dumps(receipt))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELLTALE_", "DATABASE_", "REDIS_"))}
    done = subprocess.run([sys.executable, "-m", "telltale", "receipt", "verify", str(path), "--require-timestamp"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0 and "The receipt holds." in done.stdout, done.stdout + done.stderr


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_dead_or_slow_tsa_gives_a_receipt_without_a_token_that_says_why(settings, make_app, tmp_path):
    slow = TimestampAuthority(delay=30)
    try:
        cases = {f"http://127.0.0.1:{_closed_port()}/tsa": "could not be reached",
                 slow.url: "did not answer within 1 s"}
        for url, why in cases.items():
            app = make_app(replace(settings, tsa_url=url, tsa_timeout_seconds=1))
            client = app.test_client()
            auth, _ = make_user(app.extensions["telltale"], f"u{len(why)}@example.test")
            message = register(client, auth)
            started = time.monotonic()
            receipt = _receipt(client, auth, message["id"])
            assert time.monotonic() - started < 5
            assert receipt["timestamp"] is None and why in receipt["timestamp_missing"], receipt["timestamp_missing"]
            assert receipt["receipt"]["issuer"]["timestamp_authority"] == url
            code, output = _verify(tmp_path, receipt)
            assert code == 0 and why in output
            code, output = _verify(tmp_path, receipt, "--require-timestamp")
            assert code == 1 and _failed_parts(output) == ["timestamp"]
    finally:
        slow.close()
    garbage = TimestampAuthority(garbage=True)
    try:
        app = make_app(replace(settings, tsa_url=garbage.url))
        client = app.test_client()
        auth, _ = make_user(app.extensions["telltale"], "garbage@example.test")
        receipt = _receipt(client, auth, register(client, auth)["id"])
        assert receipt["timestamp"] is None and "not an RFC 3161 reply" in receipt["timestamp_missing"]
    finally:
        garbage.close()


def test_only_the_owner_gets_a_receipt(client, services, ana, links):
    message = register(client, ana)
    bo, _ = make_user(services, "bo@example.test")
    for auth, status in ((bo, 404), ({}, 401), (ana, 200)):
        assert client.get(f"/api/v1/messages/{message['id']}/receipt", headers=auth).status_code == status
    assert client.get(f"/api/v1/messages/{message['id'] + 1000}/receipt", headers=ana).status_code == 404
    assert client.get(f"/api/v1/messages/{2**63}/receipt", headers=ana).status_code == 404
    sign_in(client, services, links, "bo@example.test")
    assert client.get(f"/app/messages/{message['id']}/receipt").status_code == 404
    assert client.get(f"/app/messages/{message['id']}/receipt.json").status_code == 404


def test_the_published_key_is_the_signing_key_and_stays_across_app_instances(client, settings, make_app, ana,
                                                                             tmp_path):
    published = client.get(WELL_KNOWN)
    assert published.status_code == 200 and "public" in published.headers["Cache-Control"]
    key = published.json
    receipt = _receipt(client, ana, register(client, ana)["id"])
    assert (key["public_key"], key["key_id"]) == (receipt["signature"]["public_key"], receipt["signature"]["key_id"])
    assert key["algorithm"] == "Ed25519" and key["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert key["key_id"] == key_id(base64.urlsafe_b64decode(key["public_key"] + "="))
    assert (settings.home / "receipt_key").stat().st_mode & 0o777 == 0o600
    # Another process of the same instance folder signs with the same key.
    again = make_app(replace(settings)).test_client().get(WELL_KNOWN).json
    assert again == key
    # The PEM form works as --key too.
    (tmp_path / "key.pem").write_text(key["pem"])
    assert _verify(tmp_path, receipt, "--key", str(tmp_path / "key.pem"))[0] == 0


def test_the_printable_page_has_no_script_and_embeds_the_receipt(client, services, drain, ana, links, tmp_path):
    message = _tracked(client, ana, drain)
    sign_in(client, services, links)
    page = client.get(f"/app/messages/{message['id']}")
    assert f"/app/messages/{message['id']}/receipt.json".encode() in page.data
    response = client.get(f"/app/messages/{message['id']}/receipt")
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'") and "script-src" not in policy and "frame-ancestors 'none'" in policy
    assert "<script" not in body.lower() and not re.search(r"<[^>]*\son[a-z]+\s*=", body)  # no inline handlers
    assert not re.search(r"""(src|href)=["']https?://""", body)  # nothing from elsewhere
    assert "does not prove that a person read the message" in body and "eIDAS" in body
    assert SUBJECT not in body and "203.0.113.0" in body
    embedded = json.loads(html.unescape(re.search(r"<pre>(.*?)</pre>", body, re.S)[1]))
    assert _verify(tmp_path, embedded, *_given())[0] == 0
    download = re.search(r'href="data:application/json;base64,([^"]+)" download="([^"]+)"', body)
    assert json.loads(base64.b64decode(download[1])) == embedded and download[2].endswith(".json")

    saved = client.get(f"/app/messages/{message['id']}/receipt.json")
    assert saved.mimetype == "application/json" and "attachment" in saved.headers["Content-Disposition"]
    code, output = _verify(tmp_path, saved.get_data(as_text=True), *_given())
    assert code == 0, output


def test_the_tsa_setting_is_checked_at_start():
    assert load_settings({"TELLTALE_TSA_URL": "https://tsa.example.test/tsr"}).tsa_url == "https://tsa.example.test/tsr"
    assert load_settings({}).tsa_url is None and load_settings({}).tsa_timeout_seconds == 5
    for bad in ("ftp://tsa.example.test", "tsa.example.test", "http://"):
        with pytest.raises(ConfigError, match="TELLTALE_TSA_URL"):
            load_settings({"TELLTALE_TSA_URL": bad})


def test_the_clock_is_said_as_the_kernel_reports_it():
    state = clock_state()
    assert state.synchronised in (True, False, None) and state.detail
    assert state.as_dict()["source"].startswith("the host's system clock (CLOCK_REALTIME)")
