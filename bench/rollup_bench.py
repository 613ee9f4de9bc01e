"""The activity rollup, measured: full build and incremental refresh time and size, and each covered
playbook's answer from the rollup beside the same answer from raw events (median ms, result cache off),
on the bench's demo warehouses (bench/run.py: seed 7, 180 days, two sources, clock at END).

    .venv/bin/python bench/rollup_bench.py --sizes 250k,1M --engines duckdb,postgres --repeat 3
    nice -n 10 .venv/bin/python bench/rollup_bench.py --sizes 100M --every-question   # the issue's 100M targets

--every-question: one full build (with the clock a day before END), the refresh after that day, and then
every common question and every playbook's first example (bench/run.py's list) answered from the fresh
rollup where it can (the others read raw events, as the bot does), each against its target (common
questions 2 s, playbooks 5 s); raw events are not timed beside it. The demo's own build time, peak
memory and disk size (var/bench/<size>/build.json, written by bench/run.py's demo_for) are printed with
it and everything is saved to var/bench/results/rollup-<engine>-<size>.json.

The refresh is measured the way it runs after a day of new data: a build with the clock one day before
END, then a refresh at END (it re-reads that day, the rollup.late_days before it and today). Prints a
markdown table; not part of `make test`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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

from answer_timing import uncached_answer_times  # noqa: E402
from run import COMMON, END, SAVED, answerer_for, demo_for, label, pg_for, questions  # noqa: E402

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


TARGET_MS = {"common": 2000, "playbook": 5000}  # issue 17: from a fresh rollup at 100M events on DuckDB


def _rolled(engine: str, events: int, clock: Clock):
    """The bench's bot on this warehouse with the rollup in a cache folder of its own, result cache off."""
    segment = demo_for(events)
    url = f"duckdb:///{segment}" if engine == "duckdb" else pg_for(events, segment)
    answerer = answerer_for(url, product=segment.parent / "product.duckdb")
    cache = ROOT / "var" / "bench" / label(events) / f"rollup-cache-{engine}"
    shutil.rmtree(cache, ignore_errors=True)
    config = dataclasses.replace(answerer.config, rollup=RollupConfig(dir=cache))
    return type(answerer)(config, answerer.warehouses, answerer.library, clock=clock), segment


def bench_every_question(engine: str, events: int, repeat: int, profile: bool = False) -> list[str]:
    """One full build a day before END, the refresh at END (`profile`: each of its steps timed), then every
    question from the fresh rollup."""
    clock = Clock()
    clock.now = END.replace(tzinfo=ZoneInfo("UTC")) - timedelta(days=1)
    answerer, segment = _rolled(engine, events, clock)
    demo = segment.parent / "build.json"
    demo = json.loads(demo.read_text()) if demo.exists() else {}
    out: dict = {"demo": demo, "segment_mb": round(segment.stat().st_size / 1e6), "load": [os.getloadavg()[0]]}
    t0 = time.perf_counter()
    full = answerer.build_rollup(full=True)
    out["full_s"] = time.perf_counter() - t0
    out["load"].append(os.getloadavg()[0])
    clock.now = END.replace(tzinfo=ZoneInfo("UTC"))
    if profile:  # each step of the refresh timed from outside (bench/refresh_profile.py)
        from refresh_profile import SPENT, instrument
        instrument(answerer)
        SPENT.clear()
    t0 = time.perf_counter()
    refreshed = answerer.build_rollup()
    out["refresh_s"] = time.perf_counter() - t0
    out["load"].append(os.getloadavg()[0])
    if profile:
        out["refresh_steps"] = {k: round(v, 2) for k, v in SPENT.most_common()}
        print("  refresh steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in SPENT.most_common(12)), flush=True)
    out.update(rows=refreshed.activity_rows, people=refreshed.people_rows, days_read=refreshed.days_read,
               full_rows=full.activity_rows, rollup_mb=round(answerer.rollup.store.path(refreshed).stat().st_size / 1e6))
    print(f"  full build {out['full_s']:.0f} s, refresh {out['refresh_s']:.1f} s", flush=True)
    out["answers"] = []
    for text, request in questions(answerer):
        first, times, in_queries = uncached_answer_times(answerer, request, repeat)
        kind = "common" if text in COMMON else "playbook"
        row = {"question": text, "playbook": request.playbook, "kind": kind, "load": os.getloadavg()[0]}
        if isinstance(first, Answer):
            read = next((d for d in first.definitions if d.startswith("From ")), "")
            row.update(ms=statistics.median(times), queries_ms=statistics.median(in_queries),
                       rollup=read.startswith("From the activity rollup"), runs=[round(t) for t in times])
        else:
            row["error"] = getattr(first, "message", str(first))
        out["answers"].append(row)
        print(f"  {text:50} {row.get('ms', float('nan')):8.0f} ms {'rollup' if row.get('rollup') else 'raw'} "
              f"(load {row['load']:.1f})", flush=True)
    answerer.rollup.close()
    for w in answerer.warehouses.values():
        w.close()
    SAVED.mkdir(parents=True, exist_ok=True)
    (SAVED / f"rollup-{engine}-{label(events)}.json").write_text(json.dumps(out, default=str))
    return every_question_report(engine, events, out)


def every_question_report(engine: str, events: int, out: dict) -> list[str]:
    demo, load = out["demo"], out["load"]
    built = (f"demo built in {demo['seconds'] / 60:.1f} min (load {demo['load_start']:.1f} to {demo['load_end']:.1f}, "
             f"peak RSS {demo['peak_rss_mb']:,} MB)" if demo else "demo built before this run")
    lines = [f"**{engine}, {label(events)} events**: {built}, {out['segment_mb']:,} MB on disk; rollup full build "
             f"{out['full_s']:.0f} s (load {load[0]:.1f} to {load[1]:.1f}; {out['full_rows']:,} rows), refresh after a "
             f"day {out['refresh_s']:.1f} s ({out['days_read']} days re-read, {out['refresh_s'] / out['full_s']:.0%} of "
             f"the full build; load {load[2]:.1f}); {out['rows']:,} activity rows, {out['people']:,} people, "
             f"{out['rollup_mb']:,} MB", "",
             "| question | playbook | read | median ms | target | load |", "|---|---|---|---|---|---|"]
    for row in out["answers"]:
        if "error" in row:
            lines.append(f"| {row['question']} | {row['playbook']} | error: {row['error'][:80]} | | | |")
            continue
        target = TARGET_MS[row["kind"]]
        verdict = "ok" if row["ms"] <= target else "**over**"
        lines.append(f"| {row['question']} | {row['playbook']} | {'rollup' if row['rollup'] else 'raw events'} | "
                     f"{row['ms']:,.0f} | {target / 1000:.0f} s {verdict} | {row['load']:.1f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="250k,1M")
    parser.add_argument("--engines", default="duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--every-question", action="store_true",
                        help="every common question and playbook from the fresh rollup, against the targets")
    parser.add_argument("--profile-refresh", action="store_true",
                        help="with --every-question: time each step of the refresh (bench/refresh_profile.py)")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        for size in args.sizes.split(","):
            n = parse_events_count(size)
            lines = (bench_every_question(engine, n, args.repeat, args.profile_refresh) if args.every_question
                     else bench(engine, n, args.repeat))
            print("\n".join(lines), "\n", flush=True)


if __name__ == "__main__":
    main()
