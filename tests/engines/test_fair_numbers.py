"""Fair numbers (answers/periods.py): every comparison like with like, every period honest, checked against
the independent oracle on DuckDB and PostgreSQL, for the two datasets, one whose data starts mid-range
(late_start) and one holding events after now (future)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest

from answers import Answer

from .. import helpers
from .. import oracle_cohorts as cohorts
from ..conftest import ALL_DATASETS, DATASETS, EDGE_DATASETS, ENGINES

ALL = [(e, d) for e in ENGINES for d in ALL_DATASETS]


def ask(answerers, engine, dataset, question) -> Answer:
    outcome = helpers.ask(answerers[(engine, dataset)], question)
    assert isinstance(outcome, Answer), f"{question!r} -> {outcome}"
    return outcome


def _date(d) -> date:
    return d.date() if isinstance(d, datetime) else d


def _dt(d) -> datetime:
    return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)


def as_of(oracles, engine: str, dataset: str) -> datetime:
    """The moment of the question in local time, to the minute: the clock, or the latest data received when
    that is earlier (the oracle works it out from the raw rows)."""
    return oracles[(engine, dataset)].as_of


def volume(oracle, event: str, lo, hi) -> int:
    return sum(1 for e in oracle.events if e.name == event and _dt(lo) <= e.local < _dt(hi))


def active(oracle, lo, hi) -> int:
    return len({e.user for e in oracle._activity(_dt(lo), _dt(hi))})


# calendar arithmetic written here again, not the bot's
def add_months(d: date, n: int) -> date:
    month = d.month - 1 + n
    year, month = d.year + month // 12, month % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def period_start(d: date, unit: str, week_start: str) -> date:
    if unit == "day":
        return d
    if unit == "week":
        return d - timedelta(days=d.weekday() if week_start == "monday" else (d.weekday() + 1) % 7)
    return d.replace(day=1)


def shift_moment(moment: datetime, months: int) -> datetime:
    """The same day of the month (clamped), the same time."""
    return datetime.combine(add_months(moment.date(), months), moment.time())


# ---- a period still running is compared with the same point of the period before ----

@pytest.mark.parametrize("engine,dataset", ALL)
@pytest.mark.parametrize("question,event,unit", [
    ("invites today", "Invite Sent", "day"),
    ("invites this week", "Invite Sent", "week"),
    ("messages sent this month vs last month", "Message Sent", "month"),
])
def test_running_period_is_compared_to_the_same_point(answerers, oracles, engine, dataset, question, event, unit):
    answer = ask(answerers, engine, dataset, question)
    oracle, now = oracles[(engine, dataset)], as_of(oracles, engine, dataset)
    start = period_start(now.date(), unit, ALL_DATASETS[dataset].week_start)
    assert answer.key.value == volume(oracle, event, start, now)  # up to now, never after it
    first = answer.key.changes[0]
    lo = {"day": _dt(start) - timedelta(days=1), "week": _dt(start) - timedelta(days=7),
          "month": _dt(add_months(start, -1))}[unit]
    hi = {"day": now - timedelta(days=1), "week": now - timedelta(days=7), "month": shift_moment(now, months=-1)}[unit]
    assert first.window == (lo, hi)
    assert "same" in first.label and f"{hi:%H:%M}" in first.label
    if first.compared:
        assert first.other == volume(oracle, event, lo, hi)
    else:
        assert oracle.first_data() > lo and "data starts" in first.note  # said, not compared
    assert first.phrase() in answer.summary


@pytest.mark.parametrize("engine,dataset", ALL)
@pytest.mark.parametrize("question,unit", [("mau this month", "month"), ("weekly active users this week", "week")])
def test_active_users_so_far_are_compared_to_the_same_point(answerers, oracles, engine, dataset, question, unit):
    """The issue's '179 in Dec (so far) ▼ 90.6% vs the month before (1,908)': now the same days of the month before."""
    answer = ask(answerers, engine, dataset, question)
    oracle, now = oracles[(engine, dataset)], as_of(oracles, engine, dataset)
    start = _dt(period_start(now.date(), unit, ALL_DATASETS[dataset].week_start))
    assert answer.key.value == active(oracle, start, now)
    (first,) = answer.key.changes
    lo = _dt(add_months(start.date(), -1)) if unit == "month" else start - timedelta(days=7)
    hi = shift_moment(now, months=-1) if unit == "month" else now - timedelta(days=7)
    assert first.window == (lo, hi)
    if first.compared:
        assert first.other == active(oracle, lo, hi)
        assert first.pct == pytest.approx((answer.key.value - first.other) / first.other)
    assert "so far" in answer.headline


