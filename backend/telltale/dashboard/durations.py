"""Durations in words for the pages, and the buckets the reports sort times to first open into."""
from __future__ import annotations

from statistics import median

MINUTE, HOUR, DAY = 60, 3600, 86400
# Time from sending to the first counted open: (label, up to but not including, in seconds).
FIRST_OPEN_BUCKETS = (("under 1 hour", HOUR), ("1 to 6 hours", 6 * HOUR), ("6 to 24 hours", DAY),
                      ("1 to 3 days", 3 * DAY), ("over 3 days", None))


def duration(seconds: float | None) -> str:
    """'4 min', '3 h 20 min', '2 d 5 h', or '—' when there is none."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < MINUTE:
        return "under a minute"
    if seconds < HOUR:
        return f"{seconds // MINUTE} min"
    if seconds < DAY:
        return f"{seconds // HOUR} h {seconds % HOUR // MINUTE} min"
    return f"{seconds // DAY} d {seconds % DAY // HOUR} h"


def bucketed(delays: list[int]) -> list[tuple[str, int]]:
    """How many delays fall in each of FIRST_OPEN_BUCKETS, in order."""
    counts = [0] * len(FIRST_OPEN_BUCKETS)
    for delay in delays:
        counts[_bucket(delay)] += 1
    return [(label, count) for (label, _), count in zip(FIRST_OPEN_BUCKETS, counts, strict=True)]


def median_of(delays: list[int]) -> float | None:
    return median(delays) if delays else None


def _bucket(delay: int) -> int:
    for index, (_, below) in enumerate(FIRST_OPEN_BUCKETS):
        if below is None or delay < below:
            return index
    raise AssertionError("the last bucket has no upper bound")
