"""Build the held-out hit corpus and the bot tuning set from public User-Agent lists.

Writes two files beside this script (or into --out-dir), in the format of corpus.jsonl less its
"headers" key, plus a "source" key naming the list a row comes from:

- heldout.jsonl: hits the classifier's rules were NOT written from, to score them honestly.
  People come from device-detector's device fixtures (browsers on phones, tablets, phablets and
  desktop-1, in-app browsers, mail apps), device-detector's client fixtures (pim.yml,
  mobile_app.yml) and uap-core's tests/test_ua.yaml (common browser families); machines come
  from crawler-user-agents (labelled by its tags) and from uap-core's spiders.
- bots_tuning.jsonl: every categorised row of device-detector's bots.yml, labelled by its
  category. The rules may be tuned on it, so it is kept apart and never mixed into heldout.jsonl.

Labels come only from each list's own categories (see CORPUS.md, "The held-out corpus"), never
from what the classifier answers. Nothing is random: sampling, kind, address and delay are all
drawn from a SHA-256 hash of the User-Agent, so the same inputs always give the same files.
Addresses are documentation addresses and delays are spread over days, so neither carries a
signal: every row has to be decided by its User-Agent.

A User-Agent that appears verbatim in corpus.jsonl, in agents.toml's examples or in bots.yml is
left out of heldout.jsonl: a rule written or tuned on a string must not be scored on it.

Usage (paths to the downloaded lists; see CORPUS.md for their exact versions):

    python3 tests/backend/classify/build_corpus.py \\
        --crawler-user-agents crawleruseragents/crawler-user-agents.json \\
        --dd-fixtures device_detector/tests/fixtures/upstream \\
        --dd-client-pim pim.yml --dd-client-mobile-app mobile_app.yml \\
        --uap-tests uap-core/tests
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
CORPUS = HERE / "corpus.jsonl"
AGENTS = REPO / "backend" / "telltale" / "classify" / "data" / "agents.toml"

CUA_VERSION = "1.67.0"
DD_VIA = "via PyPI device-detector 6.5.1"
DD_PIM_COMMIT = "0fb50a6"
DD_MOBILE_APP_COMMIT = "0ea7b07"
UAP_VERSION = "0.16.0"

# How many rows to draw where a list offers more than the held-out corpus needs.
N_DEVICES = 300  # browsers from device-detector's device fixtures
N_CUA_CRAWLERS = 220  # crawler-user-agents rows labelled crawler (it has ~1,350)
N_UAP_SPIDERS = 80  # uap-core spiders labelled crawler (it has ~600)

PEOPLE_SECONDS = (40, 172_800)  # up to two days
BOT_SECONDS = (40, 604_800)  # up to a week

# crawler-user-agents tags: these make an entry a scanner; every other tag makes it a crawler.
CUA_SCANNER_TAGS = {"scanner", "social-preview", "http-library", "browser-automation"}

# device-detector bots.yml categories labelled scanner, by the corpus's definition (CORPUS.md): bots
# handed a URL to check or show it (security checkers, social and service agents that unfurl or
# preview links, validators and link checkers). Every other non-empty category is crawler.
DD_SCANNER_CATEGORIES = {"Security Checker", "Security search bot", "Social Media Agent", "Service Agent", "Validator"}

# device-detector's device fixtures of ordinary browsers (desktop.yml is left out: the rules
# were written from it).
DD_DEVICE_FILES = ("smartphone.yml", "tablet.yml", "phablet.yml", "desktop-1.yml")

# Apps that show web pages in their own browser; only their browser strings ("Mozilla/5.0 (...")
# count, not the API calls the same apps make (CFNetwork, Cronet, okhttp, FBAN-only strings).
DD_IN_APP_BROWSERS = {
    "Facebook", "Facebook Messenger", "Facebook Lite", "Facebook Messenger Lite", "Facebook Groups",
    "Instagram", "Line", "Snapchat", "TikTok", "TikTok Lite", "Pinterest", "Google Search App",
    "Google Go", "Naver", "Daum", "Baidu Box App", "Baidu Box App Lite", "KakaoTalk", "Slack",
}  # fmt: skip

# device-detector client names of mail apps (type "pim" or "mobile app").
DD_MAIL_APPS = {
    "Airmail", "AOL", "Apple Mail", "Barca", "BlueMail", "eM Client", "Email Home", "Foxmail",
    "GMX Mail", "Gmail", "Libero Mail", "Lotus Notes", "Mail Master", "MailApp", "MailBar",
    "Mailbird", "Mailspring", "Microsoft Outlook", "NAVER Mail", "Outlook Express", "Postbox",
    "Samsung Email", "SeaMonkey", "Spicebird", "Telekom Mail", "The Bat!", "Thunderbird", "Unibox",
    "WEB.DE Mail", "Windows Mail", "Yahoo Mail", "Yahoo! Mail",
}  # fmt: skip

# pim.yml clients left out: a calendar/contacts sync library and 2channel board readers, which
# never load a message's images or open its links, and Notion, whose "Notion/" token
# crawler-user-agents gives to Notion's link previewer, so the string's label is in doubt.
DD_PIM_SKIP = {"DAVdroid", "Live5ch", "JaneView", "BathyScaphe", "Notion"}

# uap-core families of common browsers and of the in-app browsers of big apps.
UAP_BROWSERS = {
    "Chrome", "Chrome Mobile", "Firefox", "Safari", "Mobile Safari", "Edge", "Opera",
    "Samsung Internet", "UC Browser", "Yandex Browser", "Chrome Mobile iOS", "Firefox Mobile",
    "Chrome Mobile WebView", "Facebook", "Instagram",
}  # fmt: skip
UAP_SPIDER_FAMILY = re.compile(r"bot|spider|crawler", re.IGNORECASE)

BROWSER_PREFIX = "Mozilla/5.0 ("


def h(ua: str, salt: str) -> int:
    """A stable number drawn from the User-Agent; salt keeps the draws for each field apart."""
    return int.from_bytes(hashlib.sha256(f"{salt}\0{ua}".encode()).digest()[:8], "big")


def address(ua: str) -> str:
    n = h(ua, "ip")
    host = n % 254 + 1
    return ("203.0.113.{}", "198.51.100.{}", "192.0.2.{}", "2001:db8::{:x}")[(n >> 16) % 4].format(host)


def seconds(ua: str, span: tuple[int, int]) -> int:
    low, high = span
    return low + h(ua, "seconds") % (high - low + 1)


def alternate(ua: str) -> str:
    return ("open", "click")[h(ua, "kind") % 2]


def row(ua: str, expected: str, source: str, ref: str, kind: str | None = None) -> dict:
    if kind is None:
        kind = "click" if expected == "scanner" else alternate(ua)
    span = PEOPLE_SECONDS if expected == "person" else BOT_SECONDS
    return {
        "kind": kind,
        "ua": ua,
        "ip": address(ua),
        "method": "GET",
        "seconds_after_send": seconds(ua, span),
        "expected": expected,
        "source": source,
        "ref": ref,
    }


def load_yaml(path: Path):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


def sample(rows: list[dict], n: int) -> list[dict]:
    """The n rows whose User-Agents hash lowest: a fixed draw that does not depend on file order."""
    return sorted(rows, key=lambda r: h(r["ua"], "sample"))[:n]


# ------------------------------------------------------------------------------------ sources


def crawler_user_agents(path: Path) -> tuple[list[dict], list[dict], list[tuple[re.Pattern, str]]]:
    """Up to two instances of each pattern, labelled by the pattern's tags."""
    scanners, crawlers, scanner_patterns = [], [], []
    for entry in json.loads(path.read_text("utf-8")):
        tags = entry.get("tags") or []
        expected = "scanner" if CUA_SCANNER_TAGS & set(tags) else "crawler"
        if expected == "scanner":
            scanner_patterns.append((re.compile(entry["pattern"]), entry["pattern"]))
        ref = (
            f"monperrus/crawler-user-agents crawler-user-agents.json "
            f"(pattern '{entry['pattern']}', tags {','.join(tags)}) {CUA_VERSION}"
        )
        for ua in (entry.get("instances") or [])[:2]:
            if ua:
                (scanners if expected == "scanner" else crawlers).append(row(ua, expected, "crawler-user-agents", ref))
    return scanners, crawlers, scanner_patterns


