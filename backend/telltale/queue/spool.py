"""The spool: hits written to local disk while Redis is unreachable, moved to Redis when it is back.

Appends take an exclusive lock on a lock file, so several web processes on one machine can share
a spool folder, and are fsynced before the request is answered. A replay renames the spool under
that lock before reading it: a writer never appends to a file that is being replayed.

Every web process and every worker on the machine replays the same folder. Each file to replay
is claimed with a non-blocking `flock` on the file itself, held until the file is unlinked: two
processes never push the same file, and a process that dies mid-replay releases its claim with
its last breath, so the next replay takes the file over (no stale lock to expire). A file gone
before it could be opened was finished by another process. A replay cut short (Redis dropped
again) leaves its file for the next one; the worker stores each hit id once, so pushing a hit
twice stores nothing twice.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..privacy import truncate_ip

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

    def unwritable(self) -> str | None:
        """Say why an append would fail now (the folder or its lock cannot be opened), or None."""
        try:
            with self._locked():
                return None
        except OSError as exc:
            return exc.strerror or type(exc).__name__

    def has_pending(self) -> bool:
        return bool(self.pending_files())

    def replay(self, push: Callable[[Sequence[bytes]], object]) -> int:
        """Hand every spooled record to `push` in chunks; return how many were handed over.

        `push` raising (Redis still down) leaves the rest of the spool in place.
        """
        with self._locked():
            if self.path.exists():
                self.path.rename(self.path.with_name(f"{SPOOL_NAME}.{time.time_ns()}{REPLAY_SUFFIX}"))
        return sum(_replay_file(path, push) for path in self.pending_files() if path.name.endswith(REPLAY_SUFFIX))

    def cut_addresses(self, before: float) -> int:
        """Cut whole addresses to their network in spooled hits from before `before` (epoch seconds);
        return how many. The hits stay: only how much of their address they keep changes."""
        cut = 0
        with self._locked():
            if self.path.exists():
                cut += _cut_file(self.path, before)
        for path in self.pending_files():
            if path.name.endswith(REPLAY_SUFFIX):
                cut += _cut_claimed(path, before)
        return cut

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "spool.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _claimed(path: Path) -> Iterator[BinaryIO | None]:
    """Claim a file being replayed as every replay does (flock on the file, held while working on
    it); None when another process holds or has finished it."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        yield None
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        # Opened just before its replayer unlinked it and let go: finished.
        yield None if os.fstat(handle.fileno()).st_nlink == 0 else handle


def _replay_file(path: Path, push: Callable[[Sequence[bytes]], object]) -> int:
    """Push the records of `path` and remove it, unless another process holds or has finished it."""
    with _claimed(path) as handle:
        if handle is None:
            return 0
        moved = 0
        for chunk in _chunks(handle):
            push(chunk)
            moved += len(chunk)
        path.unlink()  # still holding the claim: nobody can start on it in between
        return moved


def _cut_claimed(path: Path, before: float) -> int:
    """Cut a file being replayed, claimed as a replay claims it; one another process holds is left."""
    with _claimed(path) as handle:
        return 0 if handle is None else _cut_file(path, before)


def _cut_file(path: Path, before: float) -> int:
    """Rewrite `path` with old hits' addresses cut, whole or not at all: a new file renamed over it."""
    records, cut = [], 0
    with path.open("rb") as handle:
        for line in handle:
            record = _whole_record(line.rstrip(b"\n"))
            if record is None:
                continue
            shorter = cut_record(record, before)
            cut += shorter is not None
            records.append(shorter or record)
    if not cut:
        return 0
    temporary = path.with_name(f".cut-{os.getpid()}-{time.time_ns()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, b"\n".join(records) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return cut


def cut_record(record: bytes, before: float) -> bytes | None:
    """The hit with its address cut to its network, if it is from before `before` and whole; else None."""
    hit = json.loads(record)
    if hit.get("at", before) >= before or not hit.get("ip"):
        return None
    network = truncate_ip(hit["ip"])
    if network == hit["ip"]:
        return None
    hit["ip"] = network
    # The same compact form the hot path writes, the id still first (the spool relies on it).
    return json.dumps(hit, separators=(",", ":"), ensure_ascii=False).encode()


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


def _chunks(handle: BinaryIO) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
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
