"""Warehouse benchmark: every playbook's question-to-answer time at several demo sizes on DuckDB
and PostgreSQL, how it grows with size, cache-hit time, chart render time per chart kind, and
through Slack (bench/slack_bench.py): question to answer, and ack latency under 50 concurrent commands.

    make bench                                   # = .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --sizes 1M,4M,10M,16M --pg-sizes 1M,4M --repeat 5   # the same, spelled out
    .venv/bin/python bench/run.py --resume       # reuse sections already measured (var/bench/results/)
    .venv/bin/python bench/run.py --mode-repo /work/mode-playbook   # only Mode's own Playbook SQL beside Playbot

--mode-repo DIR: DIR is a checkout of https://github.com/mode/playbook; each Mode report's SQL is read from
it, adapted to the demo warehouse (bench/mode_playbook.py) and timed beside Playbot's answer for the same
report at --mode-sizes (default 1M,4M) on --mode-engines (default duckdb,postgres); only that section of
bench/RESULTS.md is rewritten.

Demo warehouses are built once per size and cached under var/bench/<size>/ (fixed seed and end
time, so a cached file is reused). PostgreSQL copies go into databases `playbot_bench_<size>` on
$PLAYBOT_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/postgres), kept between runs.
Results: a markdown table printed and written to bench/RESULTS.md. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from answer_timing import uncached_answer_times  # noqa: E402

from answers import Answer  # noqa: E402
from answers.answerer import Answerer  # noqa: E402
from charts import render_png  # noqa: E402
from config import Config, SegmentConfig, WarehouseConfig, parse_events_count  # noqa: E402
from playbooks import load_library  # noqa: E402
from questions import Request  # noqa: E402
from segment.demo import DemoSpec, build_demo, needs_rebuild, read_meta  # noqa: E402
from warehouse import Warehouse  # noqa: E402

END = datetime(2026, 11, 27, 18, 0)  # UTC; the bot's clock is set to this moment
SOURCES = ("messenger_web", "messenger_ios")
DAYS = 180  # of demo history, ending at END
PG_ADMIN = os.environ.get("PLAYBOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# the questions people ask most (README "Asking questions"), then each playbook's first example
SAVED = ROOT / "var" / "bench" / "results"  # each section's numbers, for --resume
SECTION_LOAD: dict[tuple[str, int], float] = {}  # 1-minute load average when each engine and size started
COMMON = ["invites yesterday", "messages sent last 30 days", "dau", "weekly active users", "retention weekly",
          "invites last 30 days by platform"]
ALSO_IN_COMMON_RUNS = ["n-day retention"]  # took over 300 s on PostgreSQL before; kept in --common-only runs


def label(n: int) -> str:
    return f"{n / 1_000_000:g}M" if n >= 1_000_000 else f"{n // 1000}k"


BIG = 50_000_000  # from this size the demo is built with DuckDB's memory capped (it spills beside the file)
BIG_MEMORY = os.environ.get("PLAYBOT_BENCH_DEMO_MEMORY", "6GB")


def demo_for(events: int) -> Path:
    """The demo warehouse of this size, built once and cached under var/bench/<size>/; a build's time,
    peak memory and disk size are saved beside it (build.json) and printed."""
    folder = ROOT / "var" / "bench" / label(events)
    segment, product = folder / "segment.duckdb", folder / "product.duckdb"
    spec = DemoSpec(end=END, seed=7, events=events, days=DAYS)
    if needs_rebuild(segment, product, spec, END):  # missing, or written by an older generator
        import resource

        started, load = time.perf_counter(), os.getloadavg()[0]
        print(f"building the {label(events)}-event demo warehouse in {folder} ...", flush=True)
        build_demo(segment, product, spec, progress=_progress(events),
                   memory_limit=BIG_MEMORY if events >= BIG else None)
        built = {"seconds": round(time.perf_counter() - started), "load_start": load, "load_end": os.getloadavg()[0],
                 "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                 "segment_mb": round(segment.stat().st_size / 1e6), "product_mb": round(product.stat().st_size / 1e6)}
        (folder / "build.json").write_text(json.dumps(built))
        print(f"  built in {built['seconds']} s (load {load:.1f} to {built['load_end']:.1f}, peak RSS "
              f"{built['peak_rss_mb']:,} MB), {built['segment_mb']:,} MB on disk", flush=True)
    return segment


def _progress(events: int):
    """Prints the generator's progress every tenth of the way (a 100M build takes most of an hour)."""
    step = max(1, events // 10)
    done = {"next": step, "t0": time.perf_counter()}

    def report(n: int, total: int) -> None:
        if n >= done["next"]:
            done["next"] += step
            print(f"  {n:,} of {total:,} events generated, {time.perf_counter() - done['t0']:.0f} s", flush=True)
    return report


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
    built = read_meta(segment)["spec"]  # the DuckDB file's spec, generator version included
    with psycopg.connect(dsn, autocommit=True) as pg:
        loaded = pg.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' "
                            "AND table_name = 'bench_loaded' AND column_name = 'spec'").fetchone()
        loaded = loaded and pg.execute("SELECT spec FROM bench_loaded").fetchone()
    if not loaded or loaded[0] != built:
        started = time.perf_counter()
        print(f"copying the {label(events)} demo into PostgreSQL {dbname} ...", flush=True)
        copy_to_postgres(segment, dsn, schemas=list(SOURCES))
        with psycopg.connect(dsn, autocommit=True) as pg:
            pg.execute("DROP TABLE IF EXISTS bench_loaded")
            pg.execute("CREATE TABLE bench_loaded (spec text, at timestamptz DEFAULT now())")
            pg.execute("INSERT INTO bench_loaded (spec) VALUES (%s)", [built])
        print(f"  copied in {time.perf_counter() - started:.0f} s", flush=True)
    return dsn.replace("postgresql://", "postgresql+psycopg://")


