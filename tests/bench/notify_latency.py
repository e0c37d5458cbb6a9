"""Time from a pixel request to its event arriving on a websocket client, on this machine.

Run from the repository root:

    .venv/bin/python -m tests.bench.notify_latency [--hits 1000] [--interval-ms 10] [--out FILE]

It starts a Redis of its own, a SQLite database in a temporary TELLTALE_HOME, `telltale serve`
(default worker count) and one `telltale worker`, all on 127.0.0.1, and stops them on the way out.
One user, one message; hits go out one at a time on a keep-alive connection, and each event is
matched to its hit by `open_number` (the n-th counted open is the n-th hit).
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from websockets.sync.client import ClientConnection, connect

from telltale.config import default_web_workers, load_settings

from ..backend.processes import env_for, start, stop, wait_for
from ..backend.servers import RedisServer, spare_port

# The whole run, start-up to shutdown, stays under three minutes.
RUN_BUDGET_SECONDS = 170
# After the last hit, how long the stragglers may take before they count as lost.
ARRIVAL_GRACE_SECONDS = 30


class Listener(threading.Thread):
    """Reads one authenticated websocket; notes when each open_number arrives."""

    def __init__(self, ws: ClientConnection, token: str):
        super().__init__(name="bench-listener", daemon=True)
        self.ws = ws
        ws.send(json.dumps({"type": "auth", "token": token, "last_event_id": None}))
        ready = json.loads(ws.recv(timeout=10))
        if ready.get("type") != "ready":
            raise RuntimeError(f"the server answered auth with {ready!r}")
        self.arrived: dict[int, float] = {}
        self.duplicates = 0

    def run(self) -> None:
        for raw in self.ws:
            now = time.perf_counter()
            event = json.loads(raw)
            if event.get("type") != "open":
                continue
            if event["open_number"] in self.arrived:
                self.duplicates += 1
            else:
                self.arrived[event["open_number"]] = now


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    with tempfile.TemporaryDirectory(prefix="telltale-bench-") as folder:
        results = _run(Path(folder), args, deadline)
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


def _run(folder: Path, args: argparse.Namespace, deadline: float) -> dict:
    redis_server = RedisServer(folder)
    redis_server.start()
    processes: list[subprocess.Popen] = []
    try:
        settings = _settings(folder, redis_server.url)
        _telltale(settings, "db", "upgrade")
        token = json.loads(_telltale(settings, "user", "create", "bench@example.test", "--json"))["token"]
        processes.append(start(settings, "serve"))
        processes.append(start(settings, "worker"))
        host, port = settings.bind.rsplit(":", 1)
        wait_for(lambda: _answers(host, int(port)), 30, f"the web server at {settings.bind}")
        pixel_path = _register_message(host, int(port), token)
        with connect(settings.public_url.replace("http://", "ws://") + "/ws", open_timeout=10) as ws:
            listener = Listener(ws, token)
            listener.start()
            # Warm-up hits, not measured: the first drain job imports and connects what the rest reuse.
            warm, _ = _fire(host, int(port), pixel_path, args.warmup, args.interval_ms / 1000, deadline)
            _await_arrivals(listener, len(warm), min(time.monotonic() + ARRIVAL_GRACE_SECONDS, deadline))
            sent, pixel_ms = _fire(host, int(port), pixel_path, args.hits, args.interval_ms / 1000, deadline)
            _await_arrivals(listener, len(warm) + len(sent), min(time.monotonic() + ARRIVAL_GRACE_SECONDS, deadline))
        listener.join(timeout=5)
    finally:
        # Web and worker first: a worker shutting down still talks to Redis.
        for process in processes:
            stop(process)
        redis_server.stop()
    return _results(args, listener, len(warm), sent, pixel_ms)


def _results(args: argparse.Namespace, listener: Listener, warm: int, sent: list[float], pixel_ms: list[float]) -> dict:
    # Open numbers count the warm-up hits too: measured hit i (from 0) is open number warm + i + 1.
    arrivals = [listener.arrived.get(warm + i + 1) for i in range(len(sent))]
    latencies = [(arrived - sent_at) * 1000 for arrived, sent_at in zip(arrivals, sent, strict=True) if arrived]
    return {
        "benchmark": "pixel request to websocket event",
        "warmup_hits": warm,
        "hits_sent": len(sent),
        "events_received": len(latencies),
        "duplicates": listener.duplicates,
        "interval_ms": args.interval_ms,
        "web_workers": int(os.environ.get("TELLTALE_WEB_WORKERS") or default_web_workers()),
        "latency_ms": _summary(latencies),
        "pixel_response_ms": _summary(pixel_ms),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _settings(folder: Path, redis_url: str):
    bind = f"127.0.0.1:{spare_port()}"
    return load_settings({"TELLTALE_HOME": str(folder / "home"), "TELLTALE_BIND": bind,
                          "TELLTALE_PUBLIC_URL": f"http://{bind}", "REDIS_URL": redis_url,
                          "DATABASE_URL": f"sqlite:///{folder / 'telltale.db'}"})


def _telltale(settings, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "telltale", *args], env=env_for(settings), capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


def _answers(host: str, port: int) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _register_message(host: str, port: int, token: str) -> str:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        body = json.dumps({"subject": "Bench", "recipients": ["bo@example.test"]})
        connection.request("POST", "/api/v1/messages", body=body,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        created = json.loads(response.read())
        if response.status != 201:
            raise RuntimeError(f"registering the message failed: {response.status} {created}")
    finally:
        connection.close()
    return "/" + created["pixel_url"].split("/", 3)[3]


def _fire(host: str, port: int, path: str, hits: int, interval: float, deadline: float) -> tuple[list[float], list[float]]:
    """Request the pixel `hits` times on one keep-alive connection; return send times and response times (ms)."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    sent: list[float] = []
    pixel_ms: list[float] = []
    start_at = time.perf_counter()
    try:
        for i in range(hits):
            if time.monotonic() > deadline - ARRIVAL_GRACE_SECONDS:
                print(f"time budget spent: stopping after {i} hits", file=sys.stderr)
                break
            # A fixed schedule, not a sleep after each: a slow response does not stretch the run.
            pause = start_at + i * interval - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sent.append(time.perf_counter())
            connection.request("GET", path, headers={"User-Agent": "telltale-bench"})
            response = connection.getresponse()
            response.read()
            pixel_ms.append((time.perf_counter() - sent[-1]) * 1000)
            if response.status != 200:
                raise RuntimeError(f"pixel request {i} answered {response.status}")
    finally:
        connection.close()
    return sent, pixel_ms


def _await_arrivals(listener: Listener, expected: int, until: float) -> None:
    while len(listener.arrived) < expected and time.monotonic() < until and listener.is_alive():
        time.sleep(0.05)


def _summary(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)

    def rank(p: float) -> float:
        # Nearest rank: the value at or below which p percent of the samples lie.
        return round(ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)], 2)

    return {"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": round(ordered[-1], 2),
            "mean": round(sum(ordered) / len(ordered), 2)}


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
