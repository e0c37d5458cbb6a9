"""Where the server may send a push: the address check, at subscription and at every connection; its settings."""
from __future__ import annotations

import socket

import pytest
import requests

from telltale.config import load_settings
from telltale.errors import ConfigError
from telltale.notify import guard, guarded_http

from .push_service import Script


@pytest.mark.parametrize("address, public", [
    ("142.250.184.10", True), ("2a00:1450:4003:80e::200a", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("172.16.5.4", False), ("192.168.0.1", False), ("169.254.169.254", False),
    ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False), ("::1", False), ("fe80::1%eth0", False),
    ("fd00::1", False), ("::ffff:10.0.0.1", False),
])
def test_only_global_unicast_addresses_are_public(address, public):
    assert guard.is_public(address) is public


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001"])
def test_a_name_that_resolves_to_loopback_is_refused_on_connection(push_service, host):
    # Each is a spelling of 127.0.0.1 that no address parser in Python reads, but the resolver does.
    port = push_service.origin.rpartition(":")[2]
    with guarded_http.session(allow_private=False) as http, pytest.raises(requests.ConnectionError, match="private address"):
        http.post(f"http://{host}:{port}/push/x", data=b"x", timeout=2)
    assert push_service.received == []


def test_a_loopback_address_is_refused_on_connection_even_if_a_subscription_slipped_through(push_service):
    with guarded_http.session(allow_private=False) as http, pytest.raises(requests.ConnectionError, match="private address"):
        http.post(f"{push_service.origin}/push/x", data=b"x", timeout=2)
    assert push_service.received == []


def test_a_name_that_resolves_elsewhere_when_connecting_is_caught_by_the_address_reached(push_service, monkeypatch):
    # DNS rebinding: the name is public when checked and loopback when connected. No resolver we
    # could run here answers differently twice, so the system's getaddrinfo is stood in for.
    real, asked = socket.getaddrinfo, []

    def rebinding(host, port, *args, **kwargs):
        asked.append(host)
        if len(asked) == 1:
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("93.184.215.14", port))]
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = push_service.origin.rpartition(":")[2]
    with guarded_http.session(allow_private=False) as http, pytest.raises(requests.ConnectionError, match="reached 127.0.0.1"):
        http.post(f"http://push.example.com:{port}/push/x", data=b"x", timeout=2)
    assert asked == ["push.example.com", "push.example.com"] and push_service.received == []


def test_with_the_owners_leave_loopback_is_reached(push_service):
    with guarded_http.session(allow_private=True) as http:
        assert http.post(f"{push_service.origin}/push/x", data=b"x", timeout=2).status_code == 201


def test_a_redirect_is_not_followed(push_service):
    # A redirect would be a second URL, checked by nobody when the browser subscribed.
    push_service.scripts["/push/x"] = Script(status=307, location=f"{push_service.origin}/elsewhere")
    with guarded_http.session(allow_private=True) as http, pytest.raises(requests.TooManyRedirects):
        http.post(f"{push_service.origin}/push/x", data=b"x", timeout=2)
    assert push_service.to("/elsewhere") == []


@pytest.mark.parametrize("endpoint, says", [
    ("ftp://push.example.com/x", "https://"),
    ("https://user:pw@push.example.com/x", "without a user name"),
    ("https://push.example.com:99999/x", "out of range"),
    ("https://10.0.0.1/x", "private address"),
])
def test_an_endpoint_is_checked_without_asking_dns(endpoint, says):
    with pytest.raises(ValueError, match=says):
        guard.check_endpoint(endpoint, allow_private=False)


def test_the_push_contact_defaults_to_the_public_sites_origin_or_a_mailbox_on_its_host():
    assert load_settings({"TELLTALE_PUBLIC_URL": "https://t.example.com/x"}).push_contact == "https://t.example.com"
    assert load_settings({"TELLTALE_PUBLIC_URL": "http://t.example.com:8000"}).push_contact == "mailto:telltale@t.example.com"
    given = load_settings({"TELLTALE_PUSH_CONTACT": "mailto:owner@example.com"})
    assert given.push_contact == "mailto:owner@example.com" and not given.push_allow_private


@pytest.mark.parametrize("name, value, says", [
    ("TELLTALE_PUSH_CONTACT", "owner@example.com", "mailto: address or an https:// URL"),
    ("TELLTALE_PUSH_CONTACT", "http://example.com", "mailto: address or an https:// URL"),
    ("TELLTALE_PUSH_TIMEOUT", "0", "between 1 and 60"),
    ("TELLTALE_PUSH_ALLOW_PRIVATE", "sometimes", "true or false"),
])
def test_bad_push_settings_stop_the_start_with_the_reason(name, value, says):
    with pytest.raises(ConfigError, match=says):
        load_settings({name: value})
