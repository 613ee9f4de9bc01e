"""feature_adoption: people using a feature per period, as a share of active users, before/after launch;
with a breakdown, the share per value (feature users with that value / active users with that value)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from charts.spec import LineChart, Series
from segment.dimensions import DIMENSIONS, OTHER_LABEL

from ..formatting import as_datetime, count, fmt_day, fmt_number, period_end, period_label, period_words, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from ..periods import COMPLETE, NO_DATA, RUNNING, key_period
from .common import cell, chart_marks, filter_phrase, no_data_note, period_text, range_phrase, series

ANY = "Any of these"


def launch_split(periods: list[dict], launch: date, unit: str) -> tuple[list[dict], list[dict]]:
    """Complete periods wholly before the launch, and those starting on or after it."""

    at = datetime.combine(launch, datetime.min.time())
    before = [r for r in periods if r["complete"] and period_end(r["period"], unit) <= at]
    after = [r for r in periods if r["complete"] and r["period"] >= at]
    return before, after


def mean_share(rows: list[dict]) -> float | None:
    shares = [r["share"] for r in rows if r["share"] is not None]
    return sum(shares) / len(shares) if shares else None


@dataclass
class Overall:
    """The answer over everyone: one row per period with each feature's people, the active users and the
    share; the launch (given, or found as the first period used) and the key period."""

    rows: list[dict]
    features: list[str]
    label: str
    launch: date | None
    found: bool
    key_row: dict | None


def overall(env: PresentEnv, result_rows: list[dict]) -> Overall:
    p = env.request.params
    unit, events = p["interval"], list(p["events"])
    data: dict[tuple[datetime, str | None], int] = {}
    active: dict[datetime, int] = {}
    for r in result_rows:
        period = as_datetime(r["period"])
        active[period] = int(r["active_users"])
        data[(period, r["feature"])] = int(r["users"])
    features = events + ([ANY] if len(events) > 1 else [])

    def users(period: datetime, feature: str) -> int:
        return data.get((period, None if feature == ANY or len(events) == 1 else feature), 0)

    rows = []
    for b in series([], env, unit, []):
        n = active.get(b["period"], 0)
        row = {**b, "active": n, "complete": b["state"] == COMPLETE}
        for f in features:
            row[f] = None if b["state"] == NO_DATA else users(b["period"], f)
        row["share"] = users(b["period"], ANY) / n if n else None
        rows.append(row)
    label = events[0] if len(events) == 1 else " or ".join(events)
    launch, found = p.get("launch_date"), False
    with_data = [r for r in rows if r["state"] != NO_DATA]
    if launch is None:  # the first period with any use, after periods (with data) without any
        used = [r for r in with_data if r[features[-1]] > 0]
        if used and used[0] is not with_data[0]:
            launch, found = used[0]["period"].date(), True
    return Overall(rows, features, label, launch, found, key_period(rows))


def _headline(env: PresentEnv, o: Overall) -> str:
    key_row, unit = o.key_row, env.request.params["interval"]
    if key_row is None or not key_row["active"]:
        return f"No active users {range_words(range_phrase(env))}"
    return (f"{o.label}{filter_phrase(env.request.params)}: {count(key_row[o.features[-1]], 'person')} "
            f"{period_words(key_row['period'], unit)}{' so far' if key_row['state'] == RUNNING else ''}, "
            f"{fmt_number(key_row['share'], 'pct')} of {count(key_row['active'], 'active user')}")


def _summary_lines(env: PresentEnv, o: Overall) -> list[str]:
    """Before/after the launch, and each event's people in the key period when there are several."""
    unit, events, key_row = env.request.params["interval"], list(env.request.params["events"]), o.key_row
    lines: list[str] = []
    if o.launch is not None:
        before, after = launch_split(o.rows, o.launch, unit)
        how = "first used" if o.found else "launch"
        if before and after:
            lines.append(f"Before {how} ({fmt_day(o.launch, year=True)}): {fmt_number(mean_share(before), 'pct')} of "
                         f"active users per {unit} on average ({count(len(before), unit)}) · after: "
                         f"{fmt_number(mean_share(after), 'pct')} ({count(len(after), unit)})")
    if len(events) > 1 and key_row is not None and key_row["active"]:
        lines.append(f"{period_label(key_row['period'], unit)}: " + " · ".join(
            f"{e} {fmt_number(key_row[e])} ({fmt_number(key_row[e] / key_row['active'], 'pct')})" for e in events))
    return lines


def _definitions(env: PresentEnv, o: Overall) -> list[str]:
    unit = env.request.params["interval"]
    out = [f"Active users: signed-in people with any qualifying event in the {unit}."]
    if o.launch is not None:
        out.append(f"Before/after: the mean share over complete {unit}s wholly before "
                   f"{'the first use' if o.found else 'the launch date'} and those starting on or after it.")
    return out


def _marker(o: Overall):
    return (datetime.combine(o.launch, datetime.min.time()), "first used" if o.found else "launch") if o.launch else None


