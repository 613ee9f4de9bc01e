"""When a schedule runs: plain words ("every monday 9:00") or cron, turned into APScheduler cron fields.

A schedule's trigger is stored as a small dict of `CronTrigger` keyword arguments
({"day_of_week": "mon", "hour": "9", "minute": "0"}), so it survives code changes and can be rebuilt.
Slots are computed in the schedule's IANA timezone, so 9:00 Europe/Berlin is 9:00 local on both sides
of a DST change. A slot is identified by its local wall time: the repeated hour when clocks go back
gives the same slot twice, and the run log's unique key makes it run once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {d: d for d in DAYS} | {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu", "thur": "thu",
    "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}
_CRON_DAY_NUMBERS = {0: "sun", 1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}
_TIME_RE = re.compile(r"(?:\bat\s+)?\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b(?!\s*(?:st|nd|rd|th)\b)")
_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")


class WhenError(ValueError):
    """The schedule's time could not be read; the message says what is accepted."""


EXAMPLES = ("every monday 9:00", "daily 8:30", "weekdays 9am", "monthly on day 1 at 9:00", "cron 0 9 * * 1-5")


@dataclass(frozen=True)
class When:
    text: str  # as the user wrote it (shown in lists)
    fields: dict[str, str]  # CronTrigger keyword arguments

    def trigger(self, timezone: str) -> CronTrigger:
        return CronTrigger(timezone=ZoneInfo(timezone), **self.fields)


def parse_when(text: str) -> When:
    """Read "every monday 9:00", "daily", "weekdays at 8:30", "monthly on day 15 9am", "every hour",
    or a 5-field cron expression (optionally prefixed by `cron`). Raises WhenError."""
    raw = " ".join(str(text).split())
    low = raw.lower().removeprefix("cron ").strip()
    if re.fullmatch(r"[\d*/,\-a-z]+( [\d*/,\-a-z]+){4}", low) and not re.search(r"[a-z]{4,}", low):
        return When(raw, _from_crontab(low))
    words = low.removeprefix("every ").strip()
    if words in ("hour", "hourly"):
        return When(raw, {"minute": "0"})
    hour, minute, rest = _take_time(words)
    rest = re.sub(r"\b(every|on|at|the|of|each)\b", " ", rest)
    rest = " ".join(rest.replace(",", " ").split())
    fields = {"minute": str(minute), "hour": str(hour)}
    if rest in ("", "day", "daily", "days"):
        return When(raw, fields)
    if rest in ("weekday", "weekdays", "workday", "workdays", "weekdays mon-fri"):
        return When(raw, fields | {"day_of_week": "mon-fri"})
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
    minute, hour, day, month, dow = expr.split()
    fields = {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": _cron_days(dow)}
    fields = {k: v for k, v in fields.items() if v != "*"}
    try:
        CronTrigger(timezone=UTC, **fields)
    except ValueError as exc:
        raise WhenError(f"Not a valid cron expression {expr!r}: {exc}. Fields: minute hour day month weekday.") from None
    return fields


def _cron_days(field: str) -> str:
    """Crontab weekdays (0 or 7 = Sunday) -> APScheduler 3 names (its numbers start at Monday)."""
    if field == "*":
        return field
    names: list[str] = []
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text) if step_text.isdigit() else 0
        if part == "*":
            lo, hi = 0, 6
        elif "-" in part:
            lo_text, hi_text = part.split("-", 1)
            lo, hi = _cron_day(lo_text), _cron_day(hi_text)
        else:
            lo = hi = _cron_day(part)
        if step < 1 or lo > hi:
            raise WhenError(f"Cannot read the weekday field {field!r}: use 0-6 (0 = Sunday) or mon-sun.")
        names += [_CRON_DAY_NUMBERS[n] for n in range(lo, hi + 1, step)]
    return ",".join(d for d in DAYS if d in names)


def _cron_day(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    name = _DAY_WORDS.get(token)
    if name is None:
        raise WhenError(f"{token!r} is not a weekday: use 0-6 (0 = Sunday) or mon-sun.")
    return (DAYS.index(name) + 1) % 7


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
    times = fire_times(when, timezone, now - lookback, now)
    return times[-1] if times else None
