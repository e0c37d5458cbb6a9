"""User-Agent rules: each rule's observed examples, the mail-client safelist, the labelled corpus.

Checks loop over the rules and report every failure at once rather than one test per example:
the suite's autouse gc.collect would cost more than the checks themselves.
"""

from __future__ import annotations

import json
import re
import timeit
import tomllib
from pathlib import Path

import pytest

from telltale.classify import agents
from telltale.classify.agents import AgentMatch
from telltale.errors import ConfigError

CORPUS_FILE = Path(__file__).parent / "corpus.jsonl"
MACHINES = ("proxy", "prefetch", "scanner", "crawler")
ENTRIES = tomllib.loads(agents.RULES_FILE.read_text(encoding="utf-8"))["rule"]
RULES = agents.load()
CORPUS = [json.loads(line) for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines()]

GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
APPLE_MAIL_IPHONE = (  # biggora/express-useragent#78: Apple Mail on an iPhone, privacy protection off
    "Mozilla/5.0 (iPhone; CPU iPhone OS 10_1_1 like Mac OS X) AppleWebKit/602.2.14 (KHTML, like Gecko) Mobile/14B100"
)
OUTLOOK_2016 = (  # matomo-org/device-detector Tests/Parser/Client/fixtures/pim.yml
    "Microsoft Office/16.0 (Microsoft Outlook 16.0.12329; Pro), Mozilla/4.0 (compatible; ms-office; MSOffice 16)"
)
SAFARI_MAC = (  # matomo-org/device-detector Tests/fixtures/desktop.yml, as in corpus.jsonl
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.5"
    " Safari/605.1.15"
)


def test_every_example_resolves_to_its_own_rule():
    rules = RULES
    wrong = [
        f"{entry['name']}: {example!r} -> {rules.match(example)}"
        for entry in ENTRIES
        for example in entry["examples"]
        if (found := rules.match(example)) is None or found.name != entry["name"]
    ]
    assert not wrong, "\n".join(wrong)


def test_every_rule_names_its_public_source_in_the_comment_above_it():
    lines = agents.RULES_FILE.read_text(encoding="utf-8").splitlines()
    silent = [
        number for number, line in enumerate(lines) if line == "[[rule]]" and not lines[number - 1].startswith("# ")
    ]
    assert len(ENTRIES) > 50
    assert not silent, f"[[rule]] without a source comment at lines {[n + 1 for n in silent]}"


def test_the_rules_cover_the_named_fetchers():
    names = {entry["name"]: entry["source"] for entry in ENTRIES}
    for name, source in [
        ("Gmail image proxy", "proxy"),
        ("Yahoo Mail image proxy", "proxy"),
        ("Gmail prefetch", "prefetch"),
        ("Apple Mail Privacy Protection", "prefetch"),
        ("Microsoft Office Existence Discovery", "scanner"),
        ("Barracuda Sentinel", "scanner"),
        ("Yahoo Link Preview", "scanner"),
        ("Outlook for Windows", "person_client"),
        ("Thunderbird", "person_client"),
        ("Apple Mail", "person_client"),
    ]:
        assert names.get(name) == source, name


def test_mail_clients_in_the_safelist_are_never_taken_for_machines():
    rules = RULES
    wrong = [
        f"{example!r} -> {rules.match(example)}"
        for entry in ENTRIES
        if entry["source"] == "person_client"
        for example in entry["examples"]
        if rules.match(example).source != "person_client"
    ]
    assert not wrong, "\n".join(wrong)


def test_people_in_the_corpus_are_never_taken_for_machines():
    wrong = [
        f"line {number}: {hit['ua']!r} -> {found}"
        for number, hit in enumerate(CORPUS, 1)
        if hit["expected"] == "person" and (found := RULES.match(hit["ua"])) and found.source in MACHINES
    ]
    assert not wrong, "\n".join(wrong)


