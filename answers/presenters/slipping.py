"""slipping_away: the chance of doing an action again after d idle days, by how often it was done before."""

from __future__ import annotations

from charts.spec import Heatmap

from ..formatting import fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import range_phrase

FREQUENCIES = ("1", "2-3", "4-7", "8-15", "16+")
ALL = "All"


def present_slipping_away(env: PresentEnv) -> Presentation:
    p = env.request.params
    event = p["event"]
    cells: dict[tuple[str, int], tuple[int, int]] = {}
    for r in env.result.as_dicts():
        cells[(str(r["frequency"]), int(r["idle_days"]))] = (int(r["idle"]), int(r["came_back"]))
    idle_days = sorted({d for _, d in cells})
    for d in idle_days:
        cells[(ALL, d)] = (sum(v[0] for (f, x), v in cells.items() if x == d and f != ALL),
                           sum(v[1] for (f, x), v in cells.items() if x == d and f != ALL))
    rows = [f for f in FREQUENCIES if any((f, d) in cells for d in idle_days)] + [ALL]

    def rate(f: str, d: int) -> float | None:
        n, back = cells.get((f, d), (0, 0))
        return back / n if n else None

    phrase = range_phrase(env)
    key_day = 7 if 7 in idle_days else (idle_days[0] if idle_days else 7)
    key = rate(ALL, key_day)
    n_key = cells.get((ALL, key_day), (0, 0))[0]
    if key is None:
        headline = f"Not enough history for {event} {range_words(phrase)}: no 4-week window after {key_day} idle days is over yet"
    else:
        headline = (f"After {key_day} idle days, {fmt_number(key, 'pct')} of people who did {event} did it again within "
                    f"4 weeks (n={n_key:,} idle spells)")
    lines = []
    curve = [(d, rate(ALL, d)) for d in idle_days if rate(ALL, d) is not None]
    if curve:
        lines.append("Came back, by idle days: " + " · ".join(f"{d}d {fmt_number(v, 'pct')}" for d, v in curve))
    ends = [f for f in rows[:-1] if rate(f, key_day) is not None and cells[(f, key_day)][0] >= 20]
    if len(ends) >= 2:
        lo, hi = ends[0], ends[-1]
        lines.append(f"After {key_day} idle days: done {hi} times before {fmt_number(rate(hi, key_day), 'pct')} "
                     f"(n={cells[(hi, key_day)][0]:,}) vs {lo} time{'s' if lo != '1' else ''} "
                     f"{fmt_number(rate(lo, key_day), 'pct')} (n={cells[(lo, key_day)][0]:,})")
    label = {f: (f"{f} day" if f == "1" else f"{f} days") for f in FREQUENCIES} | {ALL: ALL}
    table_rows = tuple((label[f], *(f"{fmt_number(rate(f, d), 'pct')} (n={cells.get((f, d), (0, 0))[0]:,})"
                                   for d in idle_days)) for f in rows)
    chart = Heatmap(
        title=f"Chance of doing {event} again after idle days", subtitle=f"{phrase} · within 4 weeks after the idle days",
        row_labels=tuple(label[f] for f in rows), col_labels=tuple(str(d) for d in idle_days),
        values=tuple(tuple(rate(f, d) for d in idle_days) for f in rows),
        row_notes=tuple(f"n={cells.get((f, idle_days[0]), (0, 0))[0]:,}" if idle_days else "" for f in rows),
        x_label="idle days", y_label="days done before", scale_from=0)
    return Presentation(
        title=f"When people slip away from {event} · {phrase}", headline=headline,
        key=KeyNumber(f"Came back after {key_day} idle days", key, "pct"),
        table=Table(("Done before",) + tuple(f"{d} idle days" for d in idle_days), table_rows,
                    (False,) + (True,) * len(idle_days)),
        chart=chart, lines=lines,
        definitions=[f"n: idle spells (a person's day with {event} followed by at least d days without it) whose "
                     f"4-week return window ended by {env.today.isoformat()}."])
