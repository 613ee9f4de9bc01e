"""Every number the bot reports, checked against the independent oracle, on DuckDB and PostgreSQL,
for two datasets (one with other schema names, timezone and week start)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from answers import Answer
from questions.timerange import shift

from .. import helpers
from ..conftest import DATASETS, ENGINES

CASES = [(e, d) for e in ENGINES for d in DATASETS]


def _d(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def ask(answerers, engine, dataset, question) -> Answer:
    outcome = helpers.ask(answerers[(engine, dataset)], question)
    assert isinstance(outcome, Answer), f"{question!r} -> {outcome}"
    return outcome


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,event", [
    ("invites yesterday", "Invite Sent"),
    ("messages sent last 30 days", "Message Sent"),
    ("signups per week since 2026-09-02", "Signed Up"),
    ("photos shared this month", "Photo Shared"),
    ("inbox page views last 14 days", "Viewed Inbox Page"),
    ("order completed events monthly", "Order Completed"),
])
def test_event_volume_matches_oracle(answerers, oracles, engine, dataset, question, event):
    event = DATASETS[dataset].event(event)  # "order completed" is Completed Order on the spec v1 dataset
    answer = ask(answerers, engine, dataset, question)
    oracle = oracles[(engine, dataset)]
    p = answer.request.params
    assert answer.playbook.id == "event_volume" and p["event"] == event
    by_bucket, (total, total_users) = oracle.volume(event, p["start"], p["end"], p["interval"])
    got = {_d(r[0]): (r[1], r[2]) for r in answer.rows if r[0] is not None}
    assert got == by_bucket
    total_row = [r for r in answer.rows if r[0] is None]
    assert len(total_row) == 1 and tuple(total_row[0][1:]) == (total, total_users)
    assert answer.key.value == total
    assert total > 0, "the demo data should have this event in the range"
    # every comparison is the same count over its own window, or said and not made before the data
    for change in answer.key.changes:
        lo, hi = change.window
        if not change.compared:
            assert lo < oracle.first_data() and change.other is None
            continue
        _, (other, _) = oracle.volume(event, lo, hi, p["interval"])
        assert change.other == other
        assert change.pct == pytest.approx((total - other) / other if other else None)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_single_day_compares_with_day_before_and_last_week(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "invites yesterday")
    oracle = oracles[(engine, dataset)]
    day = answer.request.params["start"]
    assert answer.request.params["end"] - day == timedelta(days=1)
    assert day == DATASETS[dataset].clock.date() - timedelta(days=1)
    by_bucket, (total, _) = oracle.volume("Invite Sent", day - timedelta(days=7), day + timedelta(days=1), "day")
    before, week = answer.key.changes
    assert "day before" in before.label and before.other == by_bucket.get(day - timedelta(days=1), (0, 0))[0]
    assert "last week" in week.label and week.other == by_bucket.get(day - timedelta(days=7), (0, 0))[0]
    assert str(total if False else by_bucket[day][0]) in answer.headline.replace(",", "")


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question", ["dau last 30 days", "dau yesterday", "stickiness last 14 days", "stickiness weekly"])
def test_daily_active_users_match_oracle(answerers, oracles, engine, dataset, question):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    expected = oracles[(engine, dataset)].active_daily(p["start"], p["end"])
    got = {_d(r[0]): (r[1], r[2], r[3], r[4]) for r in answer.rows}
    assert set(got) == set(expected)
    for day, (dau, wau, mau, stick) in expected.items():
        g = got[day]
        assert g[:3] == (dau, wau, mau), day
        assert g[3] == pytest.approx(stick)
    # the headline number is the latest complete day's DAU (or stickiness), with its comparisons
    key_day = max(d for d in expected if d < DATASETS[dataset].clock.date())
    metric = 3 if p["metric"] == "stickiness" else 0
    assert answer.key.value == pytest.approx(expected[key_day][metric])
    if "weekly" in question:  # a number of each day, asked per week: the answer says it shows each day
        assert any("asked per week, it is shown for each day" in d for d in answer.definitions)


@pytest.mark.parametrize("engine,dataset", CASES)
def test_dau_comparisons_come_from_the_right_days(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "dau yesterday")
    day = answer.request.params["start"]
    expected = oracles[(engine, dataset)].active_daily(day - timedelta(days=7), day + timedelta(days=1))
    before, week = answer.key.changes
    assert before.other == expected[day - timedelta(days=1)][0]
    assert week.other == expected[day - timedelta(days=7)][0]
    # asked for: only that comparison
    (only_week,) = ask(answerers, engine, dataset, "dau yesterday vs last week").key.changes
    assert only_week == week
    (only_before,) = ask(answerers, engine, dataset, "dau yesterday compared to the day before").key.changes
    assert only_before == before


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit", [("weekly active users", "week"), ("active users monthly", "month")])
def test_calendar_active_users_match_oracle(answerers, oracles, engine, dataset, question, unit):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert p["interval"] == unit
    expected = oracles[(engine, dataset)].active_calendar(p["start"], p["end"], unit)
    got = {_d(r[0]): r[1] for r in answer.rows}
    assert got == expected
    assert len(got) >= 3


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question", ["active users quarter over quarter, q3 vs q4 to date", "quarterly active users",
                                      "qoq active users for free users"])
def test_quarterly_active_users_match_oracle(answerers, oracles, engine, dataset, question):
    """Distinct people per calendar quarter in the dataset's timezone (the data starts in Q3, Q4 runs)."""
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert p["interval"] == "quarter"
    filters = dict(p["filters"] or ())
    expected = oracles[(engine, dataset)].active_calendar(p["start"], p["end"], "quarter", filters)
    assert {_d(r[0]): r[1] for r in answer.rows} == expected and expected
    # the headline: the latest complete quarter, else the running one; the data starts in Q3 (never complete)
    assert oracles[(engine, dataset)].first_data() > datetime(2026, 7, 1)
    assert answer.key.value == expected.get(date(2026, 10, 1), expected[date(2026, 7, 1)])


