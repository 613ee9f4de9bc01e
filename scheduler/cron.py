"""Cron, evaluated the way cron does it: five fields (minute hour day-of-month month day-of-week), every
field explicit (a `*` means every value; nothing is defaulted), and cron's day rule: when both the
day of the month and the day of the week are restricted, a day matches if EITHER matches.

The rules follow croniter (the independent evaluator the tests compare against, over a year of slots
in several timezones): `a/s` is `a-max/s`, ranges may wrap (`fri-mon`, `nov-feb`), weekday 7 is Sunday,
and a field that covers every value counts as `*` only when the other day field is written with a `*`.
Times are local wall times in the schedule's IANA timezone:
  - a wall time that does not exist (clocks go forward) fires at the moment the clocks jumped (as cron
    and croniter do: `30 2 * * *` fires at 03:00 on that night in Berlin);
  - a wall time that happens twice (clocks go back) fires once, at its first occurrence (each local
    slot runs once: the run log's key is the local wall time).
Nothing here fires more often than once a minute: there is no seconds field.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

FIELDS = ("minute", "hour", "day", "month", "day_of_week")
_RANGES = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12), "day_of_week": (0, 6)}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbers them from Sunday = 0
MACROS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
          "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}
_UNSUPPORTED = re.compile(r"[#?]|^l|\dl$|\dw$")  # L (last), W (nearest weekday), # (nth weekday), ?
SEARCH_DAYS = 366 * 9  # 29 February can be 8 years away (2096 -> 2104)


class CronError(ValueError):
    """A cron expression that cannot be read; the message says which field and why."""


@dataclass(frozen=True)
class CronSpec:
    """The expanded value sets of one expression; weekdays are 0-6 from Sunday."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]
    day_restricted: bool
    weekday_restricted: bool

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_day, by_weekday = day.day in self.days, day.isoweekday() % 7 in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return by_day or by_weekday  # cron's rule: either restricted field may match
        if self.day_restricted:
            return by_day
        if self.weekday_restricted:
            return by_weekday
        return True

    def fields(self) -> dict[str, str]:
        """The stored form: every field explicit, `*` or a list (weekdays by name)."""
        def listed(values: tuple[int, ...], restricted: bool, names: tuple[str, ...] | None = None) -> str:
            if not restricted:
                return "*"
            return ",".join(names[v] if names else str(v) for v in values)

        return {"minute": listed(self.minutes, len(self.minutes) < 60),
                "hour": listed(self.hours, len(self.hours) < 24),
                "day": listed(self.days, self.day_restricted),
                "month": listed(self.months, len(self.months) < 12),
                "day_of_week": listed(self.weekdays, self.weekday_restricted, WEEKDAYS)}


def parse_cron(expression: str) -> CronSpec:
    """A 5-field crontab expression (or @hourly, @daily, ...) -> CronSpec. Raises CronError."""
    text = " ".join(expression.lower().split())
    text = MACROS.get(text, text)
    if text.startswith("@"):
        raise CronError(f"{text} is not supported; use {', '.join(MACROS)} or five fields")
    parts = text.split(" ")
    if len(parts) == 6:
        raise CronError("six fields (with seconds) are not supported: schedules run at most once a minute; "
                        "use five fields: minute hour day month weekday")
    if len(parts) != 5:
        raise CronError(f"expected five fields (minute hour day month weekday), found {len(parts)}")
    return spec_from_fields(dict(zip(FIELDS, parts)))


def spec_from_fields(fields: dict[str, str]) -> CronSpec:
    """Stored or parsed fields (all five) -> CronSpec, with croniter's rule for when a full day field is `*`."""
    missing = [f for f in FIELDS if f not in fields]
    if missing:
        raise CronError(f"the {missing[0]} field is missing")
    expanded = {f: _expand(str(fields[f]), f) for f in FIELDS}
    day_text, weekday_text = str(fields["day"]), str(fields["day_of_week"])

    def starred(field: str, other_text: str) -> bool:
        values, literal_star = expanded[field]
        low, high = _RANGES[field]
        return literal_star or (len(values) == high - low + 1 and "*" in other_text)

    return CronSpec(minutes=expanded["minute"][0], hours=expanded["hour"][0], days=expanded["day"][0],
                    months=expanded["month"][0], weekdays=expanded["day_of_week"][0],
                    day_restricted=not starred("day", weekday_text),
                    weekday_restricted=not starred("day_of_week", day_text))


def _expand(text: str, field: str) -> tuple[tuple[int, ...], bool]:
    """One field -> (sorted values, whether it is a plain `*`)."""
    low, high = _RANGES[field]
    if field == "day_of_week":
        high = 7  # 7 is Sunday too
    values: set[int] = set()
    star = False
    for token in text.split(","):
        if not token:
            raise CronError(f"empty item in the {_label(field)} field {text!r}")
        if _UNSUPPORTED.search(token):
            raise CronError(f"{token!r} in the {_label(field)} field: L, W, # and ? are not supported")
        span, _, step_text = token.partition("/")
        step = _number(step_text, field) if step_text else 1
        if step < 1:
            raise CronError(f"the step in {token!r} must be at least 1")
        if span == "*":
            first, last = low, high if field != "day_of_week" else 6
            star = star or not step_text
        elif "-" in span:
            first_text, last_text = span.split("-", 1)
            first, last = _value(first_text, field, low, high), _value(last_text, field, low, high)
        else:
            first = _value(span, field, low, high)
            last = (high if field != "day_of_week" else 6) if step_text else first
        values.update(_stepped(first, last, step, low, 6 if field == "day_of_week" else high))
    if field == "day_of_week":
        values = {v % 7 for v in values}
    return tuple(sorted(values)), star


