"""retention: the cohort triangle, period-1 retention with n, partial periods marked."""

from __future__ import annotations

from datetime import datetime

from charts.spec import Heatmap
from questions.timerange import shift
from segment.dimensions import DIMENSIONS, OTHER_LABEL

from ..formatting import as_datetime, fmt_change, fmt_number, period_end, period_label
from ..model import Change, KeyNumber, Presentation, PresentEnv, Table
from .common import buckets, filter_phrase, make_change, range_phrase

UNIT_LABELS = {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter"}


def present_retention(env: PresentEnv) -> Presentation:
    p = env.request.params
    if p.get("group_by"):
        return _present_retention_breakdown(env)
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
    label = UNIT_LABELS.get(unit, unit)
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
    return Presentation(
        title=f"{label}ly retention · cohorts {range_phrase(env)}{filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{label}-1 retention", key_value, "pct", tuple(changes)),
        table=Table(cols, tuple(table_rows), (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=[_retained_definition(env) + f" * marks a {unit} that has not ended yet "
                     f"(as of {env.now:%Y-%m-%d %H:%M} {env.timezone})."])


def _retained_definition(env: PresentEnv) -> str:
    p = env.request.params
    unit = p["interval"]
    event_note = f"doing {p['event']}" if p.get("event") else "with any event"
    out = f"Retained in {unit} k: active ({event_note}) in the k-th calendar {unit} after the signup {unit}."
    if p.get("filters"):
        out += " Filters apply to the person's signup event (where and how they signed up), not to later activity."
    return out


def _present_retention_breakdown(env: PresentEnv) -> Presentation:
    """One retention curve per segment: period-k retention pooled over the cohorts whose period k is over."""
    p = env.request.params
    unit, dim = p["interval"], DIMENSIONS[p["group_by"]]
    label = UNIT_LABELS.get(unit, unit)
    sizes: dict[tuple[str, datetime], int] = {}
    retained: dict[tuple[str, datetime, int], int] = {}
    for r in env.result.as_dicts():
        cohort = as_datetime(r["cohort"])
        sizes[(r["segment"], cohort)] = int(r["cohort_size"])
        retained[(r["segment"], cohort, int(r["period_number"]))] = int(r["users"])
    people: dict[str, int] = {}
    for (segment, _), n in sizes.items():
        people[segment] = people.get(segment, 0) + n
    segments = sorted(people, key=lambda s: (s == OTHER_LABEL, -people[s], s))

    def pooled(segments_in: list[str], k: int) -> tuple[float | None, int]:
        """(retention in period k, n = people in the cohorts whose period k has ended)."""
        num = den = 0
        for (segment, cohort), size in sizes.items():
            if segment in segments_in and period_end(shift(cohort.date(), unit, k), unit) <= env.now:
                num += retained.get((segment, cohort, k), 0)
                den += size
        return (num / den if den else None), den

    width = 0
    while width < 12 and pooled(segments, width + 1)[1] > 0:
        width += 1
    grid = [[pooled([s], k) for k in range(1, width + 1)] for s in segments]
    overall, overall_n = pooled(segments, 1)
    phrase = range_phrase(env)
    if overall is None:
        headline = f"{sum(people.values()):,} people signed up {phrase}; no {unit} has passed yet for any cohort"
    else:
        parts = " · ".join(f"{s} {fmt_number(row[0][0], 'pct')} (n={row[0][1]:,})"
                           for s, row in zip(segments, grid) if row and row[0][0] is not None)
        headline = (f"{label}-1 retention by {dim.label.lower()}: {parts}")
    lines = [f"All people: {fmt_number(overall, 'pct')} (n={overall_n:,})"] if overall is not None else []
    cols = (dim.label, "People") + tuple(f"{label[0]}{k}" for k in range(1, width + 1))
    table_rows = tuple((str(s), f"{people[s]:,}", *(fmt_number(v, "pct") for v, _ in row))
                       for s, row in zip(segments, grid))
    chart = Heatmap(
        title=f"{label}ly retention by {dim.label.lower()}", subtitle=f"signups {phrase}{filter_phrase(p)}",
        row_labels=tuple(str(s) for s in segments), col_labels=tuple(str(k) for k in range(1, width + 1)),
        values=tuple(tuple(v for v, _ in row) for row in grid),
        row_notes=tuple(f"n={people[s]:,}" for s in segments),
        x_label=f"{unit}s since signup", y_label=dim.label.lower(), scale_from=0)
    return Presentation(
        title=f"{label}ly retention by {dim.label.lower()} · signups {phrase}{filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{label}-1 retention", overall, "pct"),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=[_retained_definition(env),
                     f"{dim.label}: the value on the person's signup event; the top {p.get('top', 5)} by signups "
                     "are shown, the rest as Other. Period k pools the cohorts whose period k is over, "
                     "weighted by cohort size; n = the people in those cohorts."])
