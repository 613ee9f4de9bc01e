"""The retention tables derived in the activity rollup (rollup/returns.py, docs/rollup.md "Retention tables"):
retention since signup and n-day retention read from them give the same answers as the rollup without them
(a build whose meta names no derived tables, as an older build's) and as raw events, all equal to the
independent oracle, on DuckDB and PostgreSQL warehouses and both datasets; a question they cannot serve
(an `event`) reads the rollup's person-day rows as before; a refresh rebuilds them equal to a full build."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date, datetime, timedelta

import pytest

from answers import Answer
from answers.answerer import Answerer
from config import RollupConfig
from playbooks import load_library
from rollup import RollupStore
from rollup.returns import MAX_N, RELATIONS
from warehouse import Warehouse

from .. import oracle_cohorts as oc
from ..conftest import DATASETS, ENGINES, make_config
from .test_rollup import Clock, _ask, _read, _same, _table, _url

CASES = [(e, d) for e in ENGINES for d in DATASETS]


@pytest.fixture(scope="module")
def pair(built, pg_url, tmp_path_factory):
    """{(engine, dataset): (with the derived tables, the same build without them)}: one full build, its
    folder copied and the copy's meta stripped of the retention tables (what a build before them published)."""
    out = {}
    for engine, name in CASES:
        ds = DATASETS[name]
        config = make_config(_url(engine, name, built, pg_url), ds)
        here = tmp_path_factory.mktemp(f"returns-{engine}-{name}")
        fast_config = dataclasses.replace(config, rollup=RollupConfig(dir=here / "fast"))
        fast = Answerer(fast_config, {n: Warehouse(wc) for n, wc in config.warehouses.items()}, load_library(),
                        clock=Clock(ds.clock))
        meta = fast.build_rollup(full=True)
        assert {t for _, t in RELATIONS} <= set(meta.tables)  # (and the other derived tables)
        shutil.copytree(here / "fast", here / "plain")
        plain_config = dataclasses.replace(config, rollup=RollupConfig(dir=here / "plain"))
        current = RollupStore.for_config(plain_config).folder / "current.json"
        kept = json.loads(current.read_text())
        kept["tables"] = [t for t in kept["tables"] if t not in dict(RELATIONS).values()]
        current.write_text(json.dumps(kept))
        plain = Answerer(plain_config, {n: Warehouse(wc) for n, wc in config.warehouses.items()}, load_library(),
                         clock=Clock(ds.clock))
        out[(engine, name)] = (fast, plain)
    yield out
    for answerers in out.values():
        for a in answerers:
            a.rollup.close()
            for w in a.warehouses.values():
                w.close()


