"""bench-results.json and the table printed at the end: one row per figure, measured beside its reference."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .sections import FIGURES


def write(path: Path, figures: dict[str, dict], partial: bool) -> dict[str, dict]:
    """Write the figures in the issue's order; a partial run (--only) keeps the other figures already in `path`."""
    kept = {}
    if partial and path.exists():
        try:
            kept = json.loads(path.read_text())
        except ValueError:
            kept = {}
    merged = {name: figures.get(name, kept.get(name)) for name in FIGURES if name in figures or name in kept}
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    return merged


def table(figures: dict[str, dict]) -> str:
    """One row per figure: met, measured, reference and ratio, short target; the JSON has the rest."""
    rows = [("figure", "met", "measured", "reference (same run)", "ratio", "target")]
    for name in FIGURES:
        figure = figures.get(name)
        if figure is None:
            continue
        if "error" in figure and len(figure) <= 2:
            rows.append((name, "error", figure["error"][:120], "", "", ""))
            continue
        try:
            cells = ROWS[name](figure)
        except (KeyError, TypeError, AttributeError):
            cells = ("incomplete: see the JSON", "", "", "")
        met = {True: "yes", False: "NO", None: "-"}[figure.get("met")] + (" (error)" if "error" in figure else "")
        rows.append((name, met, *cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)


def _http(f: dict) -> tuple[str, str, str, str]:
    ours, refs, ratio, target = f["telltale"], f["reference"], f["ratio"], f["target"]
    return (f"{ours['requests_per_second']:,} req/s, p50 {ours['p50_ms']} p99 {ours['p99_ms']} ms,"
            f" {ours['errors']} errors",
            f"nginx {refs['nginx']['requests_per_second']:,}, naive {refs['naive']['requests_per_second']:,} req/s",
            f"{ratio['vs_nginx']:.1%} nginx, {ratio['vs_naive']}x naive",
            f">={target['min_vs_nginx']:.0%} nginx, >={target['min_vs_naive']:g}x naive, p99<{target['max_p99_ms']:g} ms")


def _lost(f: dict) -> tuple[str, str, str, str]:
    parts = [f"{e} {f[e]['stored']:,}/{f[e]['acknowledged']:,}" for e in ("pixel", "link") if e in f]
    if f["lost"] is None:
        lost = "not drained in time"
    else:
        hidden = sum(f[e]["lost_at_most"] for e in ("pixel", "link") if e in f)
        lost = f"{f['lost']} lost (<= {hidden} could hide in flight)"
    return f"{lost}; stored/answered {', '.join(parts)}", f"drained at {f['drained_hits_per_second']} hits/s", "", "0 lost"


def _served(f: dict) -> tuple[str, str, str, str]:
    def side(s: dict) -> str:
        if s["drained"]:
            drain = f"drained in {s['drain_seconds']} s"
        else:
            projected = s["drain_seconds_projected"]
            drain = (f"{s['backlog_left']:,} left after {s['drain_waited_seconds']:g} s"
                     f" (drain ~{'?' if projected is None else projected} s)")
        return (f"{s['acknowledged_per_second']:,} ack/s, {s['stored_per_second']:,} stored/s,"
                f" backlog {s['backlog_at_end']:,}, {drain}, {s['lost']} lost")

    ours, niced, target = f["telltale"], f["worker_niced"], f["target"]
    return (f"{side(ours)}; niced {niced['nice']}: {side(niced)}",
            f"nginx {f['reference']['nginx']['requests_per_second']:,} req/s",
            f"{ours['vs_nginx']:.1%} nginx (niced {niced['vs_nginx']:.1%})",
            f">={target['min_vs_nginx']:.0%} nginx, drained <={target['max_drain_seconds']:g} s, 0 lost")


def _worker(f: dict) -> tuple[str, str, str, str]:
    def rate(side: dict) -> str:
        return f"{side['hits_per_second']:,} hits/s" if "hits_per_second" in side else f"error: {side.get('error')}"

    def floor(name: str) -> str:
        found = f["reference"].get(name) or {}
        return f"{found['rows_per_second']:,} rows/s" if found.get("rows_per_second") else "-"

    def ratio(name: str) -> str:
        return "-" if f["ratio"].get(name) is None else f"{f['ratio'][name]:.0%}"

    return (f"SQLite {rate(f['sqlite'])}, PostgreSQL {rate(f['postgresql'])}",
            f"executemany INSERT: SQLite {floor('sqlite')}, PostgreSQL {floor('postgresql')}",
            f"SQLite {ratio('sqlite')}, PostgreSQL {ratio('postgresql')}",
            f">={f['target']['min_vs_floor']:.0%} of the INSERT on each")


def _notify(f: dict) -> tuple[str, str, str, str]:
    lat, floor, target = f["latency_ms"], f["reference"]["pixel_response_ms"], f["target"]
    return (f"p50 {lat.get('p50')} p99 {lat.get('p99')} ms, {f['events_received']}/{f['hits_sent']} events",
            f"pixel answer p50 {floor.get('p50')} p99 {floor.get('p99')} ms", "",
            f"p50<{target['max_p50_ms']:g} p99<{target['max_p99_ms']:g} ms, >={target['min_hits']:,} hits")


def _websockets(f: dict) -> tuple[str, str, str, str]:
    steps = ", ".join(f"{s['sockets'] // 1000}k {s['rss_mb']:.0f}" for s in f.get("steps", []))
    latency = (f.get("event_latency_ms") or {}).get("first_socket", {})
    return (f"RSS MB {steps}; {f.get('per_socket_kb')} KB a socket; event p50 {latency.get('p50')}"
            f" max {latency.get('max')} ms",
            f"idle {f['reference']['idle_rss_mb']} MB", "",
            f"{f['target']['sockets']:,} < {f['target']['max_rss_mb']:,} MB")


def _footprint(f: dict) -> tuple[str, str, str, str]:
    def parts(processes: list[dict]) -> str:
        return " + ".join(f"{_short(p['name'])} {p['pss_mb']:.0f}" for p in processes
                          if not p["name"].startswith("redis-server"))

    after = f.get("after_hits") or {}
    grown = (f"; after {after['hits_answered']:,} hits {after['without_redis_pss_mb']} MB"
             if after.get("without_redis_pss_mb") is not None else "")
    return (f"PSS {f['without_redis_pss_mb']} MB idle ({parts(f['processes'])}){grown}",
            f"Redis {f['redis_pss_mb']} MB (not counted)", "", f"<= {f['target']['max_pss_mb']:g} MB excl. Redis")


def _short(name: str) -> str:
    """`python -m telltale serve` -> `serve`: a process's part, in a few letters."""
    return name.rsplit(" ", 1)[-1]


def _micro(f: dict) -> tuple[str, str, str, str]:
    t, c, r, target = f["tokens"], f["classify_enrich"], f["reference"], f["target"]
    return (f"verify {t['verify_pixel_us']}/{t['verify_link_us']} us, classify+enrich {c['classify_enrich_us']} us"
            f" (bot list {c['bot_list_us']} us; first sight of each User-Agent {c['classify_enrich_first_sight_us']} us)",
            f"itsdangerous {r['itsdangerous']['unsign_pixel_us']} us, cached {r['enrich_cached_us']} us",
            f"verify {f['ratio']['verify_pixel_vs_itsdangerous_unsign']}x",
            f"<{target['max_verify_us']:g} us, <{target['max_classify_enrich_us']:g} us")


def _durability(f: dict) -> tuple[str, str, str, str]:
    broken, unbroken = f["redis_killed"], f["reference"]["unbroken"]
    return (f"Redis killed {broken['outage_seconds']:g} s: {broken['acknowledged']:,}/{broken['sent']:,} acknowledged, "
            f"{broken['lost']} lost, {broken['duplicated']} twice, all stored after {broken['all_stored_after_seconds']} s",
            f"unbroken {unbroken['acknowledged_per_second']:,} acknowledged/s",
            f"{f['ratio']['acknowledged_per_second_vs_unbroken']:.0%} of unbroken rate", "0 lost, 0 twice")


def _dashboard(f: dict) -> tuple[str, str, str, str]:
    measured, reference, ratio = [], [], []
    for side, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        found = f[side]
        if not found.get("measured"):
            measured.append(f"{name} {found.get('reason') or 'error: ' + str(found.get('error'))[:80]}")
            continue
        slowest, floor = found["slowest"], f["reference"][side]
        measured.append(f"{name} slowest p50 {slowest['p50']} ms ({slowest['page']})")
        reference.append(f"{name} {floor['page']} p50 {floor['p50']} ms")
        ratio.append(f"{name} {slowest['vs_reference']}x")
    target = f["target"]
    return ("; ".join(measured), ", ".join(reference), ", ".join(ratio),
            f"every page p50<{target['max_median_ms']:g} ms, {target['messages']:,} msgs, {target['events']:,} events")


ROWS: dict[str, Callable[[dict], tuple[str, str, str, str]]] = {
    "pixel": _http, "link": _http, "lost": _lost, "served": _served, "worker": _worker, "notify": _notify,
    "websockets": _websockets, "footprint": _footprint, "micro": _micro, "durability": _durability,
    "dashboard": _dashboard,
}
