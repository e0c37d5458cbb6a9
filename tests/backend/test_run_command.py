"""`telltale run` (what `make run` starts): Redis found or embedded, a pixel served, Ctrl+C stops all."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from .processes import wait_for
from .servers import spare_port


def start_run(tmp_path, **extra: str) -> tuple[subprocess.Popen, int, Path]:
    """Start `telltale run` as `make run` does, and wait for its banner."""
    port = spare_port()
    env = {
        **os.environ,
        "TELLTALE_HOME": str(tmp_path / "home"),
        "TELLTALE_BIND": f"127.0.0.1:{port}",
        # Nothing listens here, so `run` must start the Redis it ships.
        "REDIS_URL": f"redis://127.0.0.1:{spare_port()}/0",
        **extra,
    }
    env.pop("DATABASE_URL", None)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        run = subprocess.Popen([sys.executable, "-m", "telltale", "run"], env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        wait_for(lambda: "pairing code:" in log.read_text(), 60, "the start-up banner")
    except AssertionError:
        os.killpg(run.pid, signal.SIGKILL)
        raise
    return run, port, log


def test_run_starts_an_embedded_redis_serves_a_pixel_and_stops_everything(tmp_path):
    run, port, log = start_run(tmp_path)
    try:
        banner = log.read_text()
        assert f"Telltale is running at http://127.0.0.1:{port}" in banner
        assert "embedded" in banner
        children = psutil.Process(run.pid).children(recursive=True)
        assert len(children) >= 3  # Redis, web server, worker
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/p/whatever.gif", timeout=5) as response:
            assert response.status == 200 and len(response.read()) == 43
        assert (tmp_path / "home" / "secret_keys").stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "home" / "telltale.db").exists()
        # Ctrl+C in a terminal signals the whole foreground process group.
        os.killpg(run.pid, signal.SIGINT)
        assert run.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(children, timeout=15)
        assert alive == [], f"left running: {alive}"
        assert "Traceback" not in log.read_text(), log.read_text()
    finally:
        if run.poll() is None:
            run.kill()


def test_run_starts_a_child_again_when_it_dies_and_says_so(tmp_path):
    run, port, log = start_run(tmp_path)
    try:
        worker = _child(run, "worker")
        worker.kill()  # as the kernel's out-of-memory killer would
        wait_for(lambda: "telltale worker exited with code -9; starting it again" in log.read_text(), 10,
                 "run to say the worker stopped")
        wait_for(lambda: "telltale worker started again" in log.read_text(), 15, "the worker to start again")
        assert run.poll() is None
        worker = _child(run, "worker")
        # The embedded Redis is a child like the others; the worker waits it out rather than exiting.
        [redis_server] = [child for child in psutil.Process(run.pid).children() if "redis" in child.name()]
        redis_server.kill()
        wait_for(lambda: "the embedded Redis started again" in log.read_text(), 15, "Redis to start again")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/p/whatever.gif", timeout=5) as response:
            assert response.status == 200
        assert _child(run, "worker").pid == worker.pid
        os.killpg(run.pid, signal.SIGINT)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)


def test_run_starts_the_worker_as_nice_as_asked_and_the_web_at_full_priority(tmp_path):
    run, _, _ = start_run(tmp_path, TELLTALE_WORKER_NICE="7")
    try:
        worker, web = _child(run, "worker"), _child(run, "serve")
        assert worker.nice() == 7 and web.nice() == 0
        # Each child leads a session of its own, and with the kernel's autogroup a session's
        # group shares the CPU evenly whatever its processes' nice: the group is niced too.
        group = Path(f"/proc/{worker.pid}/autogroup")
        if group.exists():
            assert group.read_text().split()[-1] == "7"
            assert Path(f"/proc/{web.pid}/autogroup").read_text().split()[-1] == "0"
        os.killpg(run.pid, signal.SIGINT)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)


@pytest.mark.parametrize("chosen", [None, "2"])
def test_run_leaves_the_worker_a_core_unless_the_owner_chose_the_web_processes(tmp_path, chosen):
    run, port, _ = start_run(tmp_path, **({"TELLTALE_WEB_WORKERS": chosen} if chosen else {}))
    try:
        expected = int(chosen) if chosen else max(1, min((os.cpu_count() or 1) - 1, 4))
        web = _child(run, "serve")
        wait_for(lambda: len(web.children()) == expected, 15, f"{expected} web processes")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/p/whatever.gif", timeout=5) as response:
            assert response.status == 200
        os.killpg(run.pid, signal.SIGINT)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)


def _child(run: subprocess.Popen, command: str) -> psutil.Process:
    found = [child for child in psutil.Process(run.pid).children() if child.cmdline()[-1:] == [command]]
    assert len(found) == 1, found
    return found[0]
