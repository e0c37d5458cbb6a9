"""Name the client, device and system behind a User-Agent, the way people say them.

Measured on this 2-core machine, uncached, per lookup, best of several runs: ua-parser 1.0.2, all
three domains, 263 real User-Agents (fake-useragent 2.2's real-world list and 13 mail clients and
proxies): ua-parser-rs 0.1.5 (the `regex` extra) 22-27 us, google-re2 64-98 us, pure-Python `re`
1,396 us; ua-parser-rs builds its matchers in 0.23 s, once. This module's path (extractors called
directly, device skipped for desktops) 18-21 us.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ua_parser import load_lazy_builtins
from ua_parser.regex import Resolver

from .devices import Devices

if TYPE_CHECKING:
    from ua_parser import Device  # the device rules' answer
    from ua_parser_rs import OS, UserAgent  # the extractors' answers (its __init__.pyi)

# Systems that name the device by themselves, or by a plain token on iOS: the device parser (a
# third of the cost) is skipped for them.
DESKTOPS = {"Windows": "Windows PC", "Mac OS X": "Mac", "Chrome OS": "Chromebook", "Linux": "Linux PC",
            "Ubuntu": "Linux PC", "Fedora": "Linux PC", "FreeBSD": "FreeBSD PC"}
IOS_DEVICES = (("ipad", "iPad"), ("ipod", "iPod"), ("iphone", "iPhone"))
# ua-parser's placeholders, not devices: Chrome's reduced Android UA names every phone "K".
NOT_A_DEVICE = {"Other", "Spider", "K", "iOS-Device", "Generic Smartphone", "Generic Tablet", "Generic Feature Phone"}
GENERIC_BRANDS = {"Generic", "Generic_Android", "Generic_Android_Tablet"}
# Mail providers' image proxies: their OS token is a fixed fake (Gmail's says Windows XP).
PROXIES = {"GmailImageProxy": "Gmail image proxy", "YahooMailProxy": "Yahoo Mail proxy"}
# "Android WebView" is an app's embedded browser: Gmail (for non-Google accounts), Samsung Email
# and other Android mail apps render messages in it and add no token of their own.
CLIENT_NAMES = {
    "Chrome Mobile": "Chrome", "Chrome Mobile iOS": "Chrome", "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox", "Mobile Safari": "Safari", "Edge Mobile": "Edge",
    "Chrome Mobile WebView": "Android WebView", "Android": "Android Browser",
    "Outlook-iOS-Android": "Outlook mobile", "MacOutlook": "Outlook for Mac",
}
# Outlook for Mac has been 16.x since 2015: its minor version is what tells releases apart.
MAJOR_MINOR = {"MacOutlook"}
# ua-parser's names for Apple WebKit without Safari's token: the version it gives is WebKit's.
APPLE_WEBKIT = {"Mobile Safari UI/WKWebView", "Apple Mail"}
# Mail apps by a token of their own, which ua-parser misses or hides behind their engine (eM
# Client says Chrome, Mailspring Electron) or network library; a plain `in` test screens each
# before its pattern runs. Each string is in device-detector's pim.yml unless noted.
MAIL_APPS = tuple((token, re.compile(pattern), name) for token, pattern, name in (
    ("Outlook-iOS/", r"^Outlook-iOS/\S+(?: \((\d+\.\d+))?", "Outlook for iOS"),  # also useragent issue 146
    ("CFNetwork/", r"^Outlook/(\d+\.\d+)\S* CFNetwork/.*\((?:x86_64|arm64)\)", "Outlook for Mac"),
    ("CFNetwork/", r"^Mail/\d+ CFNetwork/", "Apple Mail"),  # Mail's own requests (device-detector desktop.yml)
    ("Icedove/", r"Icedove/(\d+)", "Thunderbird"),  # Debian's rebranded Thunderbird
    ("Mailspring/", r"Mailspring/(\d+)", "Mailspring"), ("BlueMail/", r"BlueMail/(\d+)", "BlueMail"),
    ("Client/", r"eM ?Client/(\d+)", "eM Client"), ("Postbox", r"^Postbox (\d+)", "Postbox"),
    ("The Bat!", r"^The Bat! (?:Voyager )?(\d+)", "The Bat!"), ("WindowsMail/", r"^WindowsMail/(\d+)", "Windows Mail"),
    ("MailMaster", r"MailMaster\w*/(\d+)", "Mail Master"),  # NetEase's (also fnando/browser issue 473)
    ("Yahoo%20Mail/", r"^Yahoo%20Mail/", "Yahoo Mail"), ("jp.co.yahoo.ymail/", r"ymail/(\d+)", "Yahoo Mail"),
))
# Apple Mail sends WebKit's bare UA, ending at "(KHTML, like Gecko)" on macOS, at "Mobile/<build>" on
# iOS (uap-core issue 528, express-useragent issue 78). Other apps embedding WebKit (Outlook for Mac,
# Spark) send the same: Mail is the likeliest reader, not a certain one.
APPLE_MAIL = re.compile(r"\(KHTML, like Gecko\)(?: Mobile/\w+)?$")
# ua-parser calls Office 16 "Outlook 2016", but 2016, 2019, 2021 and 365 all send 16.0.
OUTLOOK_VERSION = re.compile(r"Microsoft Outlook (?:Mail )?(\d+\.\d+)|MSOffice (\d+)")

Agent = tuple[str | None, str | None, str | None]  # client, device, os


class Clients:
    """Name client, device and system with ua-parser, then say mail clients the way people do."""

    def __init__(self) -> None:
        clients, systems, devices = load_lazy_builtins()
        # ua-parser's Resolver wraps each answer in frozen dataclasses behind enum-flag tests, about
        # 8 us a call here; the ua-parser-rs extractors it holds give the same fields directly.
        resolver = Resolver((clients, systems, []))
        self._client, self._system = resolver.ua.extract, resolver.os.extract
        # Devices through RE2 instead: ua-parser-rs holds its device rules in 14.6 MB, RE2 in about
        # 4 (measured), for a worker that asks only of phones, tablets and unnamed systems (not of
        # desktops or iOS, below), once per User-Agent (enrich.py caches).
        self._device = Devices(devices)

    def describe(self, ua: str) -> Agent:
        client, system = self._client(ua), self._system(ua)
        if client and client.family in PROXIES:
            return PROXIES[client.family], None, None
        os_family = system.family if system else None
        if os_family in DESKTOPS:
            device = DESKTOPS[os_family]
        elif os_family == "iOS":
            device = ios_device(ua)
        else:
            device = device_name(self._device(ua), os_family, ua)
        return client_name(client, ua), device, system_name(system, device, ua)


def client_name(agent: UserAgent | None, ua: str) -> str | None:
    for token, pattern, name in MAIL_APPS:
        if token in ua and (found := pattern.search(ua)):
            version = found[1] if found.groups() else None
            return f"{name} {version}" if version else name
    if agent is None:
        return None
    if agent.family == "Outlook":
        version = OUTLOOK_VERSION.search(ua)
        return f"Outlook {version[1] or version[2]}" if version else "Outlook"
    if agent.family in APPLE_WEBKIT:
        return "Apple Mail" if APPLE_MAIL.search(ua) else "WebKit app"
    name = CLIENT_NAMES.get(agent.family, agent.family)
    version = joined(agent.major, agent.minor) if agent.family in MAJOR_MINOR else agent.major
    return f"{name} {version}" if version else name


def ios_device(ua: str) -> str | None:
    """Name an Apple device by its token, as ua-parser's device rules would, 7 us sooner."""
    lowered = ua.lower()  # Outlook for iOS writes "prod.iphone"
    return next((name for token, name in IOS_DEVICES if token in lowered), None)


