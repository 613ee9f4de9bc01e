"""Quarterly active users read and compared (issue 18; docs/comparisons.md#quarters): the phrasings, the
default range, the measures that are numbers of a day asked back, and a running quarter compared with the
same number of days of the quarter before."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from answers.periods import Timeline, comparisons, shift_moment
from questions import Clarification, Request
from questions.parser import ParseContext, parse
from tests.fixtures import catalog as snapshot_catalog
from tests.helpers import builtin_library

TODAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 14, 30)  # local


@pytest.fixture(scope="module")
def ctx():
    return ParseContext(library=builtin_library(), catalog=snapshot_catalog("messenger"), today=TODAY, now=NOW)


@pytest.mark.parametrize("text,start,end", [
    ("quarterly active users", date(2025, 10, 1), date(2026, 10, 1)),  # the last 4 complete quarters
    ("active users per quarter", date(2025, 10, 1), date(2026, 10, 1)),
    ("active users quarter over quarter", date(2025, 10, 1), date(2026, 10, 1)),
    ("qoq active users", date(2025, 10, 1), date(2026, 10, 1)),
    ("active users quarter over quarter, Q3 vs Q4 to date", date(2026, 7, 1), TODAY + timedelta(days=1)),
    ("active users q3 vs q4", date(2026, 7, 1), TODAY + timedelta(days=1)),  # Q4 runs to 31 Dec: cut at now
    ("quarterly active users this quarter", date(2026, 10, 1), TODAY + timedelta(days=1)),
    ("quarterly active users by platform", date(2025, 10, 1), date(2026, 10, 1)),
])
def test_quarterly_active_users_are_read(ctx, text, start, end):
    outcome = parse(text, ctx)
    assert isinstance(outcome, Request), f"{text!r} -> {outcome}"
    assert outcome.playbook == "active_users" and outcome.params["interval"] == "quarter", text
    assert (outcome.params["start"], min(outcome.params["end"], TODAY + timedelta(days=1))) == (start, end), text
    assert outcome.params["metric"] == "active" and not outcome.params["rolling"]


@pytest.mark.parametrize("text", ["stickiness quarterly", "rolling quarterly active users", "qoq stickiness"])
def test_daily_only_measures_per_quarter_are_asked_back(ctx, text):
    outcome = parse(text, ctx)
    assert isinstance(outcome, Clarification), f"{text!r} -> {outcome}"
    assert outcome.message == "Stickiness (DAU/MAU) and rolling WAU/MAU are counted per day, not per quarter."
    assert outcome.choices == ("day",) and outcome.example == "quarterly active users"


def test_a_quarter_only_from_the_range_keeps_stickiness_daily(ctx):
    """'stickiness q3 vs q4' says no quarter grain: the daily ratio over the two quarters, as before."""
    outcome = parse("stickiness q3 vs q4", ctx)
    assert isinstance(outcome, Request) and outcome.params["metric"] == "stickiness"
    assert outcome.params["interval"] != "quarter" and outcome.params["start"] == date(2026, 7, 1)


# ---- the same number of days into the quarter ----

@pytest.mark.parametrize("moment,n,expected", [
    (datetime(2026, 12, 2, 14, 30), -1, datetime(2026, 9, 1, 14, 30)),  # 62 days 14:30 after 1 Oct; after 1 Jul
    (datetime(2026, 10, 1), -1, datetime(2026, 7, 1)),
    (datetime(2026, 6, 30, 12), -1, datetime(2026, 4, 1)),  # 90.5 days into Q2 is past Q1's 90 days: Q1's end
    (datetime(2026, 2, 15), -4, datetime(2025, 2, 15)),
    (datetime(2026, 3, 1), 1, datetime(2026, 5, 30)),  # 59 days into Q1, 59 days into Q2
])
def test_a_quarter_moment_moves_by_the_days_into_it(moment, n, expected):
    assert shift_moment(moment, "quarter", n) == expected


def test_a_running_quarter_is_compared_with_the_same_number_of_days_before():
    tl = Timeline(as_of=NOW, first_data=datetime(2025, 1, 1))
    (before,) = comparisons(date(2026, 10, 1), TODAY + timedelta(days=1), tl, grain="quarter")
    assert (before.window.start, before.window.end) == (datetime(2026, 7, 1), datetime(2026, 9, 1, 14, 30))
    assert before.window.end - before.window.start == NOW - datetime(2026, 10, 1)
    assert before.label.startswith("vs the same point last quarter") and not before.problem
    (asked,) = comparisons(date(2026, 10, 1), TODAY + timedelta(days=1), tl, "year", "quarter")
    assert (asked.window.start, asked.window.end) == (datetime(2025, 10, 1), datetime(2025, 12, 2, 14, 30))
    # a quarter that is over: the whole quarter before
    (whole,) = comparisons(date(2026, 7, 1), date(2026, 10, 1), tl, grain="quarter")
    assert (whole.window.start, whole.window.end) == (datetime(2026, 4, 1), datetime(2026, 7, 1))
