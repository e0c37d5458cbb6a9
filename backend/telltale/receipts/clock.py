"""What the server's clock is, and whether the kernel says it is synchronised.

Every time in a receipt comes from the host's system clock (CLOCK_REALTIME): the web process
reads it when a tracking request arrives, the issuing process when it signs. Whether NTP
disciplines that clock is the kernel's to say, through adjtimex(2) with no mode set, which reads
and changes nothing. It is what `timedatectl`'s NTPSynchronized reports, without needing systemd
or D-Bus, which containers rarely have.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from dataclasses import dataclass

SOURCE = ("the host's system clock (CLOCK_REALTIME): the web process read it when each request arrived, "
          "and the issuing process when it signed; its state below is as read at issue")
STA_UNSYNC = 0x0040
TIME_ERROR = 5


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    # struct timex from <sys/timex.h> on Linux; the trailing 11 ints are the kernel's padding.
    _fields_ = [
        ("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
        ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
        ("time", _Timeval), ("tick", ctypes.c_long), ("ppsfreq", ctypes.c_long), ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int), ("stabil", ctypes.c_long), ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long), ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int), ("_padding", ctypes.c_int * 11),
    ]


@dataclass(frozen=True)
class ClockState:
    synchronised: bool | None
    detail: str

    def as_dict(self) -> dict:
        return {"source": SOURCE, "synchronised": self.synchronised, "detail": self.detail}


def clock_state() -> ClockState:
    """Ask the kernel once; never raise: an unknown state is said so, not guessed."""
    if not sys.platform.startswith("linux"):
        return ClockState(None, "system clock, synchronisation unknown (only Linux is asked)")
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        timex = _Timex()
        state = libc.adjtimex(ctypes.byref(timex))
    except (OSError, AttributeError) as exc:
        return ClockState(None, f"system clock, synchronisation unknown (adjtimex unavailable: {exc})")
    if state < 0:
        return ClockState(None, f"system clock, synchronisation unknown (adjtimex failed, errno {ctypes.get_errno()})")
    if state == TIME_ERROR or timex.status & STA_UNSYNC:
        return ClockState(False, "the kernel reports the clock as not synchronised: no time service "
                                 "(NTP, chrony, systemd-timesyncd) on this host is disciplining it")
    # maxerror is in microseconds: the kernel's bound on how far the clock may be off.
    return ClockState(True, f"the kernel reports the clock synchronised by a time service, "
                            f"maximum error {timex.maxerror / 1_000_000:.3f} s")
