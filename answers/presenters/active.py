"""active_users: DAU with rolling WAU/MAU and stickiness, calendar WAU/MAU, breakdowns."""

from __future__ import annotations

from charts.spec import LineChart, Series
from questions.timerange import period_start, shift
from segment.dimensions import DIMENSIONS

from ..formatting import (
    as_datetime,
    count,
    fmt_moment,
    fmt_number,
    period_end,
    period_label,
    period_words,
    range_words,
)
from ..model import Change, KeyNumber, Presentation, PresentEnv, Table
from ..periods import COMPLETE, CUT, NO_DATA, RUNNING, key_period, midnight
from .common import (
    as_float,
    cell,
    changes_line,
    chart_marks,
    filter_phrase,
    known_periods,
    no_data_note,
    period_changes,
    period_text,
    range_phrase,
    series,
)

ROLLING_COLUMNS = ["dau", "wau", "mau", "stickiness"]
NAMES = {"dau": "DAU", "wau": "WAU (rolling 7 days)", "mau": "MAU (rolling 28 days)",
         "stickiness": "Stickiness (DAU/MAU)"}
CALENDAR_NAMES = {"hour": "Hourly active users", "day": "Daily active users",
                  "week": "Weekly active users", "month": "Monthly active users", "quarter": "Quarterly active users"}


def inside_one_period(env: PresentEnv, unit: str) -> bool:
    """A range shorter than one calendar `unit` that is not the start of one running now ("weekly active
    users yesterday"): no calendar week fits in it, so the answer is the rolling WAU/MAU on its days."""
    p = env.request.params
    start, end = p["start"], p["end"]
    if unit in ("hour", "quarter"):  # no rolling window of a quarter: its part inside the range is counted
        return False
    if end > shift(period_start(start, unit, env.week_start), unit, 1):
        return False
    running_start = period_start(start, unit, env.week_start) == start and midnight(end) > env.clock.as_of
    return not running_start and not (period_start(start, unit, env.week_start) == start
                                      and shift(start, unit, 1) == end)


def last_value(metric: str):
    """The metric of the last period a comparison query returned (0 when nobody was active)."""
    def measure(result) -> float:
        rows = result.as_dicts()
        return float(rows[-1][metric] or 0) if rows else 0.0
    return measure


def present_active_users(env: PresentEnv) -> Presentation:
    p = env.request.params
    if p.get("group_by"):
        return _present_active_breakdown(env)
    unit = p["interval"]
    rolling = unit == "day" or bool(p.get("rolling")) or p.get("metric") == "stickiness"  # DAU/MAU is daily
    result, overrides = env.result, {}
    if not rolling and inside_one_period(env, unit):
        rolling, overrides = True, {"rolling": True}
        result = env.run(overrides, "main")
    step = "day" if rolling else unit
    metric = "stickiness" if p.get("metric") == "stickiness" else (
        {"day": "dau", "week": "wau", "month": "mau"}[unit] if rolling else "active_users")
    name = NAMES.get(metric) or CALENDAR_NAMES.get(unit, "Active users")
    cols = ROLLING_COLUMNS if rolling else ["active_users"]
    shown = series(result.as_dicts(), env, step, cols)
    chart_rows = _with_context(env, shown, step, cols, overrides)
    fmt = "pct" if metric == "stickiness" else "int"
    key_row = key_period(shown)
    changes: list[Change] = []
    if key_row is not None:
        known = known_periods(chart_rows, step, metric)
        changes = period_changes(env, key_row, step, key_row[metric], last_value(metric), fmt, known, overrides)
    lines = [changes_line(changes, fmt)] if changes else []
    lines += _running_quarter(env, shown, key_row, step, metric, last_value(metric))
    complete_rows = [r for r in shown if r["state"] == COMPLETE]
    if len(complete_rows) > 1:
        avg = sum(float(r[metric] or 0) for r in complete_rows) / len(complete_rows)
        lines.append(f"Average {name} over {range_phrase(env)}: {fmt_number(avg, fmt)} "
                     f"({count(len(complete_rows), 'complete ' + step)})")
    if rolling and key_row is not None and metric != "stickiness" and key_row.get("stickiness") is not None:
        lines.append(f"Stickiness (DAU/MAU) {period_words(key_row['period'], 'day')}: "
                     f"{fmt_number(key_row['stickiness'], 'pct')}")
    return Presentation(
        title=f"{name} · {range_phrase(env)}", headline=_headline(env, name, key_row, metric, step, fmt),
        key=KeyNumber(name, None if key_row is None else as_float(key_row[metric]), fmt, tuple(changes)),
        table=_table(env, shown, rolling, step, name),
        chart=_chart(env, chart_rows, rolling, metric, step, name, fmt, key_row if chart_rows is not shown else None),
        lines=lines, definitions=_definitions(env, rolling, step, shown))


