"""growth_accounting: new, retained, resurrected and churned people per period, quick ratio."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from charts.spec import BarChart, Series
from warehouse import Result

from ..formatting import as_datetime, count, fmt_number, period_label, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from ..periods import COMPLETE, NO_DATA, key_period, state_note
from .common import bar_note, changes_line, known_periods, no_data_note, period_changes, period_text, range_phrase, series

STATUSES = ("new", "retained", "resurrected", "churned")


def quick_ratio(row: dict) -> float | None:
    return (row["new"] + row["resurrected"]) / row["churned"] if row["churned"] else None


def _counts(result) -> dict[tuple, int]:
    return {(as_datetime(r["period"]), r["status"]): int(r["users"]) for r in result.as_dicts()}


def _row(period: dict, counts: dict[tuple, int]) -> dict:
    row = {**period, **{s: counts.get((period["period"], s), 0) for s in STATUSES}}
    row["active"] = row["new"] + row["retained"] + row["resurrected"]
    row["quick_ratio"] = quick_ratio(row)
    return row


def _ratio_at(start: datetime) -> Callable[[Result], float | None]:
    """The quick ratio of the period a comparison window starts in (growth accounting of that window)."""
    def measure(result) -> float | None:
        counts = _counts(result)
        periods = sorted({p for p, _ in counts})
        return quick_ratio(_row({"period": periods[0]}, counts)) if periods else None
    return measure


def present_growth_accounting(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit = p["interval"]
    counts = _counts(env.result)
    rows = [_row(b, counts) for b in series([], env, unit, [])]
    with_data = [r for r in rows if r["state"] != NO_DATA]
    key_row = key_period(rows)
    phrase = range_phrase(env)
    changes, lines = [], []
    if key_row is None:
        headline = f"No activity {range_words(phrase)}"
        key_value = None
    else:
        key_value = key_row["quick_ratio"]
        label = period_label(key_row["period"], unit) + state_note(key_row["period"], unit, key_row["state"],
                                                                   p["start"], p["end"], env.clock)
        headline = (f"{label}: {fmt_number(key_row['active'])} active = {fmt_number(key_row['new'])} new + "
                    f"{fmt_number(key_row['retained'])} retained + {fmt_number(key_row['resurrected'])} resurrected; "
                    f"{fmt_number(key_row['churned'])} churned · quick ratio {fmt_number(key_value, 'float')}")
        changes = period_changes(env, key_row, unit, key_value, _ratio_at(key_row["period"]), "float",
                                 known_periods(rows, unit, "quick_ratio"))
        if changes:
            lines.append(f"Quick ratio {changes_line(changes, 'float')}")
        done = [r for r in rows if r["state"] == COMPLETE]
        if len(done) >= 2:
            qr = sum(r["new"] + r["resurrected"] for r in done) / max(sum(r["churned"] for r in done), 1)
            lines.append(f"Over the {count(len(done), 'complete ' + unit)}: quick ratio {fmt_number(qr, 'float')} "
                         f"({'the active base grew' if qr > 1 else 'the active base shrank'})")

    def cells(r: dict) -> tuple[str, ...]:
        if r["state"] == NO_DATA:
            return ("no data",) * 6
        return (fmt_number(r["active"]), fmt_number(r["new"]), fmt_number(r["retained"]), fmt_number(r["resurrected"]),
                fmt_number(-r["churned"]), fmt_number(r["quick_ratio"], "float"))

    table_rows = tuple((period_text(r, unit, env),) + cells(r) for r in rows)
    names = {"new": "New", "resurrected": "Resurrected", "retained": "Retained", "churned": "Churned"}
    chart = BarChart(
        title=f"Growth accounting per {unit}", subtitle=phrase,
        labels=tuple(period_label(r["period"], unit).replace("wk of ", "") for r in with_data),
        series=tuple(Series(names[s], tuple(float(-r[s] if s == "churned" else r[s]) for r in with_data))
                     for s in ("new", "resurrected", "retained", "churned")),
        horizontal=False, stacked=True, line=Series("Quick ratio (right)", tuple(r["quick_ratio"] for r in with_data)),
        value_label="people", note=bar_note(env, with_data, unit))
    return Presentation(
        title=f"Growth accounting · {phrase}", headline=headline,
        key=KeyNumber("Quick ratio", key_value, "float", tuple(changes)),
        table=Table(("Period", "Active", "New", "Retained", "Resurrected", "Churned", "Quick ratio"), table_rows,
                    (False,) + (True,) * 6),
        chart=chart, lines=lines,
        definitions=[f"Periods are calendar {unit}s in {env.timezone}; a period that has not ended is marked "
                     "“so far” (its churn is not final)."] + no_data_note(env, rows))


