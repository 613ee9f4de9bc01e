"""The activity rollup (docs/rollup.md): built from each engine's warehouse into the bot's embedded DuckDB
cache, every covered playbook answered from it and from raw events gives the same answer, both equal to
the independent oracle; an incremental refresh equals a full build; a rollup older than the data is
not read."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime, timedelta
from decimal import Decimal

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
from rollup.derive import DERIVED_TABLES
from rollup.paths import PATHS_TABLE, PEOPLE_CODES, comparable_sql
from rollup.sessions import MAX_STEPS, SESSION_GAPS
from service import CLI_SUBJECT
from warehouse import Warehouse

from .. import helpers, oracle_paths
from .. import oracle_cohorts as oc
from ..conftest import DATASETS, ENGINES, make_config
from .test_cohorts import _plans, check_adoption_breakdown
from .test_paths import check_sessions, check_top_events, check_user_paths, path_rows, seen

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
    # per calendar quarter (issue 18): the running one compared with the same days of the one before
    ["active users q3 vs q4 to date", "quarterly active users by platform this year",
     "qoq active users for free users", "quarterly active users this quarter"],
    ["retention weekly", "weekly retention since signup", "weekly retention by channel",
     "retention event='Message Sent' interval=week"],
    ["growth accounting", "quick ratio monthly", "weekly growth accounting on ios", "growth accounting"],
    ["n-day retention", "d1 d7 retention since signup", "d7 retention by channel"],
    ["sticker adoption", "feature usage of stickers and photos by week", "sticker adoption weekly by platform",
     "feature usage of stickers and photos by week by plan on ios"],
    ["when do message senders slip away"],
    # event volume (issue 17): each person-day's events summed, by a dimension and top N, filtered, by calendar period
    ["messages sent last 30 days", "invites last 30 days by platform", "photos shared on ios weekly for free users",
     "signups per month by plan top 2"],
    ["intervention impact", "did the email work for free plan users", "did the email work on ios"],
    # the catalog of events (issue 17): each row's events summed, its first and last moment, filtered (the guide
    # of "what can I ask?" lists this module's extra playbook: the oracle test below asks it)
    # sessions chained from the session pieces (rollup/pieces.py): both gaps, by day, week and month, a range
    # that ends before the data does
    ["sessions last 30 days", "session length weekly session_gap_minutes=10", "sessions last week",
     "sessions per month session_gap_minutes=10"],
    ["top events last 7 days", "how fresh is the data", "top events on ios last 7 days", "which events exist"],
    # retention drivers from the early-actions table (rollup/early.py): the default candidates and thresholds,
    # one event at one threshold over 14 days, the first day only, and the whole 28 days
    ["retention drivers", "users who sent at least 3 messages in their first 14 days",
     "early actions first_days=1", "retention drivers of message sent, photo shared first_days=28"],
    # filtered (issue 18): the people whose signup matches, read from the rollup's people beside the same tables
    ["what drives retention on android", "retention drivers for users from google",
     "retention drivers for pro users first_days=14", "retention drivers on ios"],
    # session flows from the session-openings tables (rollup/sessions.py): both gaps built, 1 to 6 steps, and a
    # range that ends before the data does (sessions running past its end are cut there, as raw events cut them)
    ["how do users move through the product", "session flows last 7 days steps=3 session_gap_minutes=10",
     "session flows last week steps=6", "session flows last 30 days session_gap_minutes=10 steps=1"],
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


def _numbers(rows) -> list[tuple]:
    """Rows with every non-integral number as a float: PostgreSQL's AVG over raw events is a NUMERIC (Decimal)
    where the rollup's DuckDB gives a DOUBLE, and a mean of the same values summed in another order may differ
    in its last bit (sessions' mean length); integers (every count) stay exact."""
    return [tuple(pytest.approx(float(v), rel=1e-12) if isinstance(v, (float, Decimal)) and v != int(v) else v
                  for v in row) for row in rows]


def _same(a: Answer, b: Answer) -> None:
    assert a.request.params == b.request.params
    assert a.rows == _numbers(b.rows)
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
        if got.playbook.id == "feature_adoption":  # the signed-in event-days table, unless a dimension is carried
            derived = ["rollup_event_days" in q.sql for q in got.queries]
            assert all(derived) if not got.request.params.get("group_by") else not any(derived), question


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
    # feature adoption by an event-level value and by a person's, the second filtered: per value from the rollup
    for question, events, dimension, filters in (("sticker adoption weekly by platform", ["Sticker Sent"], "platform", {}),
                                                 ("feature usage of stickers and photos by week by plan on ios",
                                                  ["Sticker Sent", "Photo Shared"], "plan", {"platform": "iOS"})):
        answer = _ask(answerer, question)
        assert dict(answer.request.params["filters"] or ()) == filters
        check_adoption_breakdown(answer, oracle.filtered(filters), events, dimension, 5)
        assert _read(answer).startswith("From the activity rollup")
    # unbroken, from the signed-in event-days table (segment/rollup_event_days.py)
    answer = _ask(answerer, "feature usage of stickers and photos by week")
    p = answer.request.params
    assert all("rollup_event_days" in q.sql for q in answer.queries)
    got: dict[date, tuple[int, dict]] = {}
    for period, feature, users, active, _ in answer.rows:
        got.setdefault(_d(period), (int(active), {}))
        if users:
            got[_d(period)][1][feature] = int(users)
    assert got == oc.feature_adoption(oracle, ["Sticker Sent", "Photo Shared"], p["start"], p["end"], "week")
    # the product database's plans, synced into the rollup at the build
    answer = _ask(answerer, "monthly active users by payment plan")
    p, plans = answer.request.params, _plans(built, dataset)
    expected = oc.active_by_plan(oracle, plans, p["start"], p["end"], "month")
    assert {(_d(r[0]), r[1]): int(r[2]) for r in answer.rows} == expected
    assert f"plans ({len(plans):,} rows) synced from the product warehouse 0 min ago" in _read(answer)
    assert all(q.result.warehouse == "rollup" for q in answer.queries)
    # retention drivers from the early-actions table: every first_days reads the same steps the raw windows do
    now = DATASETS[dataset].clock.replace(tzinfo=None)
    for question, events, thresholds, filters in (
            ("retention drivers", None, (1, 2, 3, 5, 10), None),
            ("retention drivers of message sent first_days=3 threshold=2", ["Message Sent"], (2,), None),
            ("what drives retention on android", None, (1, 2, 3, 5, 10), {"os": "Android"}),
            ("retention drivers of message sent for users from google threshold=3", ["Message Sent"], (3,),
             {"channel": "google"})):
        answer = _ask(answerer, question)
        p = answer.request.params
        assert _read(answer).startswith("From the activity rollup"), question
        assert all(q.result.warehouse == "rollup" for q in answer.queries)
        assert dict(p["filters"] or ()) == (filters or {}), question
        expected = oc.retention_drivers(oracle, p["start"], p["end"], now, p["first_days"], events, thresholds,
                                        filters=filters)
        assert {(r[0], int(r[1])): tuple(int(x) for x in r[2:]) for r in answer.rows} == expected, question
    # session flows at both gaps built; a range ending before the data (last week); the oracle cuts sessions in Python
    for question in ("how do users move through the product", "session flows last week steps=6 session_gap_minutes=10"):
        answer = _ask(answerer, question)
        p = answer.request.params
        assert _read(answer).startswith("From the activity rollup"), question
        assert all(q.result.warehouse == "rollup" for q in answer.queries)
        expected, total = oracle_paths.session_flows(oracle, p["start"], p["end"], p["steps"], p["session_gap_minutes"],
                                                     p["top"])
        assert path_rows(answer, p["steps"]) == (expected, total) and total[0] > 100, question


@pytest.mark.parametrize("engine,dataset", CASES)
def test_event_volume_from_the_rollup_matches_the_oracle(rolled, oracles, engine, dataset):
    """Counts of one event per period and its distinct people, by a dimension, filtered, and the whole range:
    the rollup's rows summed, against Python over the raw rows; hourly counts read raw events and say so."""
    answerer, oracle = rolled[(engine, dataset)], oracles[(engine, dataset)]
    for question, event, filters in (("messages sent last 30 days", "Message Sent", {}),
                                     ("photos shared on ios weekly", "Photo Shared", {"platform": "iOS"}),
                                     ("signups per month for free users", "Signed Up", {"plan": "free"})):
        answer = _ask(answerer, question)
        p = answer.request.params
        assert _read(answer).startswith("From the activity rollup") and p["event"] == event, question
        assert all(q.result.warehouse == "rollup" for q in answer.queries), question
        by_bucket, (total, users) = oracle.volume(event, p["start"], p["end"], p["interval"], filters or None)
        assert {_d(r[0]): (r[1], r[2]) for r in answer.rows if r[0] is not None} == by_bucket, question
        assert [tuple(r[1:]) for r in answer.rows if r[0] is None] == [(total, users)] and total > 0, question
    answer = _ask(answerer, "invites last 30 days by platform top 2")
    p = answer.request.params
    expected = oracle.volume_by("Invite Sent", p["start"], p["end"], "platform", 2)
    assert {r[1]: (r[2], r[3]) for r in answer.rows if r[0] is None and r[1] is not None} == expected
    assert _read(answer).startswith("From the activity rollup")
    hourly = _ask(answerer, "invites yesterday by hour")
    assert hourly.request.params["interval"] == "hour" and _read(hourly).startswith("From raw events: the activity "
                                                                                     "rollup keeps days")


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit,gap", [("sessions last 30 days", "day", 30),
                                               ("session length weekly session_gap_minutes=10", "week", 10),
                                               ("sessions last week", "day", 30)])
