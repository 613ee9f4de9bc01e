"""Numbers, periods and changes as people read them. Shared by every presenter."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from questions.timerange import add_months


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
        return f"{dt:%a} {dt.day} {dt:%b %H:00}"
    if unit == "day":
        return f"{dt:%a} {dt.day} {dt:%b}"
    if unit == "week":
        return f"wk of {dt.day} {dt:%b}"
    if unit == "month":
        return f"{dt:%b %Y}"
    if unit == "quarter":
        return f"Q{(dt.month - 1) // 3 + 1} {dt.year}"
    return dt.date().isoformat()


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
    return unit + ("s" if n != 1 else "")


def behind(delta: timedelta) -> str:
    """A lag in words: '45 min', '9 h', '3.2 days'."""
    hours = delta.total_seconds() / 3600
    if hours < 2:
        return f"{max(0, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"