@pytest.mark.parametrize("engine,dataset", CASES)
def test_quarterly_active_users_by_platform_match_oracle(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "quarterly active users by platform this year")
    p = answer.request.params
    assert p["interval"] == "quarter" and p["group_by"] == "platform"
    oracle = oracles[(engine, dataset)]
    assert {(_d(r[0]), r[1]): r[2] for r in answer.rows if r[1] is not None} == oracle.active_by(
        p["start"], p["end"], "quarter", "platform", 5)
    assert {_d(r[0]): r[2] for r in answer.rows if r[1] is None} == oracle.active_calendar(p["start"], p["end"], "quarter")


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,unit", [("retention weekly", "week"), ("monthly retention", "month"),
                                           ("daily retention last 14 days", "day")])
def test_retention_matches_oracle(answerers, oracles, engine, dataset, question, unit):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert answer.playbook.id == "retention" and p["interval"] == unit
    today = DATASETS[dataset].clock.date()
    expected = oracles[(engine, dataset)].retention(p["start"], p["end"], unit, today)
    got = {(_d(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows}
    assert got == expected
    for r in answer.rows:
        assert r[4] == pytest.approx(r[3] / r[2])
    # period 0 is the whole cohort (everyone was active when they signed up)
    for (_, k), (size, users) in expected.items():
        if k == 0:
            assert users == size
    # headline: period-1 retention over the cohorts whose period 1 is over, weighted by size
    clock = DATASETS[dataset].clock.replace(tzinfo=None)
    num = den = 0
    for (cohort, k), (size, users) in expected.items():
        if k == 1 and _period_end(cohort, 1, unit) <= clock:
            num += users
            den += size
    cohorts_with_p1 = {c for (c, _), (s, _) in expected.items() if _period_end(c, 1, unit) <= clock}
    den = sum(expected[(c, 0)][0] for c in cohorts_with_p1)
    if den:
        assert answer.key.value == pytest.approx(num / den)


def _period_end(cohort: date, k: int, unit: str) -> datetime:
    from questions.timerange import shift

    return datetime.combine(shift(cohort, unit, k + 1), datetime.min.time())


@pytest.mark.parametrize("engine,dataset", CASES)
def test_retention_of_an_event(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "retention event='Message Sent' interval=week")
    p = answer.request.params
    today = DATASETS[dataset].clock.date()
    expected = oracles[(engine, dataset)].retention(p["start"], p["end"], "week", today, event="Message Sent")
    got = {(_d(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows}
    assert got == expected


# ---- breakdowns and filters ----

@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,event,dimension,top", [
    ("invites last 30 days by platform", "Invite Sent", "platform", 5),
    ("messages sent last 14 days by plan top 2", "Message Sent", "plan", 2),
    ("signups last 60 days by channel top 3", "Signed Up", "channel", 3),
])
def test_volume_breakdown_matches_oracle(answerers, oracles, engine, dataset, question, event, dimension, top):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert (p["event"], p["group_by"], p["top"]) == (event, dimension, top)
    expected = oracles[(engine, dataset)].volume_by(event, p["start"], p["end"], dimension, top)
    got = {r[1]: (r[2], r[3]) for r in answer.rows if r[0] is None and r[1] is not None}
    assert got == expected
    assert len(expected) >= 2
    total = [r for r in answer.rows if r[0] is None and r[1] is None][0]
    _, (events, users) = oracles[(engine, dataset)].volume(event, p["start"], p["end"], p["interval"])
    assert (total[2], total[3]) == (events, users)
    assert answer.key.value == events
    # per-period cells add up to the segment totals
    for segment, (n, _) in expected.items():
        assert sum(r[2] for r in answer.rows if r[0] is not None and r[1] == segment) == n


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,event,filters", [
    ("photos shared on ios last 30 days", "Photo Shared", {"platform": "iOS"}),
    ("messages sent for pro users last 7 days", "Message Sent", {"plan": "pro"}),
    ("order completed events from google last 60 days", "Order Completed", {"channel": "google"}),
])
def test_volume_filters_match_oracle(answerers, oracles, engine, dataset, question, event, filters):
    event = DATASETS[dataset].event(event)
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert dict(p["filters"]) == filters and p["event"] == event
    by_bucket, (total, users) = oracles[(engine, dataset)].volume(event, p["start"], p["end"], p["interval"], filters)
    got = {_d(r[0]): (r[1], r[2]) for r in answer.rows if r[0] is not None}
    assert got == by_bucket
    assert answer.key.value == total > 0
    _, (unfiltered, _) = oracles[(engine, dataset)].volume(event, p["start"], p["end"], p["interval"])
    assert total < unfiltered


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("dimension,top", [("platform", 5), ("plan", 2)])
def test_active_users_breakdown_matches_oracle(answerers, oracles, engine, dataset, dimension, top):
    answer = ask(answerers, engine, dataset, f"weekly active users by {dimension} top {top}")
    p = answer.request.params
    oracle = oracles[(engine, dataset)]
    expected = oracle.active_by(p["start"], p["end"], "week", dimension, top)
    got = {(_d(r[0]), r[1]): r[2] for r in answer.rows if r[1] is not None}
    assert got == expected
    everyone = {_d(r[0]): r[2] for r in answer.rows if r[1] is None}
    assert everyone == oracle.active_calendar(p["start"], p["end"], "week")


