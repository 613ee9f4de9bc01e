"""The one rule for numbers over time (docs/comparisons.md), written once for every presenter, digest
line and alert:

- A number covers its window cut at the moment of the question (`Timeline.as_of`: now, or the latest
  data when the warehouse is behind): events after it are never counted.
- It is compared like with like: a period still running with the same point of the period before; a
  window of N days with the N days before it; N whole calendar periods with the N before them; a
  comparison asked for ("vs last week", "vs last year") with the same window moved back, cut the same way.
- A window with no data (wholly before the first event of the sources read) or only part of it (it starts
  before that first event) is said, not compared.

And what each period of a series is: complete, not over yet, cut by the range, holding the start of the
data, before the data, or not come yet (the last two are no data, never zero).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from questions.timerange import find_range, period_start, shift

from .formatting import as_datetime, describe_window, fmt_day, fmt_moment, period_end, period_label

UNITS = ("day", "week", "month", "quarter", "year")

# the state of one period of a series
COMPLETE = "complete"
RUNNING = "running"  # not over yet: the moment of the question is inside it
CUT = "cut"  # the range starts or ends inside it
DATA_STARTS = "data_starts"  # the first event of the data is inside it
NO_DATA = "no_data"  # wholly before the first event
FUTURE = "future"  # starts after the moment of the question
HAS_DATA = (COMPLETE, RUNNING, CUT, DATA_STARTS)


def midnight(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime.combine(d, datetime.min.time())


def local_hour(value: Any, tz: str) -> datetime | None:
    """An hour's start from the warehouse (naive UTC) as naive local time; the second of two hours with the
    same wall time (DST ends) has fold=1."""
    moment = as_datetime(value)
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def local_hours(result, tz: str):
    """A Result whose `period` column holds hours' starts in UTC (rendering.render.hours_in_utc), in local time."""
    if "period" not in result.columns:
        return result
    i = result.columns.index("period")
    rows = [(*row[:i], local_hour(row[i], tz), *row[i + 1:]) for row in result.rows]
    return replace(result, rows=rows)


def hour_starts(start: date | datetime, end: date | datetime, tz: str) -> list[datetime]:
    """Every real hour from the one holding `start` to `end`, as naive local starts: 23 on the day DST starts
    (the skipped hour is not there), 25 on the day it ends (the repeated hour twice, the second with fold=1)."""
    zone = ZoneInfo(tz)
    first = midnight(start).replace(minute=0, second=0, microsecond=0)
    t = first.replace(tzinfo=zone).astimezone(UTC)
    stop = midnight(end).replace(tzinfo=zone).astimezone(UTC)
    out = []
    while t < stop:
        out.append(t.astimezone(zone).replace(tzinfo=None))
        t += timedelta(hours=1)
    return out


def shift_moment(moment: datetime, unit: str, n: int) -> datetime:
    """The same point `n` periods away: the same time of day, the same day of the week or month (a day
    missing in a shorter month becomes that month's last day), the same number of days into the quarter
    (past the end of a shorter quarter: its end)."""
    if unit in ("day", "week", "hour"):
        return moment + (timedelta(days=n) if unit != "week" else timedelta(weeks=n))
    if unit == "quarter":  # the same number of days into the quarter (quarters are 90 to 92 days long)
        start = midnight(period_start(moment.date(), "quarter"))
        other = midnight(shift(start.date(), "quarter", n))
        return min(other + (moment - start), midnight(shift(other.date(), "quarter", 1)))
    return datetime.combine(shift(moment.date(), unit, n), moment.time())


@dataclass(frozen=True)
class Timeline:
    """What every window and period is measured against."""

    as_of: datetime  # local, naive: the moment of the question (now, or the latest data if earlier)
    first_data: datetime | None = None  # local, naive: the first event of the sources the answer reads
    week_start: str = "monday"
    behind: bool = False  # as_of is the latest data, earlier than now

    def cut(self, end: date | datetime) -> datetime:
        return min(midnight(end), self.as_of)

    def coverage(self, start: datetime, end: datetime) -> str:
        """'none' (wholly before the data), 'partial' (starts before it) or 'full'."""
        if self.first_data is None or start >= self.first_data:
            return "full"
        return "none" if end <= self.first_data else "partial"

    def data_start_words(self) -> str:
        assert self.first_data is not None
        return fmt_moment(self.first_data, year=True)


