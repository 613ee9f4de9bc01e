"""Cohort playbooks checked against the independent oracle (tests/oracle_cohorts.py), on DuckDB
and PostgreSQL, for both datasets."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from answers import Answer
from segment.dimensions import DIMENSIONS

from .. import helpers
from .. import oracle_cohorts as oc
from ..conftest import DATASETS
from .test_numbers import CASES, _d, ask
from .test_paths import seen


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,dimension,top,filters", [
    ("weekly retention by channel top 3", "channel", 3, {}),
    ("monthly retention by signup weekday", "signup_weekday", 5, {}),
    ("retention weekly by channel on ios", "channel", 5, {"platform": "iOS"}),
    ("retention weekly for pro users", None, 5, {"plan": "pro"}),
])
def test_retention_breakdown_matches_oracle(answerers, oracles, engine, dataset, question, dimension, top, filters):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "retention"
    assert (p["group_by"], dict(p["filters"] or ())) == (dimension, filters)
    oracle = oracles[(engine, dataset)]
    expected = oc.retention_by(oracle, p["start"], p["end"], p["interval"], DATASETS[dataset].clock.date(),
                               dimension, top, filters)
    if dimension:
        got = {(r[0], _d(r[1]), int(r[2])): (int(r[3]), int(r[4])) for r in answer.rows}
    else:
        got = {(None, _d(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows}
    assert got == expected
    assert len({k[0] for k in expected}) >= (2 if dimension else 1)
    # the key: period-1 retention pooled over every cohort whose period 1 has ended
    clock = DATASETS[dataset].clock.replace(tzinfo=None)
    from questions.timerange import shift

    ended = {(s, c) for (s, c, k) in expected if k == 0
             and datetime.combine(shift(c, p["interval"], 2), datetime.min.time()) <= clock}
    num = sum(n for (s, c, k), (_, n) in expected.items() if k == 1 and (s, c) in ended)
    den = sum(expected[(s, c, 0)][0] for s, c in ended)
    assert answer.key.value == pytest.approx(num / den)


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,dimension,top,filters,after", [
    ("n-day retention", "signup_weekday", 7, {}, False),
    ("d7 retention by channel top 3", "channel", 3, {}, False),
    ("7 day retention or later by plan on ios", "plan", 7, {"platform": "iOS"}, True),
])
def test_nday_retention_matches_oracle(answerers, oracles, engine, dataset, question, dimension, top, filters, after):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "nday_retention"
    assert (p["group_by"], p["top"], dict(p["filters"] or ()), p["retained"]) == (
        dimension, top, filters, "on_or_after" if after else "on_day")
    today = DATASETS[dataset].clock.date()
    expected = oc.nday_retention(oracles[(engine, dataset)], p["start"], p["end"], today, dimension, top, filters, after)
    got = {(r[0], int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows}
    assert got == expected
    assert len({s for s, _ in expected}) >= 2 and all(n > 0 for n, _ in expected.values())
    everyone = [sum(v[i] for (s, n), v in expected.items() if n == 7) for i in (0, 1)]
    assert answer.key.value == pytest.approx(everyone[1] / everyone[0])
    # a longer window never has more people whose day N is over
    sizes = [sum(v[0] for (s, n), v in expected.items() if n == d) for d in (1, 7, 14, 28)]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("question", ["weekly retention by channel", "n-day retention by platform", "growth accounting",
                                      "sticker adoption", "intervention impact"])
def test_cohort_charts_render(answerers, question):
    from charts.render import check_png, render_png

    answer = ask(answerers, "duckdb", "messenger", question)
    width, height = check_png(render_png(answer.chart))
    assert width >= 600 and height >= 300


COHORT_PLAYBOOKS = ("retention", "nday_retention", "growth_accounting", "active_by_payment_plan", "feature_adoption",
                    "retention_drivers", "slipping_away", "intervention_impact")


@pytest.mark.parametrize("playbook_id", COHORT_PLAYBOOKS)
def test_every_example_phrasing_reaches_its_playbook(answerers, playbook_id):
    from questions import Request

    answerer = answerers[("duckdb", "messenger")]
    examples = answerer.library[playbook_id].examples
    assert len(examples) >= 5
    for text in examples:
        parsed = answerer.parse(text)
        assert isinstance(parsed, Request) and parsed.playbook == playbook_id, (text, parsed)


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit,event", [
    ("growth accounting", "week", None),
    ("quick ratio monthly", "month", None),
    ("growth accounting event='Message Sent' interval=week", "week", "Message Sent"),
    ("weekly growth accounting on ios", "week", None),
])
def test_growth_accounting_matches_oracle(answerers, oracles, engine, dataset, question, unit, event):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "growth_accounting" and p["interval"] == unit and p.get("event") == event
    expected = oc.growth_accounting(seen(oracles, engine, dataset, answer), p["start"], p["end"], unit, event)
    got = {(_d(r[0]), r[1]): int(r[2]) for r in answer.rows}
    assert got == expected
    statuses = {s for _, s in expected}
    assert statuses == {"new", "retained", "resurrected", "churned"}
    # the accounting identity holds from one period to the next
    periods = sorted({d for d, _ in expected})
    active = {d: sum(expected.get((d, s), 0) for s in ("new", "retained", "resurrected")) for d in periods}
    for before, now in zip(periods, periods[1:]):
        assert active[now] == (active[before] + expected.get((now, "new"), 0)
                               + expected.get((now, "resurrected"), 0) - expected.get((now, "churned"), 0))
    # the key is the latest complete period's quick ratio
    clock = DATASETS[dataset].clock.replace(tzinfo=None)
    from questions.timerange import shift

    done = [d for d in periods if datetime.combine(shift(d, unit, 1), datetime.min.time()) <= clock]
    d = done[-1]
    qr = (expected.get((d, "new"), 0) + expected.get((d, "resurrected"), 0)) / expected[(d, "churned")]
    assert answer.key.value == pytest.approx(qr)


# ---- cross-database: activity in the Segment warehouse, payment plans in the product database ----

@pytest.fixture(scope="module")
def product_pg(built):
    """The product database of each dataset the cross-database test reads (DATASETS) copied into its own
    PostgreSQL database (tables in public)."""
    import uuid

    import psycopg

    from warehouse.loader import copy_to_postgres

    from ..conftest import PG_ADMIN

    admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    urls = {}
    try:
        for name in DATASETS:
            path = built[name]
            db = f"playbot_test_product_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{db}"')
            dsn = f"{PG_ADMIN.rsplit('/', 1)[0]}/{db}"
            copy_to_postgres(path.parent / "product.duckdb", dsn, schemas=["main"], sort_key="id")
            urls[name] = (db, dsn)
        yield {name: dsn for name, (_, dsn) in urls.items()}
    finally:
        for db, _ in urls.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()


def _federated_answerer(segment_url: str, product_url: str, dataset: str, extra_dirs=()):
    from dataclasses import replace

    from answers.answerer import Answerer
    from config import WarehouseConfig
    from playbooks import load_library
    from warehouse import Warehouse

    from ..conftest import make_config

    ds = DATASETS[dataset]
    config = make_config(segment_url, ds)
    config = replace(config, warehouses={**config.warehouses, "product": WarehouseConfig("product", product_url)})
    warehouses = {name: Warehouse(wc) for name, wc in config.warehouses.items()}
    library = load_library(extra_dirs) if extra_dirs else helpers.builtin_library()
    return Answerer(config, warehouses, library, clock=lambda: ds.clock)


def _plans(built, dataset) -> dict[str, str]:
    """The product database's plans, read with plain duckdb from a byte copy of the file."""
    import shutil
    import tempfile
    from pathlib import Path

    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "product.duckdb"
        shutil.copyfile(built[dataset].parent / "product.duckdb", copy)
        con = duckdb.connect(str(copy), read_only=True)
        try:
            return {str(i): plan for i, plan in con.execute("SELECT id, payment_plan FROM users").fetchall()}
        finally:
            con.close()


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("segment_engine,product_engine", [
    ("duckdb", "duckdb"), ("postgres", "duckdb"), ("postgres", "postgres"), ("duckdb", "postgres")])
