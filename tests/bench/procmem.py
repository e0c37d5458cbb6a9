"""Memory of processes and their trees, read from /proc (Linux only, as the bench is)."""
from __future__ import annotations

import os
import signal
from pathlib import Path


def children(pid: int) -> list[int]:
    """Direct children of `pid`, across all its threads."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue  # the thread ended while we looked
    return found


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants, parents before children."""
    order, i = [pid], 0
    while i < len(order):
        order += children(order[i])
        i += 1
    return order


def rss_kb(pid: int) -> int:
    """Resident set size (VmRSS) in KiB."""
    return _field(Path(f"/proc/{pid}/status"), "VmRSS:")


def pss_kb(pid: int) -> int | None:
    """Proportional set size in KiB (shared pages split between sharers), or None where unreadable."""
    try:
        return _field(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
    except (OSError, ValueError):
        return None


def started(pid: int) -> int | None:
    """When `pid` started, in clock ticks since boot: with the pid, it names one process for good."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; fields after its closing parenthesis do not.
    return int(stat.rsplit(")", 1)[1].split()[19])


def name(pid: int) -> str:
    """The process's command line, shortened to what tells processes apart."""
    # Some servers (Redis) rewrite their title into one NUL-less string: split on spaces too.
    words = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").replace(b"\0", b" ").decode().split()
    return " ".join([Path(words[0]).name, *words[1:4]]) if words else "?"


def kill_strays(processes: list[tuple[int, int | None]]) -> None:
    """SIGKILL each (pid, start time) still running as that same process.

    For the children of a `telltale run` that outlived it: it stops them itself, this is the fallback.
    """
    for pid, since in processes:
        if since is None or started(pid) != since:
            continue  # gone, or the pid now names someone else's process
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def _field(path: Path, key: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    raise ValueError(f"{path} has no {key}")