@dataclass(frozen=True)
class Window:
    """[start, end) in local time."""

    start: datetime
    end: datetime

    @property
    def empty(self) -> bool:
        return self.end <= self.start

    @property
    def params(self) -> dict:
        """The playbook parameters that run it: dates for whole days, moments otherwise."""
        return {k: (v.date() if v.time() == datetime.min.time() else v) for k, v in
                (("start", self.start), ("end", self.end))}

    def words(self) -> str:
        return describe_window(self.start, self.end)


@dataclass(frozen=True)
class Comparison:
    """What a number is compared with, or why it is not."""

    words: str  # "the same point last month (Sun 1 Nov 00:00–22:36)"
    window: Window
    problem: str = ""  # set: said instead of compared ("it has no data: the data starts …")
    optional: bool = False  # a second comparison (the same day last week): left out when it cannot be made

    @property
    def label(self) -> str:
        return f"vs {self.words}"


def asked_window(start: date | datetime, end: date | datetime, timeline: Timeline) -> Window:
    """The window a number covers: the asked range, cut at the moment of the question."""
    lo = midnight(start)
    return Window(lo, max(lo, timeline.cut(end)))


def range_grain(words: str | None, start: date, end: date, interval: str | None, today: date,
                week_start: str) -> str | None:
    """The calendar unit a range was asked in: 'this month' -> month, 'last 30 days' -> day, 'Q3' ->
    quarter, 'since 7 Sep' -> None. Read from the range's own words; without them (a default range or
    key=value dates), the interval when the range is whole periods of it."""
    if words:
        found, _ = find_range(words.lower(), today, week_start)
        if found is not None and found.start == start:
            return found.grain if found.grain in UNITS else None
        return None
    if interval in UNITS and period_start(start, interval, week_start) == start and (
            period_start(end, interval, week_start) == end):
        return interval
    return None


def whole_periods(start: date, end: date, unit: str, week_start: str) -> int:
    """How many whole `unit` periods [start, end) is (0 when it is not aligned to them)."""
    if period_start(start, unit, week_start) != start:
        return 0
    n, d = 0, start
    while d < end:
        d = shift(d, unit, 1)
        n += 1
    return n if d == end else 0


def comparisons(start: date, end: date, timeline: Timeline, compare: str | None = None,
                grain: str | None = None) -> list[Comparison]:
    """What the number over [start, end) (cut at as_of) is compared with: the rule, once."""
    current = asked_window(start, end, timeline)
    if current.empty:
        return []
    running = midnight(end) > timeline.as_of
    if midnight(start).time() != datetime.min.time():  # from a moment within a day: "the last 6 hours"
        return _checked_all(_hours_before(current, running, compare), timeline)
    found = _default(start, end, current, running, grain, timeline)
    if compare in ("week", "month", "quarter", "year"):
        shifted = _shifted(current, compare, running)
        # the same window the usual rule names ("the same day last week") keeps that name
        same = next((c for c in found if c.window == shifted.window), None)
        found = [Comparison(same.words, same.window) if same else shifted]
    elif compare == "previous":
        found = found[:1]
    return _checked_all(found, timeline)


def _checked_all(found: list[Comparison], timeline: Timeline) -> list[Comparison]:
    checked = [_checked(c, timeline) for c in found]
    return [c for c in checked if not (c.optional and c.problem)]


HOUR = timedelta(hours=1)


