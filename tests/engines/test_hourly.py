"""Hourly answers (docs/comparisons.md#hourly-answers): event volume, active users, orders and sessions per
hour, checked against the independent oracle on DuckDB and PostgreSQL for both datasets, including the day
each dataset's timezone leaves DST (New York 1 Nov, Berlin 25 Oct: 25 hours, the repeated one twice), the
running hour marked and compared like with like, and the last N hours counted back from now's hour."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from answers import Answer

from .. import helpers
from .. import oracle_paths as op
from ..conftest import DATASETS, ENGINES

CASES = [(e, d) for e in ENGINES for d in DATASETS]
DST_ENDS = {"messenger": date(2026, 11, 1), "acme": date(2026, 10, 25)}  # in the dataset's own timezone


def ask(answerers, engine, dataset, question) -> Answer:
    outcome = helpers.ask(answerers[(engine, dataset)], question)
    assert isinstance(outcome, Answer), f"{question!r} -> {outcome}"
    return outcome


def hour(value: datetime) -> tuple[datetime, int]:
    """A period of the bot's rows as the oracle keys hours: (local start, fold)."""
    assert isinstance(value, datetime) and value.minute == 0, value
    return (value, value.fold)


def questions(dataset: str, *shapes: str) -> list[str]:
    dst = DST_ENDS[dataset]
    return [s.format(dst=dst, before=dst - timedelta(days=1), after=dst + timedelta(days=1)) for s in shapes]


def _check_dst_day(answer: Answer, dataset: str) -> None:
    """On the day DST ends the table has 25 hours, the repeated one twice, each named by its zone."""
    p = answer.request.params
    if p["start"] != DST_ENDS[dataset] or p["end"] != DST_ENDS[dataset] + timedelta(days=1):
        return
    hours = [r for r in answer.table.rows if r[0] != "Total"]
    assert len(hours) == 25
    zones = {"messenger": ("01:00 EDT", "01:00 EST"), "acme": ("02:00 CEST", "02:00 CET")}[dataset]
    labels = [r[0] for r in hours]
    assert [z for z in zones if any(label.endswith(z) for label in labels)] == list(zones)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_hourly_event_volume_matches_oracle(answerers, oracles, engine, dataset):
    oracle = oracles[(engine, dataset)]
    for question in questions(dataset, "invites hourly yesterday", "invites hourly on {dst}",
                              "invites hour by hour between {before} and {after}", "invites in the last 6 hours"):
        answer = ask(answerers, engine, dataset, question)
        p = answer.request.params
        assert answer.playbook.id == "event_volume" and p["interval"] == "hour", question
        by_hour, (total, users) = oracle.volume("Invite Sent", p["start"], p["end"], "hour")
        got = {hour(r[0]): (r[1], r[2]) for r in answer.rows if r[0] is not None}
        assert got == by_hour, question
        assert answer.key.value == total and total > 0, question
        assert [tuple(r[1:]) for r in answer.rows if r[0] is None] == [(total, users)]
        for change in answer.key.changes:  # each window the same count over its own hours
            assert change.compared, (question, change)
            assert change.other == oracle.volume("Invite Sent", *change.window, "hour")[1][0], (question, change)
        _check_dst_day(answer, dataset)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_hourly_active_users_match_oracle(answerers, oracles, engine, dataset):
    oracle = oracles[(engine, dataset)]
    for question in questions(dataset, "active users hourly yesterday", "hourly actives on {dst}",
                              "active users per hour between {before} and {after}", "active users hourly today",
                              "active users in the last 6 hours"):
        answer = ask(answerers, engine, dataset, question)
        p = answer.request.params
        assert p["interval"] == "hour", question
        expected = oracle.active_calendar(p["start"], p["end"], "hour")
        got = {hour(r[0]): r[1] for r in answer.rows}
        assert got == expected and expected, question
        # the headline is the latest complete hour, compared with hours of the same length
        key = max(h for h in expected if h[0] + timedelta(hours=1) <= oracle.as_of)
        assert answer.key.value == expected[key], question
        assert "Hourly active users" in answer.headline
        for change in answer.key.changes:
            lo, hi = change.window
            assert hi - lo == timedelta(hours=1), (question, change)
            other = oracle.active_calendar(lo, hi, "hour")
            assert change.other == sum(other.values()), (question, change)
        _check_dst_day(answer, dataset)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_the_running_hour_is_marked_and_not_the_headline(answerers, oracles, engine, dataset):
    """acme's data ends at 09:18 (its clock is 09:45): the 09:00 hour is running ("so far", dotted on the
    chart), the headline is 08:00's; messenger's moment is 11:00 sharp: no hour is running."""
    oracle = oracles[(engine, dataset)]
    answer = ask(answerers, engine, dataset, "active users hourly today")
    running = oracle.as_of.minute != 0
    labels = [r[0] for r in answer.table.rows]
    assert labels[-1].endswith("(so far)") == running
    assert sum(label.endswith("(so far)") for label in labels) == int(running)
    assert (answer.chart.partial_from == len(labels) - 1) if running else answer.chart.partial_from is None
    top = oracle.as_of.replace(minute=0)
    assert f"{top - timedelta(hours=1):%H}:00" in answer.headline and "so far" not in answer.headline
    if running:  # the running hour's count covers its minutes up to the moment of the question
        got = {hour(r[0]): r[1] for r in answer.rows}.get((top, 0), 0)
        assert got == oracle.active_calendar(top, oracle.as_of, "hour").get((top, 0), 0)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_hourly_orders_match_oracle(answerers, oracles, engine, dataset):
    oracle = oracles[(engine, dataset)]
    for question in questions(dataset, "orders by hour yesterday", "revenue hourly on {dst}",
                              "orders hourly between {before} and {after}"):
        answer = ask(answerers, engine, dataset, question)
        p = answer.request.params
        assert answer.playbook.id == "ecommerce" and p["interval"] == "hour", question
        expected = op.ecommerce(oracle, p["start"], p["end"], "hour")
        got = {(None if r[0] is None else hour(r[0]), r[1]): tuple(r[2:]) for r in answer.rows}
        assert set(got) == set(expected), question
        for k, (orders, buyers, revenue, valued, fallback) in expected.items():
            g = got[k]
            assert (g[0], g[1], g[3], g[4]) == (orders, buyers, valued, fallback), (question, k)
            assert float(g[2] or 0) == pytest.approx(revenue), (question, k)
        _check_dst_day(answer, dataset)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_hourly_sessions_match_oracle(answerers, oracles, engine, dataset):
    """Sessions by the hour they started (not on the DST day: sessions order a person's events by local
    time, which repeats an hour there; docs/comparisons.md#hourly-answers)."""
    oracle = oracles[(engine, dataset)]
    answer = ask(answerers, engine, dataset, "sessions per hour yesterday")
    p = answer.request.params
    assert answer.playbook.id == "sessions" and p["interval"] == "hour"
    expected = op.session_stats(oracle, p["start"], p["end"], "hour", 30)
    got = {(None if r[0] is None else hour(r[0]), r[1]): r[2:] for r in answer.rows}
    assert set(got) == set(expected)
    for k, (sessions, people, median, mean, events, landings, bounces) in expected.items():
        g = got[k]
        assert (g[0], g[1], g[4], g[5], g[6]) == (sessions, people, events, landings, bounces), k
        assert float(g[2]) == pytest.approx(median) and float(g[3]) == pytest.approx(mean), k
    assert len([r for r in answer.table.rows if r[0] != "Total"]) == 24


