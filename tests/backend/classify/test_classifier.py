"""The classifier on the labelled corpus of real hits, and on each signal it combines."""
from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from telltale.classify import agents, bots, browsers, mail_apps, networks
from telltale.classify.classifier import Classifier, Context, Hit
from telltale.classify.judge import load_judge
from telltale.inspect_hits import inspect_line
from telltale.message_context import Click

HERE = Path(__file__).parent
FILES = ["corpus.jsonl", "bots_tuning.jsonl", "heldout.jsonl", "heldout_networks.jsonl", "heldout2.jsonl",
         "heldout3.jsonl"]
# Sources the rules, the lists or their thresholds were written or tuned from (CORPUS.md). The mail
# apps and the browsers of device-detector's fixtures join them: its pim.yml and browsers.yml, which the
# classifier reads, were written from them.
TUNING = {"corpus.jsonl", "device-detector-bots", "device-detector-mail-apps", "device-detector-devices"}
SENT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLASSES = ("person", "proxy", "prefetch", "scanner", "crawler")
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
APPLE_MAIL = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
# The shipped rules, as a worker whose instance folder adds none.
classify = Classifier(agents.load(), networks.for_home(None), bots.BotList(), mail_apps.MailApps(),
                      browsers.Browsers()).classify


def hit(kind="open", seconds=600, ua=APPLE_MAIL, ip="203.0.113.9", **fields) -> Hit:
    return Hit(kind=kind, at=SENT + timedelta(seconds=seconds), ua=ua, ip=ip, **fields)


@pytest.fixture(scope="module")
def judge():
    """The worker's judge with the shipped rules, run on each line the way `telltale classify` runs it."""
    loaded = load_judge(None, None)
    yield loaded
    loaded.close()


def corpus(tuning: bool) -> list[dict]:
    """The labelled hits of the tuning part, or of the held-out part."""
    lines = [{"source": name, **json.loads(text)} for name in FILES
             for text in (HERE / name).read_text().splitlines() if text.strip()]
    return [line for line in lines if (line["source"] in TUNING) == tuning]


def score(judge, lines: list[dict], title: str, capsys) -> tuple[float, float, set[str]]:
    """Right share, share of people lost and classes present over `lines`; prints per class and source."""
    now = datetime.now(UTC)
    pairs = [(line["expected"], inspect_line(judge, line, now)["source"]) for line in lines]
    confusion = Counter(pairs)
    right = sum(count for (expected, got), count in confusion.items() if expected == got)
    rows = ["class      precision  recall  n"]
    for name in CLASSES:
        predicted = sum(count for (_, got), count in confusion.items() if got == name)
        actual = sum(count for (expected, _), count in confusion.items() if expected == name)
        if actual:
            hits = confusion[(name, name)]
            rows.append(f"{name:<10} {hits / predicted if predicted else 0:>9.3f}  {hits / actual:>6.3f}  {actual}")
    by_source = Counter((line["source"], expected == got) for line, (expected, got) in zip(lines, pairs, strict=True))
    rows += [f"  {source}: {by_source[(source, True)]}/{by_source[(source, True)] + by_source[(source, False)]}"
             for source in sorted({source for source, _ in by_source})]
    machines = sum(count for (expected, got), count in confusion.items() if (expected == "person") == (got == "person"))
    people = sum(count for (expected, _), count in confusion.items() if expected == "person")
    lost = people - confusion[("person", "person")]
    with capsys.disabled():
        print(f"\n[{title}] {right}/{len(lines)} right ({right / len(lines):.1%}); person or not right "
              f"{machines / len(lines):.1%}; {lost}/{people} people lost\n" + "\n".join(rows))
    return right / len(lines), lost / people, {expected for expected, _ in pairs}


def test_the_tuning_corpus_is_classified_as_labelled(judge, capsys):
    # The rules and thresholds were written from these sources: this only shows nothing regressed.
    right, lost, classes = score(judge, corpus(tuning=True), "tuning part", capsys)
    assert right >= 0.94 and lost <= 0.01
    # Every class is in the corpus: a class nobody can produce would pass the rates above.
    assert classes == set(CLASSES)


def test_the_held_out_corpus_is_classified_as_labelled(judge, capsys):
    # Sources no rule, list or threshold was written from (CORPUS.md): the figures the README states.
    # At most 1% of people lost, the goal; for the share right, a floor against regressions at what
    # is reached today (87.6%), not the goal of 95%: most of the gap is bots whose kind (scanner or
    # crawler) the independent lists and our lists name differently.
    right, lost, classes = score(judge, corpus(tuning=False), "held-out part", capsys)
    assert right >= 0.87 and lost <= 0.01
    assert {"person", "scanner", "crawler", "proxy", "prefetch"} <= classes


