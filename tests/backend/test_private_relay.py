"""`telltale rules refresh`: Apple's egress list from a real HTTP server into the owner's networks file."""

from __future__ import annotations

from datetime import date

import pytest

from telltale import private_relay
from telltale.classify import networks
from telltale.private_relay import RefreshFailed

from .servers import spare_port, static_http_server

# Rows of Apple's egress-ip-ranges.csv as quoted in public code: the first rows of the list (London,
# Aberdeen, Oxford, Luton, Belfast, Dundee, Brighton) in an OpenCTI connector's comments, and the
# IPv4/IPv6 rows of the nlink-jp/icloud-relay-lookup and kayak tests (the empty-city row as there).
EGRESS = b"""172.224.226.0/27,GB,GB-EN,London,
172.224.226.32/31,GB,GB-SC,Aberdeen,
172.224.226.34/31,GB,GB-EN,Oxford,
172.224.226.36/31,GB,GB-EN,Luton,
172.224.226.38/31,GB,GB-NI,Belfast,
172.224.226.40/31,GB,GB-SC,Dundee,
172.224.226.42/31,GB,GB-EN,Brighton,
104.28.30.0/26,JP,JP-13,,
146.75.136.0/22,US,US-WA,BREMERTON,
2a02:26f7:b000:4000::/64,US,US-AK,Anchorage,
2a04:4e41:275f:1700::/56,US,US-WA,SEATTLE,
2a09:bac2:b089:100::/56,US,US-OR,Oregon City,
"""
DAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def server():
    """An HTTP server on 127.0.0.1 that answers each path with the (status, body) set in .routes."""
    with static_http_server({
        "/egress.csv": (200, EGRESS),
        "/broken.csv": (500, b"Internal Server Error"),
        "/empty.csv": (200, b""),
        "/garbage.csv": (200, b"<html><body>Sign in to continue</body></html>\n"),
        "/bad-row.csv": (200, EGRESS + b"172.224.226.300/31,GB,GB-EN,Oxford,\n"),
        "/latin1.csv": (200, EGRESS.replace(b"BREMERTON", b"BREMERT\xd6N")),
    }) as httpd:
        yield httpd


def test_a_good_list_becomes_the_owners_networks_file(server, tmp_path):
    home = tmp_path / "home"
    done = private_relay.refresh(home, url=f"{server.base}/egress.csv", today=DAY)
    path = home / networks.OWNER_FILE
    assert done == {"path": str(path), "source_url": f"{server.base}/egress.csv", "date": "2026-11-23", "rows": 12,
                    "ranges": 8}  # fmt: skip
    text = path.read_text(encoding="utf-8")
    assert f'source_url = "{server.base}/egress.csv"' in text and 'date = "2026-11-23"' in text
    # Neighbouring cities merge: .0/27 and six /31s are 172.224.226.0 to .43.
    assert '"172.224.226.0/27",\n    "172.224.226.32/29",\n    "172.224.226.40/30",' in text
    table = networks.for_home(home)
    for address in ("172.224.226.43", "146.75.139.255", "2a04:4e41:275f:17ff::1", "2a02:26f7:b000:4000::9"):
        found = table.lookup(address)
        assert (found.name, found.source, found.confidence) == ("iCloud Private Relay", "prefetch", "probable")
    assert table.lookup("172.224.226.44") is None
    assert table.lookup("17.0.0.1").name == "Apple"


def test_a_refresh_replaces_the_previous_list(server, tmp_path):
    (tmp_path / networks.OWNER_FILE).write_text("# an older list\n", encoding="utf-8")
    private_relay.refresh(tmp_path, url=f"{server.base}/egress.csv", today=DAY)
    assert "older" not in (tmp_path / networks.OWNER_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/broken.csv", "answered HTTP 500"),
        ("/missing.csv", "answered HTTP 404"),
        ("/empty.csv", "sent no egress rows"),
        ("/garbage.csv", "line 1 is not an egress row ('<html><body>Sign in to continue</body></html>')"),
        ("/bad-row.csv", "line 13 is not an egress row ('172.224.226.300/31,GB,GB-EN,Oxford,')"),
        ("/latin1.csv", "did not send text"),
    ],
)
def test_a_bad_download_keeps_the_old_file_and_says_why(server, tmp_path, path, message):
    private_relay.refresh(tmp_path, url=f"{server.base}/egress.csv", today=DAY)
    before = (tmp_path / networks.OWNER_FILE).read_bytes()
    with pytest.raises(RefreshFailed) as raised:
        private_relay.refresh(tmp_path, url=server.base + path, today=date(2026, 11, 24))
    assert message in str(raised.value) and server.base + path in str(raised.value)
    assert (tmp_path / networks.OWNER_FILE).read_bytes() == before
    assert [file.name for file in tmp_path.iterdir()] == [networks.OWNER_FILE]


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    port = spare_port()  # nothing listens there
    with pytest.raises(RefreshFailed, match=f"could not download http://127.0.0.1:{port}/egress.csv"):
        private_relay.refresh(tmp_path, url=f"http://127.0.0.1:{port}/egress.csv")
    assert list(tmp_path.iterdir()) == []


def test_the_download_can_be_replaced(tmp_path):
    asked = []
    done = private_relay.refresh(tmp_path, fetch=lambda url: asked.append(url) or EGRESS, today=DAY)
    assert asked == [private_relay.APPLE_EGRESS_URL] and done["source_url"] == private_relay.APPLE_EGRESS_URL
    assert done["date"] == "2026-11-23" and done["ranges"] == 8
    assert networks.for_home(tmp_path).lookup("104.28.30.63").name == "iCloud Private Relay"