@pytest.mark.parametrize("engine,dataset", ALL)
@pytest.mark.parametrize("question", ["quarterly active users this quarter", "active users q3 vs q4 to date"])
def test_a_running_quarter_is_compared_with_the_same_number_of_days(answerers, oracles, engine, dataset, question):
    """Q4 so far against the first as many days (and hours) of Q3: the headline's when Q3 is not a complete
    quarter of the range (not asked, or the data starts in it), its own line beside Q3's headline otherwise."""
    answer = ask(answerers, engine, dataset, question)
    oracle, now = oracles[(engine, dataset)], as_of(oracles, engine, dataset)
    start = datetime(2026, 10, 1)
    running = next(r for r in answer.rows if _date(r[0]) == start.date())
    assert running[1] == active(oracle, start, now)  # up to now, never after it
    lo = datetime(2026, 7, 1)
    hi = lo + (now - start)
    words = f"vs the same point last quarter (1 Jul 00:00 – {hi.day} {hi:%b %H:%M})"
    if "this quarter" in question or oracle.first_data() > lo:
        assert answer.key.value == running[1] and "so far" in answer.headline
        (first,) = answer.key.changes
        assert first.window == (lo, hi) and first.label == words
        compared, other = first.compared, first.other
        if not compared:
            assert "data starts" in first.note
    else:
        assert answer.key.value == active(oracle, lo, start)  # Q3, complete
        line = next(x for x in answer.summary.splitlines() if x.startswith("Q4 2026 so far"))
        assert f": {running[1]:,} · " in line and words.removeprefix("vs ") in line
        compared, other = "Not compared" not in line, None
    if oracle.first_data() > lo:  # every test dataset starts in July: that window is said, not compared
        assert not compared
    else:
        assert other == active(oracle, lo, hi)


# ---- a window of N days with the N days before it ----

@pytest.mark.parametrize("engine,dataset", ALL)
def test_n_days_are_compared_to_the_n_days_before(answerers, oracles, engine, dataset):
    """'invites last 30 days' was compared with October (31 days); now with the 30 days before."""
    answer = ask(answerers, engine, dataset, "invites last 30 days")
    oracle = oracles[(engine, dataset)]
    p = answer.request.params
    (first,) = answer.key.changes
    assert first.window == (_dt(p["start"]) - timedelta(days=30), _dt(p["start"]))
    assert "30 days before" in first.label
    if first.compared:
        assert first.other == volume(oracle, "Invite Sent", *first.window)
    else:  # the late_start dataset: that window is before its first event
        assert dataset == "late_start" and "data starts" in first.note


# ---- periods before the data: no data, not zero; windows with no data or only part: said ----

