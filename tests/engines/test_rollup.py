"""The activity rollup (docs/rollup.md): built from each engine's warehouse into the bot's embedded DuckDB
cache, every covered playbook answered from it and from raw events gives the same answer, both equal to
the independent oracle; an incremental refresh equals a full build; a rollup older than the data is
not read."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime, timedelta

import duckdb
import pytest

from answers import Answer
from answers.answerer import Answerer
from config import RollupConfig, WarehouseConfig
from playbooks import load_library
from playbooks.library import BUILTIN_DIR
from questions import Request
from rendering.lookups import LookupFailed, fetch_lookups
from rollup import RollupStore
from service import CLI_SUBJECT
from warehouse import Warehouse

from .. import helpers
from .. import oracle_cohorts as oc
from ..conftest import DATASETS, ENGINES, make_config
from .test_cohorts import _plans

CASES = [(e, d) for e in ENGINES for d in DATASETS]

# every covered playbook and shape: daily (rolling WAU/MAU, stickiness), calendar, breakdowns by an
# event dimension and a person one, filters, an event; retention by calendar period and since signup
# (each day's first and last event), growth accounting, n-day retention, feature adoption, slipping away,
# intervention impact
# each covered playbook on each engine and dataset, the question's shape rotating between the four (daily
# rolling WAU/MAU, a breakdown by an event dimension, a person filter, stickiness, an event filter; retention
# by calendar period, since signup, by a person dimension, of an event; growth accounting weekly and monthly;
# n-day retention, since signup, by channel; feature adoption daily and weekly of two events; slipping away;
# intervention impact)
SHAPES = [
    ["dau", "weekly active users by platform top 3", "monthly active users for free users", "stickiness last 30 days"],
    ["dau on ios last 14 days", "mau", "weekly active users", "active users monthly"],
    ["retention weekly", "weekly retention since signup", "weekly retention by channel",
     "retention event='Message Sent' interval=week"],
    ["growth accounting", "quick ratio monthly", "weekly growth accounting on ios", "growth accounting"],
    ["n-day retention", "d1 d7 retention since signup", "d7 retention by channel"],
    ["sticker adoption", "feature usage of stickers and photos by week"],
    ["when do message senders slip away"],
    ["intervention impact", "did the email work for free plan users"],
]


def questions(case: int) -> list[str]:
    return [shapes[case % len(shapes)] for shapes in SHAPES]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _url(engine: str, name: str, built, pg_url: str) -> str:
    return f"duckdb:///{built[name]}" if engine == "duckdb" else pg_url.replace("postgresql://", "postgresql+psycopg://")


def capped_plans_playbook(folder):
    """active_by_payment_plan with its lookup capped at 100 rows (fewer than the people in the datasets)."""
    text = (BUILTIN_DIR / "active_by_payment_plan.sql").read_text()
    folder.mkdir(exist_ok=True)
    (folder / "plans_capped.sql").write_text(
        text.replace("id: active_by_payment_plan", "id: plans_capped").replace("max_rows: 50000", "max_rows: 100")
        .replace("words: [by payment plan", "words: [capped plans placeholder"))
    return folder


@pytest.fixture(scope="module")
def rolled(built, pg_url, tmp_path_factory):
    """{(engine, dataset): Answerer} whose rollup was built (a full build) in a cache folder of its own."""
    out = {}
    extra = capped_plans_playbook(tmp_path_factory.mktemp("capped"))
    for engine, name in CASES:
        ds = DATASETS[name]
        config = make_config(_url(engine, name, built, pg_url), ds)
        product = WarehouseConfig("product", f"duckdb:///{built[name].parent / 'product.duckdb'}")  # its plans synced
        config = dataclasses.replace(config, warehouses={**config.warehouses, "product": product},
                                     rollup=RollupConfig(dir=tmp_path_factory.mktemp(f"rollup-{engine}-{name}")))
        answerer = Answerer(config, {n: Warehouse(wc) for n, wc in config.warehouses.items()},
                            load_library((extra,)), clock=Clock(ds.clock))
        answerer.build_rollup(full=True)
        out[(engine, name)] = answerer
    yield out
    for a in out.values():
        a.rollup.close()
        for w in a.warehouses.values():
            w.close()


def _ask(answerer, question: str) -> Answer:
    outcome = helpers.ask(answerer, question)
    assert isinstance(outcome, Answer), f"{question!r} -> {outcome}"
    return outcome


def _read(answer: Answer) -> str:
    return next(d for d in answer.definitions if d.startswith("From "))


def _same(a: Answer, b: Answer) -> None:
    assert a.request.params == b.request.params
    assert a.rows == b.rows
    assert (a.headline, a.summary, a.key, a.table, a.warnings) == (b.headline, b.summary, b.key, b.table, b.warnings)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_rollup_and_raw_events_give_the_same_answers(rolled, answerers, engine, dataset):
    fast, raw = rolled[(engine, dataset)], answerers[(engine, dataset)]
    for question in questions(CASES.index((engine, dataset))):
        got, expected = _ask(fast, question), _ask(raw, question)
        assert _read(got).startswith("From the activity rollup, built 0 min ago"), (question, _read(got))
        assert all(q.result.warehouse == "rollup" for q in got.queries), question
        assert _read(expected).startswith("From raw events (no activity rollup built)"), question
        _same(got, expected)


def _d(value) -> date:
    return value.date() if isinstance(value, datetime) else value


@pytest.mark.parametrize("engine,dataset", CASES)
def test_rollup_answers_match_the_oracle(rolled, oracles, built, engine, dataset):
    answerer, oracle = rolled[(engine, dataset)], oracles[(engine, dataset)]
    answer = _ask(answerer, "dau")
    p = answer.request.params
    expected = oracle.active_daily(p["start"], p["end"])
    assert {_d(r[0]): tuple(r[1:4]) for r in answer.rows} == {d: v[:3] for d, v in expected.items()}
    answer = _ask(answerer, "weekly active users by platform top 3")
    p = answer.request.params
    assert {(_d(r[0]), r[1]): r[2] for r in answer.rows if r[1] is not None} == oracle.active_by(
        p["start"], p["end"], "week", "platform", 3)
    answer = _ask(answerer, "monthly active users for free users")
    p = answer.request.params
    assert {_d(r[0]): r[1] for r in answer.rows} == oracle.active_calendar(p["start"], p["end"], "month", {"plan": "free"})
    answer = _ask(answerer, "retention weekly")
    p = answer.request.params
    expected = oracle.retention(p["start"], p["end"], "week", DATASETS[dataset].clock.date())
    assert {(_d(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows} == expected
    assert _read(answer).startswith("From the activity rollup")
    # the product database's plans, synced into the rollup at the build
    answer = _ask(answerer, "monthly active users by payment plan")
    p, plans = answer.request.params, _plans(built, dataset)
    expected = oc.active_by_plan(oracle, plans, p["start"], p["end"], "month")
    assert {(_d(r[0]), r[1]): int(r[2]) for r in answer.rows} == expected
    assert f"plans ({len(plans):,} rows) synced from the product warehouse 0 min ago" in _read(answer)
    assert all(q.result.warehouse == "rollup" for q in answer.queries)


def _table(path, table: str, tmp_path) -> list[tuple]:
    # a byte copy: the answerer holds the file open with settings of its own (DuckDB refuses a second set)
    copy = tmp_path / f"copy-{path.name}"
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        con.close()


@pytest.mark.parametrize("engine", ["duckdb"])  # the reads are the full build's (checked on both engines above)
def test_a_refresh_rereads_only_recent_days_and_equals_a_full_build(rolled, built, pg_url, tmp_path, engine):
    """Built 6 days before the data's end, then refreshed at its end: the refresh reads the 6 days
    since and the 3 days of late arrivals before them, and holds what a full build holds."""
    ds = DATASETS["messenger"]
    config = make_config(_url(engine, "messenger", built, pg_url), ds)
    config = dataclasses.replace(config, rollup=RollupConfig(dir=tmp_path))
    clock = Clock(ds.clock - timedelta(days=6))
    answerer = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, load_library(), clock=clock)
    try:
        early = answerer.build_rollup()
        assert early.kind == "full"
        stale = _ask(answerer, "dau")
        assert "From the activity rollup" in _read(stale)
        clock.now = ds.clock
        answer = _ask(answerer, "dau")  # the data moved on: raw events, said so
        assert "is older than the data" in _read(answer)
        assert all(q.result.warehouse == "segment" for q in answer.queries)
        assert stale.request.params["end"] < answer.request.params["end"]
        refreshed = answerer.build_rollup()
        assert refreshed.kind == "refresh" and refreshed.days_read == 6 + 3 + 1
        store = RollupStore(answerer.rollup.store.folder)
        full_answerer = rolled[(engine, "messenger")]  # a full build at the data's end
        full = full_answerer.rollup.current()
        assert full.kind == "full" and full.as_of == refreshed.as_of
        for table in ("rollup_activity", "rollup_people"):
            assert (_table(store.path(refreshed), table, tmp_path)
                    == _table(full_answerer.rollup.store.path(full), table, tmp_path)), table
        assert refreshed.activity_rows == full.activity_rows
        assert "From the activity rollup" in _read(_ask(answerer, "dau"))
    finally:
        answerer.rollup.close()
        answerer.segment.close()


def test_a_lookup_too_big_to_bind_is_answered_from_the_synced_copy(rolled, built):
    """Raw events bind a lookup's rows into the warehouse's query, up to its max_rows: past it the answer is
    refused. Synced into the rollup, the same question reads the whole table there, at any size."""
    answerer = rolled[("duckdb", "messenger")]
    capped = answerer.library.get("plans_capped")
    with pytest.raises(LookupFailed, match="more than 100 rows"):
        fetch_lookups(capped, answerer.warehouses, answerer.segment)
    assert answerer.rollup.current().lookups["plans"]["rows"] == len(_plans(built, "messenger")) > 100
    full = _ask(answerer, "monthly active users by payment plan")
    outcome = helpers.service_for(answerer).ask(CLI_SUBJECT, request=Request("plans_capped", dict(full.request.params)))
    assert isinstance(outcome, Answer), outcome
    assert outcome.rows == full.rows and "synced from the product warehouse" in _read(outcome)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_hourly_active_users_read_raw_events_and_say_so(rolled, answerers, oracles, engine, dataset):
    """The rollup keeps days: an hourly question declines it cleanly (raw events, the footer says why) and
    gives the raw path's answer, equal to the oracle, while a daily one on the same answerer reads it."""
    fast, raw = rolled[(engine, dataset)], answerers[(engine, dataset)]
    got, expected = _ask(fast, "active users hourly yesterday"), _ask(raw, "active users hourly yesterday")
    assert _read(got) == "From raw events: the activity rollup keeps days, and this counts per hour."
    assert all(q.result.warehouse == "segment" for q in got.queries)
    _same(got, expected)
    p = got.request.params
    hours = oracles[(engine, dataset)].active_calendar(p["start"], p["end"], "hour")
    assert {(r[0], r[0].fold): r[1] for r in got.rows} == hours and hours
    assert _read(_ask(fast, "dau")).startswith("From the activity rollup")