def dd_bots(fixtures: Path) -> list[dict]:
    out, seen = [], set()
    for entry in load_yaml(fixtures / "bots.yml"):
        bot = entry.get("bot") or {}
        category = bot.get("category")
        ua = str(entry.get("user_agent") or "")
        if not category or not ua or ua in seen:
            continue
        seen.add(ua)
        expected = "scanner" if category in DD_SCANNER_CATEGORIES else "crawler"
        ref = f"matomo-org/device-detector Tests/fixtures/bots.yml (bot '{bot.get('name')}', category '{category}') {DD_VIA}"
        out.append(row(ua, expected, "device-detector-bots", ref))
    return out


def client_of(entry: dict) -> dict:
    client = entry.get("client")
    return client if isinstance(client, dict) else {}


def dd_devices(fixtures: Path) -> list[dict]:
    out = []
    for name in DD_DEVICE_FILES:
        for entry in load_yaml(fixtures / name) or []:
            client = client_of(entry)
            ua = str(entry.get("user_agent") or "")
            # "Dalvik/..." is Android's Java HTTP stack, which device-detector files under
            # "Android Browser" for want of a client name: any app or script sends it.
            if client.get("type") == "browser" and ua and not ua.startswith("Dalvik/"):
                ref = f"matomo-org/device-detector Tests/fixtures/{name} (browser '{client.get('name')}') {DD_VIA}"
                out.append(row(ua, "person", "device-detector-devices", ref))
    return out