def test_certain_machine_rules_agree_with_the_corpus_labels():
    wrong = [
        f"line {number}: {hit['expected']} but {found}"
        for number, hit in enumerate(CORPUS, 1)
        if (found := RULES.match(hit["ua"]))
        and found.confidence == "certain"
        and found.source in MACHINES
        and found.source != hit["expected"]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_best_rule_wins():
    expected = [
        (GMAIL_PROXY, "Gmail image proxy", "proxy", "certain"),  # over its "Firefox/11.0"
        ("Mozilla/5.0", "Apple Mail Privacy Protection", "prefetch", "probable"),
        (APPLE_MAIL_IPHONE, "Apple Mail", "person_client", "certain"),
        (OUTLOOK_2016, "Outlook for Windows", "person_client", "certain"),  # over its "Mozilla/4.0"
        (SAFARI_MAC, "Safari and WebKit browsers", "person_client", "probable"),
    ]
    for ua, name, source, confidence in expected:
        found = RULES.match(ua)
        assert isinstance(found, AgentMatch) and found.reason, ua
        assert (found.name, found.source, found.confidence) == (name, source, confidence), ua


def test_case_does_not_matter():
    assert RULES.match(GMAIL_PROXY.upper()).name == "Gmail image proxy"
    assert RULES.match("MOZILLA/5.0").name == "Apple Mail Privacy Protection"


def test_a_missing_or_unknown_user_agent_matches_no_machine():
    for ua in ["", None, "   ", "-", "Mozilla/5.0 (Mail Privacy Protection?)", "Mozilla/5.0 ☃ ünïcode", "\x00\xff"]:
        found = RULES.match(ua)
        assert found is None or found.source == "person_client", (ua, found)


def test_a_missing_user_agent_is_left_to_the_classifier():
    assert RULES.match("") is None
    assert RULES.match(None) is None


def test_a_huge_user_agent_is_answered_quickly():
    ua = "Mozilla/5.0 " + "(KHTML, like Gecko) " * 5000 + "GoogleImageProxy"
    assert RULES.match(ua).name == "Gmail image proxy"
    assert timeit.timeit(lambda: RULES.match(ua), number=5) / 5 < 0.05


def test_matching_the_corpus_costs_microseconds():
    uas = [hit["ua"] for hit in CORPUS]
    RULES.match(uas[0])
    seconds = min(timeit.repeat(lambda: [RULES.match(ua) for ua in uas], number=5, repeat=3)) / 5 / len(uas)
    # About 4 us here; the bound is loose so a busy machine does not fail it.
    assert seconds < 50e-6


RULE = """
# a comment naming the source
[[rule]]
name = "Test fetcher"
source = "scanner"
match = 'TestFetcher/'
tokens = ["testfetcher"]
reason = "a test"
confidence = "certain"
examples = ["TestFetcher/1.0"]
"""


def test_a_rules_file_of_your_own_loads(tmp_path):
    path = tmp_path / "agents.toml"
    path.write_text(RULE, encoding="utf-8")
    rules = agents.load(path)
    assert rules.match("x TESTFETCHER/2 y") == AgentMatch("Test fetcher", "scanner", "a test", "certain")
    assert rules.match("TestFetcher 1.0") is None


def test_a_broken_rules_file_is_refused_with_the_rule_named(tmp_path):
    path = tmp_path / "agents.toml"
    for change, message in [
        (("'TestFetcher/'", "'TestFetcher/('"), "rule 1 (Test fetcher): match 'TestFetcher/(' is not a regular"),
        (("'TestFetcher/'", r"'TestFetcher\S'"), r"without \A \B \D \S \W or \Z"),
        (('"scanner"', '"robot"'), "source 'robot' is not one of"),
        (('"certain"', '"sure"'), "confidence 'sure'"),
        (('["testfetcher"]', '["TestFetcher"]'), "tokens must be lowercase words"),
        (('["testfetcher"]', "[]"), "tokens must be lowercase words"),
        (('["TestFetcher/1.0"]', "[]"), "give at least one observed User-Agent"),
        (('reason = "a test"\n', ""), "missing reason"),
        (("[[rule]]", "[[rule]"), "cannot read User-Agent rules"),
    ]:
        path.write_text(RULE.replace(*change), encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(message)):
            agents.load(path)


def test_two_rules_with_one_name_are_refused(tmp_path):
    path = tmp_path / "agents.toml"
    path.write_text(RULE + RULE, encoding="utf-8")
    with pytest.raises(ConfigError, match="two rules are named 'Test fetcher'"):
        agents.load(path)


def test_a_missing_rules_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot read User-Agent rules"):
        agents.load(tmp_path / "absent.toml")


def test_the_corpus_is_well_formed_and_balanced():
    fields = {"kind", "ua", "ip", "method", "headers", "seconds_after_send", "expected", "ref"}
    counts: dict[str, int] = {}
    for number, hit in enumerate(CORPUS, 1):
        assert set(hit) == fields, number
        assert hit["kind"] in ("open", "click"), number
        assert hit["method"] in ("GET", "HEAD"), number
        assert set(hit["headers"]) <= {"Accept", "Sec-Purpose", "Purpose", "Referer"}, number
        assert isinstance(hit["ua"], str) and isinstance(hit["seconds_after_send"], int | float), number
        assert hit["ref"].strip(), number
        counts[hit["expected"]] = counts.get(hit["expected"], 0) + 1
    assert set(counts) == {"person", *MACHINES}
    assert counts["person"] >= 120 and counts["proxy"] >= 40 and counts["prefetch"] >= 30
    assert counts["scanner"] >= 60 and counts["crawler"] >= 50
