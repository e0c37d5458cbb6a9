"""The pipeline as a user runs it with `make run`: `telltale run` (web and worker) and Redis on this machine, under wrk.

http_load measures the web tier with no worker running, and worker_rate the worker with no load:
here both share the machine's cores, as they do on a user's machine. What counts is whether the
hits the web tier acknowledges get stored: acknowledged hits per second beside nginx's empty_gif
in the same run, hits stored per second during the load, the Redis backlog when the load ends,
how long it takes to drain (waited for up to a minute, projected beyond), and no acknowledged hit
missing: each is either in the database or still waiting in Redis.

The same is measured again with the worker niced (TELLTALE_WORKER_NICE), reported beside the
first with no target of its own, so a user can see the trade-off: the web tier gets more of the
CPU, and the worker's backlog grows and takes longer to drain. Whether the kernel lets the nice
value weigh against the web tier is recorded too (`scheduling`): with autogroup, every session
is scheduled as a group of its own, and a nice value counts only inside its group.

Each variant has a Stack of its own (Redis, home, SQLite database, user) and its own messages, so
a backlog one left behind cannot count in the other's figures. `telltale run` finds the stack's
Redis answering and starts no embedded one; it is stopped before nginx is loaded, so nginx gets
the machine to itself, as Telltale did.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from telltale import queue
from telltale.worker.ingest import CHUNK

from . import procmem, wrk
from .harness import Deadline, Stack, answers, launch, path_of, poll, stop, wait_for
from .references import Nginx

MESSAGES = 200
NICE = 10
VARIANTS = {"telltale": {}, "worker_niced": {"TELLTALE_WORKER_NICE": str(NICE)}}
# After /healthz answers: the worker is still loading its rules and sweeping once.
SETTLE_SECONDS = 3.0
READY_SECONDS = 60.0
# How long to wait for the backlog to drain after the load, beyond the target, so a slow drain
# is still measured rather than only missed.
DRAIN_WAIT_SECONDS = 60.0
STABLE_TRIES = 20
MIN_VS_NGINX = 0.12
MAX_DRAIN_SECONDS = 10.0


def measure(folder: Path, deadline: Deadline, seconds: float, warmup: float) -> dict:
    """Return the `served` figure: each variant beside nginx's run that followed it."""
    with Nginx(folder / "nginx") as nginx:
        sides = {name: _variant(folder / name, deadline, nginx, env, seconds, warmup)
                 for name, env in VARIANTS.items()}
    return _figure(sides, seconds, warmup)


def _variant(folder: Path, deadline: Deadline, nginx: Nginx, extra_env: dict, seconds: float, warmup: float) -> dict:
    """One `telltale run` under wrk, its backlog drained and counted; then nginx for as long."""
    with Stack(folder) as stack:
        # As `make run`'s embedded Redis does: an append-only file, written every second.
        stack.services.redis.config_set("appendonly", "yes")
        messages = stack.register(MESSAGES)
        ids = [message["id"] for message in messages]
        script = wrk.write_script(folder, "pixel", [path_of(message["pixel_url"]) for message in messages])
        run = launch([sys.executable, "-m", "telltale", "run"], stack.env(**extra_env), log=folder / "run.log")
        seen: list[tuple[int, int | None]] = []
        try:
            host, port = stack.settings.bind.rsplit(":", 1)
            wait_for(lambda: run.poll() is None and answers(host, int(port)), min(READY_SECONDS, deadline.left()),
                     f"`telltale run` to answer (see {folder / 'run.log'})")
            time.sleep(SETTLE_SECONDS)
            tree = procmem.tree(run.pid)
            seen = [(pid, procmem.started(pid)) for pid in tree]
            # Named now: a process that exits during the load can no longer say what it was. The
            # stack's Redis too, which on a user's machine shares the cores with web and worker.
            names = {pid: procmem.name(pid) for pid in [*tree[1:], stack.redis.process.pid]}
            deadline.check("loading `telltale run`")
            found = _load(stack, ids, script, seconds, warmup, deadline, names)
        finally:
            stop(run)
            procmem.kill_strays(seen[1:])
    deadline.check("loading nginx")
    wrk.run(nginx.url, script, warmup)
    found["nginx"] = wrk.run(nginx.url, script, seconds)
    return found


