"""The supervisor behind `telltale run`: everything on one machine, in the foreground; Ctrl+C stops it all.

A child that exits (a crash, an out-of-memory kill, a Redis that died) is started again after a
pause that doubles with each quick exit, and the terminal says so: stopping everything because one
part failed would leave hits waiting, and every later pixel unanswered, until a person came back.

It imports only the standard library, click and the embedded Redis launcher: it lives as long as
the instance, so what it loads is memory held for good. Settings, migrations and the owner's
pairing code are done by a short-lived child first (startup.py).
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from . import embedded_redis

EXTENSION_DIR = Path(__file__).resolve().parents[2] / "extension" / "dist"  # built by `make run`
READY_SECONDS = 45
PR_SET_PDEATHSIG = 1
RESTART_FIRST = 1.0
RESTART_MAX = 30.0
# A child that ran this long was healthy: its next exit starts the backoff from the beginning.
STEADY_SECONDS = 60.0


@dataclass
class Child:
    """One supervised process: how to start it, and when it may be started again."""

    name: str
    launch: Callable[[], subprocess.Popen]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = RESTART_FIRST
    due: float | None = None

    def start(self) -> None:
        self.process, self.started_at, self.due = self.launch(), time.monotonic(), None

    def tend(self, now: float) -> None:
        """Schedule a restart if the process has exited; start it once its pause is over."""
        if self.due is None and self.process is not None and self.process.poll() is not None:
            if now - self.started_at > STEADY_SECONDS:
                self.delay = RESTART_FIRST
            click.echo(f"telltale: {self.name} exited with code {self.process.returncode}; "
                       f"starting it again in {self.delay:.0f} s", err=True)
            self.due, self.delay = now + self.delay, min(self.delay * 2, RESTART_MAX)
        elif self.due is not None and now >= self.due:
            try:
                self.start()
            except (OSError, RuntimeError) as exc:
                click.echo(f"telltale: could not start {self.name} ({exc}); trying again in {self.delay:.0f} s", err=True)
                self.due, self.delay = now + self.delay, min(self.delay * 2, RESTART_MAX)
                return
            click.echo(f"telltale: {self.name} started again", err=True)


def run_locally() -> int:
    plan = _prepare()
    services: list[Child] = []
    children: list[Child] = []
    home = Path(plan["home"])
    env = {**os.environ, "TELLTALE_HOME": str(home)}
    # The worker runs beside the web here: unless the owner chose, the web leaves it a core.
    env.setdefault("TELLTALE_WEB_WORKERS", str(plan["web_workers"]))
    try:
        if server := plan["embedded_redis"]:
            click.echo(f"No Redis answers at {plan['redis_url']}; starting the embedded one in {home}")
            redis_child = Child("the embedded Redis", lambda: embedded_redis.start(home, server, _supervised)[0])
            process, env["REDIS_URL"] = embedded_redis.start(home, server, _supervised)
            redis_child.process, redis_child.started_at = process, time.monotonic()
            services.append(redis_child)
        for name, nice in (("serve", 0), ("worker", plan["worker_nice"])):
            children.append(Child(f"telltale {name}", _launcher(name, env, nice)))
            children[-1].start()
        _wait_until_ready(plan["bind"], [child.process for child in children])
        _banner(plan)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(0.5)
            for child in (*services, *children):
                child.tend(time.monotonic())
    except KeyboardInterrupt:
        return 0
    finally:
        # Web and worker first, Redis last: a worker shutting down still talks to Redis.
        _stop([child.process for child in children if child.process])
        _stop([child.process for child in services if child.process])


def _prepare() -> dict:
    """Run `telltale prepare-run` to completion; its last line is the plan, its messages pass through."""
    done = subprocess.run([sys.executable, "-m", "telltale", "prepare-run"], stdout=subprocess.PIPE, text=True,
                          check=False)
    if done.returncode:
        raise click.ClickException("could not prepare the instance; see the messages above")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _launcher(name: str, env: dict, nice: int) -> Callable[[], subprocess.Popen]:
    def before_exec() -> None:
        _supervised()
        if nice:
            # TELLTALE_WORKER_NICE: the web answers first under load; the worker catches up after.
            os.nice(nice)
            _nice_session(nice)

    return lambda: subprocess.Popen([sys.executable, "-m", "telltale", name], env=env, preexec_fn=before_exec)


def _wait_until_ready(bind: str, children: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    host, port = bind.rsplit(":", 1)
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise click.ClickException("a Telltale process exited during start-up; see the messages above")
        if _healthy(host.strip("[]"), int(port)):
            return
        time.sleep(0.2)
    raise click.ClickException(f"the web server did not answer at http://{bind}/healthz within {READY_SECONDS} s")


def _healthy(host: str, port: int) -> bool:
    """Whether GET /healthz answers 200: the status line is all this process reads.

    Written on a socket rather than with http.client or urllib: http.client loads the email parser
    and the ssl module (3 MB of this process, measured), urllib the system's CA store as well
    (about 15 MB), held for as long as the instance runs, for one question on loopback at start-up.
    """
    try:
        with socket.create_connection((host, port), timeout=1) as connection:
            connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
            return connection.makefile("rb").readline(64).split()[1:2] == [b"200"]
    except OSError:
        return False


def _banner(plan: dict) -> None:
    click.echo(
        f"\nTelltale is running at {plan['public_url']}\n"
        f"  instance folder: {plan['home']}\n"
        f"  pairing code:    {plan['pairing_code']}   (works once, for {plan['pairing_minutes']} minutes; "
        f"'telltale user pair {plan['owner']}' prints another)\n\n"
        "Load the extension: open chrome://extensions (or edge://extensions), turn on Developer mode,\n"
        f"click 'Load unpacked' and choose {EXTENSION_DIR}; in its options enter {plan['public_url']}\n"
        "and the pairing code.\n\nCtrl+C stops Telltale.\n"
    )


def _supervised() -> None:
    """Run in each child before exec: Ctrl+C reaches only `run`, which stops children in order."""
    os.setsid()
    if sys.platform.startswith("linux"):
        # Should `run` itself be killed, its children stop too instead of living on unsupervised.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _nice_session(nice: int) -> None:
    """Make the new session's scheduling group as nice as its process.

    With the kernel's autogroup on (most desktop and server kernels), setsid() gives the child a
    scheduling group of its own, and groups share the CPU evenly whatever their processes' nice
    values: measured, a worker at nice 10 took the same CPU as at 0 until its group was niced too.
    """
    try:
        with open("/proc/self/autogroup", "w") as group:
            group.write(str(nice))
    except OSError:
        pass  # no autogroup (not Linux, or a kernel without it): the process's nice value is all there is


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
