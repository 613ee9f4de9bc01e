"""The activity rollup, measured: full build and incremental refresh time and size, and each covered
playbook's answer from the rollup beside the same answer from raw events (median ms, result cache off),
on the bench's demo warehouses (bench/run.py: seed 7, 180 days, two sources, clock at END).

    .venv/bin/python bench/rollup_bench.py --sizes 250k,1M --engines duckdb,postgres --repeat 3

The refresh is measured the way it runs after a day of new data: a build with the clock one day before
END, then a refresh at END (it re-reads that day, the rollup.late_days before it and today). Prints a
markdown table; not part of `make test`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import END, answerer_for, demo_for, label, pg_for  # noqa: E402

from answers import Answer  # noqa: E402
from config import RollupConfig, parse_events_count  # noqa: E402

QUESTIONS = ["dau", "weekly active users", "mau", "stickiness last 30 days", "weekly active users by platform",
             "monthly active users by payment plan", "retention weekly", "monthly retention by channel",
             "weekly retention since signup", "growth accounting", "n-day retention", "sticker adoption",
             "when do message senders slip away", "intervention impact"]


class Clock:
    def __init__(self):
        self.now = END.replace(tzinfo=ZoneInfo("UTC"))

    def __call__(self):
        return self.now


def answer_ms(answerer, text: str, repeat: int) -> tuple[float, bool, object]:
    request = answerer.parse(text)
    first = answerer.answer(request)  # warm-up (file pages, plans)
    times = []
    for _ in range(repeat if isinstance(first, Answer) else 0):
        t0 = time.perf_counter()
        answerer.answer(request)
        times.append((time.perf_counter() - t0) * 1000)
    read = next((d for d in getattr(first, "definitions", []) if d.startswith("From ")), "")
    return (statistics.median(times) if times else float("nan")), read.startswith("From the activity rollup"), first


def bench(engine: str, events: int, repeat: int) -> list[str]:
    segment = demo_for(events)
    url = f"duckdb:///{segment}" if engine == "duckdb" else pg_for(events, segment)
    answerer = answerer_for(url, product=segment.parent / "product.duckdb")
    cache = ROOT / "var" / "bench" / label(events) / f"rollup-cache-{engine}"
    shutil.rmtree(cache, ignore_errors=True)
    config = dataclasses.replace(answerer.config, rollup=RollupConfig(dir=cache),
                                 warehouses={n: dataclasses.replace(w, cache_ttl_seconds=0)
                                             for n, w in answerer.config.warehouses.items()})
    clock = Clock()
    answerer = type(answerer)(config, answerer.warehouses, answerer.library, clock=clock)
    for w in answerer.warehouses.values():
        w.cache.ttl = 0
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    full = answerer.build_rollup(full=True)
    full_s = time.perf_counter() - t0
    size_mb = answerer.rollup.store.path(full).stat().st_size / 1e6
    clock.now = END.replace(tzinfo=ZoneInfo("UTC")) - timedelta(days=1)
    answerer.build_rollup(full=True)
    clock.now = END.replace(tzinfo=ZoneInfo("UTC"))
    t0 = time.perf_counter()
    refreshed = answerer.build_rollup()
    refresh_s = time.perf_counter() - t0
    lines = [f"**{engine}, {label(events)} events** (load {load:.1f} at the start): full build {full_s:.1f} s "
             f"({full.activity_rows:,} rows, {full.people_rows:,} people, {size_mb:.0f} MB); refresh after a day "
             f"{refresh_s:.1f} s ({refreshed.days_read} days re-read, {refresh_s / full_s:.0%} of a full build)", "",
             "| question | rollup ms | raw events ms | raw / rollup | same answer |", "|---|---|---|---|---|"]
    off = dataclasses.replace(config, rollup=dataclasses.replace(config.rollup, enabled=False))
    for text in QUESTIONS:
        answerer.rollup.config = config
        fast, used, a = answer_ms(answerer, text, repeat)
        answerer.rollup.config = off
        slow, _, b = answer_ms(answerer, text, repeat)
        same = isinstance(a, Answer) and isinstance(b, Answer) and a.rows == b.rows
        shown = f"{fast:,.0f}" if used else f"{fast:,.0f} (raw)"
        if isinstance(a, Answer) and not isinstance(b, Answer):
            lines.append(f"| {text} | {shown} | refused: {b.message[:60]} | | |")
            continue
        lines.append(f"| {text} | {shown} | {slow:,.0f} | {slow / fast:.1f}× | {'yes' if same else 'NO'} |")
    lines.append(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    answerer.rollup.close()
    for w in answerer.warehouses.values():
        w.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="250k,1M")
    parser.add_argument("--engines", default="duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for engine in args.engines.split(","):
        for size in args.sizes.split(","):
            print("\n".join(bench(engine, parse_events_count(size), args.repeat)), "\n", flush=True)


if __name__ == "__main__":
    main()
