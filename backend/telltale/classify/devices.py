"""Name the device in a User-Agent by ua-parser's device rules: the first rule that matches wins.

ua-parser's own RE2 resolver asks an RE2 filter which rules match, then runs the first in `re` for
its groups: two thirds of its cost over the tuning corpus (23 us a User-Agent here, 36 on first
sight) goes to one rule, the generic "Spider" rule `^.{0,100}(bot|crawl|...)` with IGNORECASE,
whose names are fixed (Spider, Spider, Desktop) and need no groups. This resolver asks the same
filter, and then runs `re` only where the filter cannot have answered for the rule itself:
  - the filter searches each rule as ua-parser's `fa_simplifier` rewrote it, bounded repeats of
    100 or more (`.{0,100}`) made unbounded (`.*`) to keep RE2's automaton small. A text no longer
    than the smallest such bound cannot tell the two apart; a longer one is confirmed in `re` on
    the exact rule, and the next rule tried if it fails, as uap-core's rules mean (ua-parser's RE2
    resolver answers nothing there). The rewrite also narrows `\\d` to ASCII digits, which
    only ever drops a match;
  - a rule whose names are fixed needs no groups, so its Device is built once.
Same answers as ua-parser's reference resolver in pure `re`, tested over every User-Agent of the
classifier's corpora; 12 us a User-Agent warm and 24 on first sight over them, 2026-12-07 (see
`make bench`, micro, for the whole of classifying and enriching a hit).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ua_parser import Device
from ua_parser.lazy import DeviceMatcher
from ua_parser.re2 import Resolver
from ua_parser.utils import REPETITION_PATTERN, replacer


class Devices:
    """ua-parser's device rules through RE2, built once per process."""

    def __init__(self, rules: Sequence[DeviceMatcher]) -> None:
        self._rules = list(rules)
        self._filter = Resolver(([], [], self._rules)).devices
        # Per rule, the longest text its widened form cannot tell from its exact one.
        self._exact_up_to = [min((_bound(repeat) for repeat in REPETITION_PATTERN.finditer(rule.regex)),
                                 default=None) for rule in self._rules]
        self._fixed: dict[int, Device] = {}

    def __call__(self, ua: str) -> Device | None:
        for at in sorted(self._filter.Match(ua) or ()):
            rule, exact_up_to = self._rules[at], self._exact_up_to[at]
            if "$" in rule.family + rule.brand + rule.model:
                device = rule(ua)  # the groups name it; None if the exact rule does not match
                if device is not None:
                    return device
            elif exact_up_to is None or len(ua) <= exact_up_to or rule.pattern.search(ua):
                if at not in self._fixed:
                    # replacer reads the match only for a "$n" template: there is none.
                    self._fixed[at] = Device(replacer(rule.family, None), replacer(rule.brand, None),
                                             replacer(rule.model, None))
                return self._fixed[at]
        return None


def _bound(repeat: re.Match[str]) -> int:
    """The upper bound of a repeat such as `{0,100}`."""
    return int(repeat[0].rstrip("}").rpartition(",")[2])
