"""What is kept of a recipient's address."""
from __future__ import annotations

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


def test_events_keep_only_the_network_unless_the_owner_opts_in(client, services, drain, settings, make_app):
    auth, _ = make_user(services)
    message = register(client, auth)
    client.get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": "2001:db8:85a3:8d3::1"})
    drain()
    opted_in = make_app(settings.with_overrides(store_full_ip=True))
    opted_in.test_client().get(path_of(message["pixel_url"]), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    run_worker(opted_in, burst=True)
    events = client.get(f"/api/v1/messages/{message['id']}", headers=auth).json["events"]
    assert sorted(event["ip"] for event in events) == ["2001:db8:85a3::", "203.0.113.77"]
