"""Each kind of error an independent held-out set found, as the worker and `telltale classify` judge it.

Every hit goes through inspect_line, the command's code path: the hot path's record code, then the
worker's judge with the shipped rules, lists and ASN table.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telltale.classify import asn, networks
from telltale.classify.judge import load_judge
from telltale.inspect_hits import inspect_line

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                 " Version/17.4 Mobile/15E148 Safari/604.1")
ISP = "198.51.100.23"  # an address no rule knows: only the User-Agent and the timing speak
# Addresses inside the systems networks.toml names, as the shipped ASN table has them.
PROOFPOINT, MIMECAST, CISCO = "67.231.152.10", "205.139.110.20", "68.232.128.40"
EOP, EOP_UNLISTED = "52.101.4.9", "40.94.29.84"
PRIVATE_RELAY = "172.224.226.5"


@pytest.fixture(scope="module")
def judge():
    loaded = load_judge(None, None)
    yield loaded
    loaded.close()


def judged(judge, kind, ua, ip=ISP, seconds=3600, **more) -> dict:
    return inspect_line(judge, {"kind": kind, "ua": ua, "ip": ip, "seconds_after_send": seconds, **more},
                        datetime.now(UTC))


@pytest.mark.parametrize(("ua", "source"), [
    ("Mozilla/5.0 (compatible; SomethingBot/1.0; +https://example.com/bot.html)", "crawler"),
    ("Mozilla/5.0 (compatible; ExampleSpider/2.1)", "crawler"),
    ("ExampleCrawler/0.3", "crawler"),
    # HeadlessChrome with no version, and a name with no version at all
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome Safari/537.36", "scanner"),
    ("Example Link Expander", "scanner"),
    ("Mozilla/5.0 (compatible; Example-Fetch)", "scanner"),
])
def test_generic_bots_are_machines_not_people(judge, ua, source):
    for kind in ("open", "click"):
        answer = judged(judge, kind, ua)
        assert answer["source"] not in ("person", "unknown"), (kind, answer)
    assert judged(judge, "click", ua)["source"] == source


@pytest.mark.parametrize(("ua", "named"), [
    ("curl/8.5.0", "curl"),
    ("python-requests/2.32.3", "Python Requests"),
    ("Go-http-client/2.0", "Go-http-client"),
    ("okhttp/4.12.0", "OkHttp"),
    ("Apache-HttpClient/4.5.14 (Java/17.0.9)", "Apache HTTP Client"),
])
def test_http_libraries_without_an_accept_header_are_scanners(judge, ua, named):
    answer = judged(judge, "click", ua, headers={"Host": "t.example"})
    assert answer["source"] == "scanner" and named in answer["reason"] and "no Accept header" in answer["reason"]


def test_the_asn_table_names_the_gateways_that_publish_no_list():
    table = asn.load()
    assert (table.lookup(PROOFPOINT).number, table.lookup(MIMECAST).number, table.lookup(CISCO).number) == (
        22843, 30031, 16417)
    assert "ip-location-db" in table.about and "2026" in table.about  # where from, and when
    shipped = networks.for_home(None)
    assert [shipped.lookup(ip).name for ip in (PROOFPOINT, MIMECAST, CISCO)] == [
        "Proofpoint", "Mimecast", "Cisco Secure Email (IronPort)"]


@pytest.mark.parametrize("ip", [PROOFPOINT, MIMECAST, CISCO, EOP, EOP_UNLISTED])
@pytest.mark.parametrize("seconds", [1, 2, 3])
def test_a_gateways_click_with_a_current_browser_seconds_after_sending_is_a_scanner(judge, ip, seconds):
    answer = judged(judge, "click", CHROME, ip=ip, seconds=seconds)
    assert answer["source"] == "scanner", answer
    assert "clicked seconds after sending" in answer["reason"]


def test_timing_network_and_no_open_each_weigh_against_a_browser_on_a_click(judge):
    # Seconds after the send, from anywhere: nobody has read to the link yet.
    assert judged(judge, "click", CHROME, seconds=3)["source"] == "scanner"
    # A gateway's network an hour later, before any open: still the gateway.
    late = judged(judge, "click", CHROME, ip=PROOFPOINT, seconds=3600, opened=False)
    assert late["source"] == "scanner" and "Proofpoint" in late["reason"]
    # The same browser from an ordinary network, minutes later: a person.
    assert judged(judge, "click", CHROME, seconds=300)["source"] == "person"
    assert judged(judge, "click", CHROME, seconds=300, opened=False)["source"] == "person"


def test_a_safari_user_behind_private_relay_who_clicks_is_a_person(judge):
    assert networks.for_home(None).lookup(PRIVATE_RELAY).source == "prefetch"
    click = judged(judge, "click", SAFARI_IPHONE, ip=PRIVATE_RELAY, seconds=900)
    assert click["source"] == "person" and click["device"] == "iPhone"
    # Mail Privacy Protection fetches the image from the same relays: that stays a prefetch.
    assert judged(judge, "open", "Mozilla/5.0", ip=PRIVATE_RELAY, seconds=900)["source"] == "prefetch"


@pytest.mark.parametrize(("ua", "app"), [
    # device-detector's pim.yml names the Gmail app by the prefix its code builds the User-Agent from.
    ("Android-Gmail/2024.06.09.643797040 (Pixel 8; Android 14)", "Gmail"),
    ("YahooMobileMail/1.0 (Android Mail; 1.3.10) (supersonic;HTC;PC36100;2.3.5/GRJ90)", "Yahoo Mail app"),
    ("YahooMobile/1.0 (mail; 3.0.5.1311380); (Linux; U; Android 4.0.3; htc_runnymede Build/ICE_CREAM_SANDWICH_MR1);",
     "Yahoo Mail app"),
    ("Mail/3731.600.7 CFNetwork/1408.0.4 Darwin/22.5.0", "Apple Mail"),
])
def test_mail_apps_own_user_agents_are_people(judge, ua, app):
    for kind in ("open", "click"):
        answer = judged(judge, kind, ua)
        assert answer["source"] == "person", (kind, answer)
    assert app in judged(judge, "open", ua)["reason"]


def test_a_mail_clients_name_with_a_bots_address_is_the_bot(judge):
    # The crawler carries Thunderbird's token; the web address gives it away (Crawler-Detect's seo list).
    ua = "Mozilla/5.0 (Windows; U; Windows NT 5.0; en-US; rv:1.7.10) Gecko/20050716 Thunderbird/1.0.6 - WebCrawler http://cognitiveseo.com/bot.html"
    assert judged(judge, "open", ua)["source"] == "crawler"


@pytest.mark.parametrize(("ua", "browser"), [
    # Built on an HTTP library (libwww), or named with a word a generic bot pattern holds ("Voyager").
    ("Lynx/2.8.8dev.3 libwww-FM/2.14 SSL-MM/1.4.1", "Lynx"),
    ("NCSA_Mosaic/3.0 (Windows 95)", "NCSA Mosaic"),
    ("AmigaVoyager/3.2 (AmigaOS/MC680x0)", "Amiga Voyager"),
])
def test_a_browser_a_generic_bot_list_calls_a_bot_is_a_person(judge, ua, browser):
    answer = judged(judge, "open", ua)
    assert answer["source"] == "person" and browser in answer["reason"], answer
    # A library alone, or a browser's name after a bot's, stays the program.
    assert judged(judge, "click", "libwww-perl/6.72")["source"] == "scanner"
    assert judged(judge, "click", "ExampleCrawler/0.3 Lynx/2.8")["source"] == "crawler"


@pytest.mark.parametrize("ua", ["ExampleTool/2.3", "Example Monitor/4.1 helper/1.0", "exampled 0.95"])
def test_a_program_that_names_only_itself_is_a_machine_not_unknown(judge, ua):
    assert judged(judge, "click", ua)["source"] == "scanner"
    assert judged(judge, "open", ua)["source"] == "crawler"
    # A mail app that says what it runs on is still a person.
    assert judged(judge, "open", "ExampleMail/2.3 (Linux; Android 14)")["source"] == "person"


def test_device_detectors_names_match_only_where_a_word_starts(judge):
    # Internet Explorer 11 on Windows 7, as millions sent it: "SLCC2" is not the "LCC" search bot.
    ie11 = "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; SLCC2; .NET CLR 2.0.50727; rv:11.0) like Gecko"
    assert judged(judge, "click", ie11)["source"] == "person"
    # The bot itself, named as a word, is still the bot.
    assert judged(judge, "click", "Mozilla/5.0 (compatible; LCC (+http://corpora.informatik.uni-leipzig.de/crawler_faq.html))"
                  )["source"] == "crawler"