def _hours_before(current: Window, running: bool, compare: str | None) -> list[Comparison]:
    """A window of hours (from a moment within a day): the same number of hours just before it, cut the same
    way (k whole hours: a window of 6 h 20 min is compared with the 7 hours before, to the same minute), and
    the same hours a day earlier; `compare` = week/year moves it back a week/year instead."""
    if compare in ("week", "month", "quarter", "year"):
        return [_shifted(current, compare, running)]
    k = max(1, -(-(current.end - current.start) // HOUR))
    before = Window(current.start - k * HOUR, current.end - k * HOUR)
    how = ", to the same minute" if running and current.end.minute else ""
    out = [Comparison(f"the {k} hours before{how} ({before.words()})", before)]
    day = Window(current.start - timedelta(days=1), current.end - timedelta(days=1))
    if compare != "previous":
        out.append(Comparison(f"the same hours a day earlier ({day.words()})", day, optional=True))
    return out


def hour_comparisons(bucket: datetime, start: date, end: date, timeline: Timeline,
                     compare: str | None = None) -> list[Comparison]:
    """The comparisons of one hour of a series (an hourly headline): the hour before and the same hour a day
    earlier; an hour still running (or cut by the range) only up to the same minute of theirs, like with like."""
    lo = max(bucket, midnight(start))
    current = Window(lo, min(bucket + HOUR, midnight(end), timeline.as_of))
    if current.empty:
        return []
    part = current.end - current.start < HOUR
    if compare in ("week", "month", "quarter", "year"):
        return _checked_all([_shifted(current, compare, part)], timeline)
    before = Window(current.start - HOUR, current.end - HOUR)
    day = Window(current.start - timedelta(days=1), current.end - timedelta(days=1))
    found = [Comparison(f"{'the same part of ' if part else ''}the hour before ({before.words()})", before),
             Comparison(f"the same {'part of the ' if part else ''}hour a day earlier ({day.words()})", day,
                        optional=True)]
    return _checked_all(found[:1] if compare == "previous" else found, timeline)


def _shifted(current: Window, unit: str, running: bool) -> Comparison:
    """The same window a week/month/year earlier, cut at the same point when it runs into now."""
    lo, hi = shift_moment(current.start, unit, -1), shift_moment(current.end, unit, -1)
    window = Window(lo, hi)
    if running:
        return Comparison(f"the same time a {unit} earlier ({window.words()})", window)
    return Comparison(f"a {unit} earlier ({window.words()})", window)


def _single(start: date, end: date, grain: str | None, running: bool, week_start: str) -> str | None:
    """The unit when [start, end) is one calendar period (or the start of one, cut by now)."""
    units = (grain,) if grain else UNITS
    for unit in units:
        if unit not in UNITS or period_start(start, unit, week_start) != start:
            continue
        following = shift(start, unit, 1)
        if following == end or (running and following > end):
            return unit
    return None


def _default(start: date, end: date, current: Window, running: bool, grain: str | None,
             timeline: Timeline) -> list[Comparison]:
    ws = timeline.week_start
    unit = _single(start, end, grain, running, ws)
    if unit is not None:
        return _period_before(start, current, unit, running)
    n = whole_periods(start, end, grain, ws) if grain in ("week", "month", "quarter", "year") else 0
    if n > 1:
        lo = shift(start, grain, -n)
        hi = shift_moment(current.end, grain, -n) if running else midnight(start)
        window = Window(midnight(lo), hi)
        how = ", to the same point" if running else ""
        return [Comparison(f"the {n} {grain}s before{how} ({window.words()})", window)]
    days = (end - start).days
    lo = midnight(start) - timedelta(days=days)
    window = Window(lo, lo + (current.end - current.start))
    how = ", to the same time" if running else ""
    out = [Comparison(f"the {days} days before{how} ({window.words()})", window)]
    if days < 7:
        week = Window(current.start - timedelta(days=7), current.end - timedelta(days=7))
        out.append(Comparison(f"the same days a week earlier ({week.words()})", week, optional=True))
    return out


def _period_before(start: date, current: Window, unit: str, running: bool) -> list[Comparison]:
    """One calendar period: the one before it, cut at the same point when it is still running; a day also
    with the same day a week earlier, a month with the same month a year earlier (when they have data)."""
    before = midnight(shift(start, unit, -1))
    out = []
    if running:
        window = Window(before, shift_moment(current.end, unit, -1))
        words = ("yesterday at the same time" if unit == "day" else f"the same point last {unit}")
        out.append(Comparison(f"{words} ({window.words()})", window))
    else:
        window = Window(before, midnight(start))
        name = fmt_day(before) if unit == "day" else period_label(before, unit)
        out.append(Comparison(f"the {unit} before ({name})", window))
    second = {"day": "week", "month": "year"}.get(unit)
    if second is not None:
        lo, hi = shift_moment(current.start, second, -1), shift_moment(current.end, second, -1)
        window = Window(lo, hi)
        if unit == "day":
            words = (f"the same time last week ({window.words()})" if running else
                     f"the same day last week ({fmt_day(lo)})")
        else:
            words = (f"the same point a year earlier ({window.words()})" if running else
                     f"a year earlier ({period_label(lo, 'month')})")
        out.append(Comparison(words, window, optional=True))
    return out


def _checked(c: Comparison, timeline: Timeline) -> Comparison:
    coverage = timeline.coverage(c.window.start, c.window.end)
    if coverage == "full":
        return c
    starts = timeline.data_start_words()
    if coverage == "none":
        return Comparison(c.words, c.window, f"it has no data (the data starts {starts})", c.optional)
    share = (c.window.end - timeline.first_data) / (c.window.end - c.window.start)
    return Comparison(c.words, c.window, f"only {share:.0%} of it has data (the data starts {starts})", c.optional)


def key_comparisons(bucket: datetime, unit: str, start: date, end: date, timeline: Timeline,
                    compare: str | None = None) -> list[Comparison]:
    """The comparisons of one period of a series over [start, end) (its headline number): the rule for
    that period, or for the part of it inside the range when the range cuts it."""
    if unit == "hour":
        return hour_comparisons(bucket, start, end, timeline, compare)
    lo = max(bucket, midnight(start))
    hi = min(period_end(bucket, unit), midnight(end))
    return comparisons(lo.date(), hi.date(), timeline, compare, unit if lo == bucket else None)


# ---- the periods of a series ----

def period_state(bucket: datetime, unit: str, start: date | datetime, end: date | datetime,
                 timeline: Timeline) -> str:
    """What one period of a series over [start, end) is, as of the moment of the question."""
    p_end = period_end(bucket, unit)
    lo, hi = midnight(start), midnight(end)
    if timeline.first_data is not None and p_end <= timeline.first_data:
        return NO_DATA
    if bucket >= timeline.as_of or bucket >= hi:
        return FUTURE
    if p_end > hi and hi <= timeline.as_of:
        return CUT  # the range ends inside it (and before now)
    if p_end > timeline.as_of:
        return RUNNING
    if bucket < lo:
        return CUT
    if timeline.first_data is not None and bucket < timeline.first_data:
        return DATA_STARTS
    return COMPLETE


def state_note(bucket: datetime, unit: str, state: str, start: date | datetime, end: date | datetime,
               timeline: Timeline) -> str:
    """The words a table adds to a period's label: '(so far)', '(from Wed 1 Jul)', '(data from 3 Jun)'."""
    if state == RUNNING:
        return " (so far)"
    if state == CUT:
        lo, hi = midnight(start), midnight(end)
        if bucket < lo:
            return f" (from {fmt_day(lo)})"
        return f" (to {fmt_day(hi - timedelta(days=1))})" if hi.time() == datetime.min.time() else (
            f" (to {fmt_moment(hi)})")
    if state == DATA_STARTS and timeline.first_data is not None:
        return f" (data from {fmt_moment(timeline.first_data)})"
    return ""


def key_period(rows: list[dict]) -> dict | None:
    """The period a series' headline is about: the latest complete one; else the latest still running;
    else the latest with any data (cut by the range, or holding the start of the data)."""
    for states in ((COMPLETE,), (RUNNING,), (CUT, DATA_STARTS)):
        found = [r for r in rows if r["state"] in states]
        if found:
            return found[-1]
    return None
