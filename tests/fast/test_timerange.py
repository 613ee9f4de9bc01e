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


# issue 18: time ranges as people write them (today Sat 28 Nov 2026, weeks from Monday)
@pytest.mark.parametrize("text,start,end", [
    ("for jul, aug and sep", date(2026, 7, 1), date(2026, 10, 1)),  # a list of months: first start to last end
    ("for september, october & november", date(2026, 9, 1), date(2026, 12, 1)),  # (the range step ends it today)
    ("in q2 and q3", date(2026, 4, 1), date(2026, 10, 1)),  # a pair of quarters
    ("q3 vs q4 so far", date(2026, 7, 1), date(2026, 11, 29)),
    ("since mid october", date(2026, 10, 15), date(2026, 11, 29)),  # "mid" month: the 15th
    ("from mid aug to mid sep", date(2026, 8, 15), date(2026, 9, 16)),
    ("during the first week of october", date(2026, 10, 1), date(2026, 10, 8)),  # 7-day blocks of the month
    ("over the last 10 days of september", date(2026, 9, 21), date(2026, 10, 1)),
    ("thanksgiving weekend (thu-sun)", date(2026, 11, 26), date(2026, 11, 30)),  # the days said
    ("over labor day weekend, fri to mon", date(2026, 9, 4), date(2026, 9, 8)),
    ("over the weekend (fri-sun)", date(2026, 11, 20), date(2026, 11, 23)),  # the last weekend, with its friday
    ("the 19th and 20th of september", date(2026, 9, 19), date(2026, 9, 21)),  # days said one by one
    ("sat 3rd / sun 4th oct", date(2026, 10, 3), date(2026, 10, 5)),
    ("the 10 days before black friday", date(2026, 11, 17), date(2026, 11, 27)),  # the days just before
    ("the week leading up to halloween", date(2026, 10, 24), date(2026, 10, 31)),
    ("starting in august", date(2026, 8, 1), date(2026, 11, 29)),
])
def test_ranges_as_written(text, start, end):
    rng, rest = find_range(f"invites {text}", TODAY)
    assert rng is not None, text
    assert (rng.start, rng.end) == (start, end), text
    assert rest == "invites"


def test_mid_month_alone_is_the_month():
    rng, _ = find_range("invites mid october", TODAY)
    assert (rng.start, rng.end) == (date(2026, 10, 1), date(2026, 11, 1))


def test_first_weeks_of_a_month_are_no_first_days():
    from questions.kinds import find_kinds
    assert not [k for k in find_kinds("signups in the first two weeks of october")[0] if k.name == "first_days"]
    assert [k.value for k in find_kinds("retention in their first two weeks")[0]] == [14]


@pytest.mark.parametrize("text,start,end", [
    ("and the same day a week before", date(2026, 10, 24), date(2026, 10, 25)),
    ("what about the same days last month", date(2026, 9, 30), date(2026, 10, 1)),
    ("vs the same days in september", date(2026, 9, 30), date(2026, 10, 1)),
    ("and on the 12th", date(2026, 10, 12), date(2026, 10, 13)),  # a day of the thread's month
])
def test_thread_ranges(text, start, end):
    from questions.timerange import thread_range
    rng, _ = thread_range(text, date(2026, 10, 31), date(2026, 11, 1), TODAY)
    assert (rng.start, rng.end) == (start, end)


def test_thread_range_needs_its_words():
    from questions.timerange import thread_range
    assert thread_range("and by platform", date(2026, 10, 31), date(2026, 11, 1), TODAY) is None
    assert thread_range("the 3rd step", date(2026, 10, 31), date(2026, 11, 1), TODAY) is None


@pytest.mark.parametrize("word,before,after,month", [
    ("agust", "since", "", "august"),  # in a dictionary, but in a time slot: the month
    ("agust", "", "14", "august"),
    ("agust", "the", "report", None),  # a dictionary word elsewhere is left alone
    ("novmeber", "the", "cohort", "november"),  # not a word: read anywhere
    ("septmber", "in", "", "september"),
    ("octobr", "", "2026", "october"),
    ("jury", "the", "", None),
    ("march", "in", "", None),  # already a month
])
def test_month_typos(word, before, after, month):
    from questions.typos import month_typo
    assert month_typo(word, before, after) == month
