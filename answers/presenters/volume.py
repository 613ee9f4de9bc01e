"""event_volume: totals, comparisons, a chart in context, breakdowns."""

from __future__ import annotations

from charts.spec import BarChart, LineChart, Series
from questions.timerange import shift
from segment.dimensions import DIMENSIONS

from ..formatting import as_datetime, count, fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from ..periods import NO_DATA, midnight
from .common import (
    as_float,
    cell,
    changes_line,
    chart_marks,
    cut_words,
    filter_phrase,
    grand_total,
    is_single_period,
    known_periods,
    no_data_note,
    period_text,
    range_phrase,
    series,
    total_changes,
    window_changes,
)


def events_of(result) -> float:
    return grand_total(result.as_dicts())["events"]


def present_volume(env: PresentEnv) -> Presentation:
    p = env.request.params
    event, unit, start, end = p["event"], p["interval"], p["start"], p["end"]
    rows = env.result.as_dicts()
    if p.get("group_by"):
        return _present_volume_breakdown(env, rows)
    total = grand_total(rows)
    shown = series([r for r in rows if r["period"] is not None], env, unit, ["events", "users"])
    events_total = int(total["events"] or 0)
    users_total = int(total["users"] or 0)
    chart_rows, highlight, known = shown, None, None
    if is_single_period(start, end, unit, env.week_start) and midnight(end) <= env.now:
        # one whole day/week/month: a context query gives the chart and most comparisons at once
        n = {"day": 14, "week": 12, "month": 13, "quarter": 8}[unit]
        ctx_start = shift(start, unit, -(n - 1))
        ctx = env.run({"start": ctx_start, "end": end}, "context").as_dicts()
        chart_rows = series([r for r in ctx if r["period"] is not None], env, unit, ["events", "users"], ctx_start, end)
        highlight = (midnight(start), midnight(end))
        known = known_periods(chart_rows, unit, "events")
    changes = total_changes(env, events_total, events_of, known=known)
    phrase = range_phrase(env)
    headline = (f"{fmt_number(events_total)} × {event} {range_words(phrase)}{filter_phrase(p)}, by "
                f"{count(users_total, 'user')}")
    table_rows = [(period_text(r, unit, env), cell(r, "events"), cell(r, "users")) for r in shown]
    table_rows.append(("Total", fmt_number(events_total), fmt_number(users_total)))
    chart = LineChart(
        title=f"{event} per {unit}{filter_phrase(p)}", subtitle=phrase,
        x=tuple(r["period"] for r in chart_rows),
        series=(Series("events", tuple(as_float(r["events"]) for r in chart_rows)),
                Series("users", tuple(as_float(r["users"]) for r in chart_rows), style="dashed")),
        granularity=unit, highlight=highlight, y_label=f"{event} per {unit}", **chart_marks(chart_rows),
    )
    return Presentation(
        title=f"{event} · {phrase}{filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{event} events", events_total, "int", tuple(changes)),
        table=Table(("Period", "Events", "Users"), tuple(table_rows), (False, True, True)),
        chart=chart, lines=[changes_line(changes)] if changes else [],
        definitions=_volume_definitions(env) + no_data_note(env, chart_rows))


def _volume_definitions(env: PresentEnv) -> list[str]:
    p = env.request.params
    unit = p["interval"]
    out = [f"Counted per {unit} by the event's timestamp in {env.timezone}{cut_words(env)}."]
    if p.get("group_by"):
        dim = DIMENSIONS[p["group_by"]]
        where = "on each event" if dim.level == "event" else "of the person (latest value)"
        out.append(f"{dim.label}: the value {where}; the top {p.get('top', 5)} values are shown, the rest as Other; "
                   "a person seen under two values counts in both.")
    return out


def _present_volume_breakdown(env: PresentEnv, rows: list[dict]) -> Presentation:
    p = env.request.params
    event, unit = p["event"], p["interval"]
    dim = DIMENSIONS[p["group_by"]]
    total = grand_total(rows)
    events_total, users_total = int(total["events"] or 0), int(total["users"] or 0)
    per_segment = sorted((r for r in rows if r["period"] is None and r.get("segment") is not None),
                         key=lambda r: (r["segment"] == "Other", -int(r["events"] or 0), str(r["segment"])))
    segments = [r["segment"] for r in per_segment]
    changes = window_changes(env, events_total)
    phrase = range_phrase(env)
    headline = (f"{fmt_number(events_total)} × {event} {range_words(phrase)}{filter_phrase(p)}, by "
                f"{count(users_total, 'user')} — by {dim.label.lower()}")
    shares = " · ".join(f"{r['segment']} {fmt_number(r['events'])} ({fmt_number(r['events'] / events_total, 'pct')})"
                        for r in per_segment if events_total)
    lines = ([changes_line(changes)] if changes else []) + ([shares] if shares else [])
    table_rows = tuple((str(r["segment"]), fmt_number(r["events"]),
                        fmt_number(r["events"] / events_total if events_total else None, "pct"), fmt_number(r["users"]))
                       for r in per_segment) + (("Total", fmt_number(events_total), "100.0%", fmt_number(users_total)),)
    periods = series([], env, unit, [])
    if not segments:
        chart = None
    elif len(periods) > 1:
        grid = {(as_datetime(r["period"]), r["segment"]): r for r in rows if r["period"] is not None}

        def value(b: dict, seg) -> float | None:
            return None if b["state"] == NO_DATA else float(grid[(b["period"], seg)]["events"]) if (
                b["period"], seg) in grid else 0.0

        chart = LineChart(
            title=f"{event} per {unit} by {dim.label.lower()}", subtitle=phrase + filter_phrase(p),
            x=tuple(b["period"] for b in periods),
            series=tuple(Series(str(seg), tuple(value(b, seg) for b in periods)) for seg in segments),
            granularity=unit, y_label=f"{event} per {unit}", **chart_marks(periods))
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
        chart=chart, lines=lines, definitions=_volume_definitions(env) + no_data_note(env, periods))
