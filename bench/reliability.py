"""Reliability figures for docs/reliability.md: how long askers wait when the warehouse goes silent, what a
large result costs in memory, how fast an oversized question is refused, how long a killed bot's query
runs on, and 10,000 fuzzed questions through the answer service. Not part of `make test` (the suite has
bounded versions of each: tests/engines/test_chaos.py, test_fuzz.py, test_memory_bounds.py, ...).

    .venv/bin/python bench/reliability.py                 # 250k-event demo on DuckDB and PostgreSQL
    .venv/bin/python bench/reliability.py --fuzz 2000     # fewer fuzzed questions

Results: a markdown table printed and written to bench/RELIABILITY.md (with the machine's load).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from answers import Answer, Failure  # noqa: E402
from bench.run import END, answerer_for, demo_for, pg_for  # noqa: E402
from policy.audit import AuditLog  # noqa: E402
from policy.limits import RateLimiter  # noqa: E402
from policy.rules import Subject  # noqa: E402
from questions import Clarification  # noqa: E402
from service import AnswerService  # noqa: E402
from service.service import CLI_SUBJECT  # noqa: E402
from state.db import open_state  # noqa: E402
from tests.chaos_proxy import ChaosProxy  # noqa: E402
from tests.hostile import HOSTILE, body  # noqa: E402
from warehouse import Warehouse  # noqa: E402

EVENTS = 250_000
ROWS: list[tuple[str, str, str]] = []  # (what, figure, how measured)


def record(what: str, figure: str, how: str) -> None:
    ROWS.append((what, figure, how))
    print(f"{what}: {figure}", flush=True)


def chaos(pg: str) -> None:
    """A silent network with connections pooled: three askers at once, then the network back."""
    parts = urlsplit(pg)
    proxy = ChaosProxy((parts.hostname, parts.port or 5432))
    answerer = answerer_for(f"postgresql+psycopg://{parts.username}@127.0.0.1:{proxy.port}{parts.path}", timeout=10)
    settings = replace(answerer.segment.config, connect_timeout_seconds=3)
    answerer.warehouses["segment"] = answerer.segment = Warehouse(settings)
    answerer.freshness_check_seconds = 0.5
    service = AnswerService(answerer)
    got: dict[str, tuple[object, float]] = {}

    def one(question):
        began = time.perf_counter()
        got[question] = (service.ask(CLI_SUBJECT, question), time.perf_counter() - began)

    def at_once(questions):
        threads = [threading.Thread(target=one, args=(q,)) for q in questions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

    at_once(["invites yesterday", "messages sent last 30 days", "dau"])  # at once: three connections in the pool
    assert all(isinstance(got[q][0], Answer) for q in got), got
    time.sleep(0.6)
    proxy.stall()
    at_once(["signups last week", "invites yesterday", "help"])
    outcome, waited = got["signups last week"]
    record("silent warehouse: an uncached question (timeout 10 s)", f"{waited:.1f} s to a clear message",
           f"{type(outcome).__name__} {getattr(outcome, 'kind', '')}: {getattr(outcome, 'message', '')[:70]}")
    record("silent warehouse: a cached question", f"{got['invites yesterday'][1]:.2f} s",
           f"{type(got['invites yesterday'][0]).__name__}, answered from the cache")
    record("silent warehouse: help", f"{got['help'][1] * 1000:.0f} ms", type(got["help"][0]).__name__)
    proxy.resume()
    began = time.perf_counter()
    back = service.ask(CLI_SUBJECT, "signups last week")
    record("network back: the next question", f"{time.perf_counter() - began:.2f} s", type(back).__name__)
    proxy.drop()
    began = time.perf_counter()
    again = service.ask(CLI_SUBJECT, "invites last week")
    record("every connection dropped: the next question", f"{time.perf_counter() - began:.2f} s",
           f"{type(again).__name__} (retried on a new connection)")
    answerer.wait_for_freshness()
    answerer.segment.close()
    proxy.close()


PEAK = textwrap.dedent("""
    import resource, sys
    from config import WarehouseConfig
    from warehouse import Warehouse
    warehouse = Warehouse(WarehouseConfig("segment", sys.argv[1], row_cap=1000))
    warehouse.run("SELECT 1")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = warehouse.run("SELECT g, repeat('x', 40) AS pad FROM generate_series(1, 3000000) AS g")
    print(len(result.rows), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
""")


def memory(pg: str, duck: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PEAK, pg], cwd=ROOT, capture_output=True, text=True, timeout=300)
    rows, grown = done.stdout.split()
    record("3M-row PostgreSQL result, row cap 1,000", f"+{int(grown) / 1024:.1f} MB peak, {rows} rows",
           "a fresh process's ru_maxrss (129 MB before: the driver buffered every row)")
    answerer = answerer_for(f"duckdb:///{duck}")
    service = AnswerService(answerer)
    answerer.parse("invites yesterday")  # the catalog discovered first: what is timed is the refusal
    before, began = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
    refused = service.ask(CLI_SUBJECT, "invites hourly between 1000-01-01 and 2026-11-30")
    record("'invites hourly between 1000-01-01 and 2026-11-30'", f"refused in {(time.perf_counter() - began) * 1000:.0f} ms, "
           f"+{(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024:.0f} MB",
           f"{getattr(refused, 'kind', '')}: {getattr(refused, 'message', '')[:60]}... (2.36 GB before)")
    answerer.segment.close()


KILLED = textwrap.dedent("""
    import sys
    from config import WarehouseConfig
    from warehouse import Warehouse
    Warehouse(WarehouseConfig("segment", sys.argv[1], timeout_seconds=120)).run(f"SELECT pg_sleep(60) AS {sys.argv[2]}")
""")


def killed(pg: str) -> None:
    import psycopg

    marker = f"killed_{uuid.uuid4().hex[:8]}"
    admin_url = pg.replace("postgresql+psycopg://", "postgresql://")

    def running() -> int:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND state = 'active' "
                                 "AND pid <> pg_backend_pid()", [f"%{marker}%"]).fetchone()[0]

    process = subprocess.Popen([sys.executable, "-c", KILLED, pg, marker], cwd=ROOT)
    while not running():
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    began = time.perf_counter()
    while running():
        time.sleep(0.05)
    record("kill -9 during a 60 s query (timeout 120 s)", f"stopped on the server {time.perf_counter() - began:.1f} s later",
           "pg_stat_activity polled every 50 ms (it ran to its timeout before)")


WORDS = ["invites", "signups", "messages", "dau", "wau", "retention", "weekly", "daily", "hourly", "monthly", "funnel",
         "then", "by", "platform", "plan", "top", "3", "last", "30", "days", "yesterday", "since", "between", "and",
         "2026-11-01", "1000-01-01", "9999-12-31", "2026-02-30", "vs", "week", "before", "growth", "sessions", "paths",
         "revenue", "orders", "sent", "'", '"', ";", "--", "/*", "DROP TABLE events", "<@U0BOT>", "<!channel>", "&amp;",
         "\x00", "\ud800", "\U0001F600", "event_volume", "event='Invite Sent'", "interval=hour", "top=99999", "–", "?"]


def fuzzed(n: int, seed: int = 16) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append("".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0, 0x110000)]))
                               for _ in range(rng.randrange(0, 120))))
        elif kind == 1 or kind == 2:
            out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 10))))
        else:
            out.append(body(*rng.choice(HOSTILE)[1:]) if rng.random() < 0.5 else "x" * rng.randrange(2000, 6000))
    return out


def fuzz(duck: Path, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = open_state(f"sqlite:///{tmp}/state.sqlite")
        audit = AuditLog(state)
        answerer = answerer_for(f"duckdb:///{duck}")
        service = AnswerService(answerer, audit=audit, limiter=RateLimiter(None, None))  # no rate limit
        kinds: Counter[str] = Counter()
        began = time.perf_counter()
        for i, question in enumerate(fuzzed(n)):
            outcome = service.ask(Subject.in_channel(f"U{i}", "C0FUZZ", "T0TEST"), question)
            kinds[type(outcome).__name__ if isinstance(outcome, Answer | Clarification) else
                  f"Failure:{outcome.kind}" if isinstance(outcome, Failure) else "other"] += 1
        elapsed = time.perf_counter() - began
        rows = len(audit.entries(limit=n * 2))
        answerer.segment.close()
        state.dispose()
    shown = ", ".join(f"{k} {v:,}" for k, v in kinds.most_common())
    record(f"{n:,} fuzzed questions through the answer service", f"{elapsed:.0f} s, {rows:,} audit rows",
           f"{shown}; internal errors: {kinds.get('Failure:internal', 0)}")


def hostile() -> None:
    from warehouse.dialects import SQLRefused, check_read_only

    refused = 0
    for _kind, fragment, where in HOSTILE:
        try:
            check_read_only(body(fragment, where))
        except SQLRefused:
            refused += 1
    record("hostile custom playbooks (tests/hostile.py)", f"{refused} of {len(HOSTILE)} refused before the warehouse",
           "80 passed the read-only check before")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=10_000, help="fuzzed questions (default 10,000)")
    args = parser.parse_args()
    duck = demo_for(EVENTS)
    pg = pg_for(EVENTS, duck)
    load = os.getloadavg()[0]
    hostile()
    chaos(pg)
    memory(pg, duck)
    killed(pg)
    fuzz(duck, args.fuzz)
    lines = ["# Reliability figures (bench/reliability.py)", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M')} UTC on {os.cpu_count()} cores, 1-minute load "
             f"{load:.2f} at the start ({os.getloadavg()[0]:.2f} at the end); demo of {EVENTS:,} events ending "
             f"{END:%Y-%m-%d}, DuckDB and PostgreSQL.", "", "| what | figure | how |", "| --- | --- | --- |"]
    lines += [f"| {w} | {f} | {h.replace('|', '/')} |" for w, f, h in ROWS]
    (ROOT / "bench" / "RELIABILITY.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