def test_active_by_payment_plan_across_databases(built, pg_url, product_pg, oracles, dataset, segment_engine,
                                                 product_engine):
    segment_url = (f"duckdb:///{built[dataset]}" if segment_engine == "duckdb"
                   else pg_url.replace("postgresql://", "postgresql+psycopg://"))
    product_url = (f"duckdb:///{built[dataset].parent / 'product.duckdb'}" if product_engine == "duckdb"
                   else product_pg[dataset].replace("postgresql://", "postgresql+psycopg://"))
    answerer = _federated_answerer(segment_url, product_url, dataset)
    try:
        answer = helpers.ask(answerer, "monthly active users by payment plan")
        assert isinstance(answer, Answer), answer
        p = answer.request.params
        assert answer.playbook.id == "active_by_payment_plan" and p["interval"] == "month"
        plans = _plans(built, dataset)
        expected = oc.active_by_plan(oracles[(segment_engine, dataset)], plans, p["start"], p["end"], "month")
        got = {(_d(r[0]), r[1]): int(r[2]) for r in answer.rows}
        assert got == expected
        assert {s for _, s in expected if s} >= {"free", "pro", "business"}
        assert any(f"{len(plans):,} rows of plans" in d and "product warehouse" in d for d in answer.definitions)
    finally:
        for w in answerer.warehouses.values():
            w.close()


