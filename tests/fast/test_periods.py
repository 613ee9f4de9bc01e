"""The comparison rule and the periods of a series (answers/periods.py), words and numbers from one place
(answers/formatting.py, charts/ticks.py), and the chart text check (charts/layout.py), without a warehouse."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from answers.formatting import count, describe_window, fmt_day, period_label, range_words
from answers.periods import (
    COMPLETE,
    CUT,
    DATA_STARTS,
    FUTURE,
    NO_DATA,
    RUNNING,
    Timeline,
    comparisons,
    period_state,
    range_grain,
)
from charts import LineChart, Series
from charts.layout import text_overlaps
from charts.render import draw
from charts.ticks import AxisFormatter

NOW = datetime(2026, 12, 1, 22, 34)  # Tuesday 1 Dec 2026
TL = Timeline(as_of=NOW, first_data=datetime(2026, 6, 4, 1, 40))


def windows(start: date, end: date, compare=None, grain=None, tl=TL):
    return [(c.window.start, c.window.end, c.problem != "") for c in comparisons(start, end, tl, compare, grain)]


# ---- like with like ----

def test_running_month_on_its_first_day_is_compared_to_the_same_point_last_month():
    # "mau this month" / "invites this month vs last month" on the 1st: never "yesterday at the same time"
    (c,) = comparisons(date(2026, 12, 1), date(2026, 12, 2), TL, "previous", "month")
    assert (c.window.start, c.window.end) == (datetime(2026, 11, 1), datetime(2026, 11, 1, 22, 34))
    assert c.label == "vs the same point last month (Sun 1 Nov 00:00–22:34)"


def test_running_week_and_day():
    assert windows(date(2026, 11, 30), date(2026, 12, 2), grain="week") == [
        (datetime(2026, 11, 23), datetime(2026, 11, 24, 22, 34), False)]
    assert windows(date(2026, 12, 1), date(2026, 12, 2), grain="day") == [
        (datetime(2026, 11, 30), datetime(2026, 11, 30, 22, 34), False),
        (datetime(2026, 11, 24), datetime(2026, 11, 24, 22, 34), False)]


def test_the_same_point_of_a_shorter_month_is_its_last_day():
    tl = Timeline(as_of=datetime(2027, 3, 31, 12, 0))
    month, year = comparisons(date(2027, 3, 1), date(2027, 4, 1), tl, grain="month")
    assert (month.window.start, month.window.end) == (datetime(2027, 2, 1), datetime(2027, 2, 28, 12, 0))
    assert (year.window.start, year.window.end, year.optional) == (datetime(2026, 3, 1), datetime(2026, 3, 31, 12), True)


def test_n_days_with_the_n_days_before_even_on_month_boundaries():
    # "last 30 days" on 1 Dec is 1-30 Nov: compared with 2-31 Oct (30 days), not October (31)
    (c,) = comparisons(date(2026, 11, 1), date(2026, 12, 1), TL, grain="day")
    assert (c.window.start, c.window.end) == (datetime(2026, 10, 2), datetime(2026, 11, 1))
    assert "30 days before" in c.label


def test_whole_months_with_as_many_months_before():
    (c,) = comparisons(date(2026, 9, 1), date(2026, 12, 1), TL, grain="month")
    assert (c.window.start, c.window.end) == (datetime(2026, 6, 1), datetime(2026, 9, 1))


def test_a_complete_day_has_the_day_before_and_the_same_day_last_week():
    found = comparisons(date(2026, 11, 30), date(2026, 12, 1), TL, grain="day")
    assert [c.label for c in found] == ["vs the day before (Sun 29 Nov)", "vs the same day last week (Mon 23 Nov)"]
    (asked,) = comparisons(date(2026, 11, 30), date(2026, 12, 1), TL, "week", "day")
    assert (asked.label, asked.window) == (found[1].label, found[1].window)  # asked for: the same name


def test_year_over_year_is_cut_the_same_way():
    tl = Timeline(as_of=NOW, first_data=datetime(2025, 1, 1))
    (c,) = comparisons(date(2026, 12, 1), date(2026, 12, 2), tl, "year", "month")
    assert (c.window.start, c.window.end, c.problem) == (datetime(2025, 12, 1), datetime(2025, 12, 1, 22, 34), "")


# ---- said, not compared ----

def test_windows_before_or_partly_before_the_data_are_not_compared():
    (before,) = comparisons(date(2026, 11, 1), date(2026, 12, 1), TL, "year", "month")
    assert "has no data" in before.problem and "Thu 4 Jun 2026 01:40" in before.problem
    (partial,) = comparisons(date(2026, 7, 1), date(2026, 10, 1), TL, grain="quarter")
    assert partial.problem.startswith("only 30% of it has data")
    # a second comparison that cannot be made is left out, not said
    tl = Timeline(as_of=datetime(2026, 6, 10, 12, 0), first_data=datetime(2026, 6, 4, 1, 40))
    assert [c.optional for c in comparisons(date(2026, 6, 8), date(2026, 6, 9), tl, grain="day")] == [False]


# ---- the periods of a series ----

@pytest.mark.parametrize("bucket,unit,start,end,state", [
    (datetime(2026, 5, 1), "month", date(2025, 12, 1), date(2026, 12, 1), NO_DATA),
    (datetime(2026, 6, 1), "month", date(2025, 12, 1), date(2026, 12, 1), DATA_STARTS),
    (datetime(2026, 11, 1), "month", date(2025, 12, 1), date(2026, 12, 1), COMPLETE),
    (datetime(2026, 12, 1), "month", date(2026, 12, 1), date(2026, 12, 2), RUNNING),
    (datetime(2026, 6, 29), "week", date(2026, 7, 1), date(2026, 10, 1), CUT),  # Q3 starts on a Wednesday
    (datetime(2026, 9, 28), "week", date(2026, 7, 1), date(2026, 10, 1), CUT),  # and ends before the week: not running
    (datetime(2026, 11, 30), "week", date(2026, 11, 30), date(2026, 12, 1), CUT),  # "yesterday" in a week
    (datetime(2026, 12, 2), "day", date(2026, 12, 1), date(2026, 12, 31), FUTURE),
])
def test_period_states(bucket, unit, start, end, state):
    assert period_state(bucket, unit, start, end, TL) == state


def test_the_grain_of_a_range_comes_from_its_words():
    today = date(2026, 12, 1)
    assert range_grain("this month", date(2026, 12, 1), date(2026, 12, 2), "day", today, "monday") == "month"
    assert range_grain("today", date(2026, 12, 1), date(2026, 12, 2), "day", today, "monday") == "day"
    assert range_grain("last 30 days", date(2026, 11, 1), date(2026, 12, 1), "day", today, "monday") == "day"
    assert range_grain("since 2026-09-07", date(2026, 9, 7), date(2026, 12, 2), "week", today, "monday") is None
    assert range_grain(None, date(2026, 6, 1), date(2026, 12, 1), "month", today, "monday") == "month"


# ---- words and numbers from one place ----

def test_plurals_days_and_range_words():
    assert [count(1, "cohort"), count(3, "cohort"), count(1, "order"), count(2, "person"), count(1, "idle spell")] == [
        "1 cohort", "3 cohorts", "1 order", "2 people", "1 idle spell"]
    assert fmt_day(date(2026, 9, 2)) == "Wed 2 Sep" and period_label(datetime(2026, 9, 7), "week") == "wk of 7 Sep"
    assert range_words("Mon 30 Nov 2026") == "on Mon 30 Nov 2026"
    assert range_words("November 2026") == "in November 2026" and range_words("Q3 2026") == "in Q3 2026"
    assert range_words("yesterday (Mon 30 Nov 2026)") == "yesterday (Mon 30 Nov 2026)"
    assert describe_window(datetime(2026, 11, 1), datetime(2026, 11, 1, 22, 34)) == "Sun 1 Nov 00:00–22:34"


@pytest.mark.parametrize("kind,values,labels", [
    ("money", [0, 5, 10, 15], ["$0", "$5", "$10", "$15"]),
    ("money", [0, 2.5, 5, 7.5], ["$0.00", "$2.50", "$5.00", "$7.50"]),
    ("int", [0, 5000, 10000, 15000], ["0k", "5k", "10k", "15k"]),
    ("int", [0, 2500, 5000, 7500, 10000, 12500], ["0.0k", "2.5k", "5.0k", "7.5k", "10.0k", "12.5k"]),
    ("pct", [0, 0.05, 0.1], ["0%", "5%", "10%"]),
    ("pct", [0, 0.025, 0.05], ["0.0%", "2.5%", "5.0%"]),
])
def test_tick_labels_share_a_unit_and_decimals(kind, values, labels):
    assert AxisFormatter(kind).format_ticks(values) == labels


# ---- chart text ----

DAYS = tuple(datetime(2026, 10, 1) + timedelta(days=i) for i in range(62))


@pytest.mark.parametrize("spec", [
    LineChart("A long title about weekly active users by payment plan and more", "a subtitle " * 12, DAYS,
              tuple(Series(f"a fairly long series name {i}", tuple(float(j + i) for j in range(62))) for i in range(7)),
              partial_from=61, cut=(0,), y_label="people", note="no data before 3 Oct 2026"),
    LineChart("Hourly", "", tuple(datetime(2026, 11, 30) + timedelta(hours=i) for i in range(48)),
              (Series("events", tuple(float(i % 5) for i in range(48))),), granularity="hour"),
    LineChart("Quarters", "", tuple(datetime(2024 + i // 4, 1 + 3 * (i % 4), 1) for i in range(12)),
              (Series("revenue", tuple(1234.5 * i for i in range(12))),), granularity="quarter", y_format="money"),
])
def test_synthetic_charts_have_no_overlapping_text(spec):
    assert text_overlaps(draw(spec)) == []
