"""Address rules: every range's edges, truncated and malformed addresses, the owner's own file."""

from __future__ import annotations

import ipaddress
import json
import timeit
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from telltale.classify import networks
from telltale.classify.judge import load_judge
from telltale.classify.networks import NetworkMatch
from telltale.errors import ConfigError
from telltale.inspect_hits import inspect_line

ENTRIES = tomllib.loads(networks.SHIPPED.read_text(encoding="utf-8"))["network"]
SHIPPED = networks.for_home(None)
CORPUS = [json.loads(line) for line in (Path(__file__).parent / "corpus.jsonl").read_text("utf-8").splitlines()]
DOCUMENTATION = [
    ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]


def test_the_first_and_last_address_of_every_range_name_their_network():
    wrong = []
    for entry in ENTRIES:
        for cidr in entry["cidrs"]:
            network = ipaddress.ip_network(cidr)
            for address in (network.network_address, network.broadcast_address):
                found = SHIPPED.lookup(str(address))
                if found is None or found.name != entry["name"]:
                    wrong.append(f"{entry['name']} {cidr}: {address} -> {found}")
    assert not wrong, "\n".join(wrong)


def test_every_network_names_its_source_and_the_day_it_was_read():
    lines = networks.SHIPPED.read_text(encoding="utf-8").splitlines()
    silent = [n + 1 for n, line in enumerate(lines) if line == "[[network]]" and not lines[n - 1].startswith("# ")]
    assert not silent, f"[[network]] without a source comment at lines {silent}"
    for entry in ENTRIES:
        assert entry["source_url"].startswith("https://"), entry["name"]
        assert len(entry["date"]) == 10 and entry["date"][:2] == "20", entry["name"]


def test_the_neighbours_of_a_range_are_outside_it():
    assert SHIPPED.lookup("16.255.255.255") is None
    assert SHIPPED.lookup("17.0.0.0").name == "Apple"
    assert SHIPPED.lookup("18.0.0.0") is None
    assert SHIPPED.lookup("40.91.255.255") is None
    assert SHIPPED.lookup("40.94.0.0").name == "Exchange Online Protection (unlisted)"
    assert SHIPPED.lookup("40.95.0.0") is None  # after the unlisted block, before Exchange Online's 40.96/13


def test_truncated_addresses_are_ordinary_addresses():
    # The backend may store an address cut to its /24 or /48; those still fall in their range.
    assert SHIPPED.lookup("40.107.0.0").name == "Exchange Online Protection"
    assert SHIPPED.lookup("2a01:111:f403::").name == "Exchange Online Protection"
    assert SHIPPED.lookup("66.102.6.0") == NetworkMatch(
        "Google proxies", "proxy", "a Google proxy address, as used by Gmail's image proxy", "probable"
    )
    assert SHIPPED.lookup("203.0.113.0") is None


def test_an_ipv4_address_written_as_ipv6_is_looked_up_as_ipv4():
    assert SHIPPED.lookup("::ffff:17.0.0.1").name == "Apple"
    assert SHIPPED.lookup("::ffff:110f:1").name == "Apple"
    assert SHIPPED.lookup("  17.1.2.3\n").name == "Apple"


def test_ipv6_ranges_are_found():
    assert SHIPPED.lookup("2606:54c0::1").source == "prefetch"
    assert SHIPPED.lookup("2606:54c0:1fff:ffff::").name == "iCloud Private Relay (sample)"
    assert SHIPPED.lookup("2606:54c0:2000::") is None
    assert SHIPPED.lookup("2a01:111:f400:abcd::1").name == "Exchange Online Protection"


def test_anything_that_is_not_an_address_is_none():
    for garbage in ["", " ", "garbage", "1.2.3", "1.2.3.4.5", "256.1.1.1", "017.0.0.1", "17.0.0.1/8", "fe80::1%eth0",
                    ":::", "2a01:111:f403::/48", "\x00", "\ud800", "１７.0.0.1", None, 17, b"17.0.0.1"]:  # fmt: skip
        assert SHIPPED.lookup(garbage) is None, repr(garbage)


def test_networks_known_only_by_asn_match_no_address():
    by_name = {entry["name"]: entry for entry in ENTRIES}
    for name in ("Proofpoint", "Mimecast", "Cisco Secure Email (IronPort)"):
        assert by_name[name]["cidrs"] == [] and by_name[name]["asn"], name


