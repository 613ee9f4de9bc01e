"""retention: the cohort triangle, period-1 retention with n, partial periods marked."""

from __future__ import annotations

from datetime import datetime

from charts.spec import Heatmap

from ..answer import Change, KeyNumber, Presentation, PresentEnv, Table
from ..formatting import as_datetime, fmt_change, fmt_number, period_end, period_label
from ..timerange import shift
from .common import buckets, make_change, range_phrase


def present_retention(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit, start, end = p["interval"], p["start"], p["end"]
    rows = env.result.as_dicts()
    data = {(as_datetime(r["cohort"]), int(r["period_number"])): r for r in rows}
    sizes = {as_datetime(r["cohort"]): int(r["cohort_size"]) for r in rows}
    # cohorts with nobody in them (e.g. before the data starts) are left out
    cohorts = [b for b in buckets(start, end, unit, env.week_start) if b <= env.now and sizes.get(b)]
    max_k = 0
    grid: list[list[float | None]] = []
    partial: list[list[bool]] = []
    counts: list[list[int | None]] = []
    for c in cohorts:
        size = sizes.get(c, 0)
        k, row, prow, crow = 0, [], [], []
        while True:
            p_start = datetime.combine(shift(c.date(), unit, k), datetime.min.time())
            if p_start > env.now:
                break
            users = int(data[(c, k)]["users"]) if (c, k) in data else 0
            row.append(users / size if size else None)
            crow.append(users)
            prow.append(period_end(p_start, unit) > env.now)
            k += 1
        max_k = max(max_k, k)
        grid.append(row)
        partial.append(prow)
        counts.append(crow)
    width = min(max_k, 13)
    grid = [(r + [None] * width)[:width] for r in grid]
    partial = [(r + [False] * width)[:width] for r in partial]
    counts = [(r + [None] * width)[:width] for r in counts]

    # key: period-1 retention over cohorts whose period 1 is complete, weighted by size
    num = den = 0
    complete_p1 = []
    for c, prow, crow in zip(cohorts, partial, counts):
        if width > 1 and crow[1] is not None and not prow[1] and sizes.get(c):
            num += crow[1]
            den += sizes[c]
            complete_p1.append((c, crow[1], sizes[c]))
    key_value = num / den if den else None
    label = {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter"}.get(unit, unit)
    changes: list[Change] = []
    lines = []
    if len(complete_p1) >= 2:
        (c1, u1, s1), (c0, u0, s0) = complete_p1[-1], complete_p1[-2]
        changes.append(make_change(f"latest complete cohort ({period_label(c1, unit)}, n={s1}) vs the one before "
                               f"({period_label(c0, unit)}, n={s0})", u1 / s1, u0 / s0, "pct"))
        lines.append(f"{label}-1 retention of the latest complete cohort ({period_label(c1, unit)}): "
                     f"{fmt_number(u1 / s1, 'pct')} (n={s1}) vs {fmt_number(u0 / s0, 'pct')} (n={s0}) the cohort before "
                     f"({fmt_change(u1 / s1, u0 / s0, 'pct')})")
    total_users = sum(sizes.get(c, 0) for c in cohorts)
    headline = (f"{label}-1 retention: {fmt_number(key_value, 'pct')} on average (n={den:,} people in "
                f"{len(complete_p1)} complete cohorts)" if key_value is not None else
                f"{total_users:,} people in {len(cohorts)} cohorts; no {unit} has passed yet for any cohort")
    if width > 4:
        k4 = [(crow[4], sizes[c]) for c, crow, prow in zip(cohorts, counts, partial)
              if crow[4] is not None and not prow[4] and sizes.get(c)]
        if k4:
            lines.append(f"{label}-4 retention: {fmt_number(sum(a for a, _ in k4) / sum(b for _, b in k4), 'pct')} "
                         f"(n={sum(b for _, b in k4):,})")
    cols = ("Cohort", "Size") + tuple(f"{label[0]}{k}" for k in range(width))
    table_rows = []
    for c, row, prow in zip(cohorts, grid, partial):
        cells = [("–" if v is None else fmt_number(v, "pct") + ("*" if pr else "")) for v, pr in zip(row, prow)]
        table_rows.append((period_label(c, unit), f"{sizes.get(c, 0):,}", *cells))
    chart = Heatmap(
        title=f"{label}ly retention by signup cohort" if unit != "day" else "Daily retention by signup cohort",
        subtitle=f"cohorts {range_phrase(env)} · * partial {unit}",
        row_labels=tuple(period_label(c, unit) for c in cohorts),
        col_labels=tuple(str(k) for k in range(width)),
        values=tuple(tuple(r) for r in grid), partial=tuple(tuple(r) for r in partial),
        row_notes=tuple(f"n={sizes.get(c, 0):,}" for c in cohorts),
        x_label=f"{unit}s since signup", y_label="cohort")
    event_note = f"doing {p['event']}" if p.get("event") else "with any event"
    return Presentation(
        title=f"{label}ly retention · cohorts {range_phrase(env)}", headline=headline,
        key=KeyNumber(f"{label}-1 retention", key_value, "pct", tuple(changes)),
        table=Table(cols, tuple(table_rows), (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=[f"Retained in {unit} k: active ({event_note}) in the k-th calendar {unit} after the signup {unit}. "
                     f"* marks a {unit} that has not ended yet (as of {env.now:%Y-%m-%d %H:%M} {env.timezone})."])
