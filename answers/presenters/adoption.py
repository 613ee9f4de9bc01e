"""feature_adoption: people using a feature per period, as a share of active users, before/after launch."""

from __future__ import annotations

from datetime import date, datetime

from charts.spec import LineChart, Series

from ..formatting import as_datetime, count, fmt_day, fmt_number, period_end, period_label, period_words, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from ..periods import COMPLETE, NO_DATA, RUNNING, key_period
from .common import cell, chart_marks, no_data_note, period_text, range_phrase, series

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


def present_feature_adoption(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit, events = p["interval"], list(p["events"])
    data: dict[tuple[datetime, str | None], int] = {}
    active: dict[datetime, int] = {}
    for r in env.result.as_dicts():
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
    series_rows = rows
    label = events[0] if len(events) == 1 else " or ".join(events)
    launch, found = p.get("launch_date"), False
    with_data = [r for r in series_rows if r["state"] != NO_DATA]
    if launch is None:  # the first period with any use, after periods (with data) without any
        used = [r for r in with_data if r[features[-1]] > 0]
        if used and used[0] is not with_data[0]:
            launch, found = used[0]["period"].date(), True
    key_row = key_period(series_rows)
    phrase = range_phrase(env)
    lines: list[str] = []
    if key_row is None or not key_row["active"]:
        headline = f"No active users {range_words(phrase)}"
        key_value = None
    else:
        key_value = key_row["share"]
        headline = (f"{label}: {count(key_row[features[-1]], 'person')} {period_words(key_row['period'], unit)}"
                    f"{' so far' if key_row['state'] == RUNNING else ''}, {fmt_number(key_value, 'pct')} of "
                    f"{count(key_row['active'], 'active user')}")
    if launch is not None:
        before, after = launch_split(series_rows, launch, unit)
        how = "first used" if found else "launch"
        if before and after:
            lines.append(f"Before {how} ({fmt_day(launch, year=True)}): {fmt_number(mean_share(before), 'pct')} of "
                         f"active users per {unit} on average ({count(len(before), unit)}) · after: "
                         f"{fmt_number(mean_share(after), 'pct')} ({count(len(after), unit)})")
    if len(events) > 1 and key_row is not None and key_row["active"]:
        lines.append(f"{period_label(key_row['period'], unit)}: " + " · ".join(
            f"{e} {fmt_number(key_row[e])} ({fmt_number(key_row[e] / key_row['active'], 'pct')})" for e in events))
    cols = ("Period", "Active users") + tuple(features) + ("Share",)
    table_rows = tuple((period_text(r, unit, env), cell(r, "active"), *(cell(r, f) for f in features),
                        "no data" if r["state"] == NO_DATA else fmt_number(r["share"], "pct")) for r in series_rows)
    chart = LineChart(
        title=f"{label}: share of active users per {unit}", subtitle=phrase,
        x=tuple(r["period"] for r in series_rows),
        series=tuple(Series(f, tuple(r[f] / r["active"] if r["active"] else None for r in series_rows),
                            style="dashed" if f == ANY else "solid") for f in features),
        granularity=unit, y_format="pct", y_label="share of active users", **chart_marks(series_rows),
        marker=(datetime.combine(launch, datetime.min.time()), "first used" if found else "launch") if launch else None)
    definitions = [f"Active users: signed-in people with any qualifying event in the {unit}."]
    if launch is not None:
        definitions.append(f"Before/after: the mean share over complete {unit}s wholly before "
                           f"{'the first use' if found else 'the launch date'} and those starting on or after it.")
    return Presentation(
        title=f"Feature adoption: {label} · {phrase}", headline=headline,
        key=KeyNumber(f"{label}: share of active users", key_value, "pct"),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=definitions + no_data_note(env, series_rows))
