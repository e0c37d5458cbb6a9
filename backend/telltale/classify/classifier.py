"""Who made a hit: a person, a mail provider's image proxy, a prefetcher, a scanner, a crawler,
the sender, or nobody we can name; and why, in a few words the user reads next to the event.

A pure function of the hit, what is known of its message and the rules it is built with (no
Flask, Redis or SQL), so the worker and `telltale classify` run the same code. Signals vote
instead of deciding alone, because single signals are wrong for mail: generic bot lists call
Gmail's proxy and Outlook bots, Apple's prefetches look like any "Mozilla/5.0", and scanners
click with a plain Chrome User-Agent. A machine class wins only with MACHINE_THRESHOLD of evidence
(one "probable" signal) and more than the evidence for a person; the extension's report of the
sender's own view and a click on the decoy link decide alone.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from ..counting import SENDER_REASON, SENDER_VIEW_WINDOW
from ..message_context import Click
from .agents import AgentMatch, AgentRules
from .bots import BotList
from .browsers import Browsers
from .mail_apps import MailApps
from .networks import Networks

SOURCES = ("person", "proxy", "prefetch", "scanner", "crawler", "sender", "unknown")
MACHINE_THRESHOLD = 1.5
WEIGHT = {"certain": 3.0, "probable": 1.5}
# Mautic's rule of thumb (its bot filter, mautic/mautic#16069): a hit within 2 s of sending is a machine's.
TOO_SOON = timedelta(seconds=2)
# Security gateways follow a message's links while delivering it, seconds after the send; a person
# has yet to see the message, open it and read to the link.
CLICK_TOO_SOON = timedelta(seconds=10)
# Scanners fetch every link of a message within seconds of delivery (Mautic issue 9798).
BURST = timedelta(seconds=5)
PREFETCH_HEADERS = ("sec-purpose", "purpose", "x-purpose", "x-moz")
COMPATIBLE = re.compile(r"[(;] ?compatible[;)]", re.IGNORECASE)
OLD_BROWSERS = re.compile(r"MSIE |Trident/|Konqueror|Outlook|ms-office", re.IGNORECASE)
# Systems and device families a browser or mail app names; bots rarely do.
SYSTEMS = re.compile(r"Android|iPhone|iPad|iPod|Windows|Macintosh|Mac OS|Linux|Darwin|X11|CrOS|BlackBerry|KaiOS|Tizen|"
                     r"FreeBSD|OpenBSD|NetBSD|SunOS|BeOS|Haiku|Amiga|MorphOS|Symbian|Series ?60|MIDP|UP\.Browser",
                     re.IGNORECASE)
# A User-Agent of products alone, no comment: "Name/1.2", "Name Other/3.4", "Name 0.95".
PRODUCTS_ONLY = re.compile(r"[\w.:-]+(?:/[\w.+-]+)?(?: [\w.:-]+(?:/[\w.+-]+)?)*")
# Add evidence for a source: its weight and the reason the user reads.
Vote = Callable[[str, float, str], None]


# The worker builds a Hit, a Context and a Verdict for every hit it stores: as named tuples they
# cost about a third of what frozen dataclasses did (3.2, 2.0 and 0.9 us, measured), as immutable.
NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class Hit(NamedTuple):
    kind: str  # "open" or "click"
    at: datetime
    ua: str = ""
    ip: str = ""
    method: str = "GET"
    headers: Mapping[str, str] = NO_HEADERS
    # Whether `headers` is what the client sent (the hot path's record) or unknown (a corpus line).
    headers_known: bool = False
    link_index: int | None = None


class Context(NamedTuple):
    """What is known of the message when the hit is classified."""

    sent_at: datetime | None = None
    sender_views: Sequence[datetime] = ()
    link_count: int = 0  # the links a person can see: the decoy is not one of them
    decoy_index: int | None = None
    recent_clicks: Sequence[Click] = ()
    # Whether anyone opened the message before this hit; None when unknown (the CLI).
    opened: bool | None = None


class Verdict(NamedTuple):
    source: str
    reason: str
    # This click completed a burst: the clicks just before it were the same scanner's.
    burst: bool = False


AGENT_CACHE_SIZE = 8192


class Classifier:
    """Judge hits by the User-Agent rules, the bot list and the networks it is given (the owner's among them)."""

    def __init__(self, agents: AgentRules, networks: Networks, bots: BotList, mail_apps: MailApps,
                 browsers: Browsers, *, cache_size: int = AGENT_CACHE_SIZE) -> None:
        self._agents, self._networks, self._bots = agents, networks, bots
        self._mail_apps, self._browsers = mail_apps, browsers
        # A worker sees the same few mail clients, proxies and scanners again and again, and what a
        # User-Agent says depends on nothing else: measured, the bot list's search was the largest
        # part of judging a chunk. `cache_size=0` keeps every call a full search (the micro bench).
        self.agent = lru_cache(maxsize=cache_size)(self._agent)

    def _agent(self, ua: str) -> AgentMatch | None:
        """What the User-Agent says: our mail-specific rules, then the mail-app list, then the bot list over any guess."""
        rule = self._agents.match(ua)
        if rule is not None and rule.confidence == "certain" and not (rule.source == "person_client" and _has_address(ua)):
            return rule
        if not _has_address(ua) and (app := self._mail_apps.match(ua)) is not None:
            return AgentMatch(app, "person_client", f"a mail app ({app})", "certain")
        bot = self._bots.match(ua)
        if bot is None:
            if rule is None and (browser := self._browsers.named(ua)) is not None:
                return AgentMatch(browser, "person_client", f"a browser ({browser})", "probable")
            return rule
        if bot.weak and (browser := self._browsers.named(ua, first=True)) is not None:
            return AgentMatch(browser, "person_client", f"a browser ({browser}), not {bot.name} alone", "probable")
        return AgentMatch(bot.name, bot.source, bot.reason, "certain")

    def classify(self, hit: Hit, context: Context) -> Verdict:
        if any(abs(hit.at - viewed) <= SENDER_VIEW_WINDOW for viewed in context.sender_views):
            return Verdict("sender", SENDER_REASON)
        if hit.kind == "click" and context.decoy_index is not None and hit.link_index == context.decoy_index:
            return Verdict("scanner", "followed a link no person can see")
        votes: dict[str, float] = defaultdict(float)
        reasons: dict[str, list[str]] = defaultdict(list)

        def vote(source: str, weight: float, reason: str) -> None:
            votes[source] += weight
            reasons[source].append(reason)

        agent = self.agent(hit.ua) if hit.ua else None
        _vote_on_agent(hit, agent, vote)
        network = self._networks.lookup(hit.ip) if hit.ip else None
        # Mail Privacy Protection fetches images and never follows links, while iCloud Private
        # Relay also carries Safari users: on a click, Apple's networks say nothing.
        if network is not None and not (network.source == "prefetch" and hit.kind == "click"):
            source = "scanner" if network.source == "proxy" and hit.kind == "click" else network.source
            # Outlook on the web loads images from Exchange's own ranges: on an open, a mail
            # provider's network is weaker evidence of a machine than on a click.
            vote(source, WEIGHT[network.confidence] * (2 / 3 if hit.kind == "open" else 1), network.reason)
        _vote_on_request(hit, context, vote)
        burst = hit.kind == "click" and _vote_on_clicks(hit, context, vote)
        verdict = _decide(hit, agent, votes, reasons)
        return Verdict(verdict.source, verdict.reason, burst=True) if burst and verdict.source == "scanner" else verdict


def _vote_on_agent(hit: Hit, agent: AgentMatch | None, vote: Vote) -> None:
    if agent is None or agent.confidence != "certain":
        _vote_on_shape(hit, agent is None, vote)
    if agent is None:
        return
    if agent.source == "person_client":
        # Scanners click with ordinary browser User-Agents: on a click, a browser's name
        # is weaker evidence of a person than on an open.
        vote("person", WEIGHT[agent.confidence] * (2 / 3 if hit.kind == "click" else 1), agent.reason)
    elif agent.source == "proxy" and hit.kind == "click":
        # Image proxies fetch images; a click through one is a machine following links.
        vote("scanner", WEIGHT[agent.confidence], f"{agent.reason} following a link")
    else:
        vote(agent.source, WEIGHT[agent.confidence], agent.reason)


def _vote_on_shape(hit: Hit, unnamed: bool, vote: Vote) -> None:
    """Vote on what any bot's User-Agent looks like, for the bots no list names yet.

    `unnamed` says no rule named the program at all, not even as a browser.
    """
    machine_kind = "scanner" if hit.kind == "click" else "crawler"
    ua = hit.ua
    if not ua:
        vote("scanner" if hit.kind == "click" else "prefetch", 1.0, "no User-Agent")
    elif _has_address(ua):
        # The convention for bots is a page about them in the User-Agent; browsers never carry one.
        vote(machine_kind, 2.0, "its User-Agent gives a web address, as bots do")
    elif COMPATIBLE.search(ua) and not OLD_BROWSERS.search(ua) and not SYSTEMS.search(ua):
        # "(compatible; Name/1.0)" with no system is how bots have introduced themselves since
        # Internet Explorer, the last mainstream browser to say it.
        vote(machine_kind, 2.0, "it calls itself compatible and names no system, as bots do")
    elif not any(character.isdigit() for character in ua):
        vote(machine_kind, 1.5, "a program that gives no version, unlike browsers and mail clients")
    elif unnamed and not ua.startswith("Mozilla/") and SYSTEMS.search(ua):
        # Mail apps and phone browsers no list names still say what they run on.
        vote("person", 1.0, "an app on a phone or computer")
    elif unnamed and PRODUCTS_ONLY.fullmatch(ua):
        # Only names and versions ("Node.js/22", "Xymon xymonnet/4.3"): a program. Mail clients
        # that write theirs so are on our safelist or device-detector's mail-app list.
        vote(machine_kind, 1.5, "a program that names only itself, unlike browsers and mail apps")


def _vote_on_request(hit: Hit, context: Context, vote: Vote) -> None:
    """Vote on how the request was made and when, against what is known of the message."""
    machine_kind = "scanner" if hit.kind == "click" else "prefetch"
    if hit.method == "HEAD":
        vote(machine_kind, 2.0, "a HEAD request fetches no content")
    if hit.headers_known and "accept" not in hit.headers:
        # Browsers and mail clients always say what they accept; scripts and some scanners don't.
        # Too common among plain HTTP libraries to decide anything alone.
        vote(machine_kind, 0.5, "no Accept header")
    if any("prefetch" in hit.headers.get(name, "").lower() for name in PREFETCH_HEADERS):
        vote("prefetch", 3.0, "asked as a prefetch")
    if context.sent_at is not None:
        since = hit.at - context.sent_at
        if hit.kind == "click" and since < CLICK_TOO_SOON:
            # Outweighs a browser's name alone: scanners click with current browsers' User-Agents.
            vote("scanner", 1.5, "clicked seconds after sending")
        elif since < TOO_SOON:
            vote(machine_kind, 1.0, "seconds after sending")
    if hit.kind == "click" and context.opened is False:
        # Weak: a reader whose client blocks images (classic Outlook's default) clicks unopened too.
        vote("scanner", 0.5, "a click before any open")


def _vote_on_clicks(hit: Hit, context: Context, vote: Vote) -> bool:
    """Vote on the clicks around this one; say whether they make a burst."""
    burst = {c.link_index for c in context.recent_clicks if abs(hit.at - c.at) <= BURST and c.link_index is not None}
    burst.add(hit.link_index)
    visible = context.link_count
    if visible >= 2 and len(burst) >= visible:
        vote("scanner", 2.5, f"all {visible} links clicked within {BURST.seconds} s")
        return True
    if len(burst) >= 3:
        vote("scanner", 1.5, f"{len(burst)} links clicked within {BURST.seconds} s")
        return True
    return False


def _decide(hit: Hit, agent: AgentMatch | None, votes: Mapping[str, float],
            reasons: Mapping[str, list[str]]) -> Verdict:
    machines = [(score, source) for source, score in votes.items() if source != "person"]
    person = votes.get("person", 0.0)
    if machines:
        score, source = max(machines)
        if score >= MACHINE_THRESHOLD and score > person:
            return Verdict(source, "; ".join(reasons[source]))
    if person:
        return Verdict("person", "; ".join(reasons["person"]))
    if hit.ua and agent is None and _looks_like_a_browser(hit.ua):
        return Verdict("person", "a browser or mail client")
    if machines:
        score, source = max(machines)
        return Verdict("unknown", f"perhaps {source}: " + "; ".join(reasons[source]))
    return Verdict("unknown", "nothing tells who this was")


def _has_address(ua: str) -> bool:
    """A web address in a User-Agent: the convention of bots, never sent by a browser or mail client."""
    return "http://" in ua or "https://" in ua


def _looks_like_a_browser(ua: str) -> bool:
    return ua.startswith("Mozilla/5.0 (") or "Outlook" in ua or "Thunderbird" in ua