def _with_context(env: PresentEnv, shown: list[dict], step: str, cols: list[str], overrides: dict) -> list[dict]:
    """A series of one or two periods says little alone: the chart shows the periods before it too."""
    if len(shown) >= 3 or not shown:
        return shown
    key = key_period(shown) or shown[-1]
    n = 14 if step == "day" else 8
    ctx_start = shift(key["period"].date(), step, -(n - 1))
    ctx_end = min(env.request.params["end"], period_end(key["period"], step).date())
    if ctx_end <= key["period"].date():
        ctx_end = shift(key["period"].date(), step, 1)
    rows = env.run({**overrides, "start": ctx_start, "end": ctx_end}, "context").as_dicts()
    return series(rows, env, step, cols, ctx_start, ctx_end)


def _running_quarter(env: PresentEnv, shown: list[dict], key_row: dict | None, step: str, metric: str,
                     measure) -> list[str]:
    """Quarters are long: the one still running, shown after the complete one the headline is about ("q3 vs q4
    to date"), gets its own line, compared with the same number of days of the quarter before."""
    running = shown[-1] if shown else None
    if step != "quarter" or running is None or running is key_row or running["state"] != RUNNING:
        return []
    changes = period_changes(env, running, step, running[metric], measure)
    head = (f"{period_label(running['period'], step)} so far (to {fmt_moment(env.clock.as_of)}): "
            f"{fmt_number(running[metric])}")
    return [" · ".join([head, changes_line(changes)]) if changes else head]


def _headline(env: PresentEnv, name: str, key_row: dict | None, metric: str, step: str, fmt: str) -> str:
    p = env.request.params
    if key_row is None:
        return f"{name}{filter_phrase(p)}: no data {range_words(range_phrase(env))}"
    so_far = f" so far (to {fmt_moment(env.clock.as_of)})" if key_row["state"] == RUNNING else ""
    when = period_words(key_row["period"], step)
    if step == "quarter" and key_row["state"] == CUT:  # "quarterly active users last month": the range's part
        when = f"{range_words(range_phrase(env))}, of {period_label(key_row['period'], step)}"
    return f"{name}{filter_phrase(p)}: {fmt_number(key_row[metric], fmt)} {when}{so_far}"


def _table(env: PresentEnv, shown: list[dict], rolling: bool, step: str, name: str) -> Table:
    if rolling:
        return Table(("Day", "DAU", "WAU (7d)", "MAU (28d)", "DAU/MAU"), tuple(
            (period_text(r, "day", env), cell(r, "dau"), cell(r, "wau"), cell(r, "mau"), cell(r, "stickiness", "pct"))
            for r in shown), (False, True, True, True, True))
    return Table((step.capitalize(), name), tuple((period_text(r, step, env), cell(r, "active_users")) for r in shown),
                 (False, True))


def _chart(env: PresentEnv, rows: list[dict], rolling: bool, metric: str, step: str, name: str, fmt: str,
           asked: dict | None = None) -> LineChart:
    """The series (or, around a period or two, the periods before them too, with the asked one shaded)."""
    if rolling and metric == "stickiness":
        lines = (Series("DAU/MAU", tuple(as_float(r["stickiness"]) for r in rows)),)
    elif rolling:
        lines = (Series("DAU", tuple(as_float(r["dau"]) for r in rows)),
                 Series("WAU (7d)", tuple(as_float(r["wau"]) for r in rows)),
                 Series("MAU (28d)", tuple(as_float(r["mau"]) for r in rows)))
    else:
        lines = (Series(name, tuple(as_float(r["active_users"]) for r in rows)),)
    highlight = None if asked is None else (asked["period"], period_end(asked["period"], step))
    return LineChart(title=name, subtitle=range_phrase(env), x=tuple(r["period"] for r in rows), series=lines,
                     granularity=step, y_format=fmt, y_label="share" if fmt == "pct" else "people",
                     highlight=highlight, **chart_marks(rows))


