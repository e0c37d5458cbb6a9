"""Link targets: only http(s) URLs that a browser and Python read alike are accepted."""
from __future__ import annotations

import pytest

from telltale.errors import BadTarget
from telltale.targets import validate_target

from .helpers import make_user


@pytest.mark.parametrize("target", [
    "https://example.com/",
    "http://example.com:8080/a/b?q=1&r=%2F#frag",
    "https://EXAMPLE.com./path",
    "https://bücher.example/straße?q=ü",
    "https://xn--bcher-kva.example/",
    "https://[2001:db8::1]:8443/x",
    "https://192.0.2.7/",
    "https://example.com/a%20b?next=https://other.example/@x",
])
def test_it_accepts_a_plain_http_or_https_target(target):
    assert validate_target(target) == target


@pytest.mark.parametrize(("target", "browser_host"), [
    ("https://evil.example\\@good.example/", "evil.example"),
    ("https://evil.example\\good.example/", "evil.example"),
    ("https://ex%61mple.com/", "example.com"),
    ("https://0x7f.1/", "127.0.0.1"),
    ("https://2130706433/", "127.0.0.1"),
])
def test_it_refuses_a_target_whose_host_a_browser_reads_differently(target, browser_host):
    with pytest.raises(BadTarget, match=f"a browser reads the host of this link target as '{browser_host}'"):
        validate_target(target)


@pytest.mark.parametrize("target", [
    "https://good.example@evil.example/",
    "https://user:password@example.com/",
    "https://good.example%2F@evil.example/",
    "https://a@b@evil.example/",
])
def test_it_refuses_a_target_with_a_user_name_or_password_before_an_at_sign(target):
    with pytest.raises(BadTarget, match="user name or password before '@'"):
        validate_target(target)


@pytest.mark.parametrize("target", ["https://exa\tmple.com/", "https://example.com/\n", "https://ex\r\nample.com/"])
def test_it_refuses_a_target_with_a_tab_or_line_break_that_browsers_would_drop(target):
    with pytest.raises(BadTarget, match="browsers drop them"):
        validate_target(target)


@pytest.mark.parametrize("target", [
    "https://example.com/a b",
    "https://example.com/\u00a0",
    "https://example.com/\x85",
    "https://example.com/\x00",
    "https://example.com/\u202egnp.exe",
    "https://exa\u200bmple.com/",
])
def test_it_refuses_whitespace_and_invisible_or_control_characters(target):
    with pytest.raises(BadTarget, match="whitespace or an invisible or control character"):
        validate_target(target)


@pytest.mark.parametrize("target", [
    "https://example.com:99999/",
    "https://example.com:port/",
    "https://[::1/",
    "https://ex<ample.com/",
])
def test_it_refuses_a_target_whose_host_or_port_does_not_parse(target):
    with pytest.raises(BadTarget, match="not a valid URL|does not parse"):
        validate_target(target)


@pytest.mark.parametrize(
    "target", ["javascript:alert(1)", "data:text/html,x", "/relative", "//evil.example/", "https:evil.example"]
)
def test_it_refuses_a_target_that_is_not_an_absolute_http_url(target):
    with pytest.raises(BadTarget, match="http\\(s\\)|no host"):
        validate_target(target)


def test_the_api_names_the_refused_link_and_says_why(client, services):
    auth, _ = make_user(services)
    body = {"recipients": ["bo@example.test"], "links": ["https://ok.example/", "https://evil.example\\@good.example/"]}
    refused = client.post("/api/v1/messages", json=body, headers=auth)
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "links.1"
    assert "backslash" in refused.json["error"]["message"]