def answerer_for(url: str, timeout: float = 300, product: Path | None = None) -> Answerer:
    """The bot on one Segment warehouse (and the demo's product database, for cross-database playbooks)."""
    configs = {"segment": WarehouseConfig("segment", url, timeout_seconds=timeout)}
    if product is not None:
        configs["product"] = WarehouseConfig("product", f"duckdb:///{product}")
    config = Config(
        warehouses=configs,
        segment=SegmentConfig(warehouse="segment", sources=SOURCES, activity_exclude_events=("Email Sent",)),
        timezone="UTC", week_start="monday", demo=None, chart_dir=ROOT / "var" / "bench" / "charts")
    warehouses = {name: Warehouse(c) for name, c in configs.items()}
    return Answerer(config, warehouses, load_library(), clock=lambda: END.replace(tzinfo=ZoneInfo("UTC")))


def _with_rollup(answerer: Answerer, events: int, engine: str) -> tuple[Answerer, float]:
    """The same bot with the activity rollup built in a bench cache of its own, and the full build's seconds."""
    import shutil

    from config import RollupConfig

    cache = ROOT / "var" / "bench" / label(events) / f"rollup-cache-mode-{engine}"
    shutil.rmtree(cache, ignore_errors=True)
    config = dataclasses.replace(answerer.config, rollup=RollupConfig(dir=cache))
    answerer = Answerer(config, answerer.warehouses, answerer.library,
                        clock=lambda: END.replace(tzinfo=ZoneInfo("UTC")))
    answerer.catalog()
    t0 = time.perf_counter()
    answerer.build_rollup(full=True)
    return answerer, time.perf_counter() - t0


def questions(answerer: Answerer, common_only: bool = False) -> list[tuple[str, Request]]:
    out: list[tuple[str, Request]] = []
    seen = set()
    texts = COMMON + (ALSO_IN_COMMON_RUNS if common_only else [pb.examples[0] for pb in answerer.library.all()
                                                                if pb.examples])
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


def bench_engine(engine: str, url: str, repeat: int, timeout: float, product: Path | None = None,
                 common_only: bool = False) -> dict[str, dict]:
    """{question: {median, p95, queries, warehouse, playbook, hit, chart_kind, chart_ms}} on one warehouse.

    Uncached means the result cache stores nothing (TTL 0) while the catalog stays warm, as for any
    question not asked in the last few minutes; `warehouse` is the part of it spent in the queries."""
    answerer = answerer_for(url, timeout, product)
    answerer.catalog()
    out: dict[str, dict] = {}
    for text, request in questions(answerer, common_only):
        first, cold, in_queries = uncached_answer_times(answerer, request, repeat)
        if not isinstance(first, Answer):
            out[text] = {"error": getattr(first, "message", str(first))}
            print(f"  {engine:8} {text:40} {out[text]['error']}", flush=True)
            continue
        answerer.answer(request)  # stored
        hit = timed(lambda r=request: answerer.answer(r), repeat)
        row = {"playbook": request.playbook, "median": statistics.median(cold), "p95": p95(cold),
               "queries": len(first.queries), "warehouse": statistics.median(in_queries), "hit": statistics.median(hit)}
        if first.chart is not None:
            row["chart_kind"] = type(first.chart).__name__
            row["chart_ms"] = statistics.median(timed(lambda c=first.chart: render_png(c), max(3, repeat)))
        out[text] = row
        print(f"  {engine:8} {text:40} {row['median']:8.0f} ms (p95 {row['p95']:.0f}, queries {row['warehouse']:.0f}) "
              f"hit {row['hit']:.1f} ms", flush=True)
    for w in answerer.warehouses.values():
        w.close()
    return out