def _definitions(env: PresentEnv, rolling: bool, step: str, shown: list[dict]) -> list[str]:
    p = env.request.params
    event_note = f" doing {p['event']}" if p.get("event") else ""
    anon = "including anonymous visitors" if p.get("include_anonymous") else "signed-in people only"
    units = "hours" if p["interval"] == "hour" else "days"
    out = [f"Active: at least one event{event_note} in the period ({anon}); {units} in {env.timezone}."]
    if rolling and p["interval"] != "day":  # "stickiness weekly": a number of each day, asked per week
        what = "Stickiness (DAU/MAU) is" if p.get("metric") == "stickiness" else "Rolling WAU and MAU are"
        span = range_phrase(env)
        span = f"the {span}" if span.startswith(("last ", "past ")) else span
        out.append(f"{what} a number of each day: asked per {p['interval']}, it is shown for each day of "
                   f"{span} (WAU/MAU over the 7/28 days ending on that day).")
    return out + no_data_note(env, shown)


def _present_active_breakdown(env: PresentEnv) -> Presentation:
    unit = env.request.params["interval"]
    dim = DIMENSIONS[env.request.params["group_by"]]
    definition = (f"Active: at least one event in the {unit}; {dim.label.lower()} is the value on each event "
                  "(a person active under two values counts in both; All counts each person once)."
                  if dim.level == "event" else
                  f"Active: at least one event in the {unit}; {dim.label.lower()} is the person's latest value.")
    return present_active_segments(env, dim.label, definition)


def present_active_by_lookup(env: PresentEnv) -> Presentation:
    """Active users per segment, where the segment came from another warehouse (playbooks/federation.py)."""
    label = env.playbook.title.split(" by ", 1)[-1]
    return present_active_segments(env, label[:1].upper() + label[1:],
                                   f"{label[:1].upper() + label[1:]}: the value in the {env.playbook.lookups[0].warehouse} "
                                   "database today; people it does not know are shown as such.")


def _everyone(result) -> float:
    rows = [r for r in result.as_dicts() if r["segment"] is None]
    return float(rows[-1]["active_users"] or 0) if rows else 0.0


def present_active_segments(env: PresentEnv, label: str, definition: str) -> Presentation:
    """Rows (period, segment, active_users), with segment NULL for everyone once: lines per segment."""
    p = env.request.params
    unit = p["interval"]
    rows = env.result.as_dicts()
    totals = series([r for r in rows if r["segment"] is None], env, unit, ["active_users"])
    grid = {(as_datetime(r["period"]), r["segment"]): int(r["active_users"]) for r in rows if r["segment"] is not None}
    seg_totals: dict[str, int] = {}
    for (_, seg), n in grid.items():
        seg_totals[seg] = seg_totals.get(seg, 0) + n
    segments = sorted(seg_totals, key=lambda seg: (seg == "Other", -seg_totals[seg], seg))
    name = CALENDAR_NAMES.get(unit, "Active users")
    key_row = key_period(totals)
    changes: list[Change] = []
    lines: list[str] = []
    if key_row is not None:
        changes = period_changes(env, key_row, unit, key_row["active_users"], _everyone,
                                 known=known_periods(totals, unit, "active_users"))
        lines += _running_quarter(env, totals, key_row, unit, "active_users", _everyone)
        lines.append(f"{period_label(key_row['period'], unit)} by {label.lower()}: " + " · ".join(
            f"{seg} {fmt_number(grid.get((key_row['period'], seg), 0))}" for seg in segments))
    key_value = None if key_row is None else key_row["active_users"]
    when = period_words(key_row["period"], unit) if key_row else range_phrase(env)
    so_far = f" so far (to {fmt_moment(env.clock.as_of)})" if key_row and key_row["state"] == RUNNING else ""
    headline = f"{name}{filter_phrase(p)}: {fmt_number(key_value)} {when}{so_far}"

    def value(r: dict, seg) -> str:
        return "no data" if r["state"] == NO_DATA else fmt_number(grid.get((r["period"], seg), 0))

    cols = (unit.capitalize(),) + tuple(str(seg) for seg in segments) + ("All",)
    table_rows = tuple((period_text(r, unit, env),) + tuple(value(r, seg) for seg in segments)
                       + (cell(r, "active_users"),) for r in totals)
    chart = LineChart(
        title=f"{name} by {label.lower()}", subtitle=range_phrase(env) + filter_phrase(p),
        x=tuple(r["period"] for r in totals),
        series=tuple(Series(str(seg), tuple(None if r["state"] == NO_DATA else float(grid.get((r["period"], seg), 0))
                                            for r in totals)) for seg in segments)
        + (Series("All", tuple(as_float(r["active_users"]) for r in totals), style="dashed"),),
        granularity=unit, y_label="people", **chart_marks(totals))
    return Presentation(
        title=f"{name} by {label.lower()} · {range_phrase(env)}", headline=headline,
        key=KeyNumber(name, as_float(key_value), "int", tuple(changes)),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart,
        lines=([changes_line(changes)] if changes else []) + lines,
        definitions=[definition] + no_data_note(env, totals))

