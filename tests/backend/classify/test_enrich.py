"""Enrichment: client, device and system from real User-Agents; place from real addresses."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import ua_parser
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from telltale import countries
from telltale.classify.enrich import Enricher, Enrichment
from telltale.errors import ConfigError
from telltale.live.events import place as live_place

# Where each User-Agent below was observed or collected:
#   [pim]  matomo-org/device-detector, Tests/Parser/Client/fixtures/pim.yml
#   [desktop] matomo-org/device-detector, Tests/fixtures/desktop.yml (as cited by corpus.jsonl here)
#   [uap]  ua-parser/uap-core, tests/test_ua.yaml
#   [fua]  fake-useragent/fake-useragent 2.2, src/fake_useragent/data/browsers.jsonl (real traffic)
#   [528]  ua-parser/uap-core issue 528: Apple Mail on macOS, one string per Mail version
#   [78]   biggora/express-useragent issue 78: Apple Mail on an iPhone
#   [146]  3rd-Eden/useragent issue 146: an image opened in Outlook for iPhone
#   [473]  fnando/browser issue 473: NetEase Mail Master on iOS
#   [1108] browscap/browscap issue 1108: Gmail's image proxy
#   [yah]  Yahoo's help page SLN28749, which its User-Agent names: Yahoo Mail's proxy
#   [509]  ua-parser/uap-core issue 509: Apple Mail Privacy Protection's bare User-Agent
READERS = [
    pytest.param("Microsoft Office/16.0 (Microsoft Outlook 16.0.12329; Pro), Mozilla/4.0 (compatible; ms-office;"
                 " MSOffice 16)", "Outlook 16.0", None, None, id="outlook-desktop-pim"),
    pytest.param("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Win64; x64; Trident/7.0; .NET CLR 2.0.50727;"
                 " SLCC2; .NET CLR 3.5.30729; .NET CLR 3.0.30729; Media Center PC 6.0; .NET4.0C; InfoPath.3; .NET CLR"
                 " 1.1.4322; FDM; Tablet PC 2.0; .NET4.0E; Microsoft Outlook 14.0.7113; ms-office; MSOffice 14)",
                 "Outlook 14.0", "Windows PC", "Windows 7", id="outlook-2010-pim"),
    pytest.param("MacOutlook/16.46.21021202 (Intelx64 Mac OS X 11.2.2 (Build 20D80))",
                 "Outlook for Mac 16.46", "Mac", "macOS 11", id="outlook-mac-pim"),
    pytest.param("Outlook-iOS/711.2304115.prod.iphone (3.26.0)",
                 "Outlook for iOS 3.26", "iPhone", "iOS", id="outlook-iphone-146"),
    pytest.param("Mozilla/5.0 (iPhone; CPU iPhone OS 10_1_1 like Mac OS X) AppleWebKit/602.2.14 (KHTML, like Gecko)"
                 " Mobile/14B100", "Apple Mail", "iPhone", "iOS 10.1", id="apple-mail-iphone-78"),
    pytest.param("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/605.1.15 (KHTML, like Gecko)",
                 "Apple Mail", "Mac", "macOS 10.13", id="apple-mail-mac-528"),
    # Mail on macOS 10.15 and later sends the version WebKit froze at 10.15: it names no release.
    pytest.param("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_6) AppleWebKit/605.1.15 (KHTML, like Gecko)",
                 "Apple Mail", "Mac", "macOS", id="apple-mail-mac-frozen-528"),
    pytest.param("Mail/1816 CFNetwork/673.0.3 Darwin/13.0.0 (x86_64) (Macmini5%2C1)",
                 "Apple Mail", "Mac", "macOS 10.9", id="apple-mail-own-request-desktop"),
    pytest.param("Mozilla/5.0 (iPhone; CPU iPhone OS 13_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                 " Mobile/15E148 MailMaster/6.22.4.1582", "Mail Master 6", "iPhone", "iOS 13.4", id="not-apple-mail-473"),
    pytest.param("Mozilla/5.0 (X11; Linux x86_64; rv:24.0) Gecko/20100101 Thunderbird/24.4.0 Lightning/2.6.4",
                 "Thunderbird 24", "Linux PC", "Linux", id="thunderbird-pim"),
    pytest.param("Mozilla/5.0 (X11; Linux x86_64; rv:24.0) Gecko/20100101 Icedove/24.4.0",
                 "Thunderbird 24", "Linux PC", "Linux", id="thunderbird-debian-pim"),
    pytest.param("Outlook-iOS/711.3061168.prod.iphone", "Outlook for iOS", "iPhone", "iOS", id="outlook-iphone-pim"),
    pytest.param("Outlook/16.16.18071205 CFNetwork/902.1 Darwin/17.7.0 (x86_64)",
                 "Outlook for Mac 16.16", "Mac", "macOS 10.13", id="outlook-mac-cfnetwork-pim"),
    pytest.param("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/55.0.2883.87"
                 " Safari/537.36 eM Client/8.2.1659.0", "eM Client 8", "Windows PC", "Windows 10/11", id="em-client-pim"),
    pytest.param("eMClient/9.3.6041.0", "eM Client 9", None, None, id="em-client-bare-pim"),
    pytest.param("Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Mailspring/1.7.4"
                 " Chrome/69.0.3497.128 Electron/4.2.2 Safari/537.36",
                 "Mailspring 1", "Windows PC", "Windows 10/11", id="mailspring-pim"),
    pytest.param("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BlueMail/0.10.31"
                 " Chrome/61.0.3163.100 Electron/2.0.18 Safari/537.36",
                 "BlueMail 0", "Windows PC", "Windows 10/11", id="bluemail-pim"),
    pytest.param("Postbox 1.0b14 (Windows/2009072715)", "Postbox 1", "Windows PC", "Windows", id="postbox-pim"),
    pytest.param("The Bat! Voyager 4.0.18.4", "The Bat! 4", None, None, id="the-bat-pim"),
    pytest.param("WindowsMail/17.5.9600.22013", "Windows Mail 17", "Windows PC", "Windows", id="windows-mail-pim"),
    pytest.param("Yahoo%20Mail/49268 CFNetwork/1121.2.2 Darwin/19.3.0", "Yahoo Mail", None, "iOS 13.3", id="yahoo-ios-pim"),
    pytest.param("Mozilla/5.0 (iPhone; CPU iPhone OS 15_3_1 like Mac OS X) AppleWebKit/534.46 (KHTML, like Gecko)"
                 " Mobile/9B176 YJApp-IOS jp.co.yahoo.ymail/7.4.1", "Yahoo Mail 7", "iPhone", "iOS 15.3", id="yahoo-jp-pim"),
    # Gmail's apps and webmail load images through the proxy, which says nothing of the reader.
    pytest.param("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
                 "Gmail image proxy", None, None, id="gmail-proxy-1108"),
    pytest.param("Firefox/11.0 (via ggpht.com GoogleImageProxy)", "Gmail image proxy", None, None, id="gmail-proxy-uap"),
    pytest.param("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
                 "Yahoo Mail proxy", None, None, id="yahoo-proxy"),
    # The Gmail app (for non-Google accounts) and Samsung Email render mail in Android's WebView.
    pytest.param("Mozilla/5.0 (Linux; Android 7.1.2; Nexus 5X Build/N2G47W; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
                 " Version/4.0 Chrome/58.0.3029.83 Mobile Safari/537.36",
                 "Android WebView 58", "Nexus 5X", "Android 7.1", id="android-mail-app-webview-uap"),
    pytest.param("Mozilla/5.0", None, None, None, id="apple-privacy-prefetch-509"),
    pytest.param("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0"
                 " Safari/537.36", "Chrome 135", "Windows PC", "Windows 10/11", id="chrome-windows-fua"),
    pytest.param("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0"
                 " Safari/537.36 Edg/135.0.0.0", "Edge 135", "Windows PC", "Windows 10/11", id="edge-windows-fua"),
    pytest.param("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:137.0) Gecko/20100101 Firefox/137.0",
                 "Firefox 137", "Windows PC", "Windows 10/11", id="firefox-windows-fua"),
    pytest.param("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                 " Version/18.3.1 Safari/605.1.15", "Safari 18", "Mac", "macOS", id="safari-mac-fua"),
    pytest.param("Mozilla/5.0 (iPhone; CPU iPhone OS 18_3_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                 " Version/18.3.1 Mobile/15E148 Safari/604.1", "Safari 18", "iPhone", "iOS 18.3", id="safari-iphone-fua"),
    pytest.param("Mozilla/5.0 (iPad; CPU OS 18_3_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                 " Version/18.3.1 Mobile/15E148 Safari/604.1", "Safari 18", "iPad", "iPadOS 18.3", id="safari-ipad-fua"),
    pytest.param("Mozilla/5.0 (iPhone; CPU iPhone OS 18_3_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                 " CriOS/135.0.7049.83 Mobile/15E148 Safari/604.1", "Chrome 135", "iPhone", "iOS 18.3", id="chrome-ios-fua"),
    pytest.param("Mozilla/5.0 (iPhone; CPU iPhone OS 18_4_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                 " EdgiOS/135.0.3179.54 Version/18.0 Mobile/15E148 Safari/604.1",
                 "Edge 135", "iPhone", "iOS 18.4", id="edge-ios-fua"),
    # Chrome's reduced UA says "Android 10; K" on every phone: no version, no model.
    pytest.param("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0 Mobile"
                 " Safari/537.36", "Chrome 135", "Android phone", "Android", id="chrome-android-reduced-fua"),
    pytest.param("Mozilla/5.0 (Linux; Android 12; SM-G970U) AppleWebKit/537.36 (KHTML, like Gecko)"
                 " Chrome/96.0.4664.61 Mobile Safari/537.36", "Chrome 96", "Samsung SM-G970U", "Android 12",
                 id="chrome-android-samsung-fua"),
    pytest.param("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0 Mobile"
                 " Safari/537.36 EdgA/135.0.0.0", "Edge 135", "Android phone", "Android", id="edge-android-fua"),
    pytest.param("Mozilla/5.0 (Android 14; Mobile; rv:137.0) Gecko/137.0 Firefox/137.0",
                 "Firefox 137", "Android phone", "Android 14", id="firefox-android-fua"),
    pytest.param("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0"
                 " Chrome/125.0.0.0 Mobile Safari/537.36", "Samsung Internet 27", "Android phone", "Android",
                 id="samsung-internet-fua"),
]

# Registries' allocations, as published: Google Public DNS (US), RIPE NCC's own network in
# Amsterdam (NL), APNIC's delegation of 1.0.16.0/20 to Japan, ETH Zurich (CH), TU Berlin (DE),
# Telefónica de España (ES, where the Canaries keep another time).
PUBLIC = [
    ("8.8.8.8", "US", "United States", None), ("8.8.8.0", "US", "United States", None),
    ("2001:4860:4860::8888", "US", "United States", None), ("2001:4860:4860::", "US", "United States", None),
    ("::ffff:8.8.8.8", "US", "United States", None), ("193.0.6.0", "NL", "Netherlands", "Europe/Amsterdam"),
    ("1.0.16.0", "JP", "Japan", "Asia/Tokyo"), ("129.132.0.0", "CH", "Switzerland", "Europe/Zurich"),
    ("130.149.0.0", "DE", "Germany", "Europe/Berlin"), ("2.136.0.0", "ES", "Spain", None),
]
NOWHERE = ["10.1.2.0", "172.16.0.0", "192.168.1.0", "127.0.0.1", "0.0.0.0", "255.255.255.255", "100.64.0.0",
           "169.254.1.0", "192.0.2.0", "198.51.100.0", "203.0.113.0", "198.18.0.0", "224.0.0.0", "239.255.255.0",
           "::1", "fe80::", "fc00::", "2001:db8::", "::ffff:10.0.0.1", "garbage", "8.8.8.8 ", "1.2.3.4.5", "999.1.1.1"]


COUNTRY_NAMES = countries.names()


def place_of(found: Enrichment) -> str | None:
    """The place a live event shows for what the enricher found."""
    return live_place(found._asdict(), COUNTRY_NAMES)


@pytest.fixture(scope="module")
def enricher():
    enricher = Enricher()
    yield enricher
    enricher.close()


@pytest.mark.parametrize(("ua", "client", "device", "os"), READERS)
def test_it_names_client_device_and_system(enricher, ua, client, device, os):
    found = enricher.enrich(ua, None)
    assert (found.client, found.device, found.os) == (client, device, os)


def test_apple_devices_are_named_as_ua_parser_names_them(enricher):
    apple = [ua for ua, *_ in (reader.values for reader in READERS) if "iphone" in ua.lower() or "iPad" in ua]
    assert len(apple) >= 9
    for ua in apple:
        assert enricher.enrich(ua, None).device == ua_parser.parse_device(ua).family, ua


@pytest.mark.parametrize(("ip", "country", "name", "timezone"), PUBLIC)
def test_it_places_public_addresses_whole_or_truncated(enricher, ip, country, name, timezone):
    found = enricher.enrich(None, ip)
    assert (found.country, found.country_name, found.timezone, place_of(found)) == (country, name, timezone, name)
    assert (found.region, found.city) == (None, None)


@pytest.mark.parametrize("ip", NOWHERE)
def test_it_places_no_private_reserved_or_malformed_address(enricher, ip):
    assert enricher.enrich(None, ip) == Enrichment()


def test_it_says_nothing_without_a_user_agent_or_an_address(enricher):
    assert enricher.enrich(None, None) == enricher.enrich("", "") == Enrichment()


def test_threads_share_one_enricher():
    shared, alone = Enricher(cache_size=8), Enricher(cache_size=0)
    hits = [(reader.values[0], ip) for reader in READERS for ip, *_ in PUBLIC[:4]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda hit: shared.enrich(*hit), hits * 3))
    assert answers == [alone.enrich(*hit) for hit in hits * 3]


def write_mmdb(path: Path, kind: str, records: dict[str, dict], ip_version: int = 6) -> Path:
    writer = MMDBWriter(ip_version=ip_version, ipv4_compatible=ip_version == 6, database_type=kind,
                        languages=["en"], description="Telltale test data")
    for network, record in records.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


def country(code: str, name: str) -> dict:
    return {"iso_code": code, "names": {"en": name}}


# Shaped like GeoLite2 City (time zone given), DB-IP City Lite (none: found from the coordinates)
# and a country-level record, whose coordinates are the country's centre and name no zone.
CITY_RECORDS = {
    "2.136.0.0/13": {"country": country("ES", "Spain"), "city": {"names": {"en": "Madrid"}},
                     "subdivisions": [{"names": {"en": "Community of Madrid"}}],
                     "location": {"latitude": 40.4165, "longitude": -3.70256, "time_zone": "Europe/Madrid"}},
    "1.0.16.0/20": {"country": country("JP", "Japan"), "city": {"names": {"en": "Tokyo"}},
                    "subdivisions": [{"names": {"en": "Tokyo"}}], "location": {"latitude": 35.6895, "longitude": 139.692}},
    "8.8.8.0/24": {"country": country("US", "United States"), "location": {"latitude": 37.751, "longitude": -97.822}},
    "2001:4860::/32": {"country": country("US", "United States"), "city": {"names": {"en": "Mountain View"}},
                       "location": {"latitude": 37.422, "longitude": -122.085}},
    "10.0.0.0/8": {"country": country("US", "United States"), "city": {"names": {"en": "Nowhere"}}},
}


@pytest.fixture(scope="module")
def with_city_database(tmp_path_factory):
    path = write_mmdb(tmp_path_factory.mktemp("geo") / "city.mmdb", "GeoLite2-City", CITY_RECORDS)
    enricher = Enricher(path)
    yield enricher
    enricher.close()


@pytest.mark.parametrize(("ip", "region", "city", "timezone", "place"), [
    ("2.136.0.0", "Community of Madrid", "Madrid", "Europe/Madrid", "Madrid, Spain"),
    ("1.0.16.0", "Tokyo", "Tokyo", "Asia/Tokyo", "Tokyo, Japan"),
    ("2001:4860:4860::", None, "Mountain View", "America/Los_Angeles", "Mountain View, United States"),
    ("8.8.8.0", None, None, None, "United States"),
    ("129.132.0.0", None, None, "Europe/Zurich", "Switzerland"),
])
def test_an_owners_database_adds_region_city_and_time_zone(with_city_database, ip, region, city, timezone, place):
    found = with_city_database.enrich(None, ip)
    assert (found.region, found.city, found.timezone, place_of(found)) == (region, city, timezone, place)


def test_an_owners_database_places_no_private_address(with_city_database):
    assert with_city_database.enrich(None, "10.1.2.0") == Enrichment()


def test_an_ipv4_database_leaves_ipv6_addresses_to_the_registries(tmp_path):
    path = write_mmdb(tmp_path / "v4.mmdb", "DBIP-City-Lite", {"8.8.8.0/24": CITY_RECORDS["8.8.8.0/24"]}, 4)
    enricher = Enricher(path)
    assert place_of(enricher.enrich(None, "2001:4860:4860::")) == "United States"
    enricher.close()


def test_a_missing_database_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigError, match=r"GeoIP database .*nowhere\.mmdb does not exist"):
        Enricher(tmp_path / "nowhere.mmdb")


def test_a_corrupt_database_is_refused_at_start(tmp_path):
    path = tmp_path / "corrupt.mmdb"
    path.write_bytes(b"not a MaxMind database\n" * 64)
    with pytest.raises(ConfigError, match=r"corrupt\.mmdb is not a MaxMind DB file"):
        Enricher(path)


def test_a_database_without_places_is_refused_at_start(tmp_path):
    path = write_mmdb(tmp_path / "asn.mmdb", "GeoLite2-ASN", {"8.8.8.0/24": {"autonomous_system_number": 15169}})
    with pytest.raises(ConfigError, match=r"asn\.mmdb is a 'GeoLite2-ASN' database"):
        Enricher(path)
