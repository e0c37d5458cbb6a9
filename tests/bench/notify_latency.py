"""Time from a pixel request to its event arriving on a websocket client, on this machine.

Run from the repository root:

    .venv/bin/python -m tests.bench.notify_latency [--hits 1000] [--interval-ms 10] [--out FILE]

It starts a Redis of its own, a SQLite database in a temporary TELLTALE_HOME, `telltale serve`
(default worker count) and one `telltale worker`, all on 127.0.0.1, and stops them on the way out.
One user, one message; hits go out one at a time on a keep-alive connection, each with a
User-Agent of its own, so each is a reader's open: one client's repeats within 30 s send no
event. Each event is matched to its hit by the time the server stamped on the hit (its `at`),
which falls between the moment the request went out and the moment its answer came back.
"""
from __future__ import annotations

import argparse
import bisect
import http.client
import itertools
import json
import os
import platform
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from websockets.sync.client import ClientConnection, connect

from .harness import Deadline, Stack, path_of, register_message, summary

# The whole run, start-up to shutdown, stays under three minutes.
RUN_BUDGET_SECONDS = 170
# After the last hit, how long the stragglers may take before they count as lost.
ARRIVAL_GRACE_SECONDS = 30
# A User-Agent for each hit, warm-up included: each hit is a reader of its own.
_readers = itertools.count(1)


class Listener(threading.Thread):
    """Reads one authenticated websocket; notes when each open event arrives and the hit time it carries."""

    def __init__(self, ws: ClientConnection, token: str):
        super().__init__(name="bench-listener", daemon=True)
        self.ws = ws
        ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": None}))
        ready = json.loads(ws.recv(timeout=10))
        if ready.get("type") != "ready":
            raise RuntimeError(f"the server answered auth with {ready!r}")
        self.events: list[tuple[float, float]] = []

    def run(self) -> None:
        for raw in self.ws:
            now = time.perf_counter()
            event = json.loads(raw)
            if event.get("type") == "open":
                self.events.append((now, datetime.fromisoformat(event["at"]).timestamp()))


@dataclass(frozen=True)
class Sent:
    """One pixel request: when it went out (perf counter), and the wall-clock span the server stamped it in."""

    at: float
    wall_from: float
    wall_to: float
    response_ms: float


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    deadline = Deadline(RUN_BUDGET_SECONDS)
    with tempfile.TemporaryDirectory(prefix="telltale-bench-") as folder:
        results = measure(Path(folder), deadline, args.hits, args.warmup, args.interval_ms)
    _print_table(results)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0 if results["events_received"] == results["hits_sent"] else 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hits", type=int, default=1000, choices=range(1, 20_001), metavar="1..20000")
    parser.add_argument("--warmup", type=int, default=20, choices=range(0, 1001), metavar="0..1000",
                        help="hits sent first and not measured")
    parser.add_argument("--interval-ms", type=float, default=10.0, help="time between the starts of two hits")
    parser.add_argument("--out", default="bench-results-notify.json", help="where to write the JSON results")
    return parser.parse_args(argv)


def measure(folder: Path, deadline: Deadline, hits: int, warmup: int, interval_ms: float) -> dict:
    """Start a stack in `folder`, send `warmup` then `hits` pixel requests, time each to its event."""
    with Stack(folder) as stack:
        stack.serve()
        stack.worker()
        host, port = stack.settings.bind.rsplit(":", 1)
        pixel_path = path_of(register_message(host, int(port), stack.token)["pixel_url"])
        with connect(stack.settings.public_url.replace("http://", "ws://") + "/ws", open_timeout=10) as ws:
            listener = Listener(ws, stack.token)
            listener.start()
            # Warm-up hits, not measured: the first drain job imports and connects what the rest reuse.
            warm = _fire(host, int(port), pixel_path, warmup, interval_ms / 1000, deadline)
            _await_arrivals(listener, len(warm), _grace(deadline))
            sent = _fire(host, int(port), pixel_path, hits, interval_ms / 1000, deadline)
            _await_arrivals(listener, len(warm) + len(sent), _grace(deadline))
        listener.join(timeout=5)
        web_workers = stack.settings.web_workers
    return _results(interval_ms, web_workers, listener, warm, sent)