def dd_apps(fixtures: Path, client_mobile_app: Path) -> list[dict]:
    """In-app browsers of the big apps: device fixtures, client-hints fixtures, client fixture."""
    files = [
        (fixtures / "mobile_apps.yml", "Tests/fixtures/mobile_apps.yml", DD_VIA),
        (fixtures / "clienthints-app.yml", "Tests/fixtures/clienthints-app.yml", DD_VIA),
        (client_mobile_app, "Tests/Parser/Client/fixtures/mobile_app.yml", f"at {DD_MOBILE_APP_COMMIT}"),
    ]
    out = []
    for path, upstream, version in files:
        for entry in load_yaml(path) or []:
            client = client_of(entry)
            ua = str(entry.get("user_agent") or "")
            if client.get("name") in DD_IN_APP_BROWSERS and ua.startswith(BROWSER_PREFIX):
                ref = f"matomo-org/device-detector {upstream} (in-app browser '{client.get('name')}') {version}"
                out.append(row(ua, "person", "device-detector-apps", ref))
    return out


def dd_mail_apps(fixtures: Path, client_pim: Path, client_mobile_app: Path) -> list[dict]:
    """Mail apps: every pim.yml row but the few that are not mail or web clients, and every
    row of the other fixtures (desktop.yml and bots.yml aside) whose client is a mail app."""
    out = []
    for entry in load_yaml(client_pim) or []:
        client = client_of(entry)
        ua = str(entry.get("user_agent") or "")
        if ua and client.get("name") not in DD_PIM_SKIP:
            mail = client.get("name") in DD_MAIL_APPS
            ref = (
                f"matomo-org/device-detector Tests/Parser/Client/fixtures/pim.yml "
                f"({'mail app' if mail else 'pim'} '{client.get('name')}') at {DD_PIM_COMMIT}"
            )
            out.append(row(ua, "person", "device-detector-mail-apps", ref, kind="open" if mail else None))
    files = [(client_mobile_app, "Tests/Parser/Client/fixtures/mobile_app.yml", f"at {DD_MOBILE_APP_COMMIT}")]
    for path in sorted(fixtures.glob("*.yml")):
        if path.name not in ("desktop.yml", "bots.yml"):
            files.append((path, f"Tests/fixtures/{path.name}", DD_VIA))
    for path, upstream, version in files:
        for entry in load_yaml(path) or []:
            client = client_of(entry)
            ua = str(entry.get("user_agent") or "")
            if ua and client.get("name") in DD_MAIL_APPS:
                ref = f"matomo-org/device-detector {upstream} (mail app '{client.get('name')}') {version}"
                out.append(row(ua, "person", "device-detector-mail-apps", ref, kind="open"))
    return out


def uap_core(tests: Path, scanner_patterns: list[tuple[re.Pattern, str]]) -> tuple[list[dict], list[dict]]:
    """Common browser families → person; spiders → crawler, or scanner where crawler-user-agents
    tags the same string as a previewer, scanner or HTTP library (uap-core has no such category)."""
    devices = {}
    for case in load_yaml(tests / "test_device.yaml")["test_cases"]:
        devices.setdefault(case["user_agent_string"], case.get("family"))
    people, spiders = [], []
    for case in load_yaml(tests / "test_ua.yaml")["test_cases"]:
        ua, family = str(case["user_agent_string"] or ""), str(case.get("family") or "")
        if not ua:
            continue
        device = devices.get(ua)
        if UAP_SPIDER_FAMILY.search(family) or device == "Spider":
            what = f"family '{family}'" + (", device 'Spider'" if device == "Spider" else "")
            previewer = next((p for rx, p in scanner_patterns if rx.search(ua)), None)
            if previewer:
                ref = (
                    f"ua-parser/uap-core tests/test_ua.yaml ({what}; scanner as crawler-user-agents "
                    f"pattern '{previewer}') {UAP_VERSION}"
                )
                spiders.append(row(ua, "scanner", "uap-core", ref))
            else:
                spiders.append(
                    row(ua, "crawler", "uap-core", f"ua-parser/uap-core tests/test_ua.yaml ({what}) {UAP_VERSION}")
                )
        elif family in UAP_BROWSERS and ua.startswith(BROWSER_PREFIX):
            ref = f"ua-parser/uap-core tests/test_ua.yaml (family '{family}') {UAP_VERSION}"
            people.append(row(ua, "person", "uap-core", ref))
    return people, spiders


