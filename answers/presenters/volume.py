"""event_volume: totals, comparisons, a chart in context, breakdowns."""

from __future__ import annotations

from datetime import datetime, timedelta

from charts.spec import BarChart, LineChart, Series
from questions.timerange import shift
from segment.dimensions import DIMENSIONS

from ..formatting import as_datetime, fmt_number, period_label
from ..model import Change, KeyNumber, Presentation, PresentEnv, Table
from .common import (
    buckets,
    changes_line,
    densify,
    filter_phrase,
    grand_total,
    is_single_period,
    make_change,
    partial_index,
    range_phrase,
    window_changes,
)


def present_volume(env: PresentEnv) -> Presentation:
    p = env.request.params
    event, unit, start, end = p["event"], p["interval"], p["start"], p["end"]
    rows = env.result.as_dicts()
    if p.get("group_by"):
        return _present_volume_breakdown(env, rows)
    total = grand_total(rows)
    series = densify([r for r in rows if r["period"] is not None], start, end, unit, env.week_start,
                     ["events", "users"])
    events_total = int(total["events"] or 0)
    users_total = int(total["users"] or 0)
    changes: list[Change] = []
    chart_rows, highlight = series, None
    single = is_single_period(start, end, unit, env.week_start) and datetime.combine(end, datetime.min.time()) <= env.now
    if single:
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
            changes.append(make_change(f"vs the {unit} before ({period_label(before, unit)})",
                                   events_total, by_period[before]["events"]))
        if unit == "day" and start - timedelta(days=7) in by_period:
            lw = start - timedelta(days=7)
            changes.append(make_change(f"vs the same day last week ({period_label(lw, 'day')})",
                                   events_total, by_period[lw]["events"]))
        if unit == "month" and shift(start, "month", -12) in by_period:
            ly = shift(start, "month", -12)
            changes.append(make_change(f"vs a year earlier ({period_label(ly, 'month')})", events_total,
                                   by_period[ly]["events"]))
    if not single or p.get("compare"):  # a comparison that was asked for replaces the usual ones
        changes = window_changes(env, events_total)
    phrase = range_phrase(env)
    people = "user" if users_total == 1 else "users"
    headline = f"{fmt_number(events_total)} × {event} {phrase}{filter_phrase(p)}, by {fmt_number(users_total)} {people}"
    table_rows = [(period_label(r["period"], unit), fmt_number(r["events"]), fmt_number(r["users"])) for r in series]
    table_rows.append(("Total", fmt_number(events_total), fmt_number(users_total)))
    chart = LineChart(
        title=f"{event} per {unit}{filter_phrase(p)}", subtitle=phrase,
        x=tuple(r["period"] for r in chart_rows),
        series=(Series("events", tuple(float(r["events"] or 0) for r in chart_rows)),
                Series("users", tuple(float(r["users"] or 0) for r in chart_rows), style="dashed")),
        granularity=unit, highlight=highlight,
        partial_from=partial_index(chart_rows, unit, env.now, chart_rows[0]["period"].date() if chart_rows else start, end),
    )
    return Presentation(
        title=f"{event} · {phrase}{filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{event} events", events_total, "int", tuple(changes)),
        table=Table(("Period", "Events", "Users"), tuple(table_rows), (False, True, True)),
        chart=chart, lines=[changes_line(changes)] if changes else [], definitions=_volume_definitions(env, series))


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
    total = grand_total(rows)
    events_total, users_total = int(total["events"] or 0), int(total["users"] or 0)
    per_segment = sorted((r for r in rows if r["period"] is None and r.get("segment") is not None),
                         key=lambda r: (r["segment"] == "Other", -int(r["events"] or 0), str(r["segment"])))
    segments = [r["segment"] for r in per_segment]
    changes = window_changes(env, events_total)
    phrase = range_phrase(env)
    headline = (f"{fmt_number(events_total)} × {event} {phrase}{filter_phrase(p)}, by {fmt_number(users_total)} users"
                f" — by {dim.label.lower()}")
    shares = " · ".join(f"{r['segment']} {fmt_number(r['events'])} ({fmt_number(r['events'] / events_total, 'pct')})"
                        for r in per_segment if events_total)
    lines = ([changes_line(changes)] if changes else []) + ([shares] if shares else [])
    table_rows = tuple((str(r["segment"]), fmt_number(r["events"]),
                        fmt_number(r["events"] / events_total if events_total else None, "pct"), fmt_number(r["users"]))
                       for r in per_segment) + (("Total", fmt_number(events_total), "100.0%", fmt_number(users_total)),)
    periods = buckets(start, end, unit, env.week_start)
    if len(periods) > 1:
        grid = {(as_datetime(r["period"]), r["segment"]): r for r in rows if r["period"] is not None}
        chart = LineChart(
            title=f"{event} per {unit} by {dim.label.lower()}", subtitle=phrase + filter_phrase(p), x=tuple(periods),
            series=tuple(Series(str(seg), tuple(float(grid[(b, seg)]["events"]) if (b, seg) in grid else 0.0
                                                for b in periods)) for seg in segments),
            granularity=unit, partial_from=partial_index([{"period": b} for b in periods], unit, env.now, start, end))
    else:
        chart = BarChart(title=f"{event} by {dim.label.lower()}", subtitle=phrase + filter_phrase(p),
                         labels=tuple(str(s) for s in segments),
                         series=(Series("events", tuple(float(r["events"]) for r in per_segment)),),
                         annotations=tuple(f"{fmt_number(r['events'])} ({fmt_number(r['events'] / events_total, 'pct')})"
                                           if events_total else "0" for r in per_segment))
    return Presentation(
        title=f"{event} by {dim.label.lower()} · {phrase}{filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{event} events", events_total, "int", tuple(changes)),
        table=Table((dim.label, "Events", "Share", "Users"), table_rows, (False, True, True, True)),
        chart=chart, lines=lines, definitions=_volume_definitions(env, []))
