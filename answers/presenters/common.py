"""Helpers every presenter shares: the periods of a series and their states, the comparisons of a key
number (by the one rule in answers/periods.py), change wording."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from questions.timerange import describe, period_start, shift
from segment.dimensions import DIMENSIONS
from warehouse import Result

from ..formatting import as_datetime, fmt_change, fmt_moment, fmt_number, noun, pct_change, period_end, period_label
from ..model import Change, PresentEnv
from ..periods import (
    COMPLETE,
    CUT,
    DATA_STARTS,
    FUTURE,
    NO_DATA,
    RUNNING,
    Comparison,
    comparisons,
    hour_starts,
    key_comparisons,
    midnight,
    period_state,
    range_grain,
    state_note,
)

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


def series(rows: list[dict], env: PresentEnv, unit: str, columns: list[str], start: date | None = None,
           end: date | None = None) -> list[dict]:
    """One row per period of [start, end) (the asked range by default) up to the moment of the question,
    each with its `state` (answers/periods.py): zeros where the warehouse returned no row for a period with
    data; None ("no data") for periods before the first event. Periods that have not started are left out."""
    p = env.request.params
    start, end = start or p["start"], end or p["end"]
    # keyed with the fold: the two hours of an autumn DST change have the same wall time (answers/periods.py)
    by_period = {_key(as_datetime(r["period"])): r for r in rows if r.get("period") is not None}
    out = []
    starts = hour_starts(start, end, env.timezone) if unit == "hour" else buckets(start, end, unit, env.week_start)
    for b in starts:
        state = period_state(b, unit, start, end, env.clock)
        if state == FUTURE:
            continue
        row = by_period.get(_key(b))
        values = {c: (None if state == NO_DATA else (row.get(c) if row else 0)) for c in columns}
        out.append({"period": b, "state": state, **values})
    return out


def _key(moment: datetime | None) -> tuple:
    return (moment, getattr(moment, "fold", 0))


def zone_note(moment: datetime, tz: str) -> str:
    """' EDT' / ' EST' after an hour whose wall time happens twice (the day DST ends), else nothing."""
    zone = ZoneInfo(tz)
    first, second = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return ""
    return f" {moment.replace(tzinfo=zone).tzname()}"


def period_text(row: dict, unit: str, env: PresentEnv, start: date | None = None, end: date | None = None) -> str:
    """A period's label for a table: 'wk of 28 Sep (to Wed 30 Sep)', 'Dec 2026 (so far)', 'Sun 1 Nov 01:00 EST'."""
    p = env.request.params
    zone = zone_note(row["period"], env.timezone) if unit == "hour" else ""
    return period_label(row["period"], unit) + zone + state_note(row["period"], unit, row["state"], start or p["start"],
                                                          end or p["end"], env.clock)


def cell(row: dict, column: str, fmt: str = "int") -> str:
    """A number in a series table: "no data" before the data starts, never a zero."""
    return "no data" if row.get("state") == NO_DATA else fmt_number(row[column], fmt)


def chart_marks(rows: list[dict]) -> dict:
    """LineChart arguments marking a series' periods: dotted from the first not over yet; hollow markers for
    those the range cuts or the data starts in; a note for the periods with no data."""
    running = next((i for i, r in enumerate(rows) if r["state"] == RUNNING), None)
    cut = tuple(i for i, r in enumerate(rows) if r["state"] in (CUT, DATA_STARTS))
    return {"partial_from": running, "cut": cut}


def bar_note(env: PresentEnv, rows: list[dict], unit: str) -> str:
    """Under a per-period bar chart (bars cannot be dotted): which bars are not whole periods."""
    notes = [period_text(r, unit, env).replace("wk of ", "") for r in rows if r["state"] in (RUNNING, CUT, DATA_STARTS)]
    return ("Not whole " + noun(unit, len(notes)) + ": " + ", ".join(notes)) if notes else ""


def no_data_note(env: PresentEnv, rows: list[dict]) -> list[str]:
    """A definition line when a series starts before the data: what "no data" means there."""
    if env.clock.first_data is None or not any(r["state"] in (NO_DATA, DATA_STARTS) for r in rows):
        return []
    return [f"No data before {env.clock.data_start_words()} (the first event of the sources read): earlier "
            "periods show “no data”, not zero; the period it starts in is marked."]


