"""active_users: DAU with rolling WAU/MAU and stickiness, calendar WAU/MAU, breakdowns."""

from __future__ import annotations

from datetime import timedelta

from charts.spec import LineChart, Series
from questions.timerange import shift
from segment.dimensions import DIMENSIONS

from ..formatting import as_datetime, fmt_number, period_label, unit_noun
from ..model import Change, KeyNumber, Presentation, PresentEnv, Table
from .common import as_float, changes_line, complete, densify, filter_phrase, make_change, partial_index, range_phrase


def present_active_users(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit, start, end = p["interval"], p["start"], p["end"]
    if p.get("group_by"):
        return _present_active_breakdown(env)
    rolling = unit == "day" or p.get("rolling") or p.get("metric") == "stickiness"  # DAU/MAU is a daily ratio
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
        compare = p.get("compare")  # asked for: only that comparison ("vs last week" on a weekly series is the week before)
        if prev in have and (compare in (None, "previous") or (compare == "week" and step == "week")):
            changes.append(make_change(f"vs the {step} before ({period_label(prev, step)})", key_row[metric],
                                   have[prev][metric], fmt))
        if step == "day" and key_bucket.date() - timedelta(days=7) in have and compare in (None, "week"):
            lw = key_bucket.date() - timedelta(days=7)
            changes.append(make_change(f"vs the same day last week ({period_label(lw, 'day')})", key_row[metric],
                                   have[lw][metric], fmt))
    key_value = None if key_row is None else key_row[metric]
    key_label = "" if key_row is None else period_label(key_row["period"], step)
    so_far = key_row is not None and not complete(key_row["period"], step, env.now)
    when = f"on {key_label}" if step == "day" else f"in {key_label}"
    headline = f"{names[metric]}{filter_phrase(p)}: {fmt_number(key_value, fmt)} {when}" + (" (so far)" if so_far else "")
    lines = [changes_line(changes, fmt)] if changes else []
    complete_rows = [r for r in series if complete(r["period"], step, env.now)]
    if len(complete_rows) > 1:
        avg = sum(float(r[metric] or 0) for r in complete_rows) / len(complete_rows)
        lines.append(f"Average {names[metric]} over {range_phrase(env)}: {fmt_number(avg, fmt)} "
                     f"({len(complete_rows)} complete {unit_noun(step, len(complete_rows))})")
    if rolling and key_row is not None and metric != "stickiness" and key_row.get("stickiness") is not None:
        lines.append(f"Stickiness (DAU/MAU) on {key_label}: {fmt_number(key_row['stickiness'], 'pct')}")
    if rolling:
        table = Table(("Day", "DAU", "WAU (7d)", "MAU (28d)", "DAU/MAU"), tuple(
            (period_label(r["period"], "day"), fmt_number(r["dau"]), fmt_number(r["wau"]), fmt_number(r["mau"]),
             fmt_number(r["stickiness"], "pct")) for r in series), (False, True, True, True, True))
        chart_series = ((Series("DAU/MAU", tuple(as_float(r["stickiness"]) for r in chart_rows)),) if metric == "stickiness"
                        else (Series("DAU", tuple(as_float(r["dau"]) for r in chart_rows)),
                              Series("WAU (7d)", tuple(as_float(r["wau"]) for r in chart_rows)),
                              Series("MAU (28d)", tuple(as_float(r["mau"]) for r in chart_rows))))
    else:
        table = Table((unit.capitalize(), names[metric]), tuple(
            (period_label(r["period"], unit), fmt_number(r["active_users"])) for r in series), (False, True))
        chart_series = (Series(names[metric], tuple(as_float(r["active_users"]) for r in chart_rows)),)
    chart = LineChart(title=names[metric], subtitle=range_phrase(env), x=tuple(r["period"] for r in chart_rows),
                      series=chart_series, granularity=step, y_format=fmt,
                      partial_from=partial_index(chart_rows, step, env.now,
                                                 chart_rows[0]["period"].date() if chart_rows else start, end))
    event_note = f" doing {p['event']}" if p.get("event") else ""
    anon = "including anonymous visitors" if p.get("include_anonymous") else "signed-in people only"
    return Presentation(
        title=f"{names[metric]} · {range_phrase(env)}", headline=headline,
        key=KeyNumber(names[metric], None if key_value is None else float(key_value), fmt, tuple(changes)),
        table=table, chart=chart, lines=lines,
        definitions=[f"Active: at least one event{event_note} in the period ({anon}); days in {env.timezone}."])


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


def present_active_segments(env: PresentEnv, label: str, definition: str) -> Presentation:
    """Rows (period, segment, active_users), with segment NULL for everyone once: lines per segment."""
    p = env.request.params
    unit, start, end = p["interval"], p["start"], p["end"]
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
            changes.append(make_change(f"vs the {unit} before ({period_label(prev['period'], unit)})",
                                   key_row["active_users"], prev["active_users"]))
        lines.append(f"{period_label(key_row['period'], unit)} by {label.lower()}: " + " · ".join(
            f"{seg} {fmt_number(grid.get((key_row['period'], seg), 0))}" for seg in segments))
    key_value = None if key_row is None else key_row["active_users"]
    when = period_label(key_row["period"], unit) if key_row else "–"
    headline = f"{name}{filter_phrase(p)}: {fmt_number(key_value)} {'on' if unit == 'day' else 'in'} {when}"
    cols = (unit.capitalize(),) + tuple(str(seg) for seg in segments) + ("All",)
    table_rows = tuple((period_label(r["period"], unit),) + tuple(fmt_number(grid.get((r["period"], seg), 0))
                                                                   for seg in segments)
                       + (fmt_number(r["active_users"]),) for r in totals)
    chart = LineChart(
        title=f"{name} by {label.lower()}", subtitle=range_phrase(env) + filter_phrase(p),
        x=tuple(r["period"] for r in totals),
        series=tuple(Series(str(seg), tuple(float(grid.get((r["period"], seg), 0)) for r in totals)) for seg in segments)
        + (Series("All", tuple(float(r["active_users"] or 0) for r in totals), style="dashed"),),
        granularity=unit, partial_from=partial_index(totals, unit, env.now, start, end))
    return Presentation(
        title=f"{name} by {label.lower()} · {range_phrase(env)}", headline=headline,
        key=KeyNumber(name, None if key_value is None else float(key_value), "int", tuple(changes)),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart,
        lines=([changes_line(changes)] if changes else []) + lines,
        definitions=[definition])
