"""Name the program behind a User-Agent, from the rules in data/agents.toml.

One rule wins when several match, in this order:
  1. certain machine rules (proxy, prefetch, scanner, crawler, in that order): a named fetcher
     beats the browser tokens it carries (Gmail's proxy says "Firefox/11.0");
  2. certain person_client rules, the mail-client safelist: Outlook, Thunderbird, Apple Mail...
     outrank every guess below;
  3. probable machine rules: generic HTTP libraries, headless browsers, a bare "Mozilla/5.0";
  4. probable person_client rules: ordinary browsers, which only name the app.
Within a step, file order. A missing or empty User-Agent matches nothing (None): whether silence
is a scanner's is the classifier's call, made with the request's other signals at hand.

Why a word index instead of one combined regex per source: on this 2-core machine a
case-insensitive alternation of 80 literals costs 140-740 us per search and a lowercased one
11 us, where splitting the User-Agent into words and intersecting them with the rules' tokens
costs 2 us and leaves one to three small searches. Measured with timeit over the 329 hits of
tests/backend/classify/corpus.jsonl (2026-11-23, shared 2-core machine): 3.4-4.0 us per call on
average, 3.2 us median, 11 us for the slowest (a 150-character Yahoo Mail iOS User-Agent), 0.2 us
for an empty one; the 105 rules load once, in 16-23 ms.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .rule_format import CONFIDENCES, check_entry

RULES_FILE = Path(__file__).parent / "data" / "agents.toml"
SOURCES = ("proxy", "prefetch", "scanner", "crawler", "person_client")
FIELDS = ("name", "source", "match", "tokens", "reason", "confidence", "examples")
_TOKEN = re.compile(r"[a-z0-9_]+")
# Escapes whose meaning changes when the pattern is lowercased (\D is not \d).
_CASED_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[ABDSWZ]")

# Bytes to words: letters are lowered, digits and "_" kept, anything else (non-ASCII too) separates.
_WORDS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 or c == 95 else 32 for c in range(256))


@dataclass(frozen=True, slots=True)
class AgentMatch:
    name: str
    source: str
    reason: str
    confidence: str


@dataclass(frozen=True, slots=True)
class Rule:
    match: AgentMatch
    pattern: re.Pattern[str]
    tokens: tuple[str, ...]
    examples: tuple[str, ...]


class AgentRules:
    """Rules in winning order, indexed by the words that must appear for each to match."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = tuple(sorted(rules, key=_rank))
        index: dict[bytes, list[int]] = {}
        for position, rule in enumerate(self.rules):
            for token in rule.tokens:
                index.setdefault(token.encode(), []).append(position)
        self._index = {word: tuple(positions) for word, positions in index.items()}
        self._words = frozenset(self._index)

    def match(self, ua: str) -> AgentMatch | None:
        """The rule that best explains this User-Agent, or None when no rule does."""
        if not ua:
            return None
        found = self._words.intersection(ua.encode(errors="ignore").translate(_WORDS).split())
        if not found:
            return None
        if len(found) == 1:
            candidates = self._index[next(iter(found))]
        else:
            candidates = sorted({position for word in found for position in self._index[word]})
        lowered = ua.lower()
        for position in candidates:
            rule = self.rules[position]
            if rule.pattern.search(lowered):
                return rule.match
        return None


def _rank(rule: Rule) -> tuple[int, bool, int]:
    match = rule.match
    return CONFIDENCES.index(match.confidence), match.source == "person_client", SOURCES.index(match.source)


def load(path: Path = RULES_FILE) -> AgentRules:
    """Read the rules; ConfigError, naming the rule, for one that is not well formed."""
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("rule", [])
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read User-Agent rules {path}: {error}") from error
    rules, names = [], set()
    for number, entry in enumerate(entries, 1):
        rule = _rule(entry, f"{path} rule {number} ({entry.get('name', 'unnamed')})")
        if rule.match.name in names:
            raise ConfigError(f"{path}: two rules are named {rule.match.name!r}")
        names.add(rule.match.name)
        rules.append(rule)
    return AgentRules(rules)


def _rule(entry: dict, where: str) -> Rule:
    check_entry(entry, where, FIELDS, SOURCES)
    bad = [token for token in entry["tokens"] if not isinstance(token, str) or not _TOKEN.fullmatch(token)]
    if bad or not entry["tokens"]:
        raise ConfigError(f"{where}: tokens must be lowercase words of ASCII letters, digits and _, not {bad}")
    if not entry["examples"]:
        raise ConfigError(f"{where}: give at least one observed User-Agent in examples")
    if not isinstance(entry["match"], str) or _CASED_ESCAPE.search(entry["match"]):
        raise ConfigError(f"{where}: match must be a regex without \\A \\B \\D \\S \\W or \\Z (it runs in lowercase)")
    try:
        # Lowercase pattern on a lowercased User-Agent: case-insensitive without re.IGNORECASE,
        # which costs five to ten times more per search in CPython's engine.
        pattern = re.compile(entry["match"].lower())
    except re.error as error:
        raise ConfigError(f"{where}: match {entry['match']!r} is not a regular expression: {error}") from error
    match = AgentMatch(entry["name"], entry["source"], entry["reason"], entry["confidence"])
    return Rule(match, pattern, tuple(entry["tokens"]), tuple(entry["examples"]))