def device_name(device: Device | None, os_family: str | None, ua: str) -> str | None:
    if device and device.family not in NOT_A_DEVICE and device.brand not in GENERIC_BRANDS:
        return device.family
    if os_family == "Android":
        # Chrome on Android: phones carry the "Mobile" token, tablets do not.
        return "Android phone" if "Mobile" in ua else "Android tablet"
    return None


def system_name(os: OS | None, device: str | None, ua: str) -> str | None:
    if os is None:
        return None
    major = int(os.major) if os.major and os.major.isdigit() else None
    if os.family == "Windows":
        # NT 10.0 is sent by Windows 10 and 11 alike; Microsoft will not tell them apart in the UA.
        return "Windows 10/11" if os.major == "10" else f"Windows {joined(os.major, os.minor)}".rstrip()
    if os.family == "Mac OS X":
        # Safari, Chrome and Firefox have sent 10.15(.7) on every macOS since 11.
        if major is None or (major, os.minor) == (10, "15"):
            return "macOS"
        return f"macOS {os.major}" if major >= 11 else f"macOS {joined(os.major, os.minor)}"
    if os.family == "iOS" and device == "iPad" and (major or 0) >= 13:
        return f"iPadOS {joined(os.major, os.minor)}"
    if os.family == "Android" and "Android 10; K" in ua:
        return "Android"  # Chrome's reduced UA (Chrome 110+, WebView on Android 16+) on every phone
    if os.family == "Chrome OS":
        return "ChromeOS"  # its version is a build number
    return f"{os.family} {joined(os.major, os.minor)}".rstrip()


def joined(major: str | None, minor: str | None) -> str:
    return ".".join(part for part in (major, minor) if part)