def _stepped(first: int, last: int, step: int, low: int, high: int) -> list[int]:
    """first..last by step; a range that wraps (fri-mon, nov-feb, 50-10) runs through the end of the field."""
    if first <= last:
        return list(range(first, last + 1, step))
    sequence = list(range(first, high + 1)) + list(range(low, last + 1))
    return sequence[::step]


def _value(text: str, field: str, low: int, high: int) -> int:
    names = MONTHS if field == "month" else WEEKDAYS if field == "day_of_week" else ()
    if text in names:
        return names.index(text) + (1 if field == "month" else 0)
    number = _number(text, field)
    if not low <= number <= high:
        raise CronError(f"{number} is out of range for the {_label(field)} field ({low}-{high})")
    return number


def _number(text: str, field: str) -> int:
    if not text.isdigit():
        raise CronError(f"{text!r} is not a number or name in the {_label(field)} field")
    return int(text)


def _label(field: str) -> str:
    return {"day": "day-of-month", "day_of_week": "weekday"}.get(field, field)


# ---- when the slots are ----

def resolve(wall: datetime, zone: tzinfo) -> datetime:
    """A naive local wall time -> the aware instant it fires: its first occurrence, or for a time the
    clocks skipped, the moment they jumped."""
    aware = wall.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return aware
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # in a gap, fold=1 reads the earlier offset
    after = aware.astimezone(UTC)
    offset_after = after.astimezone(zone).utcoffset()
    lo, hi = 0, int((after - before).total_seconds())
    while lo < hi:  # the first second that has the new offset
        mid = (lo + hi) // 2
        if (before + timedelta(seconds=mid)).astimezone(zone).utcoffset() == offset_after:
            hi = mid
        else:
            lo = mid + 1
    return (before + timedelta(seconds=lo)).astimezone(zone)


def next_slot(spec: CronSpec, zone: tzinfo, start: datetime) -> datetime | None:
    """The first fire time at or after `start` (aware), or None within the search horizon."""
    wall = start.astimezone(zone).replace(tzinfo=None)
    if wall.second or wall.microsecond:
        wall = wall.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day, from_minute = wall.date(), wall.hour * 60 + wall.minute
    for _ in range(SEARCH_DAYS):
        if spec.day_matches(day):
            found = _first_in_day(spec, zone, day, from_minute, start)
            if found is not None:
                return found
        day, from_minute = day + timedelta(days=1), 0
    return None


def _first_in_day(spec: CronSpec, zone: tzinfo, day: date, from_minute: int, start: datetime) -> datetime | None:
    for hour in spec.hours[bisect.bisect_left(spec.hours, from_minute // 60):]:
        first = from_minute % 60 if hour == from_minute // 60 else 0
        for minute in spec.minutes[bisect.bisect_left(spec.minutes, first):]:
            moment = resolve(datetime.combine(day, time(hour, minute)), zone)
            if moment >= start:  # not so for the repeated hour's first pass, or a skipped time already past
                return moment
    return None


class CronSlotTrigger(BaseTrigger):
    """APScheduler's trigger for a cron spec in an IANA timezone (picklable: fields and zone name only)."""

    def __init__(self, fields: dict[str, str], timezone: str):
        self.fields = dict(fields)
        self.timezone = timezone
        self._spec = spec_from_fields(self.fields)
        self._zone = ZoneInfo(timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        if previous_fire_time is not None:  # as APScheduler's CronTrigger: strictly after the previous one
            start = min(now, previous_fire_time + timedelta(microseconds=1))
            if start == previous_fire_time:
                start += timedelta(microseconds=1)
        else:
            start = now
        return next_slot(self._spec, self._zone, start)

    def __getstate__(self) -> dict:
        return {"version": 1, "fields": self.fields, "timezone": self.timezone}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["fields"], state["timezone"])

    def __str__(self) -> str:
        return f"cron[{' '.join(self.fields[f] for f in FIELDS)}] {self.timezone}"


def shortest_gap(spec: CronSpec) -> timedelta:
    """The shortest time between two fire times in wall-clock terms (DST aside)."""
    times = sorted(h * 60 + m for h in spec.hours for m in spec.minutes)
    gaps = [b - a for a, b in zip(times, times[1:])]
    if _fires_on_consecutive_days(spec):
        gaps.append(24 * 60 - times[-1] + times[0])
    return timedelta(minutes=min(gaps)) if gaps else timedelta(days=2)


def _fires_on_consecutive_days(spec: CronSpec) -> bool:
    day = date(2024, 1, 1)  # eight years cover every weekday of every date, leap days included
    previous = spec.day_matches(day)
    for _ in range(366 * 8):
        day += timedelta(days=1)
        current = spec.day_matches(day)
        if previous and current:
            return True
        previous = current
    return False