def bench_slack(url: str, repeat: int, burst: int) -> dict:
    """Question to answer through Slack (cache off) and ack latency of `burst` commands at once."""
    from slack_bench import SlackBench

    answerer = answerer_for(url)
    answerer.catalog()
    answerer.segment.cache.ttl = 0
    slack = SlackBench(answerer, ROOT / "var" / "bench" / "state")
    out: dict = {"questions": {}}
    try:
        slack.ask("invites yesterday")  # first command: Bolt and matplotlib warm up
        for text in COMMON:
            # a different person each time, as in a channel: one person asking 30 a minute is rate limited
            runs = [slack.ask(text, user=f"U0BENCH{i}") for i in range(repeat)]
            row = {k: statistics.median([r[k] for r in runs]) for k in ("ack", "answer")}
            if all("chart" in r for r in runs):
                row["chart"] = statistics.median([r["chart"] for r in runs])
            out["questions"][text] = row
            print(f"  slack    {text:40} answer {row['answer']:8.0f} ms, chart {row.get('chart', 0):.0f} ms", flush=True)
        answerer.segment.cache.ttl = 300  # the burst: 50 people asking the common questions
        out["burst"] = slack.burst(COMMON, burst)
        print(f"  slack    {burst} commands at once: ack median {out['burst']['median']:.0f} ms, "
              f"p95 {out['burst']['p95']:.0f} ms", flush=True)
    finally:
        slack.close()
        answerer.segment.close()
    return out


def growth(small: float, large: float, n_small: int, n_large: int) -> str:
    """Exponent k in time ~ size^k between two sizes (1 = linear, 2 = quadratic)."""
    if small <= 0 or large <= 0 or n_small == n_large:
        return "–"
    return f"{math.log(large / small) / math.log(n_large / n_small):.2f}"


