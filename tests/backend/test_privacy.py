"""What is kept of a recipient's address."""
from __future__ import annotations

import ipaddress
import random
from dataclasses import replace

import pytest

from telltale.privacy import truncate_ip
from telltale.worker.runner import run_worker

from .helpers import make_user, path_of, register


@pytest.mark.parametrize("address, kept", [
    ("203.0.113.77", "203.0.113.0"),
    ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
    ("::ffff:198.51.100.23", "198.51.100.0"),
    ("not an address", ""),
    ("", ""),
])
def test_addresses_are_cut_to_their_network(address, kept):
    assert truncate_ip(address) == kept


def test_the_quick_paths_agree_with_the_standard_librarys_networks():
    def slow(address: str) -> str:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return ""
        ip = ip.ipv4_mapped or ip if ip.version == 6 else ip
        return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False).network_address)

    rng = random.Random(5)
    tricky = ["0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.004", "1..3.4",
              "١.٢.٣.٤", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", "+1.2.3.4", "1.2.3.4\n", "1000.2.3.4", "0.00.0.0"]
    randoms = [".".join(str(rng.randint(0, 300)) for _ in range(4)) for _ in range(2000)]
    tricky_v6 = ["::", "::1", "::ffff:1.2.3.4", "::ffff:0:1.2.3.4", "64:ff9b::1.2.3.4", "2001:db8::",
                 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8:0:1::", "2001:0db8:0000::1", "fe80::1%eth0",
                 "2001:db8::1::2", "2001:db8:::1", "[2001:db8::1]", "2001:DB8::A"]
    randoms_v6 = [str(ipaddress.IPv6Address(rng.getrandbits(128) >> rng.choice([0, 16, 64, 96])))
                  for _ in range(2000)]
    for address in tricky + randoms + tricky_v6 + randoms_v6:
        assert truncate_ip(address) == slow(address), address


def test_events_keep_only_the_network_unless_the_owner_opts_in(client, services, drain, settings, make_app):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": "2001:db8:85a3:8d3::1"})
    drain()
    opted_in = make_app(replace(settings, store_full_ip=True))
    opted_in.test_client().get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    run_worker(opted_in.extensions["telltale"], burst=True)
    events = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json["events"]
    assert sorted(event["ip"] for event in events) == ["2001:db8:85a3::", "203.0.113.77"]