def test_the_corpus_addresses_sit_where_their_labels_say():
    wrong = []
    for number, hit in enumerate(CORPUS, 1):
        address = ipaddress.ip_address(hit["ip"])
        found = SHIPPED.lookup(hit["ip"])
        if hit["expected"] == "person" and (found or not any(address in net for net in DOCUMENTATION)):
            wrong.append(f"line {number}: a person at {address} ({found})")
        if hit["ua"] == "Mozilla/5.0" and (found is None or found.source != "prefetch"):
            wrong.append(f"line {number}: Apple's bare User-Agent from {address} ({found})")
    assert not wrong, "\n".join(wrong)


def test_a_lookup_costs_microseconds():
    addresses = [hit["ip"] for hit in CORPUS]
    seconds = min(timeit.repeat(lambda: [SHIPPED.lookup(ip) for ip in addresses], number=5, repeat=3))
    # About 1 us here; the bound is loose so a busy machine does not fail it.
    assert seconds / 5 / len(addresses) < 20e-6


OWNER = """
# written by a test
[[network]]
name = "{name}"
source = "scanner"
confidence = "certain"
reason = "the owner's rule"
cidrs = [{cidrs}]
source_url = "https://example.test/list"
date = "2026-11-23"
"""


def _owner_file(home: Path, name: str, *cidrs: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / networks.OWNER_FILE
    path.write_text(OWNER.format(name=name, cidrs=", ".join(f'"{cidr}"' for cidr in cidrs)), encoding="utf-8")
    return path


def test_the_owner_file_adds_to_the_shipped_networks(tmp_path):
    _owner_file(tmp_path, "Office gateway", "198.51.100.0/25", "2001:db8:1::/48")
    table = networks.for_home(tmp_path)
    assert table.lookup("198.51.100.127").name == "Office gateway"
    assert table.lookup("198.51.100.128") is None
    assert table.lookup("2001:db8:1:ffff::").name == "Office gateway"
    assert table.lookup("17.0.0.1").name == "Apple"


def test_the_narrowest_range_wins_and_the_owner_wins_a_tie(tmp_path):
    _owner_file(tmp_path, "Apple, overridden", "17.0.0.0/8", "17.1.0.0/16")
    table = networks.for_home(tmp_path)
    assert table.lookup("17.1.2.3").name == "Apple, overridden"
    assert table.lookup("17.200.0.1").name == "Apple, overridden"
    narrower = networks.load([networks.SHIPPED, _owner_file(tmp_path / "b", "wide", "16.0.0.0/7")])
    assert narrower.lookup("17.0.0.1").name == "Apple"
    assert narrower.lookup("16.0.0.1").name == "wide"


def test_without_an_owner_file_the_shipped_networks_answer(tmp_path):
    assert networks.for_home(tmp_path).lookup("17.0.0.1").name == "Apple"
    assert networks.for_home(None).lookup("10.0.0.1") is None


def test_the_judge_answers_from_the_networks_of_its_instance_folder(tmp_path):
    _owner_file(tmp_path, "Office gateway", "198.51.100.0/24")
    click = {"kind": "click", "ua": "", "ip": "198.51.100.9", "seconds_after_send": 3600}
    owners, shipped = load_judge(tmp_path, None), load_judge(None, None)
    try:
        assert "the owner's rule" in inspect_line(owners, click, datetime.now(UTC))["reason"]
        assert "the owner's rule" not in inspect_line(shipped, click, datetime.now(UTC))["reason"]
    finally:
        owners.close()
        shipped.close()


def test_a_broken_owner_file_is_refused_with_the_network_named(tmp_path):
    path = _owner_file(tmp_path, "Office gateway", "198.51.100.0/24")
    good = path.read_text(encoding="utf-8")
    for change, message in [
        (('"198.51.100.0/24"', '"198.51.100.1/24"'), "host bits are set; the network is 198.51.100.0/24"),
        (('"198.51.100.0/24"', '"198.51.100.0/33"'), "the prefix length must be 0 to 32"),
        (('"198.51.100.0/24"', '"a.b.c.d/8"'), "'a.b.c.d' is not an IPv4 address"),
        (('"scanner"', '"robot"'), "source 'robot' is not one of"),
        (('"certain"', '"sure"'), "confidence 'sure'"),
        (('cidrs = ["198.51.100.0/24"]', "cidrs = []"), "give a list of cidrs"),
        (('date = "2026-11-23"\n', ""), "missing date"),
        (("[[network]]", "[[network"), "cannot read network rules"),
    ]:
        path.write_text(good.replace(*change), encoding="utf-8")
        with pytest.raises(ConfigError, match="Office gateway|cannot read") as raised:
            networks.for_home(tmp_path)
        assert message in str(raised.value)
