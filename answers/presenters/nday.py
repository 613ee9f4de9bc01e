"""nday_retention: D1/D7/D14/D28 retention per segment, only for people whose day N is over."""

from __future__ import annotations

from charts.spec import Heatmap
from segment.dimensions import DIMENSIONS, OTHER_LABEL

from ..formatting import fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import filter_phrase, range_phrase

WEEKDAY_ORDER = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ALL_LABEL = "All people"


def segment_order(segments: list[str], size: dict[str, int], dimension: str) -> list[str]:
    """Weekdays in calendar order; other segments largest first; Other last."""
    if dimension == "signup_weekday":
        return sorted(segments, key=lambda s: (s not in WEEKDAY_ORDER, WEEKDAY_ORDER.index(s) if s in WEEKDAY_ORDER else 0, s))
    return sorted(segments, key=lambda s: (s == OTHER_LABEL, -size.get(s, 0), s))


def present_nday_retention(env: PresentEnv) -> Presentation:
    p = env.request.params
    dim = DIMENSIONS[p["group_by"]]
    cells: dict[tuple[str, int], tuple[int, int]] = {}
    for r in env.result.as_dicts():
        cells[(str(r["segment"]), int(r["day_n"]))] = (int(r["eligible"]), int(r["retained"]))
    days = sorted({n for _, n in cells}) or [1, 7, 14, 28]
    for n in days:  # each person is in one segment, so segments add up to everyone
        eligible = sum(e for (s, d), (e, _) in cells.items() if d == n)
        kept = sum(k for (s, d), (_, k) in cells.items() if d == n)
        cells[(ALL_LABEL, n)] = (eligible, kept)
    size = {s: e for (s, n), (e, _) in cells.items() if n == days[0]}
    segments = segment_order([s for s in size if s != ALL_LABEL], size, dim.name) + [ALL_LABEL]

    def rate(segment: str, n: int) -> float | None:
        eligible, kept = cells.get((segment, n), (0, 0))
        return kept / eligible if eligible else None

    phrase = range_phrase(env)
    key_day = 7 if 7 in days else days[0]
    overall = rate(ALL_LABEL, key_day)
    headline = (" · ".join(f"D{n} {fmt_number(rate(ALL_LABEL, n), 'pct')} (n={cells[(ALL_LABEL, n)][0]:,})"
                           for n in days if cells.get((ALL_LABEL, n), (0, 0))[0])
                or f"No one who signed up {range_words(phrase)} has reached day {days[0]} yet")
    kind = "24-hour days since signup" if p.get("periods") == "since_signup" else "calendar days"
    headline = f"N-day retention ({kind}) of people who signed up {range_words(phrase)}{filter_phrase(p)}: {headline}"
    ranked = [(rate(s, key_day), s) for s in segments[:-1] if rate(s, key_day) is not None]
    lines = []
    if len(ranked) >= 2:
        hi, lo = max(ranked), min(ranked)
        lines.append(f"D{key_day} by {dim.label.lower()}: highest {hi[1]} {fmt_number(hi[0], 'pct')} "
                     f"(n={cells[(hi[1], key_day)][0]:,}), lowest {lo[1]} {fmt_number(lo[0], 'pct')} "
                     f"(n={cells[(lo[1], key_day)][0]:,})")
    cols = (dim.label,) + tuple(f"D{n}" for n in days)
    table_rows = tuple((s, *(f"{fmt_number(rate(s, n), 'pct')} (n={cells.get((s, n), (0, 0))[0]:,})" for n in days))
                       for s in segments)
    chart = Heatmap(
        title=f"N-day retention by {dim.label.lower()}", subtitle=f"{kind} · signups {phrase}{filter_phrase(p)}",
        row_labels=tuple(segments), col_labels=tuple(f"day {n}" for n in days),
        values=tuple(tuple(rate(s, n) for n in days) for s in segments),
        row_notes=tuple(f"n={size.get(s, 0):,}" for s in segments),
        x_label="24-hour days since signup" if p.get("periods") == "since_signup" else "calendar days since signup",
        y_label=dim.label.lower(), scale_from=0)
    since = p.get("periods") == "since_signup"
    if since:
        how = ("in the N-th 24 hours after signing up or any time after (up to now)" if p.get("retained") == "on_or_after"
               else "in the N-th 24 hours after signing up (from N x 24 to (N+1) x 24 hours after the signup moment)")
    else:
        how = ("on day N or any day after it (up to today)" if p.get("retained") == "on_or_after"
               else "on day N itself")
    event_note = f"doing {p['event']}" if p.get("event") else "with any event"
    return Presentation(
        title=f"N-day retention by {dim.label.lower()} · signups {phrase}{filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"D{key_day} retention", overall, "pct"),
        table=Table(cols, table_rows, (False,) + (True,) * len(days)), chart=chart, lines=lines,
        definitions=[f"Retained on day N: active ({event_note}) {how}. A person counts for day N only once "
                     f"day N is over (as of {env.now:%Y-%m-%d %H:%M}), so n shrinks for longer windows.",
                     ("Day N: 24-hour windows from each person's signup moment (periods=since_signup, Amplitude's "
                      "n-day); the default counts calendar days." if since else
                      "Day N: the N-th calendar day after the signup day, in the configured timezone (day 0 = the "
                      "signup day); periods=since_signup counts 24-hour windows from the signup moment instead."),
                     f"{dim.label}: the value on the person's signup event; the top {p.get('top')} by signups are "
                     "shown, the rest as Other. n in a cell: the people whose day N is over; beside the chart: "
                     "the people in the segment whose day 1 is over."])
