"""Presenters: a playbook's result -> key number, comparisons, table, chart spec, definitions.

A playbook names its presenter in its header (`presenter: volume`). Custom playbooks usually use
`table`, which charts what it can recognise (a date column and numbers -> lines; a label and a
number -> bars).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from charts.spec import BarChart, Heatmap, LineChart, Series

from .answer import Change, KeyNumber, Presentation, PresentEnv, Table
from .dimensions import DIMENSIONS
from .formatting import as_datetime, fmt_change, fmt_number, pct_change, period_end, period_label, unit_noun
from .timerange import describe, period_start, shift

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


def _range_phrase(env: PresentEnv) -> str:
    p = env.request.params
    return env.request.range_label or describe(p["start"], p["end"])


def _comparison_windows(env: PresentEnv) -> list[tuple[str, dict]]:
    """Windows to compare a range's total with: the period before (same length, or the calendar
    period(s) before) and, for ranges under a week, the same days a week earlier. A range that
    runs into today is compared up to the same moment of the earlier period."""
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


# ---------------------------------------------------------------------------------------------
# event_volume
# ---------------------------------------------------------------------------------------------

def _grand_total(rows: list[dict]) -> dict:
    """The whole-range row: no period (and no segment, when broken down)."""
    return next((r for r in rows if r["period"] is None and r.get("segment") is None), {"events": 0, "users": 0})


def present_volume(env: PresentEnv) -> Presentation:
    p = env.request.params
    event, unit, start, end = p["event"], p["interval"], p["start"], p["end"]
    rows = env.result.as_dicts()
    if p.get("group_by"):
        return _present_volume_breakdown(env, rows)
    total = _grand_total(rows)
    series = densify([r for r in rows if r["period"] is not None], start, end, unit, env.week_start,
                     ["events", "users"])
    events_total = int(total["events"] or 0)
    users_total = int(total["users"] or 0)
    changes: list[Change] = []
    chart_rows, highlight = series, None
    if is_single_period(start, end, unit, env.week_start) and datetime.combine(end, datetime.min.time()) <= env.now:
        # one whole day/week/month: a context query gives the chart and the comparisons at once
        n = {"day": 14, "week": 12, "month": 13, "quarter": 8}[unit]
        ctx_start = shift(start, unit, -(n - 1))
        ctx = env.run({"start": ctx_start, "end": end}, "context").as_dicts()
        chart_rows = densify([r for r in ctx if r["period"] is not None], ctx_start, end, unit, env.week_start,
                             ["events", "users"])
        by_period = {r["period"].date(): r for r in chart_rows}
        highlight = (datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time()))
        before = shift(start, unit, -1)
        if before in by_period:
            changes.append(_change(f"vs the {unit} before ({period_label(before, unit)})",
                                   events_total, by_period[before]["events"]))
        if unit == "day" and start - timedelta(days=7) in by_period:
            lw = start - timedelta(days=7)
            changes.append(_change(f"vs the same day last week ({period_label(lw, 'day')})",
                                   events_total, by_period[lw]["events"]))
        if unit == "month" and shift(start, "month", -12) in by_period:
            ly = shift(start, "month", -12)
            changes.append(_change(f"vs a year earlier ({period_label(ly, 'month')})", events_total,
                                   by_period[ly]["events"]))
    else:
        changes = _window_changes(env, events_total)
    phrase = _range_phrase(env)
    people = "user" if users_total == 1 else "users"
    headline = f"{fmt_number(events_total)} × {event} {phrase}{_filter_phrase(p)}, by {fmt_number(users_total)} {people}"
    table_rows = [(period_label(r["period"], unit), fmt_number(r["events"]), fmt_number(r["users"])) for r in series]
    table_rows.append(("Total", fmt_number(events_total), fmt_number(users_total)))
    chart = LineChart(
        title=f"{event} per {unit}{_filter_phrase(p)}", subtitle=phrase,
        x=tuple(r["period"] for r in chart_rows),
        series=(Series("events", tuple(float(r["events"] or 0) for r in chart_rows)),
                Series("users", tuple(float(r["users"] or 0) for r in chart_rows), style="dashed")),
        granularity=unit, highlight=highlight,
        partial_from=partial_index(chart_rows, unit, env.now, chart_rows[0]["period"].date() if chart_rows else start, end),
    )
    return Presentation(
        title=f"{event} · {phrase}{_filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{event} events", events_total, "int", tuple(changes)),
        table=Table(("Period", "Events", "Users"), tuple(table_rows), (False, True, True)),
        chart=chart, lines=[_changes_line(changes)] if changes else [], definitions=_volume_definitions(env, series))


def _window_changes(env: PresentEnv, current: float) -> list[Change]:
    """Re-run the playbook over each comparison window and compare its grand total."""
    changes = []
    for label, window in _comparison_windows(env):
        other = _grand_total(env.run(window, "comparison").as_dicts())
        changes.append(_change(label, current, other["events"]))
    return changes


def _filter_phrase(p: dict) -> str:
    filters = p.get("filters") or ()
    return "".join(f" ({DIMENSIONS[d].label.lower()}: {v})" for d, v in filters)


def _volume_definitions(env: PresentEnv, series: list[dict]) -> list[str]:
    p = env.request.params
    unit, start = p["interval"], p["start"]
    out = [f"Counted per {unit} by the event's timestamp in {env.timezone}."]
    if series and series[0]["period"].date() < start:
        out.append(f"The first {unit} is cut at {start.isoformat()} (the range's start).")
    if p.get("group_by"):
        dim = DIMENSIONS[p["group_by"]]
        where = "on each event" if dim.level == "event" else "of the person (latest value)"
        out.append(f"{dim.label}: the value {where}; the top {p.get('top', 5)} values are shown, the rest as Other; "
                   "a person seen under two values counts in both.")
    return out


def _present_volume_breakdown(env: PresentEnv, rows: list[dict]) -> Presentation:
    p = env.request.params
    event, unit, start, end = p["event"], p["interval"], p["start"], p["end"]
    dim = DIMENSIONS[p["group_by"]]
    total = _grand_total(rows)
    events_total, users_total = int(total["events"] or 0), int(total["users"] or 0)
    per_segment = sorted((r for r in rows if r["period"] is None and r.get("segment") is not None),
                         key=lambda r: (r["segment"] == "Other", -int(r["events"] or 0), str(r["segment"])))
    segments = [r["segment"] for r in per_segment]
    changes = _window_changes(env, events_total)
    phrase = _range_phrase(env)
    headline = (f"{fmt_number(events_total)} × {event} {phrase}{_filter_phrase(p)}, by {fmt_number(users_total)} users"
                f" — by {dim.label.lower()}")
    shares = " · ".join(f"{r['segment']} {fmt_number(r['events'])} ({fmt_number(r['events'] / events_total, 'pct')})"
                        for r in per_segment if events_total)
    lines = ([_changes_line(changes)] if changes else []) + ([shares] if shares else [])
    table_rows = tuple((str(r["segment"]), fmt_number(r["events"]),
                        fmt_number(r["events"] / events_total if events_total else None, "pct"), fmt_number(r["users"]))
                       for r in per_segment) + (("Total", fmt_number(events_total), "100.0%", fmt_number(users_total)),)
    periods = buckets(start, end, unit, env.week_start)
    if len(periods) > 1:
        grid = {(as_datetime(r["period"]), r["segment"]): r for r in rows if r["period"] is not None}
        chart = LineChart(
            title=f"{event} per {unit} by {dim.label.lower()}", subtitle=phrase + _filter_phrase(p), x=tuple(periods),
            series=tuple(Series(str(seg), tuple(float(grid[(b, seg)]["events"]) if (b, seg) in grid else 0.0
                                                for b in periods)) for seg in segments),
            granularity=unit, partial_from=partial_index([{"period": b} for b in periods], unit, env.now, start, end))
    else:
        chart = BarChart(title=f"{event} by {dim.label.lower()}", subtitle=phrase + _filter_phrase(p),
                         labels=tuple(str(s) for s in segments),
                         series=(Series("events", tuple(float(r["events"]) for r in per_segment)),),
                         annotations=tuple(f"{fmt_number(r['events'])} ({fmt_number(r['events'] / events_total, 'pct')})"
                                           if events_total else "0" for r in per_segment))
    return Presentation(
        title=f"{event} by {dim.label.lower()} · {phrase}{_filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{event} events", events_total, "int", tuple(changes)),
        table=Table((dim.label, "Events", "Share", "Users"), table_rows, (False, True, True, True)),
        chart=chart, lines=lines, definitions=_volume_definitions(env, []))


def _change(label: str, current: float | None, other: float | None, kind: str = "int") -> Change:
    other_v = None if other is None else float(other)
    if kind == "pct":  # rates change by points, not percent
        pct = None if current is None or other_v is None else float(current) - other_v
    else:
        pct = pct_change(current, other_v)
    return Change(label=label, other=other_v, text=fmt_change(current, other_v, kind), pct=pct)


def _changes_line(changes: list[Change], kind: str = "int") -> str:
    return " · ".join(f"{c.text} {c.label} ({fmt_number(c.other, kind)})" for c in changes)


# ---------------------------------------------------------------------------------------------
# active_users
# ---------------------------------------------------------------------------------------------

def present_active_users(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit, start, end = p["interval"], p["start"], p["end"]
    if p.get("group_by"):
        return _present_active_breakdown(env)
    rolling = unit == "day" or p.get("rolling")
    metric = "stickiness" if p.get("metric") == "stickiness" else (
        {"day": "dau", "week": "wau", "month": "mau"}[unit] if rolling else "active_users")
    cols = ["dau", "wau", "mau", "stickiness"] if rolling else ["active_users"]
    step = "day" if rolling else unit
    series = densify(env.result.as_dicts(), start, end, step, env.week_start, cols)
    fmt = "pct" if metric == "stickiness" else "int"
    names = {"dau": "DAU", "wau": "WAU (rolling 7 days)" if unit == "day" or rolling else "WAU",
             "mau": "MAU (rolling 28 days)", "stickiness": "Stickiness (DAU/MAU)", "active_users": {
                 "week": "Weekly active users", "month": "Monthly active users"}.get(unit, "Active users")}
    if rolling and unit == "week":
        names["wau"] = "WAU (rolling 7 days)"

    # the key period: the latest complete one in the range (or the latest, marked "so far")
    done = [r for r in series if complete(r["period"], step, env.now)]
    key_row = (done or series or [None])[-1]
    changes: list[Change] = []
    chart_rows = series
    if key_row is not None:
        key_bucket = key_row["period"]
        want = [shift(key_bucket.date(), step, -1)] + ([key_bucket.date() - timedelta(days=7)] if step == "day" else [])
        have = {r["period"].date(): r for r in series}
        if any(w not in have for w in want) or len(series) < 3:
            n = 14 if step == "day" else 8
            ctx_start = shift(key_bucket.date(), step, -(n - 1))
            ctx_end = shift(key_bucket.date(), step, 1)
            ctx = env.run({"start": ctx_start, "end": ctx_end}, "context").as_dicts()
            ctx_series = densify(ctx, ctx_start, ctx_end, step, env.week_start, cols)
            have.update({r["period"].date(): r for r in ctx_series})
            if len(series) < 3:
                chart_rows = ctx_series
        prev = shift(key_bucket.date(), step, -1)
        if prev in have:
            changes.append(_change(f"vs the {step} before ({period_label(prev, step)})", key_row[metric],
                                   have[prev][metric], fmt))
        if step == "day" and key_bucket.date() - timedelta(days=7) in have:
            lw = key_bucket.date() - timedelta(days=7)
            changes.append(_change(f"vs the same day last week ({period_label(lw, 'day')})", key_row[metric],
                                   have[lw][metric], fmt))
    key_value = None if key_row is None else key_row[metric]
    key_label = "" if key_row is None else period_label(key_row["period"], step)
    so_far = key_row is not None and not complete(key_row["period"], step, env.now)
    when = f"on {key_label}" if step == "day" else f"in {key_label}"
    headline = f"{names[metric]}{_filter_phrase(p)}: {fmt_number(key_value, fmt)} {when}" + (" (so far)" if so_far else "")
    lines = [_changes_line(changes, fmt)] if changes else []
    complete_rows = [r for r in series if complete(r["period"], step, env.now)]
    if len(complete_rows) > 1:
        avg = sum(float(r[metric] or 0) for r in complete_rows) / len(complete_rows)
        lines.append(f"Average {names[metric]} over {_range_phrase(env)}: {fmt_number(avg, fmt)} "
                     f"({len(complete_rows)} complete {unit_noun(step, len(complete_rows))})")
    if rolling and key_row is not None and metric != "stickiness" and key_row.get("stickiness") is not None:
        lines.append(f"Stickiness (DAU/MAU) on {key_label}: {fmt_number(key_row['stickiness'], 'pct')}")
    if rolling:
        table = Table(("Day", "DAU", "WAU (7d)", "MAU (28d)", "DAU/MAU"), tuple(
            (period_label(r["period"], "day"), fmt_number(r["dau"]), fmt_number(r["wau"]), fmt_number(r["mau"]),
             fmt_number(r["stickiness"], "pct")) for r in series), (False, True, True, True, True))
        chart_series = ((Series("DAU/MAU", tuple(_f(r["stickiness"]) for r in chart_rows)),) if metric == "stickiness"
                        else (Series("DAU", tuple(_f(r["dau"]) for r in chart_rows)),
                              Series("WAU (7d)", tuple(_f(r["wau"]) for r in chart_rows)),
                              Series("MAU (28d)", tuple(_f(r["mau"]) for r in chart_rows))))
    else:
        table = Table((unit.capitalize(), names[metric]), tuple(
            (period_label(r["period"], unit), fmt_number(r["active_users"])) for r in series), (False, True))
        chart_series = (Series(names[metric], tuple(_f(r["active_users"]) for r in chart_rows)),)
    chart = LineChart(title=names[metric], subtitle=_range_phrase(env), x=tuple(r["period"] for r in chart_rows),
                      series=chart_series, granularity=step, y_format=fmt,
                      partial_from=partial_index(chart_rows, step, env.now,
                                                 chart_rows[0]["period"].date() if chart_rows else start, end))
    event_note = f" doing {p['event']}" if p.get("event") else ""
    anon = "including anonymous visitors" if p.get("include_anonymous") else "signed-in people only"
    return Presentation(
        title=f"{names[metric]} · {_range_phrase(env)}", headline=headline,
        key=KeyNumber(names[metric], None if key_value is None else float(key_value), fmt, tuple(changes)),
        table=table, chart=chart, lines=lines,
        definitions=[f"Active: at least one event{event_note} in the period ({anon}); days in {env.timezone}."])


def _present_active_breakdown(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit, start, end = p["interval"], p["start"], p["end"]
    dim = DIMENSIONS[p["group_by"]]
    rows = env.result.as_dicts()
    totals = densify([r for r in rows if r["segment"] is None], start, end, unit, env.week_start, ["active_users"])
    grid = {(as_datetime(r["period"]), r["segment"]): int(r["active_users"]) for r in rows if r["segment"] is not None}
    seg_totals: dict[str, int] = {}
    for (_, seg), n in grid.items():
        seg_totals[seg] = seg_totals.get(seg, 0) + n
    segments = sorted(seg_totals, key=lambda seg: (seg == "Other", -seg_totals[seg], seg))
    name = {"day": "Daily active users", "week": "Weekly active users",
            "month": "Monthly active users"}.get(unit, "Active users")
    done = [r for r in totals if complete(r["period"], unit, env.now)]
    key_row = (done or totals or [None])[-1]
    changes: list[Change] = []
    lines: list[str] = []
    if key_row is not None:
        idx = totals.index(key_row)
        if idx > 0:
            prev = totals[idx - 1]
            changes.append(_change(f"vs the {unit} before ({period_label(prev['period'], unit)})",
                                   key_row["active_users"], prev["active_users"]))
        lines.append(f"{period_label(key_row['period'], unit)} by {dim.label.lower()}: " + " · ".join(
            f"{seg} {fmt_number(grid.get((key_row['period'], seg), 0))}" for seg in segments))
    key_value = None if key_row is None else key_row["active_users"]
    when = period_label(key_row["period"], unit) if key_row else "–"
    headline = f"{name}{_filter_phrase(p)}: {fmt_number(key_value)} in {when}"
    cols = (unit.capitalize(),) + tuple(str(seg) for seg in segments) + ("All",)
    table_rows = tuple((period_label(r["period"], unit),) + tuple(fmt_number(grid.get((r["period"], seg), 0))
                                                                   for seg in segments)
                       + (fmt_number(r["active_users"]),) for r in totals)
    chart = LineChart(
        title=f"{name} by {dim.label.lower()}", subtitle=_range_phrase(env) + _filter_phrase(p),
        x=tuple(r["period"] for r in totals),
        series=tuple(Series(str(seg), tuple(float(grid.get((r["period"], seg), 0)) for r in totals)) for seg in segments)
        + (Series("All", tuple(float(r["active_users"] or 0) for r in totals), style="dashed"),),
        granularity=unit, partial_from=partial_index(totals, unit, env.now, start, end))
    return Presentation(
        title=f"{name} by {dim.label.lower()} · {_range_phrase(env)}", headline=headline,
        key=KeyNumber(name, None if key_value is None else float(key_value), "int", tuple(changes)),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart,
        lines=([_changes_line(changes)] if changes else []) + lines,
        definitions=[f"Active: at least one event in the {unit}; {dim.label.lower()} is the value on each event "
                     "(a person active under two values counts in both; All counts each person once)."
                     if dim.level == "event" else
                     f"Active: at least one event in the {unit}; {dim.label.lower()} is the person's latest value."])


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------------------------------------
# retention
# ---------------------------------------------------------------------------------------------

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
        changes.append(_change(f"latest complete cohort ({period_label(c1, unit)}, n={s1}) vs the one before "
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
        subtitle=f"cohorts {_range_phrase(env)} · * partial {unit}",
        row_labels=tuple(period_label(c, unit) for c in cohorts),
        col_labels=tuple(str(k) for k in range(width)),
        values=tuple(tuple(r) for r in grid), partial=tuple(tuple(r) for r in partial),
        row_notes=tuple(f"n={sizes.get(c, 0):,}" for c in cohorts),
        x_label=f"{unit}s since signup", y_label="cohort")
    event_note = f"doing {p['event']}" if p.get("event") else "with any event"
    return Presentation(
        title=f"{label}ly retention · cohorts {_range_phrase(env)}", headline=headline,
        key=KeyNumber(f"{label}-1 retention", key_value, "pct", tuple(changes)),
        table=Table(cols, tuple(table_rows), (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=[f"Retained in {unit} k: active ({event_note}) in the k-th calendar {unit} after the signup {unit}. "
                     f"* marks a {unit} that has not ended yet (as of {env.now:%Y-%m-%d %H:%M} {env.timezone})."])


# ---------------------------------------------------------------------------------------------
# generic table (custom playbooks)
# ---------------------------------------------------------------------------------------------

def present_table(env: PresentEnv) -> Presentation:
    result = env.result
    cols = result.columns
    rows = result.rows
    numeric = tuple(all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and rows != []
                    and not isinstance(rows[0][i], bool) for i in range(len(cols)))
    table_rows = tuple(tuple(_cell(v) for v in r) for r in rows)
    chart = None
    if rows and len(cols) >= 2 and any(numeric[1:]):
        first = [r[0] for r in rows]
        measures = [i for i in range(1, len(cols)) if numeric[i]][:3]
        if all(isinstance(v, (date, datetime)) for v in first):
            chart = LineChart(title=env.playbook.title, subtitle=_range_phrase(env) if "start" in env.request.params else "",
                              x=tuple(as_datetime(v) for v in first),
                              series=tuple(Series(cols[i], tuple(_f(r[i]) for r in rows)) for i in measures),
                              granularity=env.request.params.get("interval", "day"))
        elif not numeric[0]:
            chart = BarChart(title=env.playbook.title, subtitle="", labels=tuple(str(v) for v in first[:25]),
                             series=(Series(cols[measures[0]], tuple(_f(r[measures[0]]) for r in rows[:25])),))
    headline = f"{env.playbook.title}: {len(rows):,} {'row' if len(rows) == 1 else 'rows'}"
    if len(rows) == 1 and len(cols) <= 3:
        headline = f"{env.playbook.title}: " + ", ".join(f"{c} {_cell(v)}" for c, v in zip(cols, rows[0]))
    return Presentation(title=env.playbook.title, headline=headline, key=None,
                        table=Table(tuple(cols), table_rows, numeric), chart=chart)


def _cell(value: Any) -> str:
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


PRESENTERS: dict[str, Callable[[PresentEnv], Presentation]] = {
    "volume": present_volume,
    "active_users": present_active_users,
    "retention": present_retention,
    "table": present_table,
}