@pytest.mark.parametrize("engine,dataset", ALL)
def test_months_before_the_data_are_no_data(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "monthly active users")
    oracle = oracles[(engine, dataset)]
    first = oracle.first_data()
    rows = dict(zip([r[0] for r in answer.table.rows], [r[1] for r in answer.table.rows]))
    before = [label for label, value in rows.items() if value == "no data"]
    chart = answer.chart
    for x, value in zip(chart.x, chart.series[0].values):
        month_end = _dt(add_months(x.date(), 1))
        assert (value is None) == (month_end <= first), (x, value)  # a gap, never a zero, before the data
    assert len(before) == sum(1 for x in chart.x if _dt(add_months(x.date(), 1)) <= first) > 0
    assert any("No data before" in d for d in answer.definitions)
    assert any("(data from" in label for label in rows)  # the month the data starts in is marked


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("days_after,compared", [(10, False), (40, True)])
def test_a_window_partly_before_the_data_is_not_compared(answerers, oracles, engine, days_after, compared):
    """'signups since 7 Sep' on data starting 4 Aug was '▲ 304.2%' against a window 60% empty."""
    oracle = oracles[(engine, "late_start")]
    since = oracle.first_data().date() + timedelta(days=days_after)
    answer = ask(answerers, engine, "late_start", f"signups since {since.isoformat()}")
    first = answer.key.changes[0]
    assert first.compared == compared
    if compared:
        assert first.other == volume(oracle, "Signed Up", *first.window)
    else:
        assert first.other is None and first.pct is None and "% of it has data" in first.note
        assert not [q for q in answer.queries if q.label == "comparison"]  # nothing was run to compare with
    assert first.phrase() in answer.summary


# ---- counts never include events after the moment of the question; clocks that are off are said ----

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("question,event", [("invites today", "Invite Sent"), ("messages sent today", "Message Sent")])
def test_events_after_now_are_not_counted(answerers, oracles, engine, question, event):
    answer = ask(answerers, engine, "future", question)
    oracle, now = oracles[(engine, "future")], as_of(oracles, engine, "future")
    today = _dt(now.date())
    later = sum(1 for e in oracle.all_events if e.name == event and now <= e.local < today + timedelta(days=1))
    assert later > 0, "the future dataset holds events after now"
    assert answer.key.value == volume(oracle, event, today, now)


@pytest.mark.parametrize("engine,dataset", ALL)
def test_a_source_with_events_after_now_is_flagged(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "invites yesterday")
    oracle = oracles[(engine, dataset)]
    now_utc = ALL_DATASETS[dataset].clock.astimezone(UTC).replace(tzinfo=None)
    for source in ALL_DATASETS[dataset].sources:
        ahead = max(oracle.latest_received[source], oracle.latest_timestamp[source])
        flagged = [w for w in answer.warnings if f"`{source}` holds events timestamped" in w]
        assert bool(flagged) == (ahead - now_utc > timedelta(hours=1)), source
        if flagged:
            assert f"up to {ahead:%Y-%m-%d %H:%M} UTC" in flagged[0] and "a clock is off" in flagged[0]
    assert (dataset == "future") == any("a clock is off" in w for w in answer.warnings)


@pytest.mark.parametrize("engine,dataset", ALL)
def test_the_catalog_knows_where_each_source_starts_and_ends(answerers, oracles, engine, dataset):
    catalog = answerers[(engine, dataset)].catalog()
    oracle = oracles[(engine, dataset)]
    for source in ALL_DATASETS[dataset].sources:
        assert catalog.first_seen[source] == oracle.first_timestamp[source]
        assert catalog.latest_timestamp[source] == oracle.latest_timestamp[source]


# ---- retention definitions: calendar periods, or periods since each person's own signup ----

@pytest.mark.parametrize("engine,dataset", ALL)
@pytest.mark.parametrize("question,unit", [("weekly retention since signup", "week"),
                                           ("monthly retention since each person's signup", "month"),
                                           ("daily retention last 14 days since signup", "day")])
def test_retention_since_signup_matches_oracle(answerers, oracles, engine, dataset, question, unit):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert (p["interval"], p["periods"]) == (unit, "since_signup")
    now = as_of(oracles, engine, dataset)
    expected = cohorts.retention_since_signup(oracles[(engine, dataset)], p["start"], p["end"], unit, now)
    got = {(None, _date(r[0]), int(r[1])): (int(r[2]), int(r[4]), int(r[3])) for r in answer.rows}
    assert got == expected
    ones = [v for (_, _, k), v in expected.items() if k == 1]
    if ones:
        assert answer.key.value == pytest.approx(sum(v[2] for v in ones) / sum(v[1] for v in ones))
    assert "since each person's signup" in answer.headline
    assert any("Mode's Describing Retention SQL" in d for d in answer.definitions)


