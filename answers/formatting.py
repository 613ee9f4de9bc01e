"""Numbers, periods, windows and changes as people read them: the one place for plural rules, date
and number formats. Shared by every presenter, the digest lines and the alerts."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from questions.timerange import add_months, describe

# nouns whose plural is not noun + "s"
_PLURALS = {"person": "people", "entry": "entries", "day": "days", "this": "these", "is": "are", "was": "were",
            "has": "have", "does": "do"}


def fmt_number(value: Any, kind: str = "int") -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * float(value):.1f}%"
    if kind == "money":
        return f"${float(value):,.2f}"
    if kind == "float":
        v = float(value)
        return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(round(float(value))):,}"


def fmt_duration(seconds: Any) -> str:
    """48 s, 3.2 min, 5.1 h, 2.3 days."""
    if seconds is None:
        return "–"
    s = float(seconds)
    if s < 90:
        return f"{s:.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.1f} min"
    if s < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def fmt_change(current: float | None, other: float | None, kind: str = "int") -> str:
    """'▲ 8.1%' for counts; percentage points for rates."""
    if current is None or other is None:
        return "n/a"
    if kind == "pct":
        diff = 100 * (float(current) - float(other))
        arrow = "▲" if diff > 0.05 else ("▼" if diff < -0.05 else "=")
        return f"{arrow} {abs(diff):.1f} pts"
    if float(other) == 0:
        return "▲ new" if float(current) > 0 else "= 0"
    pct = 100 * (float(current) - float(other)) / abs(float(other))
    arrow = "▲" if pct > 0.05 else ("▼" if pct < -0.05 else "=")
    return f"{arrow} {abs(pct):.1f}%"


def pct_change(current: float | None, other: float | None) -> float | None:
    if current is None or other is None or float(other) == 0:
        return None
    return (float(current) - float(other)) / abs(float(other))


def as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


def as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def period_label(value: Any, unit: str) -> str:
    dt = as_datetime(value)
    if dt is None:
        return "Total"
    if unit == "hour":
        return f"{fmt_day(dt)} {dt:%H:00}"
    if unit == "day":
        return fmt_day(dt)
    if unit == "week":
        return f"wk of {fmt_day(dt, weekday=False)}"
    if unit == "month":
        return f"{dt:%b %Y}"
    if unit == "quarter":
        return f"Q{(dt.month - 1) // 3 + 1} {dt.year}"
    return dt.date().isoformat()


def period_words(value: Any, unit: str) -> str:
    """A period as it reads after a number: 'on Mon 30 Nov', 'in the week of 23 Nov', 'in Dec 2026'."""
    dt = as_datetime(value)
    if unit == "day":
        return f"on {period_label(dt, unit)}"
    if unit == "week":
        return f"in the week of {fmt_day(dt, weekday=False)}"
    if unit == "hour":
        return f"at {period_label(dt, unit)}"
    return f"in {period_label(dt, unit)}"


def period_end(value: Any, unit: str) -> datetime:
    dt = as_datetime(value)
    assert dt is not None
    if unit == "hour":
        return dt + timedelta(hours=1)
    if unit == "day":
        return dt + timedelta(days=1)
    if unit == "week":
        return dt + timedelta(days=7)
    if unit == "month":
        return datetime.combine(add_months(dt.date(), 1), datetime.min.time())
    if unit == "quarter":
        return datetime.combine(add_months(dt.date(), 3), datetime.min.time())
    raise ValueError(unit)


def unit_noun(unit: str, n: int = 1) -> str:
    return noun(unit, n)


def noun(word: str, n: float | int) -> str:
    """`word` agreeing with n: noun("cohort", 1) = "cohort", noun("cohort", 2) = "cohorts"; the last word of a
    phrase is the one that changes ("idle spell" -> "idle spells")."""
    if n == 1:
        return word
    head, _, last = word.rpartition(" ")
    plural = _PLURALS.get(last) or (last[:-1] + "ies" if re.search(r"[^aeiou]y$", last) else
                                    last + "es" if re.search(r"(s|x|ch|sh)$", last) else last + "s")
    return f"{head} {plural}" if head else plural


def count(n: float | int | None, word: str) -> str:
    """'1 cohort', '12 cohorts', '1,234 orders': a number and its noun, agreeing."""
    if n is None:
        return f"– {noun(word, 2)}"
    return f"{fmt_number(n)} {noun(word, n)}"


def fmt_day(value: date | datetime, year: bool = False, weekday: bool = True) -> str:
    """'Mon 30 Nov' ('Mon 30 Nov 2026' with the year): days never zero-padded."""
    d = value.date() if isinstance(value, datetime) else value
    out = f"{d:%a} {d.day} {d:%b}" if weekday else f"{d.day} {d:%b}"
    return f"{out} {d.year}" if year else out


def fmt_moment(value: datetime, year: bool = False) -> str:
    """'Mon 30 Nov 22:36' (with the year: 'Mon 30 Nov 2026 22:36')."""
    return f"{fmt_day(value, year)} {value:%H:%M}"


def _midnight(value: datetime) -> bool:
    return value.time() == datetime.min.time()


def describe_window(start: datetime, end: datetime) -> str:
    """[start, end) in words: whole days as dates ('1–30 Nov 2026', 'October 2026', 'Mon 30 Nov 2026'),
    a window cut inside a day with its times ('Sun 1 Nov 00:00–22:36', '23 Nov 00:00 – 29 Nov 22:36')."""
    if _midnight(start) and _midnight(end):
        return describe(start.date(), end.date())
    if start.date() == end.date() or (end - start <= timedelta(days=1) and _midnight(end)):
        return f"{fmt_day(start)} {start:%H:%M}–{'24:00' if _midnight(end) else f'{end:%H:%M}'}"
    return f"{fmt_day(start, weekday=False)} {start:%H:%M} – {fmt_day(end, weekday=False)} {end:%H:%M}"


_ON = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)\b", re.IGNORECASE)
_IN = re.compile(r"^(\d|q[1-4]\b|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|the week of\b)",
                 re.IGNORECASE)


def range_words(phrase: str) -> str:
    """A range's label as it reads after a noun: 'on Mon 30 Nov 2026', 'in November 2026', 'in 1 Nov – 20 Nov
    2026'; relative phrases stand alone ('yesterday (…)', 'last 30 complete days', 'since Mon 7 Sep 2026')."""
    if _ON.match(phrase):
        return f"on {phrase}"
    if _IN.match(phrase):
        return f"in {phrase}"
    return phrase


def behind(delta: timedelta) -> str:
    """A lag in words: '45 min', '9 h', '3.2 days'."""
    hours = delta.total_seconds() / 3600
    if hours < 2:
        return f"{max(0, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"