# ------------------------------------------------------------------------------------ exclusions


def known_strings(bots_tuning: list[dict]) -> dict[str, str]:
    """User-Agents the rules were written or tuned on, each with where it is."""
    known = {}
    for line in CORPUS.read_text("utf-8").splitlines():
        if line.strip():
            known.setdefault(json.loads(line)["ua"], "corpus.jsonl")
    for rule in tomllib.loads(AGENTS.read_text("utf-8")).get("rule", []):
        for example in rule.get("examples", []):
            known.setdefault(example, "agents.toml")
    for r in bots_tuning:
        known.setdefault(r["ua"], "bots.yml")
    return known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawler-user-agents", type=Path, required=True, help="crawler-user-agents.json")
    parser.add_argument("--dd-fixtures", type=Path, required=True, help="device-detector Tests/fixtures directory")
    parser.add_argument("--dd-client-pim", type=Path, required=True, help="device-detector client fixture pim.yml")
    parser.add_argument("--dd-client-mobile-app", type=Path, required=True, help="client fixture mobile_app.yml")
    parser.add_argument("--uap-tests", type=Path, required=True, help="uap-core tests directory")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)

    tuning = dd_bots(args.dd_fixtures)
    known = known_strings(tuning)
    cua_scanners, cua_crawlers, scanner_patterns = crawler_user_agents(args.crawler_user_agents)
    uap_people, uap_spiders = uap_core(args.uap_tests, scanner_patterns)

    dropped: Counter[tuple[str, str]] = Counter()

    def keep(rows: list[dict]) -> list[dict]:
        kept = []
        for r in rows:
            if r["ua"] in known:
                dropped[(r["source"], known[r["ua"]])] += 1
            else:
                kept.append(r)
        return kept

    # Exclusions first, then the draws, so each draw is taken among rows that may be scored.
    groups = [
        keep(dd_mail_apps(args.dd_fixtures, args.dd_client_pim, args.dd_client_mobile_app)),
        keep(dd_apps(args.dd_fixtures, args.dd_client_mobile_app)),
        sample(keep(dd_devices(args.dd_fixtures)), N_DEVICES),
        keep(uap_people),
        keep([r for r in uap_spiders if r["expected"] == "scanner"]),
        sample(keep([r for r in uap_spiders if r["expected"] == "crawler"]), N_UAP_SPIDERS),
        keep(cua_scanners),
        sample(keep(cua_crawlers), N_CUA_CRAWLERS),
    ]

    heldout, seen, labels = [], set(), {}
    duplicates = conflicts = 0
    for r in (r for group in groups for r in group):
        if (r["ua"], r["kind"]) in seen:
            duplicates += 1
            continue
        if labels.get(r["ua"], r["expected"]) != r["expected"]:
            conflicts += 1  # the same string labelled otherwise by an earlier source: keep the first
            continue
        seen.add((r["ua"], r["kind"]))
        labels[r["ua"]] = r["expected"]
        heldout.append(r)

    for name, rows in (("heldout.jsonl", heldout), ("bots_tuning.jsonl", tuning)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (args.out_dir / name).write_text(text, "utf-8")

    print(f"heldout.jsonl: {len(heldout)} rows; bots_tuning.jsonl: {len(tuning)} rows", file=sys.stderr)
    print(f"  held-out per class: {dict(Counter(r['expected'] for r in heldout))}", file=sys.stderr)
    print(f"  held-out per source: {dict(Counter(r['source'] for r in heldout))}", file=sys.stderr)
    print(f"  left out as known strings: {dict(dropped)}", file=sys.stderr)
    print(f"  left out as duplicates: {duplicates}; as conflicting labels: {conflicts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
