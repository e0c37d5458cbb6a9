"""Lists of User-Agent patterns searched as one RE2 set: Crawler-Detect's and device-detector's.

RE2 runs all of a list's patterns at once as a DFA, in about 3 us a User-Agent where `re` tries
each alternative at each position (Crawler-Detect's own code costs 210 us here). RE2 has no
lookaround: the set searches such a pattern with its assertions taken out, which matches wherever
the pattern does and more, and `re` confirms the whole pattern, in list order like every other.
Run in `re` on every User-Agent instead, device-detector's five such patterns cost 14 us a bot
check (two of them 9 us: `re` tries their word bound at each position, IGNORECASE), 2026-12-07.

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
        self._compiled: dict[int, re.Pattern[str]] = {}
        for entry in entries:
            if not isinstance(entry.get("regex"), str):
                continue
            search = entry.get("search", entry["regex"])
            if LOOKAROUND.search(search):
                try:
                    self._compiled[len(self._entries)] = re.compile(entry["regex"], re.IGNORECASE)
                except re.error:
                    # A look-behind of variable width, which PCRE allows and `re` does not (one of
                    # device-detector's browsers: Edge, named by its other patterns too).
                    continue
                search = without_lookaround(search)
            self._set.Add(search)
            self._entries.append(entry)
        self._set.Compile()

    def first(self, text: str) -> tuple[dict, re.Match[str]] | None:
        for at in sorted(self._set.Match(text) or ()):
            if at not in self._compiled:  # compiled on first use: a worker meets a few dozen bots
                self._compiled[at] = re.compile(self._entries[at]["regex"], re.IGNORECASE)
            match = self._compiled[at].search(text)
            if match is not None:
                return self._entries[at], match
        return None


def without_lookaround(pattern: str) -> str:
    """The pattern with its lookahead and lookbehind groups taken out, for RE2, which has neither.

    Taking an assertion out only widens what matches, which is all the set needs of it. Written by
    hand: neither `re` nor RE2 turns a parsed pattern back into text.
    """
    kept, at, depth, depth_of_cut = [], 0, 0, None
    while at < len(pattern):
        piece = _piece(pattern, at)
        if piece == "(" and LOOKAROUND.match(pattern, at) and depth_of_cut is None:
            depth_of_cut = depth
        if piece.startswith("("):
            depth += 1
        elif piece == ")":
            depth -= 1
            if depth == depth_of_cut:
                depth_of_cut = None
                at += 1
                continue
        if depth_of_cut is None:
            kept.append(piece)
        at += len(piece)
    return "".join(kept)


def _piece(pattern: str, at: int) -> str:
    """The token at `at` that parentheses inside cannot count: an escape, a character class, or one character."""
    if pattern[at] == "\\":
        return pattern[at:at + 2]
    if pattern[at] == "[":
        end = at + 1
        end += pattern[end] == "^"
        end += pattern[end] == "]"  # a ] right after the opening bracket is a member
        while pattern[end] != "]":
            end += 2 if pattern[end] == "\\" else 1
        return pattern[at:end + 1]
    return pattern[at]


def entry_name(entry: dict, match: re.Match[str], default: str = "unnamed") -> str:
    """A list entry's name; device-detector writes some as templates over the regex's groups."""
    name = str(entry.get("name") or default)
    if "\\g<" not in name:
        return name
    try:
        return match.expand(name)
    except (re.error, IndexError):
        return match[0]

