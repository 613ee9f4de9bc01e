"""When a schedule runs: plain words ("every monday 9:00") or cron, turned into the five cron fields.

A schedule's trigger is stored as the five cron fields, every one explicit ({"minute": "0", "hour": "9",
"day": "*", "month": "*", "day_of_week": "mon"}), and evaluated by scheduler/cron.py exactly as cron does
(a `*` field is every value; day-of-month OR day-of-week when both are restricted). Slots are computed
in the schedule's IANA timezone, so 9:00 Europe/Berlin is 9:00 local on both sides of a DST change. A
slot is identified by its local wall time: the repeated hour when clocks go back gives the same slot
twice, and the run log's unique key makes it run once. No schedule fires more often than the minimum
interval (`scheduler.min_interval_minutes`, 1 minute by default): there is no seconds field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from .cron import FIELDS, CronError, CronSlotTrigger, parse_cron, shortest_gap, spec_from_fields

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {d: d for d in DAYS} | {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu", "thur": "thu",
    "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}
_TIME_RE = re.compile(r"(?:\bat\s+)?\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b(?!\s*(?:st|nd|rd|th)\b)")
_CRON_RE = re.compile(r"[\d*/,\-a-z]+( [\d*/,\-a-z]+){4,5}")
EVERY = {"minute": "*", "hour": "*", "day": "*", "month": "*", "day_of_week": "*"}
DEFAULT_MINIMUM_INTERVAL = timedelta(minutes=1)
# the shortest time allowed between two runs of one schedule: set from scheduler.min_interval_minutes at
# start (scheduler.open_store), so every way a schedule is made (playbot.yaml, Slack, the CLI) checks it
minimum_interval = DEFAULT_MINIMUM_INTERVAL


class WhenError(ValueError):
    """The schedule's time could not be read; the message says what is accepted."""


EXAMPLES = ("every monday 9:00", "daily 8:30", "weekdays 9am", "monthly on day 1 at 9:00", "cron 0 9 * * 1-5")


@dataclass(frozen=True)
class When:
    text: str  # as the user wrote it (shown in lists)
    fields: dict[str, str]  # the five cron fields, all explicit (scheduler/cron.py)

    def trigger(self, timezone: str) -> CronSlotTrigger:
        return CronSlotTrigger(self.fields, timezone)


def set_minimum_interval(minutes: int) -> None:
    global minimum_interval
    minimum_interval = timedelta(minutes=minutes)


def parse_when(text: str, minimum: timedelta | None = None) -> When:
    """Read "every monday 9:00", "daily", "weekdays at 8:30", "monthly on day 15 9am", "every hour",
    or a 5-field cron expression (optionally prefixed by `cron`, or @daily, @hourly, ...). Raises
    WhenError, also for a schedule that would run more often than `minimum` (default: the configured
    minimum interval)."""
    when = _read_when(text)
    shortest = shortest_gap(spec_from_fields(when.fields))
    floor = minimum if minimum is not None else minimum_interval
    if shortest < floor:
        raise WhenError(f"{when.text!r} would run every {_minutes(shortest)}; schedules may run at most every "
                        f"{_minutes(floor)} (scheduler.min_interval_minutes).")
    return when


def _read_when(text: str) -> When:
    raw = " ".join(str(text).split())
    low = raw.lower().removeprefix("cron ").strip()
    if low.startswith("@") or (_CRON_RE.fullmatch(low) and not re.search(r"[a-z]{4,}", low)):
        return When(raw, _from_crontab(low))
    words = low.removeprefix("every ").strip()
    if re.search(r"\bsec(ond)?s?\b", words):
        raise WhenError("Schedules run at most once a minute. Try " + ", ".join(f"`{e}`" for e in EXAMPLES) + ".")
    if words in ("minute", "minutely"):
        return When(raw, dict(EVERY))
    if words in ("hour", "hourly"):
        return When(raw, EVERY | {"minute": "0"})
    hour, minute, rest = _take_time(words)
    rest = re.sub(r"\b(every|on|at|the|of|each)\b", " ", rest)
    rest = " ".join(rest.replace(",", " ").split())
    fields = EVERY | {"minute": str(minute), "hour": str(hour)}
    if rest in ("", "day", "daily", "days"):
        return When(raw, fields)
    if rest in ("weekday", "weekdays", "workday", "workdays", "weekdays mon-fri"):
        return When(raw, fields | {"day_of_week": "mon,tue,wed,thu,fri"})
    month = re.fullmatch(r"(?:monthly|month)\s*(?:day\s*)?(\d{1,2})(?:st|nd|rd|th)?(?:\s*day)?", rest) or \
        re.fullmatch(r"(?:day\s*)?(\d{1,2})(?:st|nd|rd|th)?(?:\s*day)?\s*(?:monthly|month)", rest)
    if month:
        day = int(month.group(1))
        if not 1 <= day <= 31:
            raise WhenError(f"There is no day {day} in a month. Use a day from 1 to 31 (months without it are skipped).")
        return When(raw, fields | {"day": str(day)})
    if rest in ("monthly", "month"):
        return When(raw, fields | {"day": "1"})
    days = [_DAY_WORDS.get(w.rstrip("s"), _DAY_WORDS.get(w)) for w in rest.replace(" and ", " ").split()]
    if days and all(days):
        ordered = [d for d in DAYS if d in days]
        return When(raw, fields | {"day_of_week": ",".join(ordered)})
    if rest in ("weekly", "week"):
        return When(raw, fields | {"day_of_week": "mon"})
    raise WhenError(f"I could not read when to run: {raw!r}. Try " + ", ".join(f"`{e}`" for e in EXAMPLES) + ".")


