"""The spool: hits written to local disk while Redis is unreachable, moved to Redis when it is back.

Appends take an exclusive lock on a lock file, so several web processes on one machine can share
a spool folder, and are fsynced before the request is answered. A replay renames the spool under
that lock before reading it: a writer never appends to a file that is being replayed. A replay
cut short leaves its file for the next one; the worker stores each hit id once, so replaying a
hit twice stores nothing twice.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

SPOOL_NAME = "hits.jsonl"
REPLAY_SUFFIX = ".replaying"
REPLAY_CHUNK = 500
HIT_PREFIX = b'{"id":'


class Spool:
    def __init__(self, directory: Path):
        self.directory = directory

    @property
    def path(self) -> Path:
        return self.directory / SPOOL_NAME

    def append(self, records: Sequence[bytes]) -> None:
        """Append `records` durably: the call returns only after the data is on disk."""
        if not records:
            return
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, b"\n".join(records) + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)

    def pending_files(self) -> list[Path]:
        if not self.directory.exists():
            return []
        return sorted(p for p in self.directory.iterdir() if p.name.startswith(SPOOL_NAME))

    def has_pending(self) -> bool:
        return bool(self.pending_files())

    def replay(self, push: Callable[[Sequence[bytes]], object]) -> int:
        """Hand every spooled record to `push` in chunks; return how many were handed over.

        `push` raising (Redis still down) leaves the rest of the spool in place.
        """
        with self._locked():
            if self.path.exists():
                self.path.rename(self.path.with_name(f"{SPOOL_NAME}.{time.time_ns()}{REPLAY_SUFFIX}"))
        moved = 0
        for path in self.pending_files():
            if not path.name.endswith(REPLAY_SUFFIX):
                continue
            for chunk in _chunks(path):
                push(chunk)
                moved += len(chunk)
            path.unlink()
        return moved

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "spool.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _whole_record(line: bytes) -> bytes | None:
    # A crash mid-append can leave a torn record (never acknowledged) with the next append glued
    # to it; every record starts with its id, so keep the last whole one on the line.
    start = line.rfind(HIT_PREFIX)
    if start < 0:
        return None
    record = line[start:]
    try:
        json.loads(record)
    except ValueError:
        return None
    return record


def _chunks(path: Path) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            record = _whole_record(line.rstrip(b"\n"))
            if record is None:
                continue
            chunk.append(record)
            if len(chunk) == REPLAY_CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk
