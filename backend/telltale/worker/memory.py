"""Hand back to the system the memory a burst of hits freed, once the worker has drained it.

A chunk of hits is a few MB of records, rows and events, much of it in blocks above the size
Python's own allocator serves, so it comes from the C library's heap. Freed, it stays with the
process as holes in that heap, and a worker that drained a burst held its peak for good: 8-9 MB
more after 50,000 hits with chunks of 2,000. glibc's malloc_trim returns the heap's free pages
(`make bench` footprint, 4 pairs: the worker 91-92 MB after 53,000-66,000 hits with it, 100-106
without).
Elsewhere (musl, macOS) there is no such call and nothing is done.
"""
from __future__ import annotations

import ctypes
import time

# A trim walks the whole heap: 6-19 ms on a heap of 130 MB here. A worker that keeps emptying
# the list under steady load would otherwise pay that every second or so.
AT_MOST_EVERY = 10.0

try:
    _malloc_trim = ctypes.CDLL(None).malloc_trim
    _malloc_trim.argtypes, _malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
except (OSError, AttributeError):
    _malloc_trim = None
_last = float("-inf")


def give_back() -> bool:
    """Return the C heap's free pages to the system, unless it was done moments ago; whether it was done now."""
    global _last
    if _malloc_trim is None or time.monotonic() - _last < AT_MOST_EVERY:
        return False
    _malloc_trim(0)
    _last = time.monotonic()
    return True