def test_lookup_rows_are_cached_and_refresh_reads_them_again(built, oracles):
    """The lookup is read once per the product warehouse's cache TTL; "Refresh" reads it again."""
    answerer = _federated_answerer(f"duckdb:///{built['messenger']}",
                                   f"duckdb:///{built['messenger'].parent / 'product.duckdb'}", "messenger")
    product = answerer.warehouses["product"]
    try:
        first = helpers.ask(answerer, "monthly active users by payment plan")
        again = helpers.ask(answerer, "monthly active users by payment plan")
        assert isinstance(first, Answer) and isinstance(again, Answer)
        assert product.executions == 1 and again.rows == first.rows
        refreshed = answerer.answer(again.request, refresh=True)
        assert isinstance(refreshed, Answer) and product.executions == 2 and refreshed.rows == first.rows
        p = first.request.params
        expected = oc.active_by_plan(oracles[("duckdb", "messenger")], _plans(built, "messenger"), p["start"],
                                     p["end"], "month")
        assert {(_d(r[0]), r[1]): int(r[2]) for r in refreshed.rows} == expected
    finally:
        for w in answerer.warehouses.values():
            w.close()


def test_lookup_over_its_cap_is_refused_with_the_next_step(built, tmp_path):
    (tmp_path / "plan_count.sql").write_text(
        "/* playbook\nid: plan_count\ntitle: People by plan\nquestion: How many people per plan?\n"
        "words: [people per plan]\nlookups:\n  plans:\n    warehouse: product\n"
        "    sql: SELECT id AS user_id, payment_plan FROM users\n    max_rows: 5\n*/\n"
        "SELECT payment_plan, COUNT(*) AS people FROM plans GROUP BY 1\n")
    answerer = _federated_answerer(f"duckdb:///{built['messenger']}",
                                   f"duckdb:///{built['messenger'].parent / 'product.duckdb'}", "messenger", [tmp_path])
    try:
        outcome = helpers.ask(answerer, "people per plan")
        assert not isinstance(outcome, Answer)
        assert "more than 5 rows" in outcome.message and "max_rows" in outcome.next_step
    finally:
        for w in answerer.warehouses.values():
            w.close()


