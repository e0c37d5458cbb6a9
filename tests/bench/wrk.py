"""One run of Debian's wrk against a list of paths, its summary read back as JSON.

A Lua script cycles through the paths (hits spread over many messages, as a real server sees
them) and prints wrk's own summary in `done`, so nothing depends on wrk's text layout.
"""
from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

THREADS = 2
CONNECTIONS = 64
# An iPhone's Mail, as in the issue: a browser-like agent the worker classifies as a person.
USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
MARK = "WRK_RESULT "
SCRIPT = """
local paths = {%(paths)s}
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, paths[n %% #paths + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('%(mark)s{"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d,'
    .. ' "write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d,'
    .. ' "max_us": %%d, "mean_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def write_script(folder: Path, name: str, paths: Sequence[str]) -> Path:
    script = folder / f"{name}.lua"
    quoted = ", ".join(json.dumps(path) for path in paths)
    script.write_text(SCRIPT % {"paths": quoted, "mark": MARK}, encoding="utf-8")
    return script


def run(base_url: str, script: Path, seconds: float) -> dict:
    """Load `base_url` for `seconds` with wrk -t2 -c64; return counts, req/s and latencies in ms."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency",
               "-H", f"User-Agent: {USER_AGENT}", "-s", str(script), base_url + "/"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    line = next((line for line in done.stdout.splitlines() if line.startswith(MARK)), None)
    if done.returncode or line is None:
        raise RuntimeError(f"wrk exited {done.returncode}: {(done.stderr or done.stdout).strip()[-400:]}")
    raw = json.loads(line[len(MARK):])
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests_per_second": round(raw["requests"] / (raw["duration_us"] / 1e6)),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "requests": raw["requests"],
        # wrk counts a response > 399 as a status error; 200 and 302 are what a hit should get.
        "non_2xx_3xx": raw["status"],
        "socket_errors": {key: raw[key] for key in ("connect", "read", "write", "timeout")},
        "errors": raw["status"] + socket_errors,
        "seconds": round(raw["duration_us"] / 1e6, 2),
    }
