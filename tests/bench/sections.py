"""The bench's sections: what each runs, how long it may take, and the figure objects it returns."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import (
    dashboard_pages,
    durability,
    footprint,
    http_load,
    micro,
    notify_latency,
    served,
    websockets_idle,
    worker_rate,
)
from .harness import Deadline

FIGURES = ("pixel", "link", "lost", "served", "worker", "notify", "websockets", "footprint", "micro", "durability",
           "dashboard")
NOTIFY_MIN_HITS = 1000
NOTIFY_P50_MS = 20.0
NOTIFY_P99_MS = 100.0


@dataclass(frozen=True)
class Sizes:
    """How much each section does: the full run, or --quick for checking the harness."""

    load_seconds: float
    warmup_seconds: float
    drain_seconds: float  # the longest the `lost` figure waits for the worker to store the first round
    worker_hits: int
    notify_hits: int
    micro_repeat: int
    durability_hits: int
    dashboard_messages: int
    dashboard_events: int
    dashboard_rounds: int
    served_seconds: float
    footprint_hits: int


FULL = Sizes(load_seconds=10, warmup_seconds=2, drain_seconds=360, worker_hits=10_000, notify_hits=1_000,
             micro_repeat=25, durability_hits=20_000, dashboard_messages=10_000, dashboard_events=200_000,
             dashboard_rounds=11, served_seconds=60, footprint_hits=100_000)
# --quick seeds a fifth of the dashboard's data: its figure says so, and is neither met nor missed.
QUICK = Sizes(load_seconds=3, warmup_seconds=1, drain_seconds=60, worker_hits=3_000, notify_hits=200, micro_repeat=7,
              durability_hits=5_000, dashboard_messages=2_000, dashboard_events=40_000, dashboard_rounds=5,
              served_seconds=5, footprint_hits=10_000)


@dataclass(frozen=True)
class Section:
    name: str
    figures: tuple[str, ...]
    budget_seconds: float
    run: Callable[[Path, Deadline, Sizes, tuple[str, ...]], dict[str, dict]]


def _http(folder: Path, deadline: Deadline, sizes: Sizes, wanted: tuple[str, ...]) -> dict[str, dict]:
    # The lost check counts the load runs' hits: asking for it alone still loads both endpoints.
    endpoints = tuple(e for e in ("pixel", "link") if e in wanted) or ("pixel", "link")
    drain = sizes.drain_seconds if "lost" in wanted else None
    return http_load.measure(folder, deadline, endpoints, sizes.load_seconds, sizes.warmup_seconds, drain)


def _served(folder: Path, deadline: Deadline, sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    return {"served": served.measure(folder, deadline, sizes.served_seconds, sizes.warmup_seconds)}


def _worker(folder: Path, deadline: Deadline, sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    return {"worker": worker_rate.measure(folder, deadline, sizes.worker_hits)}


def _notify(folder: Path, deadline: Deadline, sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    found = notify_latency.measure(folder, deadline, sizes.notify_hits, 20, 10.0)
    floor = found.pop("pixel_response_ms")
    latency = found["latency_ms"]
    met = (found["hits_sent"] >= NOTIFY_MIN_HITS and found["events_received"] == found["hits_sent"]
           and latency.get("p50", float("inf")) < NOTIFY_P50_MS and latency.get("p99", float("inf")) < NOTIFY_P99_MS)
    return {"notify": {
        **found,
        # The floor under every latency here: the pixel request's own answer.
        "reference": {"pixel_response_ms": floor},
        "ratio": None,
        "target": {"text": f"pixel request to websocket event: p50 < {NOTIFY_P50_MS:g} ms, p99 < {NOTIFY_P99_MS:g} ms"
                           f" over >= {NOTIFY_MIN_HITS:,} hits, every event delivered",
                   "max_p50_ms": NOTIFY_P50_MS, "max_p99_ms": NOTIFY_P99_MS, "min_hits": NOTIFY_MIN_HITS},
        "met": met,
    }}


def _websockets(folder: Path, deadline: Deadline, _sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    return {"websockets": websockets_idle.measure(folder, deadline)}


def _footprint(folder: Path, deadline: Deadline, sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    return {"footprint": footprint.measure(folder, deadline, sizes.footprint_hits)}


def _durability(folder: Path, deadline: Deadline, sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    return {"durability": durability.measure(folder, deadline, sizes.durability_hits)}


def _dashboard(folder: Path, deadline: Deadline, sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    return {"dashboard": dashboard_pages.measure(folder, deadline, sizes.dashboard_messages, sizes.dashboard_events,
                                                 sizes.dashboard_rounds)}


def _micro(_folder: Path, _deadline: Deadline, sizes: Sizes, _: tuple[str, ...]) -> dict[str, dict]:
    return {"micro": micro.measure(sizes.micro_repeat)}


# Budgets hold the full run under ten minutes on a 2-core machine, and `served`'s six more; the
# drain has its own.
SECTIONS = (
    Section("http", ("pixel", "link", "lost"), 240, _http),
    # Two variants, each a minute of `telltale run` and a minute of nginx under wrk, and the drain.
    Section("served", ("served",), 450, _served),
    Section("worker", ("worker",), 120, _worker),
    Section("notify", ("notify",), 90, _notify),
    Section("websockets", ("websockets",), 150, _websockets),
    # Idle, then 100,000 pixel hits answered and stored (about 10 s of load and a minute's drain), idle again.
    Section("footprint", ("footprint",), 180, _footprint),
    Section("micro", ("micro",), 30, _micro),
    Section("durability", ("durability",), 150, _durability),
    # About a minute on a busy 2-core machine: seeding 220,000 events and 11,000 messages into each
    # database, twelve rounds of thirteen pages, and the whole events.csv once on each.
    Section("dashboard", ("dashboard",), 180, _dashboard),
)