@pytest.mark.parametrize("segment_engine", ["duckdb", "postgres"])
def test_a_lookup_with_more_values_than_the_driver_binds_is_refused_on_postgres_only(built, pg_url, tmp_path,
                                                                                    segment_engine):
    """40,000 rows x 2 columns: PostgreSQL's protocol binds at most 65,535 values in one statement (the
    driver's error was the answer before); DuckDB has no such limit and answers with every row."""
    import random

    import duckdb

    rng = random.Random(3)
    accounts = [(f"u{i}", rng.choice(["free", "pro", "team"])) for i in range(40_000)]
    product, rows = tmp_path / "accounts.duckdb", tmp_path / "accounts.csv"
    rows.write_text("".join(f"{u},{p}\n" for u, p in accounts))  # one COPY: executemany takes a minute
    con = duckdb.connect(str(product))
    con.execute("CREATE TABLE accounts (user_id VARCHAR, plan VARCHAR)")
    con.execute("COPY accounts FROM ? (HEADER false)", [str(rows)])
    con.close()
    (tmp_path / "plan_count.sql").write_text(
        "/* playbook\nid: plan_count\ntitle: People by plan\nquestion: How many people per plan?\n"
        "words: [people per plan]\nlookups:\n  plans:\n    warehouse: product\n"
        "    sql: SELECT user_id, plan FROM accounts\n    max_rows: 50000\n*/\n"
        "SELECT plan, COUNT(*) AS people FROM plans GROUP BY 1 ORDER BY 1\n")
    segment_url = (f"duckdb:///{built['messenger']}" if segment_engine == "duckdb"
                   else pg_url.replace("postgresql://", "postgresql+psycopg://"))
    answerer = _federated_answerer(segment_url, f"duckdb:///{product}", "messenger", [tmp_path])
    try:
        outcome = helpers.ask(answerer, "people per plan")
        if segment_engine == "postgres":
            assert not isinstance(outcome, Answer)
            assert "40,000 rows of 2 columns" in outcome.message and "65,035" in outcome.message
            assert "Narrow the lookup" in outcome.next_step
        else:
            assert isinstance(outcome, Answer), outcome
            expected = {}
            for _, plan in accounts:
                expected[plan] = expected.get(plan, 0) + 1
            assert {r[0]: int(r[1]) for r in outcome.rows} == expected
    finally:
        for w in answerer.warehouses.values():
            w.close()


def test_lookup_from_an_unconfigured_warehouse_says_how_to_fix_it(answerers):
    outcome = helpers.ask(answerers[("duckdb", "messenger")], "mau by payment plan")
    assert not isinstance(outcome, Answer)
    assert "product warehouse" in outcome.message and "warehouses.product.url" in outcome.next_step