def _load(stack: Stack, ids: list[int], script: Path, seconds: float, warmup: float, deadline: Deadline,
          names: dict[int, str]) -> dict:
    conn = stack.services.redis
    url = stack.settings.public_url
    warm = wrk.run(url, script, warmup)
    cpu_before, machine_before = _cpu_seconds(names), _machine_cpu()
    stored_before, started = stack.stored(ids), time.monotonic()
    load = wrk.run(url, script, seconds)
    ended = time.monotonic()
    # The drainer trims the list only once the store has committed: what the list holds is the
    # part of the acknowledged hits not yet in the database.
    backlog = queue.pending_hits(conn)
    cpu = _cpu_used(names, cpu_before, _cpu_seconds(names))
    machine = {key: round(value - machine_before[key], 1) for key, value in _machine_cpu().items()}
    stored_after, counted = stack.stored(ids), time.monotonic()
    drained = poll(lambda: queue.pending_hits(conn) == 0, Deadline(min(DRAIN_WAIT_SECONDS, deadline.left())),
                   every=0.1)
    drain_seconds = time.monotonic() - ended
    acknowledged = _acknowledged(warm) + _acknowledged(load)
    stored, left = _stored_and_waiting(stack, ids)
    acknowledged_per_second = _acknowledged(load) / load["seconds"]
    stored_per_second = (stored_after - stored_before) / (counted - started)
    drain_rate = (stored - stored_after) / (time.monotonic() - counted)
    return {
        "acknowledged_per_second": round(acknowledged_per_second),
        "stored_per_second": round(stored_per_second),
        "stored_vs_acknowledged": round(stored_per_second / acknowledged_per_second, 3),
        "backlog_at_end": backlog,
        "drained": drained,
        "drain_seconds": round(drain_seconds, 1) if drained else None,
        "drain_waited_seconds": round(drain_seconds, 1),
        "stored_per_second_after_load": round(drain_rate),
        # Not drained in time: how long the rest would take at the rate it was going.
        **({} if drained else {"backlog_left": left,
                               "drain_seconds_projected": round(drain_seconds + left / drain_rate) if drain_rate else None}),
        "acknowledged": acknowledged,
        "stored": stored,
        # An acknowledged hit is either stored or still waiting in Redis: counted together, no
        # drain is needed to tell none is lost. As in http_load, wrk never counts the requests in
        # flight when it stops (one per connection, for the warm-up and the run), but the server
        # may have stored them; and while the worker still drains, a chunk it has committed but
        # not yet trimmed from the list is in both counts.
        "lost": max(0, acknowledged - stored - left),
        "stored_extra": max(0, stored + left - acknowledged),
        "stored_extra_bound": 2 * wrk.CONNECTIONS + (0 if drained else CHUNK),
        "lost_by_web_tier": queue.lost_hits(conn),
        "cpu_seconds_during_load": cpu,
        # The whole machine's, wrk's and anything else running included: what was left idle says
        # whether the pipeline had the cores to itself and used them.
        "machine_cpu_seconds_during_load": machine,
        # Each process `run` starts is a session of its own and so, where the kernel groups
        # sessions for scheduling (autogroup), a group of its own: a process's nice value then
        # weighs only against its own group, not against the other processes'.
        "scheduling": {name: _scheduling(pid) for pid, name in names.items()},
        # A process that exited during the load or the drain (a crash, which `run` restarts): the
        # figures above are then not those of a steady pipeline.
        "exited_during_load": sorted({names[pid] for pid in names if procmem.started(pid) is None}),
        "wrk": load,
    }


def _acknowledged(run: dict) -> int:
    return run["requests"] - run["non_2xx_3xx"]


def _cpu_seconds(names: dict[int, str]) -> dict[int, float]:
    """CPU time (user and system) each process has used so far, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in names:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        # Fields 14 and 15 of stat (utime, stime), counted here from the state, field 3.
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def _machine_cpu() -> dict[str, float]:
    """The machine's CPU time so far, all cores: busy, idle (waiting for I/O included) and stolen by the host."""
    ticks = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return {"busy": (user + nice + system + irq + softirq) / ticks, "idle": (idle + iowait) / ticks,
            "steal": steal / ticks}


