"""How often three maintained bot lists agree on the kind of machine: `python -m tests.backend.classify.agreement`.

Every held-out label of a machine is either `scanner` (handed a URL to check or show it) or
`crawler` (goes looking for pages), and each source's own categories decide it. This maps three
lists' categories through that same policy (CORPUS.md, "Labelling policy") and counts, for the
User-Agents two lists both categorise, how often they say the same kind; and how often each list
says what a file's labels say. No classifier runs here: it measures the labels, not us, and so
the ceiling any one list's taxonomy can reach on another's labels.

The lists: crawler-user-agents' tags (the `crawler-user-agents` package, test extra),
device-detector's bots.yml categories and Crawler-Detect's categories, both as the classifier reads them.
"""
from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from telltale.classify.bots import KIND_OF_CATEGORY, SCANNER_CATEGORIES, BotList

HERE = Path(__file__).parent
FILES = ["corpus.jsonl", "bots_tuning.jsonl", "heldout.jsonl", "heldout2.jsonl", "heldout3.jsonl"]
# CORPUS.md's mapping of crawler-user-agents' tags: an entry with any of these is a scanner.
SCANNER_TAGS = frozenset({"scanner", "social-preview", "http-library", "browser-automation"})
Kind = Callable[[str], "str | None"]


def crawler_user_agents() -> Kind:
    import crawleruseragents  # only this script needs it

    data = json.loads((Path(crawleruseragents.__file__).parent / "crawler-user-agents.json").read_text())
    patterns = [(re.compile(entry["pattern"]), "scanner" if SCANNER_TAGS & set(entry["tags"]) else "crawler")
                for entry in data]
    return lambda ua: next((kind for pattern, kind in patterns if pattern.search(ua)), None)


def device_detector(bots: BotList) -> Kind:
    def kind(ua: str) -> str | None:
        found = bots._bots.first(ua)
        if found is None or not found[0].get("category") or found[0].get("name") == "Generic Bot":
            return None
        return "scanner" if found[0]["category"] in SCANNER_CATEGORIES else "crawler"
    return kind


def crawler_detect(bots: BotList) -> Kind:
    def kind(ua: str) -> str | None:
        found = bots._kinds.first(ua)
        if found is None or found[0]["category"] == "http-library":  # as the classifier: a library says little
            return None
        return KIND_OF_CATEGORY[found[0]["category"]]
    return kind


def labelled_machines(files: list[str]) -> dict[str, str]:
    """Each User-Agent labelled scanner or crawler in `files`, with its first label."""
    labels: dict[str, str] = {}
    for name in files:
        for text in (HERE / name).read_text().splitlines():
            line = json.loads(text) if text.strip() else {}
            if line.get("expected") in ("scanner", "crawler"):
                labels.setdefault(line["ua"], line["expected"])
    return labels


def report(files: list[str]) -> list[str]:
    bots = BotList()
    lists = {"crawler-user-agents": crawler_user_agents(), "device-detector": device_detector(bots),
             "Crawler-Detect": crawler_detect(bots)}
    labels = labelled_machines(files)
    kinds = {ua: {name: kind(ua) for name, kind in lists.items()} for ua in labels}
    rows = [f"{len(labels)} User-Agents labelled scanner or crawler in {', '.join(files)}"]
    for a, b in itertools.combinations(lists, 2):
        rows.append(_share(f"{a} and {b} agree", [(k[a], k[b]) for k in kinds.values() if k[a] and k[b]]))
    for name in lists:
        rows.append(_share(f"the labels and {name} agree",
                           [(labels[ua], k[name]) for ua, k in kinds.items() if k[name]]))
    return rows


def _share(what: str, pairs: list[tuple[str, str]]) -> str:
    same = sum(x == y for x, y in pairs)
    return f"  {what}: {same} of {len(pairs)} ({same / len(pairs):.1%})" if pairs else f"  {what}: none in common"


if __name__ == "__main__":
    for group in ([name] for name in sys.argv[1:] or FILES):
        print("\n".join(report(group)))
