"""Helpers every presenter shares: periods, zero-filling, comparison windows, change wording."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from questions.timerange import describe, period_start, shift
from segment.dimensions import DIMENSIONS

from ..formatting import as_datetime, fmt_change, fmt_number, pct_change, period_end
from ..model import Change, PresentEnv

CALENDAR_UNITS = ("day", "week", "month", "quarter")


# ---------------------------------------------------------------------------------------------
# shared time-series helpers
# ---------------------------------------------------------------------------------------------

def buckets(start: date, end: date, unit: str, week_start: str) -> list[datetime]:
    """Every period start from the one containing `start` up to `end` (exclusive)."""
    if unit == "hour":
        out, t = [], datetime.combine(start, datetime.min.time())
        stop = datetime.combine(end, datetime.min.time())
        while t < stop:
            out.append(t)
            t += timedelta(hours=1)
        return out
    out, d = [], period_start(start, unit, week_start)
    while d < end:
        out.append(datetime.combine(d, datetime.min.time()))
        d = shift(d, unit, 1)
    return out


def densify(rows: list[dict], start: date, end: date, unit: str, week_start: str,
            columns: list[str]) -> list[dict]:
    """One row per period, zeros where the warehouse returned none."""
    by_period = {as_datetime(r["period"]): r for r in rows if r.get("period") is not None}
    out = []
    for b in buckets(start, end, unit, week_start):
        row = by_period.get(b)
        out.append({"period": b, **{c: (row.get(c) if row else 0) for c in columns}})
    return out


def is_single_period(start: date, end: date, unit: str, week_start: str) -> bool:
    return unit in CALENDAR_UNITS and period_start(start, unit, week_start) == start and shift(start, unit, 1) == end


def complete(bucket: datetime, unit: str, now: datetime) -> bool:
    return period_end(bucket, unit) <= now


def partial_index(series: list[dict], unit: str, now: datetime, start: date, end: date) -> int | None:
    """Index of the first period that is cut by the range or not over yet."""
    first_cut = None
    range_start = datetime.combine(start, datetime.min.time())
    range_end = datetime.combine(end, datetime.min.time())
    for i, row in enumerate(series):
        b = row["period"]
        if i == 0 and b < range_start:
            continue  # a clipped first period is noted in the footer, not faded
        if period_end(b, unit) > min(now, range_end) and first_cut is None:
            first_cut = i
    return first_cut


def range_phrase(env: PresentEnv) -> str:
    p = env.request.params
    return env.request.range_label or describe(p["start"], p["end"])


def comparison_windows(env: PresentEnv) -> list[tuple[str, dict]]:
    """Windows to compare a range's total with: the period before (same length, or the calendar
    period(s) before) and, for ranges under a week, the same days a week earlier. A range that
    runs into today is compared up to the same moment of the earlier period."""
    p = env.request.params
    if p.get("compare") in ("week", "year"):  # asked for: "vs last week", "year over year"
        return [shifted_window(env, p["compare"])]
    windows = _default_windows(env)
    return windows[:1] if p.get("compare") == "previous" else windows


def shifted_window(env: PresentEnv, unit: str) -> tuple[str, dict]:
    """The same range a week or a year earlier (up to the same moment when the range runs into today)."""
    p = env.request.params
    lo = shift(p["start"], unit, -1)
    if datetime.combine(p["end"], datetime.min.time()) > env.now:
        hi = datetime.combine(shift(env.now.date(), unit, -1), env.now.time())
        return f"vs the same time a {unit} earlier (from {describe(lo, lo + timedelta(days=1))})", {"start": lo, "end": hi}
    hi = shift(p["end"], unit, -1)
    return f"vs a {unit} earlier ({describe(lo, hi)})", {"start": lo, "end": hi}


def _default_windows(env: PresentEnv) -> list[tuple[str, dict]]:
    p = env.request.params
    start, end = p["start"], p["end"]
    days = (end - start).days
    now = env.now
    start_dt = datetime.combine(start, datetime.min.time())
    if datetime.combine(end, datetime.min.time()) > now:  # runs into today: compare like with like
        elapsed = now - start_dt
        if days == 1:
            return [("vs yesterday at the same time", {"start": start - timedelta(days=1), "end": now - timedelta(days=1)}),
                    ("vs the same time last week", {"start": start - timedelta(days=7), "end": now - timedelta(days=7)})]
        for unit in ("week", "month", "quarter", "year"):
            if period_start(start, unit, env.week_start) == start and shift(start, unit, 1) >= end:
                prev = shift(start, unit, -1)
                prev_dt = datetime.combine(prev, datetime.min.time())
                return [(f"vs the same point last {unit}", {"start": prev, "end": prev_dt + elapsed})]
        prev = start - timedelta(days=days)
        return [(f"vs the {days} days before ({describe(prev, start)}), to the same time",
                 {"start": prev, "end": datetime.combine(prev, datetime.min.time()) + elapsed})]
    if start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        prev_start = shift(start, "month", -months)
        label = f"vs {describe(prev_start, start)}"
    else:
        prev_start = start - (end - start)
        before = "the day before" if days == 1 else (
            "the week before" if is_single_period(start, end, "week", env.week_start) else f"the {days} days before")
        label = f"vs {before} ({describe(prev_start, start)})"
    windows = [(label, {"start": prev_start, "end": start})]
    if days < 7:
        label = (f"vs the same day last week ({describe(start - timedelta(days=7), end - timedelta(days=7))})"
                 if days == 1 else "vs the same days a week earlier")
        windows.append((label, {"start": start - timedelta(days=7), "end": end - timedelta(days=7)}))
    return windows


def grand_total(rows: list[dict]) -> dict:
    """The whole-range row: no period (and no segment, when broken down)."""
    return next((r for r in rows if r["period"] is None and r.get("segment") is None), {"events": 0, "users": 0})


def window_changes(env: PresentEnv, current: float) -> list[Change]:
    """Re-run the playbook over each comparison window and compare its grand total."""
    changes = []
    for label, window in comparison_windows(env):
        other = grand_total(env.run(window, "comparison").as_dicts())
        changes.append(make_change(label, current, other["events"]))
    return changes


def filter_phrase(p: dict) -> str:
    filters = p.get("filters") or ()
    return "".join(f" ({DIMENSIONS[d].label.lower()}: {v})" for d, v in filters)


def make_change(label: str, current: float | None, other: float | None, kind: str = "int") -> Change:
    other_v = None if other is None else float(other)
    if kind == "pct":  # rates change by points, not percent
        pct = None if current is None or other_v is None else float(current) - other_v
    else:
        pct = pct_change(current, other_v)
    return Change(label=label, other=other_v, text=fmt_change(current, other_v, kind), pct=pct)


def changes_line(changes: list[Change], kind: str = "int") -> str:
    return " · ".join(f"{c.text} {c.label} ({fmt_number(c.other, kind)})" for c in changes)


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


def cell_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return fmt_number(value, "float")
    if isinstance(value, int):
        return fmt_number(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