def _cpu_used(names: dict[int, str], before: dict[int, float], after: dict[int, float]) -> dict[str, float]:
    """CPU seconds used between two readings, by process name: gunicorn's master and workers summed."""
    used: dict[str, float] = {}
    for pid in before.keys() & after.keys():
        used[names[pid]] = used.get(names[pid], 0.0) + after[pid] - before[pid]
    return {name: round(seconds, 1) for name, seconds in sorted(used.items())}


def _stored_and_waiting(stack: Stack, ids: list[int]) -> tuple[int, int]:
    """Events stored and hits still in the Redis list, at one moment.

    A chunk trimmed from the list during the count would be in neither: read the list's length
    on both sides of the count until it has not moved (a count takes tens of milliseconds, a
    chunk some hundreds). Should it keep moving, the last reading counts the trimmed chunk as
    waiting, so none is reported lost that was not. A chunk committed but not yet trimmed is in
    both, which the figure's bound on extra rows allows for.
    """
    conn = stack.services.redis
    for _ in range(STABLE_TRIES):
        waiting = queue.pending_hits(conn)
        stored = stack.stored(ids)
        if queue.pending_hits(conn) == waiting:
            break
    return stored, waiting


def _scheduling(pid: int) -> dict:
    """The process's nice value and its autogroup (with the group's own nice), as the kernel schedules it."""
    try:
        nice = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    except (OSError, ValueError, IndexError):
        return {}
    try:
        group = Path(f"/proc/{pid}/autogroup").read_text().strip()
    except OSError:
        group = None  # a kernel without autogroup
    return {"nice": nice, "autogroup": group}


def _side(found: dict) -> dict:
    """One variant with its ratio to the nginx run that followed it (the nginx run left out)."""
    vs_nginx = found["acknowledged_per_second"] / found["nginx"]["requests_per_second"]
    return {**{key: value for key, value in found.items() if key != "nginx"}, "vs_nginx": round(vs_nginx, 3)}


def _met(side: dict) -> bool:
    return bool(side["vs_nginx"] >= MIN_VS_NGINX and side["drained"] and side["drain_seconds"] <= MAX_DRAIN_SECONDS
                and side["lost"] == 0 and side["stored_extra"] <= side["stored_extra_bound"])


def _figure(sides: dict[str, dict], seconds: float, warmup: float) -> dict:
    ours, niced = _side(sides["telltale"]), _side(sides["worker_niced"])
    nginx = [sides["telltale"]["nginx"], sides["worker_niced"]["nginx"]]
    return {
        "telltale": ours,
        # Reported beside it, no target: what a user trades by setting TELLTALE_WORKER_NICE.
        "worker_niced": {"nice": NICE, **niced},
        "reference": {"nginx": {"requests_per_second": round(statistics.fmean(r["requests_per_second"] for r in nginx)),
                                "runs": nginx}},
        "ratio": {"vs_nginx": ours["vs_nginx"], "worker_niced_vs_nginx": niced["vs_nginx"]},
        "target": {"text": f"acknowledged >= {MIN_VS_NGINX:.0%} of nginx empty_gif's req/s, the worker keeping up"
                           f" (backlog drained <= {MAX_DRAIN_SECONDS:g} s after the load), 0 acknowledged hits lost;"
                           f" the worker niced ({NICE}) is reported",
                   "min_vs_nginx": MIN_VS_NGINX, "max_drain_seconds": MAX_DRAIN_SECONDS, "max_lost": 0},
        "met": _met(ours),
        "load": {"tool": "wrk", "threads": wrk.THREADS, "connections": wrk.CONNECTIONS, "seconds": seconds,
                 "warmup_seconds": warmup, "messages": MESSAGES, "user_agent": wrk.USER_AGENT,
                 "order": "per variant: telltale run (warm-up, load, drain), then nginx (warm-up, load)",
                 "stored_per_second": "events counted in the database just before and just after the load"},
    }