@pytest.mark.parametrize("lookups,error", [
    ("lookups:\n  events:\n    warehouse: product\n    sql: SELECT 1 AS x\n", "not events"),
    ("lookups:\n  plans:\n    sql: SELECT 1 AS x\n", "needs warehouse"),
    ("lookups:\n  plans:\n    warehouse: product\n    sql: SELECT 1 AS x\n    max_rows: 0\n", "between 1 and 100000"),
    ("dimensions: [signup_moment]\n", "unknown dimension 'signup_moment'"),
])
def test_bad_lookup_headers_name_file_and_line(lookups, error):
    from playbooks.library import PlaybookError, parse_playbook

    text = f"/* playbook\nid: x_by_plan\ntitle: X\nquestion: Q?\n{lookups}*/\nSELECT * FROM plans\n"
    with pytest.raises(PlaybookError) as info:
        parse_playbook(text, "custom/x.sql")
    assert error in str(info.value) and str(info.value).startswith("custom/x.sql:")


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,events,unit", [
    ("sticker adoption weekly", ["Sticker Sent"], "week"),
    ("feature_adoption events='Sticker Sent,Photo Shared' interval=day launch_date=2026-10-10",
     ["Sticker Sent", "Photo Shared"], "day"),
    ("sticker adoption weekly for pro users", ["Sticker Sent"], "week"),
])
def test_feature_adoption_matches_oracle(answerers, oracles, engine, dataset, question, events, unit):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "feature_adoption" and list(p["events"]) == events and p["interval"] == unit
    expected = oc.feature_adoption(seen(oracles, engine, dataset, answer), events, p["start"], p["end"], unit)
    got: dict[date, tuple[int, dict]] = {}
    for period, feature, users, active, share in answer.rows:
        d = _d(period)
        got.setdefault(d, (int(active), {}))
        if users:
            got[d][1][feature] = int(users)
        assert share == pytest.approx(users / active)
    assert got == expected
    assert any(v[1] for v in expected.values()), "the feature is used in the range"
    # headline: the latest complete period's share of active users doing any of the events
    clock = DATASETS[dataset].clock.replace(tzinfo=None)
    from questions.timerange import shift

    done = [d for d in expected if datetime.combine(shift(d, unit, 1), datetime.min.time()) <= clock]
    active, used = expected[max(done)]
    assert answer.key.value == pytest.approx(used.get(None, 0) / active)
    # before/after the launch: mean share over complete periods wholly before it / starting on or after it
    launch = p["launch_date"] or min(d for d, (_, u) in expected.items() if u)
    before = [u.get(None, 0) / a for d, (a, u) in expected.items()
              if d in done and shift(d, unit, 1) <= launch]
    after = [u.get(None, 0) / a for d, (a, u) in expected.items() if d in done and d >= launch]
    from answers.formatting import fmt_number

    line = next(x for x in answer.summary.split("\n") if x.startswith("Before"))
    assert f"{fmt_number(sum(before) / len(before), 'pct')} of active users" in line
    assert f"after: {fmt_number(sum(after) / len(after), 'pct')}" in line


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,events,thresholds,first_days", [
    ("retention drivers", None, (1, 2, 3, 5, 10), 7),
    ("users who sent at least 3 messages in their first 14 days", ["Message Sent"], (3,), 14),
])
def test_retention_drivers_match_oracle(answerers, oracles, engine, dataset, question, events, thresholds, first_days):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "retention_drivers" and p["first_days"] == first_days
    assert (list(p["events"]) if p["events"] else None) == events
    now = DATASETS[dataset].clock.replace(tzinfo=None)
    expected = oc.retention_drivers(oracles[(engine, dataset)], p["start"], p["end"], now, first_days, events,
                                    thresholds)
    got = {(r[0], int(r[1])): tuple(int(x) for x in r[2:]) for r in answer.rows}
    assert got == expected
    assert len({e for e, _ in expected}) == (12 if events is None else 1)
    # the key: the largest lift among (event, N) with at least 20 people on each side
    lifts = [((dk / d) / ((k - dk) / (n - d))) for (n, d, dk, k) in expected.values()
             if d >= 20 and n - d >= 20 and k - dk > 0]
    assert answer.key.value == pytest.approx(max(lifts))
    assert "Correlation, not cause" in answer.summary


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,filters,first_days", [
    ("what drives retention on android", {"os": "Android"}, 7),
    ("retention drivers for users from google", {"channel": "google"}, 7),
    ("retention drivers for pro users first_days=14", {"plan": "pro"}, 14),
    ("retention drivers for en-GB users", {"locale": "en-GB"}, 7),
])
def test_retention_drivers_for_some_people_match_oracle(answerers, oracles, engine, dataset, question, filters,
                                                        first_days):
    """Issue 18: the people whose signup matches (as the cohort playbooks read a filter); what they did early and
    a month later counts wherever it happened. The filter is said back in the headline."""
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "retention_drivers" and dict(p["filters"]) == filters and p["first_days"] == first_days
    now = DATASETS[dataset].clock.replace(tzinfo=None)
    o = oracles[(engine, dataset)]
    expected = oc.retention_drivers(o, p["start"], p["end"], now, first_days, filters=filters)
    everyone = oc.retention_drivers(o, p["start"], p["end"], now, first_days)
    people = next(iter(expected.values()))[0]
    assert 0 < people < next(iter(everyone.values()))[0], "the filter keeps some people, not all"
    assert {(r[0], int(r[1])): tuple(int(x) for x in r[2:]) for r in answer.rows} == expected
    (dim, value), = filters.items()
    assert f"({DIMENSIONS[dim].label.lower()}: {value})" in answer.headline + answer.title


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,event", [
    ("when do message senders slip away", "Message Sent"),
    ("slipping away for photo shared", "Photo Shared"),
    ("when do message senders on ios slip away", "Message Sent"),
])
def test_slipping_away_matches_oracle(answerers, oracles, engine, dataset, question, event):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "slipping_away" and p["event"] == event
    today = DATASETS[dataset].clock.date()
    expected = oc.slipping_away(seen(oracles, engine, dataset, answer), event, p["start"], p["end"], today)
    got = {(r[0], int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows}
    assert got == expected
    assert len({f for f, _ in expected}) >= 3
    n7 = sum(v[0] for (f, d), v in expected.items() if d == 7)
    assert answer.key.value == pytest.approx(sum(v[1] for (f, d), v in expected.items() if d == 7) / n7)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_intervention_impact_for_some_people_matches_oracle(answerers, oracles, engine, dataset):
    """"did the email work for free plan users": the people whose signup matches, as the cohort playbooks read it."""
    answer = ask(answerers, engine, dataset, "did the email work for free plan users")
    p = answer.request.params
    assert answer.playbook.id == "intervention_impact" and p["filters"] == (("plan", "free"),)
    today = DATASETS[dataset].clock.date()
    o = oracles[(engine, dataset)]
    people, active = oc.intervention_impact(o, "Email Sent", p["start"], p["end"], today, {"plan": "free"})
    everyone, _ = oc.intervention_impact(o, "Email Sent", p["start"], p["end"], today)
    assert 0 < sum(people.values()) < sum(everyone.values())  # the filter keeps some people, not all
    assert {r[0]: int(r[3]) for r in answer.rows} == people
    assert {(r[0], int(r[1])): int(r[2]) for r in answer.rows if r[1] is not None} == active


@pytest.mark.parametrize("engine,dataset", CASES)
def test_intervention_impact_matches_oracle(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "intervention impact")
    p = answer.request.params
    assert answer.playbook.id == "intervention_impact" and p["event"] == "Email Sent"
    today = DATASETS[dataset].clock.date()
    people, active = oc.intervention_impact(oracles[(engine, dataset)], "Email Sent", p["start"], p["end"], today)
    got_people = {r[0]: int(r[3]) for r in answer.rows}
    got_active = {(r[0], int(r[1])): int(r[2]) for r in answer.rows if r[1] is not None}
    assert got_people == people and got_active == active
    assert len(people) >= 2
    # key: mean daily share active on days 1..30 minus days -30..-1, all groups together
    total = sum(people.values())

    def share(d):
        return sum(n for (g, o), n in active.items() if o == d) / total

    after = sum(share(d) for d in range(1, 31)) / 30
    before = sum(share(d) for d in range(-30, 0)) / 30
    assert answer.key.value == pytest.approx(after - before)


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,events,dimension,top", [
    ("sticker adoption weekly by platform", ["Sticker Sent"], "platform", 5),
    ("feature usage of stickers and photos by week by plan", ["Sticker Sent", "Photo Shared"], "plan", 5),
    ("sticker adoption weekly by plan on ios", ["Sticker Sent"], "plan", 5),
    ("invite adoption by os", ["Invite Sent"], "os", 5),
    ("photo sharing adoption by channel top 2 for pro users", ["Photo Shared"], "channel", 2),
])
def test_feature_adoption_breakdown_matches_oracle(answerers, oracles, engine, dataset, question, events, dimension,
                                                   top):
    answer = ask(answerers, engine, dataset, question)
    check_adoption_breakdown(answer, seen(oracles, engine, dataset, answer), events, dimension, top)