def report(results: dict[tuple[str, int], dict], sizes: dict[str, list[int]], repeat: int, started: datetime,
           loads: tuple[tuple[float, ...], tuple[float, ...]], slack: dict | None, slack_label: str,
           versions: dict[str, str]) -> str:
    (load_start, load_end) = loads
    lines = [f"# Benchmark results ({started:%Y-%m-%d %H:%M} UTC)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores ({_cpu_model()}), "
             f"{_memory_gb()} GB RAM, Python {platform.python_version()}, "
             + ", ".join(f"{k} {v}" for k, v in versions.items()) + ". "
             f"Load average (1/5/15 min) {'/'.join(f'{x:.1f}' for x in load_start)} at the start and "
             f"{'/'.join(f'{x:.1f}' for x in load_end)} at the end (the machine is shared). Medians of {repeat} runs.",
             "",
             "Times are question-to-answer through `Answerer.answer` (render, translate, every query the answer "
             "needs including comparison windows, presenter; the catalog is warm, as it is for any question after "
             "the first few minutes) with nothing served from the result cache; `in queries` is the part spent in "
             "the warehouse; `hit` is the same question answered from the result cache. Growth: exponent k in "
             "time ∝ size^k between the smallest and the largest size (1 = linear, 2 = quadratic).", ""]
    for engine, engine_sizes in sizes.items():
        if not engine_sizes:
            continue
        texts = list(dict.fromkeys(t for n in engine_sizes for t in results[(engine, n)]))
        head = ["question", "playbook", "queries"] + [f"{label(n)} ms" for n in engine_sizes]
        head += ["p95 ms (largest)", "in queries ms (largest)", "growth k", "cache hit ms (largest)"]
        loads = ", ".join(f"{label(n)} {SECTION_LOAD[(engine, n)]:.1f}" for n in engine_sizes if (engine, n) in SECTION_LOAD)
        lines += [f"## {engine}", "", f"1-minute load average when each size started: {loads}.", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for text in texts:
            rows = [results[(engine, n)].get(text) for n in engine_sizes]
            error = next((r["error"] for r in rows if r and "error" in r), None)
            if error:
                lines.append(f"| {text} | error: {error} |")
                continue
            done = [(n, r) for n, r in zip(engine_sizes, rows) if r]
            (n0, first), (n1, last) = done[0], done[-1]
            cells = [text, first["playbook"], str(first["queries"])]
            cells += [f"{r['median']:.0f}" if r else "–" for r in rows]
            cells += [f"{last['p95']:.0f}", f"{last['warehouse']:.0f}", growth(first["median"], last["median"], n0, n1),
                      f"{last['hit']:.1f}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    charts: dict[str, list[float]] = {}
    for (engine, _size), res in results.items():
        if engine != "duckdb":
            continue
        for row in res.values():
            if "chart_ms" in row:
                charts.setdefault(row["chart_kind"], []).append(row["chart_ms"])
    if charts:
        lines += ["## Chart render time (PNG, 880 px wide)", "",
                  "| chart | median ms | slowest ms | charts timed |", "|---|---|---|---|"]
        lines += [f"| {kind} | {statistics.median(v):.0f} | {max(v):.0f} | {len(v)} |"
                  for kind, v in sorted(charts.items())]
        lines.append("")
    if slack:
        lines += [f"## Through Slack ({slack_label})", "",
                  "The real app in HTTP mode (Bolt, policies, replier) and the Slack Web API stand-in of the tests, "
                  "signed slash commands over HTTP. From sending `/playbot <question>` to the HTTP ack, to the answer "
                  "message (chat.update with the buttons) and to the chart upload; result cache off.", "",
                  "| question | ack ms | answer ms | chart posted ms |", "|---|---|---|---|"]
        for text, row in slack["questions"].items():
            chart = f"{row['chart']:.0f}" if "chart" in row else "–"
            lines.append(f"| {text} | {row['ack']:.0f} | {row['answer']:.0f} | {chart} |")
        b = slack.get("burst")
        if b:
            lines += ["", f"{b['n']} signed slash commands sent at once (50 people, 5 channels, the common questions, "
                      f"result cache on): {b['ok']} acknowledged with HTTP 200; ack time median {b['median']:.0f} ms, "
                      f"p95 {b['p95']:.0f} ms, slowest {b['max']:.0f} ms (Slack's limit is 3 s). "
                      f"All {b['n']} answers were in Slack after {b['all_answered_s']:.1f} s."]
        lines.append("")
    return "\n".join(lines)


def _memory_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f}"
    except OSError:
        pass
    return "?"


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
    ap.add_argument("--sizes", default="1M,4M,10M,16M",
                    help="DuckDB demo sizes (default 1M,4M,10M,16M; the ~1 s target is set at 10M)")
    ap.add_argument("--pg-sizes", default="1M,4M", help="PostgreSQL sizes ('' for none; default 1M,4M)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per question (default 5)")
    ap.add_argument("--timeout", type=float, default=300, help="statement timeout per query, s (default 300)")
    ap.add_argument("--slack-size", default="", help="DuckDB size for the Slack timings (default: the largest; "
                    "'none' to skip)")
    ap.add_argument("--burst", type=int, default=50, help="slash commands sent at once (default 50)")
    ap.add_argument("--common-only", action="store_true", help="only the common questions, not every playbook")
    ap.add_argument("--pg-all", action="store_true", help="every playbook at every PostgreSQL size (default: every "
                    "playbook at the smallest, the common questions above it: the slowest take minutes there)")
    ap.add_argument("--resume", action="store_true",
                    help="reuse the sections (engine, size, Slack) already saved under var/bench/results/")
    ap.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    ap.add_argument("--mode-repo", metavar="DIR", help="a checkout of github.com/mode/playbook: run only Mode's "
                    "report SQL beside Playbot's answers (bench/mode_playbook.py)")
    ap.add_argument("--mode-sizes", default="1M,4M", help="sizes for --mode-repo (default 1M,4M)")
    ap.add_argument("--mode-engines", default="duckdb,postgres", help="engines for --mode-repo (default both)")
    ap.add_argument("--mode-rollup", action="store_true", help="with --mode-repo: build the activity rollup first, "
                    "so Playbot answers from it where it can (docs/rollup.md)")
    ap.add_argument("--mode-reports", default="", help="with --resume: re-measure only these reports (names, "
                    "comma-separated, a part is enough), keeping the others' saved rows")
    args = ap.parse_args()
    if args.mode_repo:
        sys.exit(mode_comparison(args))
    started = datetime.utcnow()
    load_start = os.getloadavg()
    duck_sizes = sorted(parse_events_count(s) for s in args.sizes.split(",") if s)
    pg_sizes = sorted(parse_events_count(s) for s in args.pg_sizes.split(",") if s)
    results: dict[tuple[str, int], dict] = {}
    versions = {"DuckDB": _duckdb_version()}

    def section(engine: str, n: int, run) -> dict:
        """One engine and size: run it (saved under var/bench/results/) or, with --resume, reuse it."""
        saved = SAVED / f"{engine}-{label(n)}.json"
        if args.resume and saved.exists():
            data = json.loads(saved.read_text())
        else:
            data = {"load": os.getloadavg()[0], "rows": run()}
            SAVED.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(data))
        SECTION_LOAD[(engine, n)] = data["load"]
        return data["rows"]

    for n in sorted(set(duck_sizes) | set(pg_sizes)):
        segment = demo_for(n)
        product = segment.with_name("product.duckdb")
        if n in duck_sizes:
            results[("duckdb", n)] = section("duckdb", n, lambda s=segment, p=product: bench_engine(
                "duckdb", f"duckdb:///{s}", args.repeat, args.timeout, p, args.common_only))
        if n in pg_sizes:
            url = pg_for(n, segment)
            versions["PostgreSQL"] = _pg_version(url)
            common = args.common_only or (not args.pg_all and n != pg_sizes[0])
            results[("postgres", n)] = section("postgres", n, lambda u=url, p=product, c=common: bench_engine(
                "postgres", u, args.repeat, args.timeout, p, c))
    slack, slack_label = None, ""
    if args.slack_size != "none" and duck_sizes:
        n = parse_events_count(args.slack_size) if args.slack_size else duck_sizes[-1]
        slack_label = f"DuckDB, {label(n)} events"
        saved = SAVED / f"slack-{label(n)}.json"
        if args.resume and saved.exists():
            slack = json.loads(saved.read_text())
        else:
            slack = bench_slack(f"duckdb:///{demo_for(n)}", args.repeat, args.burst)
            SAVED.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(slack))
    text = report(results, {"duckdb": duck_sizes, "postgres": pg_sizes}, args.repeat, started,
                  (load_start, os.getloadavg()), slack, slack_label, versions)
    Path(args.out).write_text(text + "\n")
    print("\n" + text)