@pytest.mark.parametrize("engine,dataset", ALL)
def test_retention_breakdown_since_signup_matches_oracle(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "weekly retention since signup by channel top 3")
    p = answer.request.params
    now = as_of(oracles, engine, dataset)
    expected = cohorts.retention_since_signup(oracles[(engine, dataset)], p["start"], p["end"], "week", now, "channel", 3)
    got = {(r[0], _date(r[1]), int(r[2])): (int(r[3]), int(r[5]), int(r[4])) for r in answer.rows}
    assert got == expected


@pytest.mark.parametrize("engine,dataset", ALL)
@pytest.mark.parametrize("question,on_or_after", [("d7 retention since signup", False),
                                                  ("7 day retention or later since signup by channel", True)])
def test_nday_since_signup_matches_oracle(answerers, oracles, engine, dataset, question, on_or_after):
    answer = ask(answerers, engine, dataset, question)
    p = answer.request.params
    assert p["periods"] == "since_signup" and (p["retained"] == "on_or_after") == on_or_after
    expected = cohorts.nday_since_signup(oracles[(engine, dataset)], p["start"], p["end"], as_of(oracles, engine, dataset),
                                         p["group_by"], p["top"], on_or_after=on_or_after)
    got = {(str(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in answer.rows}
    assert got == expected and sum(v[0] for v in expected.values()) > 0
    assert "24-hour days since signup" in answer.headline


@pytest.mark.parametrize("engine", ENGINES)
def test_the_two_retention_definitions_differ_and_are_named(answerers, engine):
    calendar = ask(answerers, engine, "messenger", "weekly retention")
    since = ask(answerers, engine, "messenger", "weekly retention since signup")
    assert "(calendar weeks)" in calendar.headline and "(7-day weeks since each person's signup)" in since.headline
    assert calendar.key.value > since.key.value  # calendar week 1 can start the day after signing up


# ---- the WAU for one day is the rolling WAU, drawn and written from the same numbers ----

@pytest.mark.parametrize("engine,dataset", ALL)
def test_weekly_active_users_yesterday_is_rolling_and_chart_matches_text(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "weekly active users yesterday")
    day = as_of(oracles, engine, dataset).date() - timedelta(days=1)
    expected = oracles[(engine, dataset)].active_daily(day - timedelta(days=7), day + timedelta(days=1))
    assert answer.key.value == expected[day][1]
    before, week = answer.key.changes
    assert before.other == expected[day - timedelta(days=1)][1] and week.other == expected[day - timedelta(days=7)][1]
    wau = next(s for s in answer.chart.series if s.name.startswith("WAU"))
    assert wau.values[list(answer.chart.x).index(datetime.combine(day, datetime.min.time()))] == answer.key.value
    assert answer.chart.partial_from is None


@pytest.mark.parametrize("engine,dataset", [(e, d) for e in ENGINES for d in DATASETS])
def test_a_quarter_that_is_over_is_not_drawn_as_running(answerers, oracles, engine, dataset):
    answer = ask(answerers, engine, dataset, "signups in Q3 by channel")
    chart = answer.chart
    assert chart.partial_from is None  # Q3 ended in September: nothing "not over yet"
    cut = {chart.x[i].date() for i in chart.cut}
    assert period_start(date(2026, 9, 30), "week", DATASETS[dataset].week_start) in cut  # the range ends in it
    first = oracles[(engine, dataset)].first_data()
    for i, x in enumerate(chart.x):  # weeks before the data: gaps; the one the data starts in: hollow
        if x + timedelta(days=7) <= first:
            assert all(s.values[i] is None for s in chart.series)
        elif x < first or x.date() < date(2026, 7, 1):
            assert i in chart.cut


@pytest.mark.parametrize("engine", ENGINES)
def test_dau_vs_last_year_is_read_and_said(answerers, engine):
    answer = ask(answerers, engine, "messenger", "dau vs last year")
    (change,) = answer.key.changes
    assert "a year earlier" in change.label and not change.compared and "no data" in change.note


def test_edge_datasets_exist():
    assert set(EDGE_DATASETS) == {"late_start", "future"}
