from __future__ import annotations

import re

import pytest
import re2
from crawlerdetect.providers.crawlers import data as CRAWLER_PATTERNS

from telltale.classify.catalogue import LOOKAROUND, Catalogue, device_detector_list, without_lookaround


def test_an_entry_with_lookaround_keeps_its_assertion():
    daum = Catalogue([{"regex": "Daum(?!(?:Apps|Device))", "name": "Daum"}])
    assert daum.first("Mozilla/5.0 (compatible; Daum/4.1; +http://cs.daum.net/faq/15/4118.html)")[0]["name"] == "Daum"
    assert daum.first("Mozilla/5.0 (Linux; Android 13) DaumApps/8.4.1") is None


def test_an_entry_with_lookaround_is_tried_in_list_order():
    # The first entry that matches wins, whether or not its pattern needs `re` for an assertion.
    chrome = Catalogue([{"regex": "Chrome(?!book)", "name": "first"}, {"regex": "Chrome", "name": "second"}])
    assert chrome.first("Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36")[0]["name"] == "first"
    assert chrome.first("Mozilla/5.0 Chromebook Chrome/120.0.0.0")[0]["name"] == "first"
    assert chrome.first("Mozilla/5.0 Chromebook")[0]["name"] == "second"


@pytest.mark.parametrize(("pattern", "searched"), [
    ("(?<!HTC)[ _]Butterfly/", "[ _]Butterfly/"),
    ("Daum(?!(?:Apps|Device))", "Daum"),
    (r"a[(?!x]b(?=c(d)e)f\(?!x\)", r"a[(?!x]bf\(?!x\)"),  # a class and an escaped parenthesis hold no group
    (r"x[]()](?!y)z", r"x[]()]z"),  # a ] right after the bracket is a member of the class
    (r"(?:(?<!cu|Hu)bot(?![ _]TAB|[ _]?5[0-9]))", "(?:bot)"),
])
def test_it_takes_out_only_the_assertions(pattern, searched):
    assert without_lookaround(pattern) == searched


def test_what_the_set_searches_matches_wherever_the_pattern_does(corpus_user_agents):
    patterns = [entry["search"] for name in ("bots.yml", "client/libraries.yml", "client/browsers.yml")
                for entry in device_detector_list(name)] + list(CRAWLER_PATTERNS)
    with_lookaround = [pattern for pattern in patterns if LOOKAROUND.search(pattern)]
    assert len(with_lookaround) >= 20
    options = re2.Options()
    options.case_sensitive = False
    for pattern in with_lookaround:
        try:
            full = re.compile(pattern, re.IGNORECASE)
        except re.error:
            continue  # a look-behind of variable width: the catalogue leaves it out
        searched = re2.compile(without_lookaround(pattern), options)
        missed = [ua for ua in corpus_user_agents if full.search(ua) and not searched.search(ua)]
        assert missed == [], pattern