def check_adoption_breakdown(answer: Answer, oracle, events: list[str], dimension: str, top: int) -> None:
    """Per period and value: feature users with that value / active users with that value (the oracle's),
    the rows over everyone as without the breakdown, and what the answer says about the key period."""
    p = answer.request.params
    assert answer.playbook.id == "feature_adoption" and list(p["events"]) == events
    assert (p["group_by"], p["top"]) == (dimension, top)
    expected = oc.feature_adoption_by(oracle, events, p["start"], p["end"], p["interval"], dimension, top)
    got = {}
    for period, segment, feature, users, active, share in answer.rows:
        if segment is None:
            continue
        assert feature is None and share == pytest.approx(users / active)
        got[(_d(period), segment)] = (int(users), int(active))
    assert got == expected
    assert len({s for _, s in expected}) >= 2 and any(u for u, _ in expected.values()), "a breakdown with use"
    assert len({s for _, s in expected} - {"Other"}) <= top
    overall = oc.feature_adoption(oracle, events, p["start"], p["end"], p["interval"])
    everyone: dict[date, tuple[int, dict]] = {}
    for period, segment, feature, users, active, _ in answer.rows:
        if segment is None:
            everyone.setdefault(_d(period), (int(active), {}))
            if users:
                everyone[_d(period)][1][feature] = int(users)
    assert everyone == overall
    # the key period's line: each value's share with its people, in the order of the table's columns
    line = next(x for x in answer.summary.split("\n") if " by " in x and "%" in x)
    from answers.formatting import fmt_number

    key = max(d for d in overall if d <= _d(answer.rows[-1][0]) and answer.key.value is not None
              and overall[d][0] and pytest.approx(answer.key.value) == overall[d][1].get(None, 0) / overall[d][0])
    for (d, seg), (used, active) in expected.items():
        if d == key:
            assert f"{seg} {fmt_number(used / active, 'pct')} ({fmt_number(used)} of {fmt_number(active)})" in line
    assert answer.table.columns[-1] == "All" and set(answer.table.columns[1:-1]) == {s for _, s in expected}