def test_sessions_from_the_rollup_match_the_oracle(rolled, oracles, engine, dataset, question, unit, gap):
    """Sessions chained from the rollup's pieces of each day, at both gaps built, a range ending before the data
    (sessions running past its end are cut there), against sessions cut in Python from the raw rows."""
    answer = _ask(rolled[(engine, dataset)], question)
    assert _read(answer).startswith("From the activity rollup"), question
    assert all(q.result.warehouse == "rollup" and f"rollup_session_pieces_{gap}" in q.sql for q in answer.queries)
    check_sessions(answer, oracles[(engine, dataset)], unit, gap, None)


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,target,steps,gap,top,after", [
    ("user paths before message sent", "Message Sent", 3, 30, 10, False),
    ("what leads to order completed last 30 days steps=6 session_gap_minutes=10 top=5", "Order Completed", 6, 10, 5,
     False),
    ("what do people do after signing up steps=4", "Signed Up", 4, 30, 10, True),
    # a range ending at a midnight before the data's end: a step after it is past what raw events read (without
    # the cut at the range's end this case fails on every engine and dataset)
    ("what do people do after they send a message yesterday steps=6", "Message Sent", 6, 30, 10, True),
])
def test_user_paths_from_the_rollup_match_the_oracle(rolled, oracles, engine, dataset, question, target, steps, gap,
                                                     top, after):
    """Paths read from the rollup's paths rows (each event's neighbours and how many lie in its session at each
    gap kept), before and after, at both gaps, against sessions cut in Python from the raw rows."""
    answer = _ask(rolled[(engine, dataset)], question)
    target = DATASETS[dataset].event(target)
    assert _read(answer).startswith("From the activity rollup"), question
    assert all(q.result.warehouse == "rollup" and f"rollup_paths_{gap}" in q.sql for q in answer.queries), question
    check_user_paths(answer, seen(oracles, engine, dataset, answer), target, steps, gap, top, after)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_intervention_impact_from_the_rollup_matches_the_oracle(rolled, oracles, engine, dataset):
    """An intervention that never counts as activity (Email Sent, excluded) reads its people's active days from
    the person-day table; one that does (Invite Sent: its own events are left out of the active days) reads the
    activity rows; both against Python over the raw rows."""
    answerer, oracle = rolled[(engine, dataset)], oracles[(engine, dataset)]
    today = DATASETS[dataset].clock.date()
    for question, event, person_days in (("intervention impact", "Email Sent", True),
                                         ("intervention impact event='Invite Sent'", "Invite Sent", False)):
        answer = _ask(answerer, question)
        p = answer.request.params
        assert answer.playbook.id == "intervention_impact" and p["event"] == event, question
        assert _read(answer).startswith("From the activity rollup"), question
        assert all(q.result.warehouse == "rollup" and ("rollup_days" in q.sql) == person_days
                   for q in answer.queries), question
        people, active = oc.intervention_impact(oracle, event, p["start"], p["end"], today)
        assert {r[0]: int(r[3]) for r in answer.rows} == people and sum(people.values()) > 10, question
        assert {(r[0], int(r[1])): int(r[2]) for r in answer.rows if r[1] is not None} == active, question


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,guide", [("top events last 7 days", False), ("what can I ask?", True),
                                            ("top events on ios last 7 days", False)])
