"""`telltale classify`: a hit given as JSON goes through the hot path's own record code, then the worker's judge.

So a header reads the same through the command as on the hot path: `Sec-Purpose`, `ACCEPT` and
`accept` are one header, and a header the hot path does not keep is not seen here either.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import orjson

from .classify.judge import Judge
from .tracking.hits import hit_record


def inspect_line(judge: Judge, line: Mapping, now: datetime) -> dict:
    """Judge `line` ({"kind", "ua", "ip", "method", "headers", "seconds_after_send", "opened"}) as if it came in `now`.

    Without "headers" the command cannot say which headers the client sent, so none counts as absent.
    """
    kind = line.get("kind")
    if kind not in ("open", "click"):
        raise ValueError(f"kind must be open or click, got {kind!r}")
    headers = line.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(value, str) for value in headers.values()):
        raise ValueError("headers must be an object of strings")
    environ = {"HTTP_" + str(name).upper().replace("-", "_"): value for name, value in headers.items()}
    environ.update(REMOTE_ADDR=str(line.get("ip") or ""), HTTP_USER_AGENT=str(line.get("ua") or ""),
                   REQUEST_METHOD=str(line.get("method") or "GET"))
    claim = {"link_index": 0, "url": ""} if kind == "click" else {"recipient": None}
    record = orjson.loads(hit_record(environ, kind, 0, 0, **claim))
    record["at"] = now.timestamp()
    after = line.get("seconds_after_send")
    sent_at = now - timedelta(seconds=float(after)) if after is not None else None
    opened = line.get("opened")
    if opened is not None and not isinstance(opened, bool):
        raise ValueError("opened must be true or false")
    return judge.inspect(record, sent_at=sent_at, opened=opened, headers_known="headers" in line)
