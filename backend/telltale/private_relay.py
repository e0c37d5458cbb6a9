"""Fetch Apple's iCloud Private Relay egress list into the owner's networks file.

Apple publishes every egress range as CSV rows "cidr,country,region,city," (about 287,000 of
them); Mail Privacy Protection fetches images through these relays. The shipped networks.toml
carries only a sample, so `telltale rules refresh` writes the whole list, neighbouring ranges merged,
as a prefetch rule with the day and the source into $TELLTALE_HOME/networks.toml. The new file replaces the old one
only once it has been downloaded, parsed and read back: a failed refresh leaves the old file.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .classify import networks
from .errors import TelltaleError

APPLE_EGRESS_URL = "https://mask-api.icloud.com/egress-ip-ranges.csv"
TIMEOUT = 60
# Apple's file is about 12 MB; anything far larger is not that file.
MAX_BYTES = 64 * 1024 * 1024
RULE_NAME = "iCloud Private Relay"
REASON = "an iCloud Private Relay egress address, used by Mail Privacy Protection and by Safari users"


class RefreshFailed(TelltaleError):
    """The egress list could not be fetched or read; the owner's file was left as it was."""


def download(url: str, what: str = "Apple's egress list") -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "telltale-refresh"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        error.close()
        raise RefreshFailed(f"{url} answered HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        raise RefreshFailed(f"could not download {url}: {getattr(error, 'reason', error)}") from error
    if len(body) > MAX_BYTES:
        raise RefreshFailed(f"{url} sent more than {MAX_BYTES} bytes; that is not {what}")
    return body


def refresh(
    home: Path,
    fetch: Callable[[str], bytes] = download,
    *,
    url: str = APPLE_EGRESS_URL,
    today: date | None = None,
) -> dict:
    """Download the egress list and write it to home/networks.toml; return what was written."""
    body = fetch(url)
    ranges, rows = parse_egress(body, url)
    day = (today or date.today()).isoformat()
    target = Path(home) / networks.OWNER_FILE
    write_checked(target, _render(ranges, rows, url, day), lambda path: networks.load([path]))
    return {"path": str(target), "source_url": url, "date": day, "rows": rows, "ranges": len(ranges)}


def parse_egress(body: bytes, url: str) -> tuple[list[str], int]:
    """The merged ranges of an egress CSV and its number of rows; RefreshFailed if it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RefreshFailed(f"{url} did not send text: {error}") from error
    found: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    rows = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(",")
        try:
            if len(fields) < 4:
                raise ValueError("expected cidr,country,region,city,")
            version, start, end = networks.parse_cidr(fields[0], strict=False)
        except ValueError as error:
            raise RefreshFailed(f"{url} line {number} is not an egress row ({line[:80]!r}): {error}") from error
        found[version].append((start, end))
        rows += 1
    if not rows:
        raise RefreshFailed(f"{url} sent no egress rows")
    ranges = [
        cidr for version in (4, 6) for first, last in _merge(found[version]) for cidr in _cidrs(version, first, last)
    ]
    return ranges, rows


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping and touching intervals joined: neighbouring cities share one range."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _cidrs(version: int, first: int, last: int) -> list[str]:
    """The fewest CIDR blocks covering [first, last] exactly, largest aligned block first."""
    bits, kind = (32, ipaddress.IPv4Address) if version == 4 else (128, ipaddress.IPv6Address)
    blocks = []
    while first <= last:
        size = first & -first if first else 1 << bits
        while first + size - 1 > last:
            size >>= 1
        blocks.append(f"{kind(first)}/{bits - size.bit_length() + 1}")
        first += size
    return blocks


def _render(ranges: list[str], rows: int, url: str, day: str) -> str:
    lines = [
        f"# Written by `telltale refresh` on {day} from {url}:",
        f"# Apple's iCloud Private Relay egress list, {rows} rows merged into {len(ranges)} ranges.",
        "# The next refresh replaces this whole file.",
        "[[network]]",
        f"name = {json.dumps(RULE_NAME)}",
        'source = "prefetch"',
        'confidence = "probable"',
        f"reason = {json.dumps(REASON)}",
        f"source_url = {json.dumps(url)}",
        f"date = {json.dumps(day)}",
        "cidrs = [",
        *(f'    "{cidr}",' for cidr in ranges),
        "]",
    ]
    return "\n".join(lines) + "\n"


def write_checked(target: Path, text: str, check: Callable[[Path], object]) -> None:
    """Replace `target` with `text` only once `check` has read the new file back without an error."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=target.parent, prefix=f".{target.stem}-", suffix=target.suffix, delete=False
    )
    temporary = Path(handle.name)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        check(temporary)  # what the worker will read must load
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
