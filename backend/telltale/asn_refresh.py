"""Fetch a current ASN table for the networks named by their AS numbers into the instance folder.

`telltale rules refresh` downloads ip-location-db's whole table (about 25 MB a family), keeps the
ranges of the systems the network files name (the shipped one and the owner's), and writes them
with the day and the source to $TELLTALE_HOME/asn_ranges.csv, which then wins over the shipped
copy. The new file replaces the old one only once it has been parsed and read back: a failed
refresh leaves the old file.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from .classify import asn, networks
from .errors import ConfigError
from .private_relay import RefreshFailed, download, write_checked


def refresh(
    home: Path,
    fetch: Callable[[str], bytes] = lambda url: download(url, "an ASN table"),
    *,
    urls: Sequence[str] = asn.SOURCE_URLS,
    today: date | None = None,
) -> dict:
    """Download the tables at `urls`, keep the named systems' ranges, write home/asn_ranges.csv."""
    wanted = networks.named_systems(networks.paths_for_home(home))
    rows = []
    for url in urls:
        try:
            text = fetch(url).decode("utf-8")
            found, _ = asn.parse(text, url, keep=wanted)
        except UnicodeDecodeError as error:
            raise RefreshFailed(f"{url} did not send text: {error}") from error
        except ConfigError as error:
            raise RefreshFailed(str(error)) from error
        rows += found
    missing = wanted - {system.number for *_, system in rows}
    if not rows or missing == wanted:
        raise RefreshFailed(f"{', '.join(urls)} held none of the systems the rules name ({sorted(wanted)})")
    day = (today or date.today()).isoformat()
    about = f"Ranges of the systems the network rules name, from {' and '.join(urls)}, read {day}"
    target = Path(home) / asn.OWNER_FILE
    write_checked(target, asn.render(rows, about), asn.load)
    return {"path": str(target), "source_urls": list(urls), "date": day, "ranges": len(rows),
            "systems": len(wanted - missing), "missing": sorted(missing)}