@pytest.mark.parametrize("engine", ENGINES)
def test_a_long_hourly_range_is_cut_to_seven_days_and_said(answerers, oracles, engine):
    answer = ask(answerers, engine, "messenger", "active users hourly last 30 days")
    p = answer.request.params
    assert p["end"] - p["start"] == timedelta(days=7)
    assert any("Hourly counts cover at most 7 days" in w for w in answer.warnings)
    assert "the last 7 days of last 30 complete days" in answer.request.range_label
    expected = oracles[(engine, "messenger")].active_calendar(p["start"], p["end"], "hour")
    assert {hour(r[0]): r[1] for r in answer.rows} == expected


@pytest.fixture(scope="module")
def chicago(built, pg_url, tmp_path_factory):
    """The messenger data read in Chicago time, where both of 1 Nov's 01:00 hours (06:00 and 07:00 UTC) hold
    activity: {engine: (Answerer, Oracle)}. (In New York time one of them is empty in this data.)"""
    import shutil
    from dataclasses import replace

    import duckdb
    import psycopg

    from ..conftest import make_answerer
    from ..oracle import Oracle

    ds = replace(DATASETS["messenger"], timezone="America/Chicago")
    settings = dict(exclude_activity=("Email Sent",), now=ds.clock)
    copy = tmp_path_factory.mktemp("chicago") / "segment.duckdb"
    shutil.copyfile(built["messenger"], copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        on_duckdb = Oracle(lambda q: con.execute(q).fetchall(), list(ds.sources), ds.timezone, ds.week_start, **settings)
    finally:
        con.close()
    with psycopg.connect(pg_url, autocommit=True) as pg:
        on_postgres = Oracle(lambda q: pg.execute(q).fetchall(), list(ds.sources), ds.timezone, ds.week_start, **settings)
    out = {"duckdb": (make_answerer(f"duckdb:///{built['messenger']}", ds), on_duckdb),
           "postgres": (make_answerer(pg_url.replace("postgresql://", "postgresql+psycopg://"), ds), on_postgres)}
    yield out
    for answerer, _ in out.values():
        for w in answerer.warehouses.values():
            w.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_both_repeated_hours_are_counted_apart(chicago, engine):
    answerer, oracle = chicago[engine]
    repeated = datetime(2026, 11, 1, 1)
    outcome = helpers.ask(answerer, "hourly actives on 2026-11-01")
    assert isinstance(outcome, Answer), outcome
    expected = oracle.active_calendar(date(2026, 11, 1), date(2026, 11, 2), "hour")
    assert expected[(repeated, 0)] and expected[(repeated, 1)]  # the check can fail: both hours have people
    assert {hour(r[0]): r[1] for r in outcome.rows} == expected
    labels = [r[0] for r in outcome.table.rows]
    assert len(labels) == 25 and "Sun 1 Nov 01:00 CDT" in labels and "Sun 1 Nov 01:00 CST" in labels