@pytest.mark.parametrize("engine,dataset", CASES)
def test_active_users_filtered_match_oracle(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "dau on ios last 14 days")
    p = answer.request.params
    assert dict(p["filters"]) == {"platform": "iOS"}
    expected = oracles[(engine, dataset)].active_daily(p["start"], p["end"], filters={"platform": "iOS"})
    got = {_d(r[0]): (r[1], r[2], r[3]) for r in answer.rows}
    assert got == {d: v[:3] for d, v in expected.items()}
    answer = ask(answerers, engine, dataset, "monthly active users for free users")
    p = answer.request.params
    expected = oracles[(engine, dataset)].active_calendar(p["start"], p["end"], "month", {"plan": "free"})
    assert {_d(r[0]): r[1] for r in answer.rows} == expected


@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,event,unit", [
    ("invites last 14 days vs last week", "Invite Sent", "week"),
    ("photos shared this month vs last week", "Photo Shared", "week"),
    ("messages last week year over year", "Message Sent", "year"),
])
def test_a_comparison_asked_for_uses_its_own_window(answerers, oracles, engine, dataset, question, event, unit):
    answer = ask(answerers, engine, dataset, question)
    oracle = oracles[(engine, dataset)]
    p = answer.request.params
    assert p["compare"] == unit and p["event"] == event
    (change,) = answer.key.changes
    lo, hi = change.window
    assert _d(lo) == shift(p["start"], unit, -1)
    now = oracle.as_of  # the moment of the question: the clock, or the latest data when that is earlier
    if datetime.combine(p["end"], datetime.min.time()) <= now:
        assert _d(hi) == shift(p["end"], unit, -1)
    else:  # runs into today: up to the same moment a week earlier
        assert hi == datetime.combine(shift(now.date(), unit, -1), now.time())
    assert unit in change.label or "last week" in change.label
    runs = [q for q in answer.queries if q.label == "comparison"]
    if not change.compared:  # a window before the first event is said, not compared (and not queried)
        assert lo < oracle.first_data() and not runs and "data starts" in change.note
        return
    (run,) = runs
    assert (run.params["start"], run.params["end"]) == (lo, hi) or _d(run.params["start"]) == _d(lo)
    _, (other, _) = oracle.volume(event, lo, hi, p["interval"])
    assert change.other == other