def stored_when(text: str, fields: dict[str, str]) -> When:
    """A When read back from the state database. Fields stored before every field was explicit (an
    APScheduler CronTrigger's keyword arguments, which filled gaps with '*' or the minimum) are read
    again from the text the user wrote, so `* * * * *` means every minute and not every second."""
    if set(fields) == set(FIELDS):
        return When(text, dict(fields))
    try:
        return _read_when(text)
    except (WhenError, CronError):
        return When(text, EVERY | {k: v for k, v in fields.items() if k in FIELDS})


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440} day{'s' if minutes > 1440 else ''}"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes > 60 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _take_time(words: str) -> tuple[int, int, str]:
    """Pull the time of day out of the words; 9:00 when none is given."""
    match = None
    for candidate in _TIME_RE.finditer(words):
        # "day 15" is a day of the month, not 15:00
        before = words[:candidate.start()].rstrip()
        if re.search(r"(^|\s)day$", before) and not candidate.group(0).startswith("at") \
                and not candidate.group(2) and not candidate.group(3):
            continue
        match = candidate
    if match is None:
        return 9, 0, words
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    ampm = match.group(3)
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise WhenError(f"{match.group(0).strip()!r} is not a time of day. Use 24-hour 9:00 or 9am.")
    return hour, minute, (words[:match.start()] + " " + words[match.end():]).strip()


def _from_crontab(expr: str) -> dict[str, str]:
    try:
        return parse_cron(expr).fields()
    except CronError as exc:
        raise WhenError(f"Not a valid cron expression {expr!r}: {exc}. Fields: minute hour day month weekday "
                        "(0 or 7 = Sunday).") from None


# ---- slots ----

def local_slot(fire_time: datetime, timezone: str) -> datetime:
    """The slot key: the fire time as naive local wall time in the schedule's timezone."""
    return fire_time.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)


def fire_times(when: When, timezone: str, after: datetime, until: datetime, limit: int = 10_000) -> list[datetime]:
    """Aware fire times in (after, until], each local slot once (the repeated autumn hour fires once)."""
    trigger = when.trigger(timezone)
    out: list[datetime] = []
    seen: set[datetime] = set()
    previous = None
    current = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while current is not None and current <= until and len(out) < limit:
        key = local_slot(current, timezone)
        if key not in seen:
            seen.add(key)
            out.append(current)
        previous = current
        current = trigger.get_next_fire_time(previous, previous)
    return out


def next_fire_time(when: When, timezone: str, now: datetime) -> datetime | None:
    return when.trigger(timezone).get_next_fire_time(None, now)


def latest_fire_time(when: When, timezone: str, now: datetime, lookback: timedelta) -> datetime | None:
    """The most recent fire time at or before `now`, looking back at most `lookback`."""
    times = recent_fire_times(when, timezone, now - lookback, now, 1)
    return times[-1] if times else None


def recent_fire_times(when: When, timezone: str, after: datetime, until: datetime, count: int) -> list[datetime]:
    """The last `count` fire times in (after, until], oldest first: read from windows that grow back from
    `until`, so an every-minute schedule after a month away lists its latest slots, not its first."""
    window = timedelta(hours=1)
    while True:
        start = max(after, until - window)
        times = fire_times(when, timezone, start, until, limit=10 * count + 10_000)
        if len(times) >= count or start == after:
            return times[-count:]
        window *= 8


class Slots:
    """When one schedule's slots are: its cron fields in its timezone. The scheduling loop asks this,
    never the fields directly, so a test can run the loop on a faster rule of its own."""

    def __init__(self, when: When, timezone: str):
        self.when, self.timezone = when, timezone

    def trigger(self) -> BaseTrigger:
        return self.when.trigger(self.timezone)

    def recent(self, after: datetime, until: datetime, count: int) -> list[datetime]:
        return recent_fire_times(self.when, self.timezone, after, until, count)

    def next(self, now: datetime) -> datetime | None:
        return next_fire_time(self.when, self.timezone, now)