def cut_words(env: PresentEnv) -> str:
    """'; counted up to Tue 1 Dec 22:36 (now)' when the range runs past the moment of the question."""
    p = env.request.params
    if midnight(p["end"]) <= env.clock.as_of:
        return ""
    why = "the latest data" if env.clock.behind else "now"
    return f"; counted up to {fmt_moment(env.clock.as_of)} ({why}), nothing timestamped later"


def is_single_period(start: date, end: date, unit: str, week_start: str) -> bool:
    return unit in CALENDAR_UNITS and period_start(start, unit, week_start) == start and shift(start, unit, 1) == end


def range_phrase(env: PresentEnv) -> str:
    p = env.request.params
    return env.request.range_label or describe(p["start"], p["end"])


def grain(env: PresentEnv) -> str | None:
    """The calendar unit the question's range was asked in (periods.range_grain)."""
    p = env.request.params
    words = next((r.words for r in env.request.readings if r.name == "start"), None)
    return range_grain(words, p["start"], p["end"], p.get("interval"), env.today, env.week_start)


def grand_total(rows: list[dict]) -> dict:
    """The whole-range row: no period (and no segment, when broken down)."""
    return next((r for r in rows if r["period"] is None and r.get("segment") is None), {"events": 0, "users": 0})


Known = dict[tuple[datetime, datetime], float | None]


def changes_for(env: PresentEnv, found: list[Comparison], current: float | None,
                measure: Callable[[Result], float | None], fmt: str = "int", known: Known | None = None,
                overrides: dict | None = None) -> list[Change]:
    """A Change per comparison: the number over the other window (from `known` values when the presenter has
    it already, else the playbook run over that window, with the presenter's `overrides`), or the reason it
    is not compared."""
    out = []
    for c in found:
        window = (c.window.start, c.window.end)
        if c.problem:
            out.append(Change(label=c.label, other=None, text="Not compared", window=window, note=c.problem))
            continue
        if known is not None and window in known:
            other = known[window]
        else:
            other = measure(env.run({**(overrides or {}), **c.window.params}, "comparison"))
        out.append(make_change(c.label, current, other, fmt, window))
    return out


def total_changes(env: PresentEnv, current: float | None, measure: Callable[[Result], float | None],
                  fmt: str = "int", known: Known | None = None) -> list[Change]:
    """The comparisons of a whole range's total, by the one rule (answers/periods.py)."""
    p = env.request.params
    found = comparisons(p["start"], p["end"], env.clock, p.get("compare"), grain(env))
    return changes_for(env, found, current, measure, fmt, known)


def window_changes(env: PresentEnv, current: float) -> list[Change]:
    """Event totals: re-run the playbook over each comparison window and compare its grand total."""
    return total_changes(env, current, lambda result: grand_total(result.as_dicts())["events"])


def period_changes(env: PresentEnv, row: dict, unit: str, current: float | None,
                   measure: Callable[[Result], float | None], fmt: str = "int", known: Known | None = None,
                   overrides: dict | None = None) -> list[Change]:
    """The comparisons of one period of a series (the headline's), by the one rule."""
    p = env.request.params
    found = key_comparisons(row["period"], unit, p["start"], p["end"], env.clock, p.get("compare"))
    return changes_for(env, found, current, measure, fmt, known, overrides)


def known_periods(rows: list[dict], unit: str, column: str) -> Known:
    """Complete periods of a series as comparison values, so no query runs for what is already there."""
    return {(r["period"], period_end(r["period"], unit)): r[column] for r in rows if r["state"] == COMPLETE}


def filter_phrase(p: dict) -> str:
    filters = p.get("filters") or ()
    return "".join(f" ({DIMENSIONS[d].label.lower()}: {v})" for d, v in filters)


def make_change(label: str, current: float | None, other: float | None, kind: str = "int",
                window: tuple[datetime, datetime] | None = None) -> Change:
    other_v = None if other is None else float(other)
    if kind == "pct":  # rates change by points, not percent
        pct = None if current is None or other_v is None else float(current) - other_v
    else:
        pct = pct_change(current, other_v)
    return Change(label=label, other=other_v, text=fmt_change(current, other_v, kind), pct=pct, window=window)


def changes_line(changes: list[Change], kind: str = "int") -> str:
    """The changes as the answer, the digest and the alert all say them (Change.phrase)."""
    return " · ".join(c.phrase(kind) for c in changes)


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
