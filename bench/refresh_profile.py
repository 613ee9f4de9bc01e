"""Where a rollup build's time goes: a full build at END and the refresh after a day (bench/rollup_bench.py's
method: a full build with the clock a day before END, then a refresh at END), each step timed.

    .venv/bin/python bench/refresh_profile.py --sizes 1M,4M [--engines duckdb,postgres] [--repeat 3]

Steps are timed from outside the build: the module functions of rollup/build.py (and the functions it calls
in rollup/ and segment/) are wrapped with timers, and every statement the build runs on the rollup file is
timed by the first words of its SQL. The warehouse reads are split into the warehouse's query (and its
driver) and the insert of the rows into the rollup file. Medians of --repeat runs; the load is printed.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rollup_bench import Clock, _rolled  # noqa: E402
from run import END, label  # noqa: E402

import rollup.build as build  # noqa: E402
from config import parse_events_count  # noqa: E402

SPENT: collections.Counter = collections.Counter()
_LOCAL = threading.local()  # each thread's stack of timed steps (the answerer reads the sources' freshness in threads)


def _stack() -> list[str]:
    if not hasattr(_LOCAL, "stack"):
        _LOCAL.stack = []
    return _LOCAL.stack


def timed(name, fn):
    """fn, its wall time added to SPENT[name] (time inside other timed steps of its thread counted there, not
    twice); `name` may be a function of the thread's stack of steps."""
    def wrapper(*args, **kwargs):
        stack = _stack()
        label = name(stack) if callable(name) else name
        stack.append(label)
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            took = time.perf_counter() - t0
            stack.pop()
            SPENT[label] += took
            if stack:
                SPENT[stack[-1]] -= took
    return wrapper


class TimedConnection:
    """The rollup file's connection, each statement timed by its first words."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args):
        words = re.sub(r"\s+", " ", sql).strip()
        key = "sql: " + re.sub(r"\(.*", "", " ".join(words.split(" ")[:5]))[:60]
        return timed(key, self._con.execute)(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def instrument(answerer) -> None:
    real_connect = build.duckdb.connect
    build.duckdb = type("duckdb", (), {"connect": staticmethod(lambda *a, **k: TimedConnection(real_connect(*a, **k))),
                                       "DuckDBPyConnection": real_connect})
    for name in ("_read_activity", "_read_early", "_read_sessions", "_read_pieces", "_read_people", "_sync_lookups", "_insert",
                 "_create_tables", "_fill", "derive_tables",
                 "_person_days", "build_returns", "build_event_days", "_has_table"):  # (the last: before rollup/derive.py)
        if hasattr(build, name):
            setattr(build, name, timed(name, getattr(build, name)))
    build.shutil.copyfile = timed("copy the current file", build.shutil.copyfile)
    build.RollupStore.publish = timed("publish", build.RollupStore.publish)
    warehouse = answerer.segment
    warehouse.run = timed(lambda stack: f"warehouse query in {stack[-1] if stack else 'the build'}", warehouse.run)
    for name in ("catalog", "source_freshness", "timeline"):
        setattr(answerer, name, timed(f"answerer.{name}", getattr(answerer, name)))


def profile(engine: str, events: int, repeat: int) -> list[str]:
    clock = Clock()
    answerer, _ = _rolled(engine, events, clock)
    instrument(answerer)
    runs: dict[str, list[dict]] = {"full": [], "refresh": []}
    totals: dict[str, list[float]] = {"full": [], "refresh": []}
    loads = [os.getloadavg()[0]]
    for _ in range(repeat):
        for kind, moment, full in (("full", END, True), (None, END - timedelta(days=1), True),
                                   ("refresh", END, False)):
            clock.now = moment.replace(tzinfo=ZoneInfo("UTC"))
            SPENT.clear()
            t0 = time.perf_counter()
            answerer.build_rollup(full=full)
            took = time.perf_counter() - t0
            if kind:
                runs[kind].append(dict(SPENT))
                totals[kind].append(took)
        loads.append(os.getloadavg()[0])
    answerer.rollup.close()
    for w in answerer.warehouses.values():
        w.close()
    full_s, refresh_s = statistics.median(totals["full"]), statistics.median(totals["refresh"])
    lines = [f"**{engine} {label(events)}**: full build {full_s:.2f} s, refresh after a day {refresh_s:.2f} s "
             f"= {refresh_s / full_s:.1%} (median of {repeat}; load {min(loads):.1f} to {max(loads):.1f})", "",
             "| step | full s | refresh s | refresh % of its total |", "|---|---|---|---|"]
    steps = sorted({k for r in runs["full"] + runs["refresh"] for k in r},
                   key=lambda k: -statistics.median(r.get(k, 0) for r in runs["refresh"]))
    for step in steps:
        f = statistics.median(r.get(step, 0) for r in runs["full"])
        r = statistics.median(x.get(step, 0) for x in runs["refresh"])
        if max(f, r) >= 0.005:
            lines.append(f"| {step} | {f:.3f} | {r:.3f} | {r / refresh_s:.0%} |")
    f = full_s - statistics.median(sum(r.values()) for r in runs["full"])
    r = refresh_s - statistics.median(sum(x.values()) for x in runs["refresh"])
    lines.append(f"| everything else (untimed) | {f:.3f} | {r:.3f} | {r / refresh_s:.0%} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1M")
    parser.add_argument("--engines", default="duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for engine in args.engines.split(","):
        for size in args.sizes.split(","):
            print("\n".join(profile(engine, parse_events_count(size), args.repeat)), "\n", flush=True)


if __name__ == "__main__":
    main()