def _d(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _three(pair, answerers, engine, dataset, question, derived: bool) -> Answer:
    """The answer from the derived tables (or, `derived` False, from the person-day rows as before), checked
    equal to the rollup without them and to raw events."""
    fast, plain = pair[(engine, dataset)]
    got, before, raw = _ask(fast, question), _ask(plain, question), _ask(answerers[(engine, dataset)], question)
    for answer in (got, before):
        assert _read(answer).startswith("From the activity rollup"), (question, _read(answer))
        assert all(q.result.warehouse == "rollup" for q in answer.queries), question
    assert all(("person_returns" in q.sql or "person_last_seen" in q.sql) == derived for q in got.queries), question
    assert not any("person_returns" in q.sql or "person_last_seen" in q.sql for q in before.queries), question
    assert _read(raw).startswith("From raw events"), question
    _same(got, before)
    _same(got, raw)
    return got


# (question, interval, group_by, top, filters)
SINCE_SIGNUP = [
    ("monthly retention since signup", "month", None, 5, {}),
    ("weekly retention since signup by channel top 3", "week", "channel", 3, {}),
    ("daily retention last 14 days since signup", "day", None, 5, {}),
    ("weekly retention since signup for pro users", "week", None, 5, {"plan": "pro"}),
]


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit,dimension,top,filters", SINCE_SIGNUP)
def test_retention_since_signup_from_the_derived_table(pair, answerers, oracles, engine, dataset, question, unit,
                                                       dimension, top, filters):
    answer = _three(pair, answerers, engine, dataset, question, derived=True)
    p = answer.request.params
    assert (p["interval"], p["periods"], p["group_by"], dict(p["filters"] or ())) == (
        unit, "since_signup", dimension, filters)
    oracle = oracles[(engine, dataset)]
    expected = oc.retention_since_signup(oracle, p["start"], p["end"], unit, oracle.as_of, dimension, top, filters)
    if dimension:
        got = {(r[0], _d(r[1]), int(r[2])): (int(r[3]), int(r[5]), int(r[4])) for r in answer.rows}
    else:
        got = {(None, _d(r[0]), int(r[1])): (int(r[2]), int(r[4]), int(r[3])) for r in answer.rows}
    assert got == expected and any(v[2] for (_, _, k), v in expected.items() if k >= 1)


# (question, group_by, top, filters, on_or_after, since_signup)
NDAY = [
    ("n-day retention", "signup_weekday", 7, {}, False, False),
    ("d7 retention by channel top 3", "channel", 3, {}, False, False),
    ("7 day retention or later by plan on ios", "plan", 7, {"platform": "iOS"}, True, False),
    ("d1 d7 retention since signup", "signup_weekday", 7, {}, False, True),
    ("7 day retention or later since signup by channel", "channel", 7, {}, True, True),
]


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,dimension,top,filters,after,since", NDAY)
def test_nday_retention_from_the_derived_tables(pair, answerers, oracles, engine, dataset, question, dimension, top,
                                                filters, after, since):
    answer = _three(pair, answerers, engine, dataset, question, derived=True)
    p = answer.request.params
    assert (p["group_by"], p["top"], dict(p["filters"] or ()), p["retained"], p["periods"]) == (
        dimension, top, filters, "on_or_after" if after else "on_day", "since_signup" if since else "calendar")
    oracle = oracles[(engine, dataset)]
    if since:
        expected = oc.nday_since_signup(oracle, p["start"], p["end"], oracle.as_of, dimension, top, filters, after)
    else:
        expected = oc.nday_retention(oracle, p["start"], p["end"], DATASETS[dataset].clock.date(), dimension, top,
                                     filters, after)
    assert {(str(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows} == {
        (str(s), n): v for (s, n), v in expected.items()}
    assert sum(v[1] for v in expected.values()) > 0


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question", ["retention event='Message Sent' interval=week periods=since_signup",
                                      "retention weekly", "n-day retention event='Message Sent'"])
def test_what_the_derived_tables_cannot_serve_reads_the_person_days(pair, answerers, engine, dataset, question):
    """Coming back with one event (the tables hold any activity) and calendar retention: the rollup's rows
    as before, the same answer as raw events."""
    _three(pair, answerers, engine, dataset, question, derived=False)


def test_the_tables_hold_every_period_the_playbooks_read():
    from playbooks.library import BUILTIN_DIR

    assert "r.n <= 12" in (BUILTIN_DIR / "retention.sql").read_text() and MAX_N >= 12
    assert "SELECT 28" in (BUILTIN_DIR / "nday_retention.sql").read_text() and MAX_N >= 28


def test_a_refresh_rebuilds_the_derived_tables_equal_to_a_full_build(pair, built, pg_url, tmp_path):
    ds = DATASETS["messenger"]
    config = make_config(_url("duckdb", "messenger", built, pg_url), ds)
    config = dataclasses.replace(config, rollup=RollupConfig(dir=tmp_path))
    clock = Clock(ds.clock - timedelta(days=6))
    answerer = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, load_library(), clock=clock)
    try:
        assert answerer.build_rollup().kind == "full"
        clock.now = ds.clock
        refreshed = answerer.build_rollup()
        assert refreshed.kind == "refresh" and {t for _, t in RELATIONS} <= set(refreshed.tables)
        fast = pair[("duckdb", "messenger")][0]
        full = fast.rollup.current()
        assert full.as_of == refreshed.as_of
        for _, table in RELATIONS:
            rows = _table(answerer.rollup.store.path(refreshed), table, tmp_path)
            assert rows and rows == _table(fast.rollup.store.path(full), table, tmp_path), table
    finally:
        answerer.rollup.close()
        answerer.segment.close()
