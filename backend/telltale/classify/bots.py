"""Recognise bots by name with maintained lists: Crawler-Detect's, and device-detector's names and kinds.

Bots name themselves in too many ways to list by hand ("(compatible; SomethingBot/1.0; +https://…)",
"…Spider", "HeadlessChrome", a name and no version), so the lists are maintained ones:
  - whether a User-Agent is a bot: the Python port of JayBizzle/Crawler-Detect (`crawlerdetect`),
    about 1,500 patterns with its generic catch for "bot", "crawl", "spider", "headless"...;
  - which bot and what kind: matomo's device-detector (`device-detector`, only its data files),
    whose bots.yml names 840 bots with a category ("Security Checker", "Social Media Agent",
    "Search bot", "Crawler"...) and whose libraries.yml names 150 HTTP libraries.
Either list suffices to call a User-Agent a bot. Our own rules (agents.toml) stay for what is
mail-specific: image proxies, prefetchers, link previewers and mail clients, which generic lists
get wrong (Crawler-Detect calls Gmail's image proxy, Outlook's apps and Apple Mail's own requests bots).

Crawler-Detect's method is kept: strip the tokens every browser carries (its exclusions), then
search for any pattern. Only the engine differs, because its own costs 210 us a User-Agent here:
the exclusions run lowercased in `re` (5 us; a lowercased pattern needs no IGNORECASE, which costs
five to ten times more in CPython), and each list runs as one RE2 set (about 3 us: a DFA over all
its patterns at once, where `re` tries each alternative at each position; catalogue.py says how
the few patterns that use lookaround, which RE2 lacks, get in). Measured over the User-Agents of
the tuning corpus on this 2-core machine, 2026-12-04: see `make bench` (micro, "bot list").
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from crawlerdetect.providers.crawlers import data as CRAWLER_PATTERNS
from crawlerdetect.providers.exclusions import data as EXCLUSIONS

from .catalogue import LOOKAROUND, Catalogue, device_detector_list, entry_name

# device-detector's categories of bots handed a URL to check or show it, which a mail's click most
# often is: security checkers, social and service agents (link previews, unfurls, conversions),
# validators and link checkers. Scanners. Every other category (search engines, SEO and AI
# crawlers, site monitors, feed fetchers) goes looking for pages: crawlers.
SCANNER_CATEGORIES = frozenset({"Security Checker", "Security search bot", "Social Media Agent", "Service Agent",
                                "Validator"})
# Crawler-Detect's categories: bots handed a URL to check, show or fetch for someone (social
# previews, security checks, automated browsers, AI assistants fetching for a user, HTTP libraries)
# are scanners; those that go looking for pages are crawlers.
KIND_OF_CATEGORY = {
    "social": "scanner", "security": "scanner", "headless": "scanner", "ai-user": "scanner", "http-library": "scanner",
    "ai-search": "crawler", "ai-training": "crawler", "search": "crawler", "feed": "crawler", "seo": "crawler",
    "monitoring": "crawler", "archiver": "crawler", "scraper": "crawler",
}
# A User-Agent made only of a mainstream browser's tokens gives Crawler-Detect nothing but false
# matches in a device model ("CRONY-7021" is not a cron job); skipping it for these saves 7 us on
# most people's hits.
PLAIN_BROWSER = re.compile(
    r"Mozilla/5\.0 \(([^()]*)\) (?:AppleWebKit/[\d.]+\+? \(KHTML, like Gecko\)(?: Version/[\d.]+)?"
    r"(?: (?:Chrome|CriOS|FxiOS|EdgiOS)/[\d.]+)?(?: Mobile(?:/\w+)?)?(?: Safari/[\d.]+)?"
    r"(?: (?:Edg|EdgA|OPR|YaBrowser|SamsungBrowser|Vivaldi)/[\d.]+)?|Gecko/\d+ Firefox/[\d.]+)"
)
BOT_WORDS = re.compile(r"compatible|bot|crawl|spider|http|[+@]", re.IGNORECASE)
READS = {"scanner": "a link checker or previewer", "crawler": "a bot by its name"}
CATEGORIES = Path(__file__).parent / "data" / "bot_categories.json"
# For bots no list names or sorts: words of link checkers and previewers, and of automated browsers.
CHECKER_WORDS = re.compile(r"preview|unfurl|embed|expand|link ?check|scan|secur|safe|virus|phish|threat|malware")
AUTOMATION_WORDS = re.compile(r"headless|phantomjs|puppeteer|playwright|selenium|webdriver|lighthouse")


@dataclass(frozen=True, slots=True)
class Bot:
    name: str  # the words of the User-Agent that matched a pattern
    source: str  # "scanner" or "crawler"
    reason: str
    # Only a generic pattern or an HTTP library says bot: no list names it, no category or word
    # says what kind. A browser the User-Agent names as its program outweighs this.
    weak: bool = False


class BotList:
    """Crawler-Detect's patterns and categories, device-detector's bots and libraries, in a few microseconds."""

    def __init__(self, patterns: list[str] = CRAWLER_PATTERNS, exclusions: list[str] = EXCLUSIONS) -> None:
        self._crawler_detect = Catalogue([{"regex": pattern} for pattern in patterns])
        self._exclusions = re.compile("|".join(exclusions).lower())
        categories = json.loads(CATEGORIES.read_text(encoding="utf-8"))
        # In the order Crawler-Detect checks them, the first that matches wins.
        self._kinds = Catalogue([{"regex": pattern, "category": category} for category in categories["order"]
                                 for pattern in categories["categories"][category]])
        # device-detector's own catch-all needs lookbehind, so `re` would confirm its 1,400
        # characters on every User-Agent that says "bot" (50 us); Crawler-Detect's catch-all stands in for it.
        self._bots = Catalogue([entry for entry in device_detector_list("bots.yml")
                                if not (entry.get("name") == "Generic Bot" and LOOKAROUND.search(entry["regex"]))])
        self._libraries = Catalogue(device_detector_list("client/libraries.yml"))

    def match(self, ua: str) -> Bot | None:
        """The bot this User-Agent names, or None."""
        lowered = ua.lower()
        plain = PLAIN_BROWSER.fullmatch(ua)
        if plain is not None and not BOT_WORDS.search(plain[1]):
            listed = None  # device-detector's names still run: some bots hide theirs among the browser's
        else:
            agent = self._exclusions.sub("", lowered).strip()
            listed = self._crawler_detect.first(agent) if agent else None
        named = self._bots.first(ua)
        if named is not None and (not named[0].get("category") or named[0].get("name") == "Generic Bot"):
            named_kind = None
        else:
            named_kind = named
        if listed is None and named is None:
            return None
        name = _name(*named) if named_kind else _name_in(ua, lowered, (listed or named)[1][0])
        # Which kind, by the curated lists first: Crawler-Detect's categories, then device-detector's,
        # then words of our own; a program's HTTP library last, since many bots name theirs.
        kind = self._kinds.first(ua)
        if kind is not None and kind[0]["category"] != "http-library":
            category = kind[0]["category"]
            return Bot(name, KIND_OF_CATEGORY[category], f"{READS[KIND_OF_CATEGORY[category]]} ({name}, {category})")
        if named_kind is not None:
            category = named_kind[0]["category"]
            source = "scanner" if category in SCANNER_CATEGORIES else "crawler"
            return Bot(name, source, f"{READS[source]} ({name}, {category})")
        by_words = _by_words(lowered, name)
        if by_words is not None:
            return by_words
        library = self._libraries.first(ua)
        if library is not None or kind is not None:
            name = _name(*library) if library is not None else name
            return Bot(name, "scanner", f"a program's HTTP library ({name}), not a mail client", weak=named is None)
        return Bot(name, "crawler", f"a bot by its name ({name})", weak=named is None)


def _name(entry: dict, match: re.Match[str]) -> str:
    return entry_name(entry, match).strip()[:40] or "unnamed"


def _by_words(lowered: str, name: str) -> Bot | None:
    if CHECKER_WORDS.search(lowered):
        return Bot(name, "scanner", f"a link checker or previewer by its name ({name})")
    if AUTOMATION_WORDS.search(lowered):
        return Bot(name, "scanner", f"an automated browser ({name}), not a person")
    return None


def _name_in(ua: str, lowered: str, found: str) -> str:
    """The matched words as the User-Agent writes them, cut short for the reason."""
    at = lowered.find(found.strip())
    text = ua[at:at + len(found.strip())] if at >= 0 else found.strip()
    return text[:40] or "unnamed"
