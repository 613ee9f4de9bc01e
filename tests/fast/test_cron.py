"""Cron exactly as cron: Playbot's slots against croniter (an independent evaluator from PyPI) over a whole
year in timezones with and without DST (northern, southern, a half-hour zone, a 30-minute DST shift), and
the three ways the old translation went wrong (`*` fields dropped: `* * * * *` fired every second)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from croniter import croniter

from scheduler.cron import CronSlotTrigger
from scheduler.triggers import WhenError, fire_times, local_slot, parse_when, stored_when

YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
TIMEZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe")
EXPRESSIONS = (
    "0 9 * * 1", "30 2 * * *", "*/20 1-3 * * 0", "0 * * * 0", "0 12 * * 1-5", "0 2,3 * * 0", "45 1 * * wed,sun",
    # cron's day rule: both day fields restricted -> either may match; a full range is not a `*`
    "0 9 1 * 1", "0 9 */2 * 1", "0 9 1-31 * 1", "15 9 13 * 5", "0 9 1-7 jul 0-7",
    # steps from a start, wrapping ranges, month names, dates that not every month or year has
    "5/15 */6 * nov-feb *", "0 9 * * fri-mon", "0 8 */10 * *", "59 23 31 * *", "0 0 29 2 *", "0 0 1 1 *",
)


def ours(expression: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    return [local_slot(t, timezone) for t in fire_times(parse_when(expression), timezone, start, end, limit=10**6)]


def croniters(expression: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    """croniter's fire times as local wall times, each once (it fires a repeated autumn hour twice)."""
    iterator = croniter(expression, start.astimezone(ZoneInfo(timezone)))
    out: list[datetime] = []
    seen: set[datetime] = set()
    while (moment := iterator.get_next(datetime)) <= end:
        wall = moment.replace(tzinfo=None, fold=0)
        if wall not in seen:
            seen.add(wall)
            out.append(wall)
    return out


def is_clock_jump(wall: datetime, timezone: str) -> bool:
    """The local moment the clocks went forward (its offset differs from a minute before)."""
    zone = ZoneInfo(timezone)
    instant = wall.replace(tzinfo=zone)
    return (instant - timedelta(minutes=1)).astimezone(zone).utcoffset() != instant.utcoffset()


@pytest.mark.parametrize("timezone", TIMEZONES)
def test_a_year_of_slots_equals_croniter(timezone):
    for expression in EXPRESSIONS:
        mine, theirs = ours(expression, timezone, *YEAR), croniters(expression, timezone, *YEAR)
        # one known difference: in Lord Howe's 30-minute spring gap croniter drops a time (02:00) where
        # it moves one in an hour's gap (Berlin's 02:30 -> 03:00); Playbot moves both to the jump, as cron does
        extra = sorted(set(mine) - set(theirs))
        assert all(is_clock_jump(w, timezone) for w in extra), (expression, extra)
        assert [w for w in mine if w not in extra] == theirs, expression
        assert (expression, len(set(mine))) == (expression, len(mine))  # each local slot once


@pytest.mark.parametrize("timezone, days", [
    ("Europe/Berlin", ("2026-03-29", "2026-10-25")), ("America/New_York", ("2026-03-08", "2026-11-01")),
    ("Australia/Sydney", ("2026-04-05", "2026-10-04")), ("Australia/Lord_Howe", ("2026-04-05", "2026-10-04")),
])
def test_every_minute_across_both_dst_changes_equals_croniter(timezone, days):
    for day in days:
        start = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC) - timedelta(hours=2)
        end = start + timedelta(hours=30)  # 1,800 real minutes
        mine, theirs = ours("* * * * *", timezone, start, end), croniters("* * * * *", timezone, start, end)
        assert mine == theirs
        # clocks forward: every real minute is its own wall time; back: the repeated hour (or half hour) runs once
        assert len(mine) in (1800, 1800 - 60, 1800 - 30)


def test_star_fields_are_every_value_not_dropped():
    """Finding 2: `* * * * *` posted 165 digests in 3.5 minutes (a trigger with no fields fires every
    second); `* 9 * * *` fired once a day; `* * * * 1` not at all on a Monday afternoon."""
    monday = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
    assert len(fire_times(parse_when("* * * * *"), "UTC", monday, monday + timedelta(minutes=3, seconds=30))) == 3
    assert len(fire_times(parse_when("* 9 * * *"), "UTC", monday, monday + timedelta(days=1))) == 60
    assert len(fire_times(parse_when("* * * * 1"), "UTC", monday, monday + timedelta(hours=30))) == 14 * 60 - 1  # 10:01-23:59
    # what the old translation handed APScheduler for `* * * * *`: no fields, so every second
    assert CronTrigger(timezone=UTC).get_next_fire_time(monday, monday) == monday + timedelta(seconds=1)
    trigger = parse_when("* * * * *").trigger("UTC")
    assert trigger.get_next_fire_time(monday, monday) == monday + timedelta(minutes=1)


def test_no_schedule_fires_more_than_once_a_minute():
    trigger = parse_when("* * * * *").trigger("Europe/Berlin")
    moment, times = datetime(2026, 3, 29, 0, 0, 30, tzinfo=UTC), []
    for _ in range(500):
        moment = trigger.get_next_fire_time(moment, moment)
        times.append(moment)
    assert all(b - a >= timedelta(minutes=1) for a, b in zip(times, times[1:]))
    assert all(t.second == 0 and t.microsecond == 0 for t in times)


@pytest.mark.parametrize("text, minimum, allowed", [
    ("* * * * *", 1, True), ("* * * * *", 5, False), ("*/5 * * * *", 5, True), ("*/5 * * * *", 15, False),
    ("0,1 9 * * *", 15, False),  # two runs a minute apart, once a day
    ("0,59 0,23 * * *", 15, False),  # 23:59 then 00:00 the next day
    ("0,59 0,23 * * 1", 15, True),  # 23:59 Monday, the next run 00:00 the next Monday
    ("0 * * * *", 60, True), ("0 9 * * *", 1440, True), ("every hour", 90, False),
])
def test_minimum_interval(text, minimum, allowed):
    if allowed:
        parse_when(text, timedelta(minutes=minimum))
    else:
        with pytest.raises(WhenError, match=f"at most every {minimum} minute|at most every {minimum // 60} hour"):
            parse_when(text, timedelta(minutes=minimum))


def test_fields_stored_by_the_old_translation_are_read_again_from_the_text():
    """Rows written before every field was explicit ({} for `* * * * *`) must not fire every second."""
    assert stored_when("* * * * *", {}).fields == parse_when("* * * * *").fields
    assert stored_when("* 9 * * *", {"hour": "9"}).fields["minute"] == "*"
    assert stored_when("every monday 9:00", {"day_of_week": "mon", "hour": "9", "minute": "0"}).fields == \
        parse_when("every monday 9:00").fields


def test_the_trigger_survives_pickling_as_fields_and_a_zone_name():
    import pickle

    trigger = parse_when("30 2 * * *").trigger("Europe/Berlin")
    copy = pickle.loads(pickle.dumps(trigger))
    assert isinstance(copy, CronSlotTrigger) and copy.fields == trigger.fields
    now = datetime(2026, 3, 28, 12, tzinfo=UTC)
    assert copy.get_next_fire_time(None, now) == trigger.get_next_fire_time(None, now)
