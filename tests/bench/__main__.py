"""`make bench`: every figure of issue 6, each beside its reference measured in the same run.

    .venv/bin/python -m tests.bench [--only pixel,link,lost,served,worker,notify,websockets,footprint,micro,durability,dashboard]
                                    [--quick] [--out bench-results.json] [--keep]

Everything runs on 127.0.0.1 with servers of the bench's own (Redis, nginx, PostgreSQL database
telltale_bench_<pid>), each stopped by its id on the way out, Ctrl+C included. A section that
fails records {"error": ...} and the others still run; the exit code says whether any failed.
Figures short of target are results, not failures.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import report
from .harness import Deadline, SectionTimeout
from .sections import FIGURES, FULL, QUICK, SECTIONS, Section, Sizes

# Ten minutes for the figures of the web tier, the worker and the footprint, plus the durability
# run at full load, the dashboard's pages (about a minute) and `telltale run` under load (about six
# minutes); sections have budgets inside it.
RUN_BUDGET_SECONDS = 1350
# Beyond its own budget, what a section may take to stop its processes before it is cut off.
GRACE_SECONDS = 60
MIN_SECTION_SECONDS = 20


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sizes = QUICK if args.quick else FULL
    run = Deadline(RUN_BUDGET_SECONDS)
    figures: dict[str, dict] = {}
    folder = Path(tempfile.mkdtemp(prefix="telltale-bench-"))
    signal.signal(signal.SIGALRM, _out_of_time)
    # Stopping by signal takes the same way out as Ctrl+C, through every section's cleanup.
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        for section in SECTIONS:
            wanted = tuple(f for f in section.figures if f in args.only)
            if wanted:
                figures.update(_run_section(section, folder / section.name, sizes, wanted, run, args.quick))
    except KeyboardInterrupt:
        print("\ninterrupted: every process the bench started has been stopped", file=sys.stderr)
        return 130
    finally:
        signal.alarm(0)
        if args.keep:
            print(f"logs and data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    written = report.write(Path(args.out), figures, partial=set(args.only) != set(FIGURES))
    print("\n" + report.table(written))
    print(f"\nwritten to {args.out} in {RUN_BUDGET_SECONDS - run.left():.0f} s"
          + (" (--quick: shorter runs, for checking the harness)" if args.quick else ""))
    return 1 if any("error" in figure for figure in figures.values()) else 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", type=_figures, default=FIGURES, metavar="FIGURE,...",
                        help=f"measure only these ({', '.join(FIGURES)})")
    parser.add_argument("--quick", action="store_true", help="shorter runs, to check the harness, not to quote")
    parser.add_argument("--out", default="bench-results.json", help="where to write the JSON results")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    return parser.parse_args(argv)


def _figures(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in FIGURES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown figure(s) {unknown or text!r}; choose from {', '.join(FIGURES)}")
    return names


def _run_section(section: Section, folder: Path, sizes: Sizes, wanted: tuple[str, ...], run: Deadline,
                 quick: bool) -> dict[str, dict]:
    budget = min(section.budget_seconds, run.left())
    if budget < MIN_SECTION_SECONDS:
        return dict.fromkeys(wanted, {"error": "not run: the bench's time budget was spent"})
    print(f"[bench] {section.name}: {', '.join(wanted)} (up to {budget:.0f} s)", flush=True)
    started = time.monotonic()
    context = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": quick, "cpus": os.cpu_count(),
               "load_average_before": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version()}
    # The alarm is the backstop for a hung call; sections also check their deadline as they go.
    signal.alarm(int(budget + sizes.drain_seconds * ("lost" in wanted) + GRACE_SECONDS))
    try:
        found = section.run(folder, Deadline(budget), sizes, wanted)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        # Whatever went wrong is this section's result, with its traceback above; the bench goes on.
        traceback.print_exc()
        found = dict.fromkeys(wanted, {"error": f"{type(exc).__name__}: {exc}"})
    finally:
        signal.alarm(0)
    elapsed = round(time.monotonic() - started, 1)
    print(f"[bench] {section.name} took {elapsed} s", flush=True)
    return {name: {**figure, "run": {**context, "section_seconds": elapsed}} for name, figure in found.items()}


def _interrupted(*_) -> None:
    raise KeyboardInterrupt


def _out_of_time(*_) -> None:
    raise SectionTimeout("the section ran past its budget and was cut off")


if __name__ == "__main__":
    sys.exit(main())
