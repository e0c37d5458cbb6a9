"""Which autonomous system an address belongs to, offline, for the networks named by their ASN.

Security gateways (Proofpoint, Mimecast, Cisco) publish no address list, but they announce their
addresses from their own autonomous systems, so networks.toml names them by ASN and this table
turns the ASN into ranges when the rules load. The table is ip-location-db's `asn` data (RouteViews
and the five registries, DB-IP for the gaps; CC BY 4.0), in its CSV form "first,last,asn,org".

Only the systems the rules name are kept: the whole table is 515,000 ranges, which would cost
each worker about 40 MB and a second to load for lookups nobody asks for. The shipped file
(data/asn_ranges.csv) holds them as of its date; `telltale rules refresh` downloads the whole table
again and writes the owner's copy, for the shipped rules and the owner's own, into the instance folder.
"""
from __future__ import annotations

import csv
import io
import ipaddress
import socket
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

SHIPPED = Path(__file__).parent / "data" / "asn_ranges.csv"
OWNER_FILE = "asn_ranges.csv"
# ip-location-db's tables on npm, served by the jsDelivr CDN (one file per address family).
SOURCE_URLS = (
    "https://cdn.jsdelivr.net/npm/@ip-location-db/asn/asn-ipv4.csv",
    "https://cdn.jsdelivr.net/npm/@ip-location-db/asn/asn-ipv6.csv",
)
SHIPPED_FROM = "@ip-location-db/asn 2.3.2026061719 (RouteViews, RIR and DB-IP data, CC BY 4.0)"


@dataclass(frozen=True, slots=True)
class System:
    number: int
    org: str


@dataclass(frozen=True)
class AsnTable:
    """Ranges of autonomous systems, sorted per address family; `about` says where and when from."""

    v4: tuple[tuple[int, int, System], ...]
    v6: tuple[tuple[int, int, System], ...]
    about: str

    def lookup(self, ip: str) -> System | None:
        """The system announcing this address, among those the table holds; None otherwise."""
        try:
            family, table = (socket.AF_INET6, self.v6) if ":" in ip else (socket.AF_INET, self.v4)
            number = int.from_bytes(socket.inet_pton(family, ip.strip()), "big")
        except (OSError, ValueError, TypeError):
            return None
        at = bisect_right(table, number, key=lambda row: row[0]) - 1
        return table[at][2] if at >= 0 and number <= table[at][1] else None

    def ranges(self, numbers: Iterable[int]) -> list[tuple[int, int, int]]:
        """(version, first, last) of every range of these systems."""
        wanted = set(numbers)
        return [(version, first, last) for version, table in ((4, self.v4), (6, self.v6))
                for first, last, system in table if system.number in wanted]


def parse(text: str, where: str, keep: set[int] | None = None) -> tuple[list[tuple[int, int, int, System]], str]:
    """Rows (version, first, last, system) of "first,last,asn,org" CSV, and its '# ' comment lines.

    `keep` limits the rows to those systems; ConfigError, naming the line, for a row that is not one.
    """
    rows, about, systems = [], [], {}
    body = []
    for line in text.splitlines():
        if line.startswith("#"):
            about.append(line[1:].strip())
        elif line.strip():
            body.append(line)
    for number, fields in enumerate(csv.reader(io.StringIO("\n".join(body))), 1):
        if fields[:3] == ["first", "last", "asn"]:
            continue
        try:
            first, last, asn = fields[0], fields[1], int(fields[2])
            if keep is not None and asn not in keep:
                continue
            family, version = (socket.AF_INET6, 6) if ":" in first else (socket.AF_INET, 4)
            start = int.from_bytes(socket.inet_pton(family, first), "big")
            end = int.from_bytes(socket.inet_pton(family, last), "big")
            if end < start:
                raise ValueError("the range ends before it starts")
        except (IndexError, ValueError, OSError) as error:
            raise ConfigError(f"{where} row {number} is not first,last,asn,org: {error}") from error
        system = systems.setdefault(asn, System(asn, fields[3] if len(fields) > 3 else ""))
        rows.append((version, start, end, system))
    return rows, " ".join(about)


def load(path: Path = SHIPPED) -> AsnTable:
    """Read a table written by `telltale rules refresh` (or the shipped one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the ASN table {path}: {error}") from error
    rows, about = parse(text, str(path))
    tables: dict[int, list[tuple[int, int, System]]] = {4: [], 6: []}
    for version, start, end, system in rows:
        tables[version].append((start, end, system))
    return AsnTable(tuple(sorted(tables[4], key=_first)), tuple(sorted(tables[6], key=_first)), about)


def for_home(home: Path | None) -> AsnTable:
    """The owner's table when `telltale rules refresh` has written one, else the shipped one."""
    owner = home / OWNER_FILE if home is not None else None
    return load(owner if owner is not None and owner.exists() else SHIPPED)


def render(rows: Iterable[tuple[int, int, int, System]], about: str) -> str:
    """The CSV form `load` reads, `about` as its comment line."""
    out = io.StringIO()
    out.write(f"# {about}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["first", "last", "asn", "org"])
    kind = {4: ipaddress.IPv4Address, 6: ipaddress.IPv6Address}
    for version, start, end, system in sorted(rows, key=lambda row: (row[0], row[1])):
        writer.writerow([kind[version](start), kind[version](end), system.number, system.org])
    return out.getvalue()


def _first(row: tuple[int, int, System]) -> int:
    return row[0]