def _grace(deadline: Deadline) -> Deadline:
    return Deadline(min(ARRIVAL_GRACE_SECONDS, deadline.left()))


def _results(interval_ms: float, web_workers: int, listener: Listener, warm: list[Sent], sent: list[Sent]) -> dict:
    arrived, duplicates = _match(listener.events, [*warm, *sent])
    latencies = [(arrived[i] - hit.at) * 1000 for i, hit in enumerate(sent, start=len(warm)) if i in arrived]
    return {
        "benchmark": "pixel request to websocket event",
        "warmup_hits": len(warm),
        "hits_sent": len(sent),
        "events_received": len(latencies),
        "duplicates": duplicates,
        "interval_ms": interval_ms,
        "web_workers": web_workers,
        "latency_ms": summary(latencies),
        "pixel_response_ms": summary([hit.response_ms for hit in sent]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _match(events: list[tuple[float, float]], hits: list[Sent]) -> tuple[dict[int, float], int]:
    """Give each event to the hit whose request span holds its time stamp; return arrivals by hit and duplicates."""
    starts = [hit.wall_from for hit in hits]
    arrived: dict[int, float] = {}
    duplicates = 0
    for arrival, stamped in events:
        # Half a millisecond either side: the stamp travels as an ISO time, rounded to the microsecond.
        i = bisect.bisect_right(starts, stamped + 0.0005) - 1
        if i < 0 or stamped > hits[i].wall_to + 0.0005:
            continue
        if i in arrived:
            duplicates += 1
        else:
            arrived[i] = arrival
    return arrived, duplicates


def _fire(host: str, port: int, path: str, hits: int, interval: float, deadline: Deadline) -> list[Sent]:
    """Request the pixel `hits` times on one keep-alive connection, on a fixed schedule."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    sent: list[Sent] = []
    start_at = time.perf_counter()
    try:
        for i in range(hits):
            if deadline.left() < ARRIVAL_GRACE_SECONDS:
                print(f"time budget spent: stopping after {i} hits", file=sys.stderr)
                break
            # A fixed schedule, not a sleep after each: a slow response does not stretch the run.
            pause = start_at + i * interval - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            at, wall_from = time.perf_counter(), time.time()
            connection.request("GET", path, headers={"User-Agent": f"telltale-bench/{next(_readers)}"})
            response = connection.getresponse()
            response.read()
            sent.append(Sent(at, wall_from, time.time(), (time.perf_counter() - at) * 1000))
            if response.status != 200:
                raise RuntimeError(f"pixel request {i} answered {response.status}")
    finally:
        connection.close()
    return sent


def _await_arrivals(listener: Listener, expected: int, until: Deadline) -> None:
    while len(listener.events) < expected and until.left() > 0 and listener.is_alive():
        time.sleep(0.05)


def _print_table(results: dict) -> None:
    print(f"\n{results['benchmark']}: {results['events_received']}/{results['hits_sent']} events arrived"
          f" ({results['duplicates']} duplicates, {results['warmup_hits']} warm-up hits before),"
          f" one hit every {results['interval_ms']} ms,"
          f" {results['web_workers']} web workers")
    print(f"{'ms':<18}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}{'mean':>9}")
    for label, key in (("pixel to event", "latency_ms"), ("pixel response", "pixel_response_ms")):
        row = results[key]
        print(f"{label:<18}" + "".join(f"{row.get(k, float('nan')):>9.2f}" for k in ("p50", "p90", "p99", "max", "mean")))


if __name__ == "__main__":
    sys.exit(main())