def mode_comparison(args: argparse.Namespace) -> int:
    """--mode-repo: every Mode report beside Playbot's answer, per engine and size -> RESULTS.md section."""
    import subprocess

    import mode_playbook

    problems = mode_playbook.check_repo(args.mode_repo)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    commit = subprocess.run(["git", "-C", args.mode_repo, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    started, load_start = datetime.utcnow(), os.getloadavg()
    meta = SAVED / "mode-meta.json"  # when the measuring began, kept by --resume
    if args.resume and meta.exists():
        kept_meta = json.loads(meta.read_text())
        started, load_start = datetime.fromisoformat(kept_meta["started"]), tuple(kept_meta["load_start"])
    else:
        SAVED.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"started": started.isoformat(), "load_start": load_start}))
    engines = [e.strip() for e in args.mode_engines.split(",") if e.strip()]
    only = tuple(r.strip() for r in args.mode_reports.split(",") if r.strip())
    results: dict[tuple[str, str], list[dict]] = {}
    for n in sorted(parse_events_count(s) for s in args.mode_sizes.split(",") if s):
        segment = demo_for(n)
        for engine in engines:
            saved = SAVED / f"mode-{engine}-{label(n)}.json"
            kept = json.loads(saved.read_text()) if args.resume and saved.exists() else []
            if kept and not only:
                results[(engine, label(n))] = kept
                continue
            url = f"duckdb:///{segment}" if engine == "duckdb" else pg_for(n, segment)
            answerer = answerer_for(url, args.timeout, segment.with_name("product.duckdb"))
            answerer.catalog()
            build_s = None
            if args.mode_rollup:
                answerer, build_s = _with_rollup(answerer, n, engine)
            try:
                rows = mode_playbook.merge(kept, mode_playbook.compare(
                    answerer, args.mode_repo, list(SOURCES), args.repeat, args.timeout, END,
                    (END - timedelta(days=DAYS)).date(), engine, only))
                for row in rows:
                    row["rollup_build_s"] = build_s
            finally:
                for w in answerer.warehouses.values():
                    w.close()
            SAVED.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(rows, default=str))
            results[(engine, label(n))] = rows
    text = mode_playbook.section(results, args.repeat, (load_start, os.getloadavg()), started, commit)
    mode_playbook.write_section(Path(args.out), text)
    print("\n" + text + "\n\nWhere Mode's SQL is faster:\n  " + ("\n  ".join(mode_playbook.when_slower(results))
                                                              or "nowhere"))
    return 0


def _duckdb_version() -> str:
    import duckdb

    return duckdb.__version__


def _pg_version(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar()).split()[0]
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