def test_the_senders_view_and_the_decoy_decide_alone():
    viewed = Context(sent_at=SENT, sender_views=(SENT + timedelta(seconds=630),))
    assert classify(hit(seconds=600), viewed).source == "sender"
    assert classify(hit(seconds=690), viewed).source == "sender"
    assert classify(hit(seconds=800), viewed).source == "person"
    decoy = Context(sent_at=SENT, link_count=3, decoy_index=2)
    verdict = classify(hit("click", ua=CHROME, link_index=2), decoy)
    assert (verdict.source, verdict.reason) == ("scanner", "followed a link no person can see")


def test_request_shape_sets_machines_apart():
    assert classify(hit(method="HEAD", ua=CHROME), Context(sent_at=SENT)).source == "prefetch"
    assert classify(hit("click", method="HEAD", ua=CHROME, link_index=0), Context(sent_at=SENT)).source == "scanner"
    prefetch = classify(hit(ua=CHROME, headers={"sec-purpose": "prefetch"}), Context(sent_at=SENT))
    assert prefetch.source == "prefetch" and "prefetch" in prefetch.reason
    nameless = classify(hit(ua=""), Context(sent_at=SENT))
    assert nameless.source == "unknown" and "no User-Agent" in nameless.reason  # shown, not counted


def test_a_missing_accept_header_only_adds_to_other_evidence():
    # No rule or list names it; naming a system, it is weakly an app on someone's computer.
    script = "Example-Tool/1.0 (Linux)"
    soon, later = Context(sent_at=SENT), Context(sent_at=SENT)
    bare = classify(hit(seconds=1, ua=script, headers={}, headers_known=True), soon)
    assert bare.source == "prefetch" and "no Accept header" in bare.reason
    polite = classify(hit(seconds=1, ua=script, headers={"accept": "image/*"}, headers_known=True), soon)
    assert polite.source == "person"
    # Alone it decides nothing, and a real mail client without one stays a person.
    assert classify(hit(ua=script, headers={}, headers_known=True), later).source == "person"
    assert classify(hit(headers={}, headers_known=True), later).source == "person"


def test_a_click_before_any_open_only_adds_to_other_evidence():
    tool = "Example-Tool/1.0 (Linux)"
    unopened, opened = Context(sent_at=SENT, opened=False), Context(sent_at=SENT, opened=True)
    soon = classify(hit("click", seconds=1, ua=tool, link_index=0), unopened)
    assert soon.source == "scanner" and "a click before any open" in soon.reason
    assert classify(hit("click", seconds=60, ua=tool, link_index=0), unopened).source == "person"
    assert classify(hit("click", seconds=60, ua=tool, link_index=0), opened).source == "person"
    # Images blocked, link clicked an hour later: still a person.
    assert classify(hit("click", seconds=3600, ua=CHROME, link_index=0), unopened).source == "person"


def test_a_burst_of_clicks_on_every_link_is_a_scanner_and_says_so():
    earlier = (Click(SENT + timedelta(seconds=30), 0), Click(SENT + timedelta(seconds=31), 1))
    context = Context(sent_at=SENT, link_count=3, recent_clicks=earlier)
    verdict = classify(hit("click", seconds=32, ua=CHROME, ip="198.51.100.4", link_index=2), context)
    assert verdict.source == "scanner" and verdict.burst and "all 3 links" in verdict.reason
    # The same click alone, an hour later, is a person's.
    alone = classify(hit("click", seconds=3600, ua=CHROME, ip="198.51.100.4", link_index=2), Context(sent_at=SENT, link_count=3))
    assert (alone.source, alone.burst) == ("person", False)


def test_a_proxy_opens_but_does_not_click():
    assert classify(hit(ua=GMAIL_PROXY, ip="66.102.8.1"), Context(sent_at=SENT)).source == "proxy"
    assert classify(hit("click", ua=GMAIL_PROXY, ip="66.102.8.1", link_index=0), Context(sent_at=SENT)).source == "scanner"


@pytest.mark.parametrize("ua", [
    # Outlook desktop, Outlook for iOS, Apple Mail (privacy off), Thunderbird, Chrome on Android: pim.yml and
    # browser fixtures of matomo-org/device-detector.
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Outlook-iOS/723.4027091.prod.iphone (4.2334.0)",
    APPLE_MAIL,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
])
def test_real_mail_clients_stay_people_even_soon_after_sending(ua):
    assert classify(hit(seconds=40, ua=ua), Context(sent_at=SENT)).source == "person"