def test_top_events_from_the_rollup_match_the_oracle(rolled, oracles, engine, dataset, question, guide):
    """The catalog from the rollup's rows (their events summed, their first and last moments), filtered by a
    dimension it keeps, against Python over the raw rows; every query it ran read the rollup."""
    answer = _ask(rolled[(engine, dataset)], question)
    assert _read(answer).startswith("From the activity rollup") and all(
        q.result.warehouse == "rollup" for q in answer.queries), question
    check_top_events(answer, seen(oracles, engine, dataset, answer), dataset, guide, rolled[(engine, dataset)].library)


@pytest.mark.parametrize("engine,dataset", CASES[:1] + CASES[-1:])
def test_what_the_derived_tables_do_not_keep_reads_raw_events(rolled, answerers, engine, dataset):
    """A session gap the rollup did not cut, a filter on events (the derived tables keep no dimensions), or a
    filter on the signup by a dimension the rollup's people do not keep (locale): raw events, the same answer as
    without a rollup, and the footer says why."""
    fast, raw = rolled[(engine, dataset)], answerers[(engine, dataset)]
    for question in ("session flows last 7 days session_gap_minutes=15", "how do ios users move through the product",
                     "retention drivers for en-GB users"):
        got, expected = _ask(fast, question), _ask(raw, question)
        assert _read(got).startswith("From raw events: this question reads more than the activity rollup keeps"), question
        assert all(q.result.warehouse == "segment" for q in got.queries), question
        _same(got, expected)


