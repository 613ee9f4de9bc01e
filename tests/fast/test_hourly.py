"""Hourly questions read and their hours (docs/comparisons.md#hourly-answers): the phrasings, the default
range, the 7-day bound, the last N hours counted back from now's hour, the real hours of a DST day, the
comparisons of an hour (a running one like with like), and the SQL of an hour (a bound timezone only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from answers.periods import Timeline, hour_comparisons, hour_starts, local_hour
from answers.presenters.common import zone_note
from questions import Clarification, Request
from questions.parser import ParseContext, parse
from tests.fixtures import catalog as snapshot_catalog
from tests.helpers import builtin_library

TODAY = date(2026, 11, 20)  # a Friday
NOW = datetime(2026, 11, 20, 11, 20)  # local


@pytest.fixture(scope="module")
def ctx():
    return ParseContext(library=builtin_library(), catalog=snapshot_catalog("messenger"), today=TODAY, now=NOW)


def read(ctx, text) -> Request:
    outcome = parse(text, ctx)
    assert isinstance(outcome, Request), f"{text!r} -> {outcome}"
    return outcome


@pytest.mark.parametrize("text,playbook,start,end", [
    ("active users hourly today", "active_users", TODAY, TODAY + timedelta(days=1)),
    ("hourly actives yesterday", "active_users", TODAY - timedelta(days=1), TODAY),
    ("sessions per hour today", "sessions", TODAY, TODAY + timedelta(days=1)),
    ("orders by hour yesterday", "ecommerce", TODAY - timedelta(days=1), TODAY),
    ("revenue hour by hour yesterday", "ecommerce", TODAY - timedelta(days=1), TODAY),
    ("signups by the hour on 2026-11-01", "event_volume", date(2026, 11, 1), date(2026, 11, 2)),
    ("invites each hour today", "event_volume", TODAY, TODAY + timedelta(days=1)),
    ("messages per hour yesterday", "event_volume", TODAY - timedelta(days=1), TODAY),
    ("sessions every hour yesterday", "sessions", TODAY - timedelta(days=1), TODAY),
    ("active users in the last 6 hours", "active_users", datetime(2026, 11, 20, 5), datetime(2026, 11, 20, 12)),
    ("orders in the last 3 hours", "ecommerce", datetime(2026, 11, 20, 8), datetime(2026, 11, 20, 12)),
    ("invites in the last 30 hours", "event_volume", datetime(2026, 11, 19, 5), datetime(2026, 11, 20, 12)),
])
def test_hourly_phrasings(ctx, text, playbook, start, end):
    request = read(ctx, text)
    assert (request.playbook, request.params["interval"]) == (playbook, "hour")
    assert (request.params["start"], request.params["end"]) == (start, end)


def test_the_last_n_hours_say_where_they_start(ctx):
    request = read(ctx, "active users in the last 6 hours")
    assert request.range_label == "last 6 hours (since 05:00: 6 whole hours and this hour so far)"
    request = read(ctx, "invites in the last 30 hours")
    assert request.range_label == "last 30 hours (since Thu 19 Nov 05:00: 30 whole hours and this hour so far)"


def test_hourly_without_a_range_is_yesterday_and_today_so_far_and_says_so(ctx):
    for text in ("active users hourly", "sessions per hour", "orders by the hour", "invites hourly"):
        request = read(ctx, text)
        assert (request.params["start"], request.params["end"]) == (TODAY - timedelta(days=1), TODAY + timedelta(days=1))
        assert request.range_label.startswith("yesterday and today so far (the default for hourly")


def test_a_long_hourly_range_is_cut_to_its_last_seven_days_and_said(ctx):
    request = read(ctx, "active users hourly last 30 days")
    assert (request.params["start"], request.params["end"]) == (TODAY - timedelta(days=7), TODAY)
    assert request.notes == ("Hourly counts cover at most 7 days: this shows the last 7 (13 Nov – 19 Nov 2026) of "
                             "last 30 complete days. Ask per day for the whole range.",)
    request = read(ctx, "invites in the last 500 hours")
    assert request.params["start"] == datetime(2026, 11, 13, 11) and "(asked: 500)" in request.notes[0]
    within = read(ctx, "invites hourly last 7 days")
    assert not within.notes and within.params["end"] - within.params["start"] == timedelta(days=7)


def test_daily_only_measures_per_hour_are_asked_back(ctx):
    for text in ("stickiness hourly", "rolling wau per hour"):
        outcome = parse(text, ctx)
        assert isinstance(outcome, Clarification) and outcome.choices == ("day",), text
        assert "per day, not per hour" in outcome.message
    asked = parse("retention hourly", ctx)
    assert isinstance(asked, Clarification) and "not per hour" in asked.message


@pytest.mark.parametrize("tz,day,count", [
    ("America/New_York", date(2026, 11, 1), 25), ("America/New_York", date(2026, 3, 8), 23),
    ("Europe/Berlin", date(2026, 10, 25), 25), ("Europe/Berlin", date(2026, 3, 29), 23),
    ("UTC", date(2026, 11, 1), 24), ("Asia/Kolkata", date(2026, 11, 1), 24),
])
def test_a_day_has_its_real_hours(tz, day, count):
    hours = hour_starts(day, day + timedelta(days=1), tz)
    assert len(hours) == count
    assert all(h.minute == 0 for h in hours)  # local hours, also where the offset is not whole hours
    assert len({(h, h.fold) for h in hours}) == count
    if count == 23:  # the skipped hour is not there
        assert datetime.combine(day, datetime.min.time()).replace(hour=2) not in hours
    if count == 25:
        repeated = [h for h in hours if h.fold]
        assert len(repeated) == 1 and sum(1 for h in hours if h == repeated[0]) == 2
        assert {zone_note(h, tz) for h in hours if h == repeated[0]} == (
            {" EDT", " EST"} if tz == "America/New_York" else {" CEST", " CET"})
    assert {zone_note(h, tz) for h in hours if h.hour == 12} == {""}


def test_an_hour_from_the_warehouse_comes_back_local_with_its_fold():
    first, second = local_hour(datetime(2026, 11, 1, 5), "America/New_York"), local_hour(
        datetime(2026, 11, 1, 6), "America/New_York")
    assert first == second == datetime(2026, 11, 1, 1) and (first.fold, second.fold) == (0, 1)
    assert local_hour(datetime(2026, 11, 1, 5), "Asia/Kolkata") == datetime(2026, 11, 1, 10, 30)


def test_an_hour_is_compared_like_with_like():
    timeline = Timeline(as_of=NOW)
    whole = hour_comparisons(datetime(2026, 11, 20, 10), TODAY, TODAY + timedelta(days=1), timeline)
    assert [(c.window.start, c.window.end) for c in whole] == [
        (datetime(2026, 11, 20, 9), datetime(2026, 11, 20, 10)), (datetime(2026, 11, 19, 10), datetime(2026, 11, 19, 11))]
    assert whole[0].words == "the hour before (Fri 20 Nov 09:00–10:00)"
    # the running hour: 20 minutes of it against the same 20 minutes of the others
    running = hour_comparisons(datetime(2026, 11, 20, 11), TODAY, TODAY + timedelta(days=1), timeline)
    assert [(c.window.start, c.window.end) for c in running] == [
        (datetime(2026, 11, 20, 10), datetime(2026, 11, 20, 10, 20)),
        (datetime(2026, 11, 19, 11), datetime(2026, 11, 19, 11, 20))]
    assert running[0].words.startswith("the same part of the hour before")
    (only,) = hour_comparisons(datetime(2026, 11, 20, 10), TODAY, TODAY + timedelta(days=1), timeline, "previous")
    assert only == whole[0]
    # before the data: said, not compared
    late = Timeline(as_of=NOW, first_data=datetime(2026, 11, 20, 9, 30))
    assert hour_comparisons(datetime(2026, 11, 20, 10), TODAY, TODAY + timedelta(days=1), late)[0].problem


def test_hourly_sql_binds_the_timezone_and_reads_utc_hours():
    from tests.conftest import snapshot_answerer

    answerer = snapshot_answerer("messenger")
    try:
        from rendering import RenderContext, render

        request = answerer.parse("active users hourly yesterday")
        playbook = answerer.library.get(request.playbook)
        ctx = RenderContext(segment=answerer.config.segment, catalog=answerer.catalog(), quote=answerer.segment.quote,
                            timezone="America/New_York", week_start="monday", today=TODAY, now=NOW)
        rendered = render(playbook, request.params, ctx, {})
        assert "occurred_at_utc" in rendered.sql and "America/New_York" not in rendered.sql
        assert rendered.params["_tz"] == "America/New_York"
        daily = render(playbook, {**request.params, "interval": "day"}, ctx, {})
        assert "occurred_at_utc" not in daily.sql
    finally:
        answerer.segment.close()


def test_an_hourly_chart_draws_the_repeated_hour_an_hour_later_and_labels_hours():
    from charts import render_png
    from charts.render import _positions
    from charts.spec import LineChart, Series
    from charts.ticks import date_label

    day = date(2026, 11, 1)
    hours = tuple(hour_starts(day, day + timedelta(days=1), "America/New_York"))
    spec = LineChart(title="Hourly active users", subtitle="Sun 1 Nov", x=hours,
                     series=(Series("people", tuple(float(i % 5) for i in range(len(hours)))),), granularity="hour",
                     partial_from=len(hours) - 1)
    xs = _positions(spec)
    assert len(xs) == 25 and all(b - a == pytest.approx(1 / 24) for a, b in zip(xs, xs[1:]))
    assert render_png(spec).startswith(b"\x89PNG")
    assert date_label(hours[0], "hour", None) == "1 Nov\n00:00" and date_label(hours[5], "hour", hours[4]) == "04:00"


def test_a_follow_up_keeps_the_hours(ctx):
    first = read(ctx, "invites in the last 6 hours")
    for reply in ("by platform", "and messages?", "on ios"):
        ctx.previous = first
        try:
            follow = read(ctx, reply)
        finally:
            ctx.previous = None
        assert follow.params["interval"] == "hour", reply
        assert (follow.params["start"], follow.params["end"]) == (first.params["start"], first.params["end"]), reply


def test_a_stored_hourly_request_reads_back_the_same():
    from questions.persist import dumps, request_from_json

    context = ParseContext(library=builtin_library(), catalog=snapshot_catalog("messenger"), today=TODAY, now=NOW)
    request = read(context, "active users in the last 6 hours")
    again = request_from_json(dumps(request), builtin_library())
    assert again.params == request.params and isinstance(again.params["start"], datetime)
