"""The ASN table: shipped for the gateways named by AS number, refreshed from a real HTTP server, shown with its date."""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from telltale import asn_refresh
from telltale.classify import asn, networks
from telltale.cli import main
from telltale.private_relay import RefreshFailed

from .processes import env_for
from .servers import static_http_server

# Rows in ip-location-db's form: Proofpoint's, Mimecast's and Cisco's systems among others'.
V4 = b"""1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
67.231.144.0,67.231.151.255,26211,"Proofpoint, Inc."
67.231.152.0,67.231.157.255,22843,"Proofpoint, Inc."
91.220.42.0,91.220.42.255,42427,Mimecast Services Limited
100.64.0.0,100.64.0.255,22843,"Proofpoint, Inc."
139.138.24.0,139.138.27.255,16417,Cisco Systems Ironport Division
"""
V6 = b"""2001:db8:22::,2001:db8:22:ffff:ffff:ffff:ffff:ffff,22843,"Proofpoint, Inc."
2606:4700::,2606:4700:ffff:ffff:ffff:ffff:ffff:ffff,13335,"Cloudflare, Inc."
"""
DAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
def server():
    with static_http_server({"/asn-ipv4.csv": (200, V4), "/asn-ipv6.csv": (200, V6), "/bad.csv": (200, b"1.2.3.4,x,y\n"),
                             "/html.csv": (200, b"<html>Sign in</html>\n"), "/gone.csv": (404, b"")}) as httpd:
        yield httpd


def urls(server, *names):
    return [f"{server.base}/{name}" for name in names]


def test_the_shipped_table_holds_the_named_systems_with_its_source_and_date():
    table = asn.load()
    named = networks.named_systems([networks.SHIPPED])
    assert {22843, 26211, 52129, 30031, 39588, 42427, 60492, 16417} <= named
    assert {number for number in named if table.ranges([number])} == named  # every named system has ranges
    assert "ip-location-db" in table.about and "read 2026-12-04" in table.about
    assert table.lookup("67.231.152.10").number == 22843 and table.lookup("8.8.4.4") is None
    assert table.lookup("not an address") is None


def test_a_refresh_keeps_the_named_systems_and_the_owners_table_wins(server, tmp_path):
    done = asn_refresh.refresh(tmp_path, urls=urls(server, "asn-ipv4.csv", "asn-ipv6.csv"), today=DAY)
    assert done["ranges"] == 6 and done["date"] == "2026-12-04"  # Cloudflare's rows are not named: left out
    table = asn.for_home(tmp_path)
    assert "read 2026-12-04" in table.about and server.base in table.about
    assert table.lookup("100.64.0.9").org == "Proofpoint, Inc." and table.lookup("1.0.0.1") is None
    # The networks follow the owner's table: a range only it has is Proofpoint's now.
    assert networks.for_home(tmp_path).lookup("100.64.0.9").name == "Proofpoint"
    assert networks.for_home(tmp_path).lookup("2001:db8:22::1").name == "Proofpoint"
    assert networks.for_home(None).lookup("100.64.0.9") is None


@pytest.mark.parametrize(("names", "message"), [
    (("gone.csv",), "answered HTTP 404"),
    (("bad.csv",), "row 1 is not first,last,asn,org"),
    (("html.csv",), "is not first,last,asn,org"),
])
def test_a_bad_download_keeps_the_old_table_and_says_why(server, tmp_path, names, message):
    asn_refresh.refresh(tmp_path, urls=urls(server, "asn-ipv4.csv"), today=DAY)
    before = (tmp_path / asn.OWNER_FILE).read_bytes()
    with pytest.raises(RefreshFailed, match=message):
        asn_refresh.refresh(tmp_path, urls=urls(server, *names), today=DAY)
    assert (tmp_path / asn.OWNER_FILE).read_bytes() == before
    assert sorted(file.name for file in tmp_path.iterdir()) == [asn.OWNER_FILE]


def test_a_table_without_the_named_systems_is_refused(server, tmp_path):
    with static_http_server({"/other.csv": (200, b'1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n')}) as other:
        with pytest.raises(RefreshFailed, match="held none of the systems the rules name"):
            asn_refresh.refresh(tmp_path, urls=[f"{other.base}/other.csv"], today=DAY)
    assert not (tmp_path / asn.OWNER_FILE).exists()


def test_rules_show_and_lookup_name_the_network_the_system_and_the_tables_date(settings):
    runner = CliRunner(env={k: v for k, v in env_for(settings).items() if k.startswith("TELLTALE_")})
    shown = runner.invoke(main, ["rules", "show"])
    assert shown.exit_code == 0, shown.output
    assert "Proofpoint: scanner, 0 ranges + AS22843, AS26211, AS52129" in shown.output
    assert "ASN table:" in shown.output and "read 2026-12-04" in shown.output
    looked = runner.invoke(main, ["rules", "lookup", "67.231.152.10"])
    assert json.loads(looked.output) == {"address": "67.231.152.10", "network": "Proofpoint", "source": "scanner",
                                         "asn": 22843, "org": "Proofpoint, Inc."}