def _week_start(d: date, week_start: str) -> date:
    return d - timedelta(days=d.weekday() if week_start == "monday" else (d.weekday() + 1) % 7)


# issue 18: ranges as people write them, each range worked out here and its counts from the oracle
@pytest.mark.parametrize("engine,dataset", CASES)
@pytest.mark.parametrize("question,interval,expected", [
    ("invites last week vs the week before, per week", "week",
     lambda today, ws: (_week_start(today, ws) - timedelta(days=14), _week_start(today, ws))),
    ("daily invites for the first two weeks of november", "day",
     lambda today, ws: (date(2026, 11, 1), min(date(2026, 11, 15), today + timedelta(days=1)))),  # acme: up to today
    ("invites over halloween weekend (fri-sun)", None, lambda today, ws: (date(2026, 10, 30), date(2026, 11, 2))),
    ("invites for aug, sep and oct", None, lambda today, ws: (date(2026, 8, 1), date(2026, 11, 1))),
])
def test_ranges_as_written_match_oracle(answerers, oracles, engine, dataset, question, interval, expected):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    today = DATASETS[dataset].clock.date()
    assert (p["start"], p["end"]) == expected(today, DATASETS[dataset].week_start)
    assert interval is None or p["interval"] == interval
    by_bucket, (total, total_users) = oracles[(engine, dataset)].volume("Invite Sent", p["start"], p["end"], p["interval"])
    assert {_d(r[0]): (r[1], r[2]) for r in answer.rows if r[0] is not None} == by_bucket
    assert [tuple(r[1:]) for r in answer.rows if r[0] is None] == [(total, total_users)] and total > 0
    if interval == "week":  # the two weeks side by side, not one week compared with the other
        assert len(by_bucket) == 2 and p.get("compare") is None
