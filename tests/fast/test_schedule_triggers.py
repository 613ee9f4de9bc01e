"""Schedule times: words and cron into APScheduler fields; slots in IANA time across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.alerts import AlertError, parse_alert
from scheduler.triggers import WhenError, fire_times, latest_fire_time, local_slot, parse_when

BERLIN = ZoneInfo("Europe/Berlin")


ANY = {"minute": "*", "hour": "*", "day": "*", "month": "*", "day_of_week": "*"}


@pytest.mark.parametrize("text, fields", [
    ("every monday 9:00", {"day_of_week": "mon", "hour": "9", "minute": "0"}),
    ("daily", {"hour": "9", "minute": "0"}),
    ("every day at 8:30", {"hour": "8", "minute": "30"}),
    ("weekdays 9am", {"day_of_week": "mon,tue,wed,thu,fri", "hour": "9", "minute": "0"}),
    ("every weekday at 5:30 pm", {"day_of_week": "mon,tue,wed,thu,fri", "hour": "17", "minute": "30"}),
    ("monthly on day 15 9am", {"day": "15", "hour": "9", "minute": "0"}),
    ("monthly on the 1st at 7:15", {"day": "1", "hour": "7", "minute": "15"}),
    ("every monday and thursday at 10", {"day_of_week": "mon,thu", "hour": "10", "minute": "0"}),
    ("every hour", {"minute": "0"}),
    ("every minute", {}),
    # crontab weekdays count from Sunday = 0; stored by name
    ("0 9 * * 1", {"day_of_week": "mon", "hour": "9", "minute": "0"}),
    ("cron 30 8 * * 0", {"day_of_week": "sun", "hour": "8", "minute": "30"}),
    ("0 9 * * 1-5", {"day_of_week": "mon,tue,wed,thu,fri", "hour": "9", "minute": "0"}),
    ("0 9 * * 5-7", {"day_of_week": "sun,fri,sat", "hour": "9", "minute": "0"}),
    ("*/15 * * * *", {"minute": "0,15,30,45"}),
    # every field explicit: a `*` is every value, never dropped (it was, and `* * * * *` fired every second)
    ("* * * * *", {}),
    ("* 9 * * *", {"hour": "9"}),
    ("* * * * 1", {"day_of_week": "mon"}),
    ("@daily", {"hour": "0", "minute": "0"}),
    ("0 9 1 * mon", {"day": "1", "day_of_week": "mon", "hour": "9", "minute": "0"}),
])
def test_parse_when(text, fields):
    assert parse_when(text).fields == ANY | fields


def test_crontab_monday_fires_on_monday():
    times = fire_times(parse_when("0 9 * * 1"), "UTC", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    assert [t.strftime("%a %H:%M") for t in times] == ["Mon 09:00"] * 4  # 2, 9, 16, 23 Nov


@pytest.mark.parametrize("text, says", [
    ("every blursday", "Try `every monday 9:00`"),
    ("daily 25:00", "not a time of day"),
    ("cron 0 9 * * 9", "out of range for the weekday field"),
    ("0 9 * * * *", "at most once a minute"),
    ("every second", "at most once a minute"),
    ("0 9 L * *", "not supported"),
    ("61 * * * *", "out of range for the minute field"),
    ("monthly on day 40", "no day 40"),
])
def test_parse_when_errors_say_what_works(text, says):
    with pytest.raises(WhenError, match=says):
        parse_when(text)


@pytest.mark.parametrize("after, until", [
    (datetime(2026, 3, 26), datetime(2026, 4, 1)),  # clocks go forward on Sun 29 Mar 2026 in Berlin
    (datetime(2026, 10, 22), datetime(2026, 10, 28)),  # and back on Sun 25 Oct 2026
])
def test_nine_local_stays_nine_local_across_dst(after, until):
    times = fire_times(parse_when("daily 9:00"), "Europe/Berlin", after.replace(tzinfo=UTC), until.replace(tzinfo=UTC))
    assert [t.astimezone(BERLIN).strftime("%H:%M") for t in times] == ["09:00"] * 6
    offsets = {t.astimezone(UTC).hour for t in times}
    assert offsets == {7, 8}  # 07:00 UTC in summer time, 08:00 UTC in winter time: the UTC slot moves
    assert len({t.date() for t in times}) == 6


def test_nonexistent_and_repeated_local_times_run_once():
    when = parse_when("daily 2:30")
    spring = fire_times(when, "Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC))
    # 02:30 does not exist on 29 Mar: the slot runs once, when the clocks jump (03:00 CEST), as cron does
    assert [t.astimezone(UTC).strftime("%d %H:%M") for t in spring] == ["28 01:30", "29 01:00", "30 00:30"]
    assert spring[1].astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CEST"
    autumn = fire_times(when, "Europe/Berlin", datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 26, 12, tzinfo=UTC))
    # 02:30 happens twice on 25 Oct; APScheduler offers both, the slot (local wall time) runs once
    assert [local_slot(t, "Europe/Berlin").strftime("%d %H:%M") for t in autumn] == ["24 02:30", "25 02:30", "26 02:30"]


def test_latest_fire_time_is_the_slot_just_due():
    when = parse_when("*/5 * * * *")
    now = datetime(2026, 11, 20, 9, 10, 0, 400_000, tzinfo=UTC)
    assert latest_fire_time(when, "UTC", now, timedelta(minutes=61)) == datetime(2026, 11, 20, 9, 10, tzinfo=UTC)
    assert latest_fire_time(parse_when("monthly on day 1"), "UTC", now, timedelta(hours=1)) is None


@pytest.mark.parametrize("text, question, op, threshold", [
    ("alert me when daily signups drop below 100", "signups yesterday", "below", 100),
    ("when messages change more than 20% week over week", "messages last week", "change", 20),
    ("weekly orders rise more than 10%", "orders last week", "rise", 10),
    ("invites last week drop by more than 15%", "invites last week", "drop", 15),
    ("daily invites go above 1,200", "invites yesterday", "above", 1200),
])
def test_parse_alert(text, question, op, threshold):
    parsed_question, rule = parse_alert(text)
    assert (parsed_question, rule.op, rule.threshold) == (question, op, threshold)


def test_parse_alert_error():
    with pytest.raises(AlertError, match="Try `daily signups drop below 100`"):
        parse_alert("signups are interesting")
