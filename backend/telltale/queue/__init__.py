"""The hit queue, from a web process's hand to an rq job: everything between the hot path and the worker.

A hit goes to the group-commit writer (`writer.py`), which pushes it to one Redis list (`push.py`,
the keys in `keys.py`) or, with Redis unreachable, fsyncs it to the spool on disk (`spool.py`),
whose hits are moved back once Redis answers (`replay.py`). Workers are asked for by name
through `jobs.py`, the one place that enqueues; `counts.py` says how many hits are waiting or lost.
"""
from .counts import lost_hits, pending_hits
from .cutting import cut_waiting_addresses
from .jobs import (
    DIGEST_JOB,
    DRAIN_JOB,
    POLL_JOB,
    PUSH_JOB,
    RELEASE_JOB,
    RETRY_INTERVALS,
    STORE_JOB,
    enqueue_digest,
    enqueue_drain,
    enqueue_poll,
    enqueue_push,
    enqueue_release,
    enqueue_store,
)
from .keys import (
    DRAIN_LOCK_KEY,
    DRAIN_WANTED_KEY,
    DRAIN_WANTED_TTL,
    FORGED_COUNTER_KEY,
    HITS_KEY,
    LOST_COUNTER_KEY,
)
from .push import push_hits
from .replay import replay_spool
from .spool import Spool
from .writer import HitWriter

__all__ = [
    "DIGEST_JOB", "DRAIN_JOB", "DRAIN_LOCK_KEY", "DRAIN_WANTED_KEY", "DRAIN_WANTED_TTL", "FORGED_COUNTER_KEY",
    "HITS_KEY", "LOST_COUNTER_KEY", "POLL_JOB", "PUSH_JOB", "RELEASE_JOB", "RETRY_INTERVALS", "STORE_JOB", "HitWriter",
    "Spool", "cut_waiting_addresses", "enqueue_digest",
    "enqueue_drain", "enqueue_poll", "enqueue_push", "enqueue_release", "enqueue_store",
    "lost_hits", "pending_hits", "push_hits", "replay_spool",
]
