"""Warehouse benchmark: every playbook's question-to-answer time at several demo sizes on DuckDB
(and PostgreSQL), how it grows with size, cache-hit time and chart render time per chart kind.

    make bench                                   # = .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --sizes 1M,4M,10M --pg-sizes 1M --repeat 5

Demo warehouses are built once per size and cached under var/bench/<size>/ (fixed seed and end
time, so a cached file is reused). PostgreSQL copies go into a database `playbot_bench` on
$PLAYBOT_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/postgres), kept between runs.
Results: a markdown table printed and written to bench/RESULTS.md. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from charts import render_png  # noqa: E402
from config import Config, SegmentConfig, WarehouseConfig, parse_events_count  # noqa: E402
from playbooks import Answer, Request, load_library  # noqa: E402
from playbooks.answer import Answerer  # noqa: E402
from warehouse import Warehouse  # noqa: E402
from warehouse.demo import DemoSpec, build_demo  # noqa: E402

END = datetime(2026, 11, 27, 18, 0)  # UTC; the bot's clock is set to this moment
SOURCES = ("messenger_web", "messenger_ios")
PG_ADMIN = os.environ.get("PLAYBOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# the questions people ask most (README "Asking questions"), then each playbook's first example
COMMON = ["invites yesterday", "messages sent last 30 days", "dau", "weekly active users", "retention weekly",
          "invites last 30 days by platform"]


def label(n: int) -> str:
    return f"{n / 1_000_000:g}M" if n >= 1_000_000 else f"{n // 1000}k"


def demo_for(events: int) -> Path:
    folder = ROOT / "var" / "bench" / label(events)
    segment = folder / "segment.duckdb"
    if not segment.exists():
        started = time.perf_counter()
        print(f"building the {label(events)}-event demo warehouse in {folder} ...", flush=True)
        build_demo(segment, folder / "product.duckdb", DemoSpec(end=END, seed=7, events=events, days=180))
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return segment


def pg_for(events: int, segment: Path) -> str:
    import psycopg

    from warehouse.loader import copy_to_postgres

    dbname = f"playbot_bench_{label(events).lower()}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{dbname}"')
    dsn = f"{base}/{dbname}"
    with psycopg.connect(dsn, autocommit=True) as pg:
        done = pg.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' "
                          "AND table_name = 'bench_loaded'").fetchone()
    if not done:
        started = time.perf_counter()
        print(f"copying the {label(events)} demo into PostgreSQL {dbname} ...", flush=True)
        copy_to_postgres(segment, dsn, schemas=list(SOURCES))
        with psycopg.connect(dsn, autocommit=True) as pg:
            pg.execute("CREATE TABLE bench_loaded (at timestamptz DEFAULT now())")
        print(f"  copied in {time.perf_counter() - started:.0f} s", flush=True)
    return dsn.replace("postgresql://", "postgresql+psycopg://")


def answerer_for(url: str) -> Answerer:
    config = Config(
        warehouses={"segment": WarehouseConfig("segment", url, timeout_seconds=300)},
        segment=SegmentConfig(warehouse="segment", sources=SOURCES, activity_exclude_events=("Email Sent",)),
        timezone="UTC", week_start="monday", demo=None, chart_dir=ROOT / "var" / "bench" / "charts")
    warehouses = {"segment": Warehouse(config.warehouses["segment"])}
    return Answerer(config, warehouses, load_library(), clock=lambda: END.replace(tzinfo=ZoneInfo("UTC")))


def questions(answerer: Answerer) -> list[tuple[str, Request]]:
    out: list[tuple[str, Request]] = []
    seen = set()
    texts = COMMON + [pb.examples[0] for pb in answerer.library.all() if pb.examples]
    for text in texts:
        request = answerer.parse(text)
        if isinstance(request, Request) and text not in seen:
            seen.add(text)
            out.append((text, request))
    return out


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def bench_engine(engine: str, url: str, repeat: int) -> dict[str, dict]:
    """{question: {median, p95, queries, playbook, hit, chart_kind, chart_ms}} on one warehouse."""
    answerer = answerer_for(url)
    answerer.catalog()
    out: dict[str, dict] = {}
    for text, request in questions(answerer):
        first = answerer.answer(request, refresh=True)  # warm the engine's own caches (file pages, plans)
        if not isinstance(first, Answer):
            out[text] = {"error": getattr(first, "message", str(first))}
            continue
        cold = timed(lambda r=request: answerer.answer(r, refresh=True), repeat)
        hit = timed(lambda r=request: answerer.answer(r), repeat)
        row = {"playbook": request.playbook, "median": statistics.median(cold), "p95": p95(cold),
               "queries": len(first.queries), "hit": statistics.median(hit)}
        if first.chart is not None:
            row["chart_kind"] = type(first.chart).__name__
            row["chart_ms"] = statistics.median(timed(lambda c=first.chart: render_png(c), max(1, repeat // 2)))
        out[text] = row
        print(f"  {engine:8} {text:40} {row['median']:8.0f} ms (p95 {row['p95']:.0f}) hit {row['hit']:.1f} ms",
              flush=True)
    for w in answerer.warehouses.values():
        w.close()
    return out


def growth(small: float, large: float, n_small: int, n_large: int) -> str:
    """Exponent k in time ~ size^k between two sizes (1 = linear, 2 = quadratic)."""
    if small <= 0 or large <= 0 or n_small == n_large:
        return "–"
    return f"{math.log(large / small) / math.log(n_large / n_small):.2f}"


def report(results: dict[tuple[str, int], dict], sizes: dict[str, list[int]], repeat: int, started: datetime) -> str:
    lines = [f"# Benchmark results ({started:%Y-%m-%d %H:%M} UTC)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores ({_cpu_model()}), Python "
             f"{platform.python_version()}, load average at start {os.getloadavg()[0]:.1f} "
             "(the machine is shared; numbers are medians of {repeat} runs).".format(repeat=repeat),
             "Times are question-to-answer through `Answerer.answer` (render, translate, every query the answer "
             "needs including comparison windows, presenter), with the result cache bypassed (`refresh=True`); "
             "`hit` is the same question answered from the result cache. Growth: exponent k in time ∝ size^k "
             "between the smallest and largest size (1 = linear).", ""]
    for engine, engine_sizes in sizes.items():
        if not engine_sizes:
            continue
        texts = list(results[(engine, engine_sizes[0])])
        head = ["question", "playbook", "queries"] + [f"{label(n)} median ms" for n in engine_sizes]
        head += [f"{label(engine_sizes[-1])} p95 ms", "growth k", "cache hit ms"]
        lines += [f"## {engine}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for text in texts:
            rows = [results[(engine, n)].get(text, {}) for n in engine_sizes]
            if any("error" in r or not r for r in rows):
                lines.append(f"| {text} | error: {next((r.get('error') for r in rows if 'error' in r), '')} |")
                continue
            cells = [text, rows[0]["playbook"], str(rows[0]["queries"])] + [f"{r['median']:.0f}" for r in rows]
            cells += [f"{rows[-1]['p95']:.0f}", growth(rows[0]["median"], rows[-1]["median"], engine_sizes[0],
                                                        engine_sizes[-1]), f"{rows[-1]['hit']:.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    charts: dict[str, list[float]] = {}
    for res in results.values():
        for row in res.values():
            if "chart_ms" in row:
                charts.setdefault(row["chart_kind"], []).append(row["chart_ms"])
    if charts:
        lines += ["## Chart render time (PNG, median per kind)", "", "| chart | median ms | charts timed |", "|---|---|---|"]
        lines += [f"| {kind} | {statistics.median(v):.0f} | {len(v)} |" for kind, v in sorted(charts.items())]
        lines.append("")
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1M,4M,10M", help="DuckDB demo sizes (default 1M,4M,10M)")
    ap.add_argument("--pg-sizes", default="1M", help="PostgreSQL sizes, a subset of --sizes ('' for none)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per question (default 5)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    args = ap.parse_args()
    started = datetime.utcnow()
    duck_sizes = sorted(parse_events_count(s) for s in args.sizes.split(",") if s)
    pg_sizes = sorted(parse_events_count(s) for s in args.pg_sizes.split(",") if s)
    results: dict[tuple[str, int], dict] = {}
    for n in sorted(set(duck_sizes) | set(pg_sizes)):
        segment = demo_for(n)
        if n in duck_sizes:
            results[("duckdb", n)] = bench_engine("duckdb", f"duckdb:///{segment}", args.repeat)
        if n in pg_sizes:
            results[("postgres", n)] = bench_engine("postgres", pg_for(n, segment), args.repeat)
    text = report(results, {"duckdb": duck_sizes, "postgres": pg_sizes}, args.repeat, started)
    Path(args.out).write_text(text + "\n")
    print("\n" + text)


if __name__ == "__main__":
    main()
