"""growth_accounting: new, retained, resurrected and churned people per period, quick ratio."""

from __future__ import annotations

from charts.spec import BarChart, Series

from ..formatting import as_datetime, fmt_number, period_label
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import buckets, complete, make_change, range_phrase

STATUSES = ("new", "retained", "resurrected", "churned")


def quick_ratio(row: dict) -> float | None:
    return (row["new"] + row["resurrected"]) / row["churned"] if row["churned"] else None


def present_growth_accounting(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit = p["interval"]
    counts = {(as_datetime(r["period"]), r["status"]): int(r["users"]) for r in env.result.as_dicts()}
    rows = []
    for b in buckets(p["start"], p["end"], unit, env.week_start):
        row = {"period": b, **{s: counts.get((b, s), 0) for s in STATUSES}}
        row["active"] = row["new"] + row["retained"] + row["resurrected"]
        row["quick_ratio"] = quick_ratio(row)
        row["complete"] = complete(b, unit, env.now)
        rows.append(row)
    done = [r for r in rows if r["complete"]]
    key_row = (done or rows or [None])[-1]
    phrase = range_phrase(env)
    changes, lines = [], []
    if key_row is None:
        headline = f"No activity {phrase}"
        key_value = None
    else:
        key_value = key_row["quick_ratio"]
        label = period_label(key_row["period"], unit)
        headline = (f"{label}: {fmt_number(key_row['active'])} active = {fmt_number(key_row['new'])} new + "
                    f"{fmt_number(key_row['retained'])} retained + {fmt_number(key_row['resurrected'])} resurrected; "
                    f"{fmt_number(key_row['churned'])} churned · quick ratio {fmt_number(key_value, 'float')}")
        earlier = [r for r in done if r["period"] < key_row["period"]]
        if earlier:
            before = earlier[-1]
            changes.append(make_change(f"vs {period_label(before['period'], unit)}", key_value, before["quick_ratio"],
                                       "float"))
            lines.append(f"Quick ratio {changes[0].text} vs {period_label(before['period'], unit)} "
                         f"({fmt_number(before['quick_ratio'], 'float')})")
        if len(done) >= 2:
            qr = sum(r["new"] + r["resurrected"] for r in done) / max(sum(r["churned"] for r in done), 1)
            lines.append(f"Over the {len(done)} complete {unit}s: quick ratio {fmt_number(qr, 'float')} "
                         f"({'the active base grew' if qr > 1 else 'the active base shrank'})")
    table_rows = tuple(
        (period_label(r["period"], unit) + ("" if r["complete"] else " (so far)"), fmt_number(r["active"]),
         fmt_number(r["new"]), fmt_number(r["retained"]), fmt_number(r["resurrected"]), fmt_number(-r["churned"]),
         fmt_number(r["quick_ratio"], "float")) for r in rows)
    names = {"new": "New", "resurrected": "Resurrected", "retained": "Retained", "churned": "Churned"}
    chart = BarChart(
        title=f"Growth accounting per {unit}", subtitle=phrase + ("" if not rows or rows[-1]["complete"] else
                                                                  " · last bar: so far"),
        labels=tuple(period_label(r["period"], unit).replace("wk of ", "") for r in rows),
        series=tuple(Series(names[s], tuple(float(-r[s] if s == "churned" else r[s]) for r in rows))
                     for s in ("new", "resurrected", "retained", "churned")),
        horizontal=False, stacked=True, line=Series("Quick ratio (right)", tuple(r["quick_ratio"] for r in rows)))
    return Presentation(
        title=f"Growth accounting · {phrase}", headline=headline,
        key=KeyNumber("Quick ratio", key_value, "float", tuple(changes)),
        table=Table(("Period", "Active", "New", "Retained", "Resurrected", "Churned", "Quick ratio"), table_rows,
                    (False,) + (True,) * 6),
        chart=chart, lines=lines,
        definitions=[f"Periods are calendar {unit}s in {env.timezone}; a period that has not ended is marked "
                     "“so far” (its churn is not final)."])