def present_feature_adoption(env: PresentEnv) -> Presentation:
    p = env.request.params
    if p.get("group_by"):
        return _present_breakdown(env)
    unit = p["interval"]
    o = overall(env, env.result.as_dicts())
    features, series_rows, phrase = o.features, o.rows, range_phrase(env)
    key_value = o.key_row["share"] if o.key_row is not None and o.key_row["active"] else None
    cols = ("Period", "Active users") + tuple(features) + ("Share",)
    table_rows = tuple((period_text(r, unit, env), cell(r, "active"), *(cell(r, f) for f in features),
                        "no data" if r["state"] == NO_DATA else fmt_number(r["share"], "pct")) for r in series_rows)
    chart = LineChart(
        title=f"{o.label}: share of active users per {unit}", subtitle=phrase,
        x=tuple(r["period"] for r in series_rows),
        series=tuple(Series(f, tuple(r[f] / r["active"] if r["active"] else None for r in series_rows),
                            style="dashed" if f == ANY else "solid") for f in features),
        granularity=unit, y_format="pct", y_label="share of active users", **chart_marks(series_rows),
        marker=_marker(o))
    return Presentation(
        title=f"Feature adoption: {o.label} · {phrase}", headline=_headline(env, o),
        key=KeyNumber(f"{o.label}: share of active users", key_value, "pct"),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=_summary_lines(env, o),
        definitions=_definitions(env, o) + no_data_note(env, series_rows))


def _present_breakdown(env: PresentEnv) -> Presentation:
    """Rows with segment NULL are the answer over everyone; the others (feature NULL: any of the events) are
    per value: a line, a table column and a chart series per value, besides "All"."""
    p = env.request.params
    unit, dim = p["interval"], DIMENSIONS[p["group_by"]]
    rows = env.result.as_dicts()
    o = overall(env, [r for r in rows if r["segment"] is None])
    grid = {(as_datetime(r["period"]), r["segment"]): (int(r["users"]), int(r["active_users"]))
            for r in rows if r["segment"] is not None}
    totals: dict[str, int] = {}
    for (_, seg), (_, active) in grid.items():
        totals[seg] = totals.get(seg, 0) + active
    segments = sorted(totals, key=lambda seg: (seg == OTHER_LABEL, -totals[seg], seg))
    by = dim.label.lower()

    def share(period: datetime, seg: str) -> float | None:
        used, active = grid.get((period, seg), (0, 0))
        return used / active if active else None

    def share_text(r: dict, seg: str) -> str:
        return "no data" if r["state"] == NO_DATA else fmt_number(share(r["period"], seg), "pct")

    lines = _summary_lines(env, o)
    key_row = o.key_row
    if key_row is not None and key_row["active"]:
        lines.insert(0, f"{period_label(key_row['period'], unit)} by {by}: " + " · ".join(
            f"{seg} {share_text(key_row, seg)} ({fmt_number(grid.get((key_row['period'], seg), (0, 0))[0])} of "
            f"{fmt_number(grid.get((key_row['period'], seg), (0, 0))[1])})" for seg in segments))
    cols = ("Period",) + tuple(segments) + ("All",)
    table_rows = tuple((period_text(r, unit, env),) + tuple(share_text(r, seg) for seg in segments)
                       + ("no data" if r["state"] == NO_DATA else fmt_number(r["share"], "pct"),) for r in o.rows)
    chart = LineChart(
        title=f"{o.label} by {by}: share of active users per {unit}", subtitle=range_phrase(env) + filter_phrase(p),
        x=tuple(r["period"] for r in o.rows),
        series=tuple(Series(str(seg), tuple(None if r["state"] == NO_DATA else share(r["period"], seg) for r in o.rows))
                     for seg in segments) + (Series("All", tuple(r["share"] for r in o.rows), style="dashed"),),
        granularity=unit, y_format="pct", y_label="share of active users", **chart_marks(o.rows), marker=_marker(o))
    top = p.get("top") or 5
    where = ("the value on each event: a person active under two values counts in both, All counts each person once"
             if dim.level == "event" else "the person's value")
    shown = (f"the {count(top, 'value')} with the most active users over the range, the rest as {OTHER_LABEL}"
             if OTHER_LABEL in segments else f"every value (up to {top}; more would show as {OTHER_LABEL})")
    definitions = _definitions(env, o) + [
        f"By {by}: {where}; per value, feature users / active users with that value in the {unit}"
        + (" (any of the events)" if len(o.features) > 1 else "") + f"; shown: {shown}."]
    key_value = key_row["share"] if key_row is not None and key_row["active"] else None
    return Presentation(
        title=f"Feature adoption: {o.label} by {by} · {range_phrase(env)}", headline=_headline(env, o),
        key=KeyNumber(f"{o.label}: share of active users", key_value, "pct"),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=definitions + no_data_note(env, o.rows))
