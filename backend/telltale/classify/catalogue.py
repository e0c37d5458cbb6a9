"""Lists of User-Agent patterns searched as one RE2 set: Crawler-Detect's and device-detector's.

RE2 runs all of a list's patterns at once as a DFA, in about 3 us a User-Agent where `re` tries
each alternative at each position (Crawler-Detect's own code costs 210 us here). RE2 has no
lookaround: the few patterns that use it run in `re` after the set.

RE2 builds its DFA lazily, a state at a time, as new texts need them, and keeps the states it built.
A set's cost on a User-Agent it has not seen therefore depends on how many states the text opens:
with each of device-detector's 840 bot patterns wrapped in its word bound (below), a new
User-Agent cost 1-4 ms in the bots' set (measured over 1,965 distinct User-Agents of the tests'
corpora, 2026-12-06) where a repeated one costs 2 us. So the set searches each entry's
bare pattern, a superset of what the bounded one matches, and `re` confirms the bounded pattern on
the few entries the set names, in list order.
"""
from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path

import re2
import yaml

LOOKAROUND = re.compile(r"\(\?<?[=!]")
# device-detector's data files (only these are used from the package, not its parser). Found
# without importing the package: its __init__ loads its parsers, 95 modules and 11 MB of a
# worker's private memory (measured) that no code here calls.
DEVICE_DETECTOR = Path(find_spec("device_detector").submodule_search_locations[0]) / "regexes" / "upstream"


# device-detector matches each of its patterns only where the User-Agent starts or a word does
# (its parsers' matchUserAgent wraps every regex so): without it "LCC" (a search bot) matches
# Windows 7's "SLCC2" token, and "Buck" matches "photobucket".
DEVICE_DETECTOR_BOUND = "(?:^|[^A-Z0-9_-]|[^A-Z0-9-]_|sprd-|MZ-)(?:{})"


def device_detector_list(name: str) -> list[dict]:
    """One of device-detector's lists of {regex, name, ...} entries, e.g. "bots.yml", bounded as it bounds them.

    Each entry keeps its bare pattern as "search", for the set to search (see above).
    """
    entries = yaml.load((DEVICE_DETECTOR / name).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or []
    return [{**entry, "regex": DEVICE_DETECTOR_BOUND.format(entry["regex"]), "search": entry["regex"]}
            for entry in entries if isinstance(entry.get("regex"), str)]


class Catalogue:
    """A list of {regex, name, category} entries searched as one RE2 set; the first entry that matches wins.

    An entry may carry a "search" pattern that matches wherever its regex does, and more: the set
    searches that, and `re` confirms the regex.
    """

    def __init__(self, entries: list[dict]) -> None:
        options = re2.Options()
        options.case_sensitive = False
        options.max_mem = 64 << 20
        self._set = re2.Set.SearchSet(options)
        self._entries: list[dict] = []
        self._rest: list[tuple[re.Pattern[str], dict]] = []
        for entry in entries:
            if not isinstance(entry.get("regex"), str):
                continue
            if LOOKAROUND.search(entry["regex"]):
                try:
                    self._rest.append((re.compile(entry["regex"], re.IGNORECASE), entry))
                except re.error:
                    # A look-behind of variable width, which PCRE allows and `re` does not (one of
                    # device-detector's browsers: Edge, named by its other patterns too).
                    continue
            else:
                self._set.Add(entry.get("search", entry["regex"]))
                self._entries.append(entry)
        self._set.Compile()
        self._compiled: dict[int, re.Pattern[str]] = {}

    def first(self, text: str) -> tuple[dict, re.Match[str]] | None:
        for at in sorted(self._set.Match(text) or ()):
            if at not in self._compiled:  # compiled on first use: a worker meets a few dozen bots
                self._compiled[at] = re.compile(self._entries[at]["regex"], re.IGNORECASE)
            match = self._compiled[at].search(text)
            if match is not None:
                return self._entries[at], match
        return next(((entry, match) for pattern, entry in self._rest if (match := pattern.search(text))), None)


def entry_name(entry: dict, match: re.Match[str], default: str = "unnamed") -> str:
    """A list entry's name; device-detector writes some as templates over the regex's groups."""
    name = str(entry.get("name") or default)
    if "\\g<" not in name:
        return name
    try:
        return match.expand(name)
    except (re.error, IndexError):
        return match[0]