def _table(path, table: str, tmp_path) -> list[tuple]:
    # a byte copy: the answerer holds the file open with settings of its own (DuckDB refuses a second set)
    copy = tmp_path / f"copy-{path.name}"
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        return sorted(con.execute(comparable_sql(table)).fetchall(), key=repr)
    finally:
        con.close()


# every table a build writes (the synced lookups aside: copied whole at each build)
BUILT_TABLES = ("rollup_activity", "rollup_people", "rollup_days", "rollup_early", "rollup_sessions",
                "rollup_session_pieces", PATHS_TABLE, PEOPLE_CODES, *DERIVED_TABLES)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("chained", [False, True])
def test_a_refresh_rereads_only_recent_days_and_equals_a_full_build(rolled, built, pg_url, tmp_path, engine, chained):
    """Built 6 days before the data's end, then refreshed at its end (`chained`: refreshed 3 days before it
    too): the last refresh reads the days since the build before it and the 3 days of late arrivals before
    them, and every table it holds, the derived ones included, is what a full build holds."""
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
        if chained:
            clock.now = ds.clock - timedelta(days=3)
            assert answerer.build_rollup().kind == "refresh"
        clock.now = ds.clock
        answer = _ask(answerer, "dau")  # the data moved on: raw events, said so
        assert "is older than the data" in _read(answer)
        assert all(q.result.warehouse == "segment" for q in answer.queries)
        assert stale.request.params["end"] < answer.request.params["end"]
        refreshed = answerer.build_rollup()
        assert refreshed.kind == "refresh" and refreshed.days_read == (3 if chained else 6) + 3 + 1
        store = RollupStore(answerer.rollup.store.folder)
        full_answerer = rolled[(engine, "messenger")]  # a full build at the data's end
        full = full_answerer.rollup.current()
        assert full.kind == "full" and full.as_of == refreshed.as_of and refreshed.tables == full.tables
        for table in BUILT_TABLES:
            rows = _table(store.path(refreshed), table, tmp_path)
            assert rows and rows == _table(full_answerer.rollup.store.path(full), table, tmp_path), table
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


