"""Time expressions -> [start, end) with a fixed today (Saturday 28 Nov 2026)."""

from datetime import date

import pytest

from questions.timerange import find_range

TODAY = date(2026, 11, 28)  # a Saturday


@pytest.mark.parametrize("text,start,end", [
    ("today", date(2026, 11, 28), date(2026, 11, 29)),
    ("yesterday", date(2026, 11, 27), date(2026, 11, 28)),
    ("last 7 days", date(2026, 11, 21), date(2026, 11, 28)),
    ("past 30 days", date(2026, 10, 29), date(2026, 11, 28)),
    ("last two weeks", date(2026, 11, 9), date(2026, 11, 23)),
    ("last 3 months", date(2026, 8, 1), date(2026, 11, 1)),
    ("this week", date(2026, 11, 23), date(2026, 11, 29)),
    ("this month", date(2026, 11, 1), date(2026, 11, 29)),
    ("last week", date(2026, 11, 16), date(2026, 11, 23)),
    ("last month", date(2026, 10, 1), date(2026, 11, 1)),
    ("last quarter", date(2026, 7, 1), date(2026, 10, 1)),
    ("this year", date(2026, 1, 1), date(2026, 11, 29)),
    ("year to date", date(2026, 1, 1), date(2026, 11, 29)),
    ("since 2026-09-01", date(2026, 9, 1), date(2026, 11, 29)),
    ("since sept 1", date(2026, 9, 1), date(2026, 11, 29)),
    ("between 2026-10-01 and 2026-10-07", date(2026, 10, 1), date(2026, 10, 8)),
    ("from oct 1 to oct 7", date(2026, 10, 1), date(2026, 10, 8)),
    ("in october", date(2026, 10, 1), date(2026, 11, 1)),
    ("in december", date(2025, 12, 1), date(2026, 1, 1)),
    ("in q3", date(2026, 7, 1), date(2026, 10, 1)),
    ("on monday", date(2026, 11, 23), date(2026, 11, 24)),
    ("the week of nov 3", date(2026, 11, 2), date(2026, 11, 9)),
    ("on 2026-11-03", date(2026, 11, 3), date(2026, 11, 4)),
    ("3rd of november", date(2026, 11, 3), date(2026, 11, 4)),
])
def test_ranges(text, start, end):
    rng, rest = find_range(f"invites {text}", TODAY)
    assert rng is not None, text
    assert (rng.start, rng.end) == (start, end)
    assert rest == "invites"


def test_weeks_can_start_on_sunday():
    rng, _ = find_range("this week", TODAY, "sunday")
    assert rng.start == date(2026, 11, 22)


@pytest.mark.parametrize("text", ["invites", "may i see invites", "last 0 days", "since 2099-01-01", "2026-13-45"])
def test_no_range(text):
    rng, _ = find_range(text, TODAY)
    assert rng is None
