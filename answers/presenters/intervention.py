"""intervention_impact: daily activity from 30 days before to 30 days after an intervention, by user age."""

from __future__ import annotations

from charts.spec import LineChart, Series

from ..formatting import count, fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import range_phrase

AGES = ("0-29 days", "30-59 days", "60+ days")
ALL = "All"
OFFSETS = tuple(range(-30, 31))


def window_mean(shares: dict[int, float], days: range) -> float | None:
    values = [shares[d] for d in days if d in shares]
    return sum(values) / len(values) if values else None


def present_intervention_impact(env: PresentEnv) -> Presentation:
    p = env.request.params
    event = p["event"]
    people: dict[str, int] = {}
    active: dict[tuple[str, int], int] = {}
    for r in env.result.as_dicts():
        people[r["user_age"]] = int(r["people"])
        if r["day_offset"] is not None:
            active[(r["user_age"], int(r["day_offset"]))] = int(r["active"])
    groups = [g for g in AGES if g in people] + [g for g in people if g not in AGES]
    people[ALL] = sum(people[g] for g in groups)
    for d in OFFSETS:  # each person is in one age group, so groups add up
        active[(ALL, d)] = sum(active.get((g, d), 0) for g in groups)
    shares = {g: {d: active.get((g, d), 0) / people[g] for d in OFFSETS} for g in groups + [ALL] if people[g]}
    before, after = range(-30, 0), range(1, 31)
    phrase = range_phrase(env)
    if not people[ALL]:
        headline = f"No one got {event} {range_words(phrase)} with 30 days since"
        key = None
    else:
        b, a = window_mean(shares[ALL], before), window_mean(shares[ALL], after)
        key = a - b
        headline = (f"After {event}, people were active on {fmt_number(a, 'pct')} of days in the next 30 vs "
                    f"{fmt_number(b, 'pct')} in the 30 before ({'+' if key >= 0 else '−'}{abs(key) * 100:.1f} pts, "
                    f"n={count(people[ALL], 'person')})")
    lines = [f"User age {g}: {fmt_number(window_mean(shares[g], before), 'pct')} before → "
             f"{fmt_number(window_mean(shares[g], after), 'pct')} after (n={people[g]:,})" for g in groups if people[g]]
    table_rows = tuple((g, f"{people[g]:,}", fmt_number(window_mean(shares[g], before), "pct"),
                        fmt_number(shares[g][0], "pct"), fmt_number(window_mean(shares[g], range(1, 8)), "pct"),
                        fmt_number(window_mean(shares[g], after), "pct")) for g in groups + [ALL] if people[g])
    chart = LineChart(
        title=f"Active around {event}", subtitle=f"share active per day · first {event} per person {phrase} · "
        "lines by user age",
        x=OFFSETS, series=tuple(Series(g, tuple(shares[g][d] for d in OFFSETS),
                                       style="dashed" if g == ALL else "solid") for g in groups + [ALL] if people[g]),
        y_format="pct", marker=(0, event), y_label="share of people active that day",
        x_label=f"days from each person's first {event}")
    return Presentation(
        title=f"Intervention impact: {event} · {phrase}", headline=headline,
        key=KeyNumber("Change in daily active share (after − before)", key, "pct"),
        table=Table(("User age", "People", "Days −30…−1", "Day 0", "Days 1…7", "Days 1…30"), table_rows,
                    (False,) + (True,) * 5),
        chart=chart, lines=lines,
        definitions=[f"Each person's first {event} in the range; the share of them active on each day from 30 before "
                     "to 30 after; before/after are means over those days. Correlation, not cause: who gets the "
                     "intervention is usually not random (re-engagement emails go to people who lapsed)."])
