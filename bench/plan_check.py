"""MAU by payment plan at bench sizes, checked against the oracle: the cross-database playbook
active_by_payment_plan (activity in the Segment warehouse, `users.payment_plan` in the product database,
synced into the activity rollup) on the bench's demo warehouse on DuckDB and on its PostgreSQL copy,
compared row by row with tests/oracle.py's independent Python computation over the same rows.

    .venv/bin/python bench/plan_check.py --sizes 10M --engines duckdb,postgres

The PostgreSQL copy is `playbot_bench_<size>` (bench/run.py's pg_for: made once, kept). At 10M the demo
has more people than the lookup's max_rows (50,000), so raw events refuse the question and the answer
must come from the rollup's synced copy of the plans; the check says which path answered. Exits 1 when
any number differs. Not part of `make test` (the 10M PostgreSQL copy takes minutes to load; the oracle
holds every event in Python: about 5 GB at 10M).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import END, SOURCES, answerer_for, demo_for, label, pg_for  # noqa: E402

from answers import Answer  # noqa: E402
from config import RollupConfig, parse_events_count  # noqa: E402
from tests import oracle_cohorts as oc  # noqa: E402
from tests.oracle import Oracle  # noqa: E402

QUESTION = "monthly active users by payment plan"


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def plans_of(product: Path) -> dict[str, str]:
    """The product database's plans, read with plain duckdb from a byte copy of the file."""
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "product.duckdb"
        shutil.copyfile(product, copy)
        con = duckdb.connect(str(copy), read_only=True)
        try:
            return {str(i): plan for i, plan in con.execute("SELECT id, payment_plan FROM users").fetchall()}
        finally:
            con.close()


def oracle_for(engine: str, segment: Path, dsn: str | None) -> Oracle:
    """The independent computation over the same rows: plain SELECTs, everything else in Python."""
    settings = dict(exclude_activity=("Email Sent",), now=END.replace(tzinfo=ZoneInfo("UTC")))
    if engine == "postgres":
        import psycopg

        with psycopg.connect(dsn.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as pg:
            return Oracle(lambda q: pg.execute(q).fetchall(), list(SOURCES), "UTC", "monday", **settings)
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:  # a byte copy: nothing shared with the bot's connections
        copy = Path(tmp) / "segment.duckdb"
        shutil.copyfile(segment, copy)
        con = duckdb.connect(str(copy), read_only=True)
        try:
            return Oracle(lambda q: con.execute(q).fetchall(), list(SOURCES), "UTC", "monday", **settings)
        finally:
            con.close()


def check(engine: str, events: int) -> tuple[bool, list[str]]:
    """(numbers equal, the lines printed): the answer from a fresh rollup against the oracle."""
    segment = demo_for(events)
    product = segment.parent / "product.duckdb"
    url = f"duckdb:///{segment}" if engine == "duckdb" else pg_for(events, segment)
    base = answerer_for(url, product=product)
    cache = segment.parent / f"rollup-cache-plans-{engine}"
    shutil.rmtree(cache, ignore_errors=True)
    config = dataclasses.replace(base.config, rollup=RollupConfig(dir=cache))
    answerer = type(base)(config, base.warehouses, base.library, clock=lambda: END.replace(tzinfo=ZoneInfo("UTC")))
    for w in answerer.warehouses.values():
        w.cache.ttl = 0  # each answer computed, none served from the result cache
    load = os.getloadavg()[0]
    lines = [f"**{engine}, {label(events)} events** (load {load:.1f} at the start)"]
    try:
        t0 = time.perf_counter()
        built = answerer.build_rollup(full=True)
        lines.append(f"  rollup built in {time.perf_counter() - t0:.0f} s: {built.activity_rows:,} activity rows, "
                     f"{built.people_rows:,} people, plans synced: {built.lookups.get('plans')}")
        t0 = time.perf_counter()
        answer = answerer.answer(answerer.parse(QUESTION))
        lines.append(f"  answered in {(time.perf_counter() - t0) * 1000:.0f} ms")
        if not isinstance(answer, Answer):
            return False, lines + [f"  NOT ANSWERED: {getattr(answer, 'message', answer)}"]
        read = next((d for d in answer.definitions if d.startswith("From ")), "")
        lines.append(f"  {read}")
        answerer.rollup.config = dataclasses.replace(config, rollup=dataclasses.replace(config.rollup, enabled=False))
        raw = answerer.answer(answerer.parse(QUESTION))
        lines.append("  raw events: " + ("answered, rows equal: " + str(raw.rows == answer.rows)
                                         if isinstance(raw, Answer) else f"refused ({raw.message[:90]})"))
    finally:
        answerer.rollup.close()
        for w in answerer.warehouses.values():
            w.close()
    return compare(answer, oracle_for(engine, segment, url if engine == "postgres" else None), plans_of(product),
                   lines)


def compare(answer: Answer, oracle: Oracle, plans: dict[str, str], lines: list[str]) -> tuple[bool, list[str]]:
    p = answer.request.params
    expected = oc.active_by_plan(oracle, plans, p["start"], p["end"], "month")
    got = {(_day(r[0]), r[1]): int(r[2]) for r in answer.rows}
    lines.append(f"  {p['start']} to {p['end']}, {len(plans):,} plans, {len(oracle.events):,} events in the oracle")
    lines += ["  | month | plan | answer | oracle |", "  |---|---|---|---|"]
    for key in sorted(set(got) | set(expected), key=lambda k: (k[0], k[1] or "")):
        mark = "" if got.get(key) == expected.get(key) else "  <-- DIFFERS"
        lines.append(f"  | {key[0]} | {key[1] or '(everyone)'} | {got.get(key, '–')} | "
                     f"{expected.get(key, '–')} |{mark}")
    same = got == expected and bool(expected)
    lines.append(f"  {'SAME' if same else 'DIFFERENT'}: {len(got)} rows from the answer, {len(expected)} from the oracle")
    return same, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10M")
    parser.add_argument("--engines", default="duckdb,postgres")
    args = parser.parse_args()
    ok = True
    for size in args.sizes.split(","):
        for engine in args.engines.split(","):
            same, lines = check(engine, parse_events_count(size))
            ok = ok and same
            print("\n".join(lines), "\n", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