@pytest.mark.parametrize("engine,dataset", CASES[:1] + CASES[-1:])
def test_every_session_in_the_rollup_is_the_oracles(rolled, oracles, tmp_path, engine, dataset):
    """Every session of a week ending before the data, at each gap cut, its first six events, cut at the
    week's end the way the answer cuts them (a step only before :_hi): the oracle's sessions, one by one
    (the answers compare only the top paths). Also with the week ending at noon, where sessions are cut
    mid-activity."""
    answerer, oracle = rolled[(engine, dataset)], oracles[(engine, dataset)]
    path = answerer.rollup.store.path(answerer.rollup.current())
    copy = tmp_path / "sessions.duckdb"
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    end_day = DATASETS[dataset].clock.date() - timedelta(days=3)
    cut = ", ".join(f"CASE WHEN at_{k} < $hi THEN step_{k} END" for k in range(2, MAX_STEPS + 1))
    try:
        for gap in SESSION_GAPS:
            for end in (datetime.combine(end_day, datetime.min.time()), datetime.combine(end_day, datetime.min.time())
                        + timedelta(hours=12)):
                start = datetime.combine(end_day - timedelta(days=7), datetime.min.time())
                got = con.execute(f"SELECT user_id, started_at, step_1, {cut} FROM rollup_sessions_{gap} "
                                  "WHERE started_at >= $lo AND started_at < $hi", {"lo": start, "hi": end}).fetchall()
                expected = [(user, s[0].local, *[e.name for e in s[:MAX_STEPS]], *[None] * (MAX_STEPS - len(s[:MAX_STEPS])))
                            for user, s in oracle_paths.sessions(oracle, start, end, gap) if start <= s[0].local < end]
                assert len(expected) > 100
                assert sorted(got, key=repr) == sorted(expected, key=repr), (gap, end)
    finally:
        con.close()


@pytest.mark.parametrize("engine,dataset", CASES)
def test_quarterly_active_users_from_the_rollup_match_the_oracle_or_read_raw_events(rolled, answerers, oracles,
                                                                                     engine, dataset):
    """Quarters from the person-day rows equal the oracle; a quarter by what the rollup does not keep (locale)
    reads raw events and gives the raw answer."""
    fast, raw, oracle = rolled[(engine, dataset)], answerers[(engine, dataset)], oracles[(engine, dataset)]
    answer = _ask(fast, "active users quarter over quarter, q3 vs q4 to date")
    assert _read(answer).startswith("From the activity rollup") and any("rollup_days" in q.sql for q in answer.queries)
    p = answer.request.params
    expected = oracle.active_calendar(p["start"], p["end"], "quarter")
    assert {_d(r[0]): r[1] for r in answer.rows} == expected and len(expected) == 2
    got, slow = _ask(fast, "quarterly active users by locale this year"), _ask(raw, "quarterly active users by locale this year")
    assert _read(got).startswith("From raw events"), _read(got)
    assert all(q.result.warehouse == "segment" for q in got.queries)
    _same(got, slow)


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
