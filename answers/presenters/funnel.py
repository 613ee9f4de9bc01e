"""funnel: people per ordered step, conversion from the previous step and from the start, median times."""

from __future__ import annotations

from datetime import datetime, timedelta

from charts.spec import FunnelChart, Series
from segment.dimensions import DIMENSIONS

from ..formatting import count, fmt_duration, fmt_moment, fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import filter_phrase, range_phrase


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def present_funnel(env: PresentEnv) -> Presentation:
    p = env.request.params
    steps: tuple[str, ...] = p["events"]
    window = int(p["window_days"])
    n = len(steps)
    rows = env.result.as_dicts()
    counts: dict[str | None, list[int]] = {}
    medians: dict[str | None, list[float | None]] = {}
    for r in rows:
        seg = r["segment"]
        counts.setdefault(seg, [0] * n)[int(r["step"]) - 1] = int(r["users"])
        medians.setdefault(seg, [None] * n)[int(r["step"]) - 1] = (
            None if r["median_seconds"] is None else float(r["median_seconds"]))
    overall = counts.get(None, [0] * n)
    overall_median = medians.get(None, [None] * n)
    entered, finished = overall[0], overall[-1]
    conversion = _ratio(finished, entered)
    arrow = " → ".join(steps)
    phrase = range_phrase(env)
    headline = (f"{fmt_number(conversion, 'pct')} of {count(entered, 'person')} who did {steps[0]}{filter_phrase(p)} "
                f"went on to {steps[-1]} within {count(window, 'day')} ({fmt_number(finished)})" if entered else
                f"Nobody did {steps[0]}{filter_phrase(p)} {range_words(phrase)}, so nobody entered the funnel")
    lines = []
    if entered and n > 2:
        kept = [(_ratio(overall[i], overall[i - 1]), i) for i in range(1, n) if overall[i - 1]]
        if kept:
            worst, i = min(kept)
            lines.append(f"Biggest drop: {steps[i - 1]} → {steps[i]}, {fmt_number(worst, 'pct')} continued "
                         f"({fmt_number(overall[i])} of {fmt_number(overall[i - 1])})")
    segments = [s for s in counts if s is not None]
    segments.sort(key=lambda s: (s == "Other", -counts[s][0], s))
    dim = DIMENSIONS[p["group_by"]] if p.get("group_by") else None
    if dim is not None and segments:
        lines.append(f"By {dim.label.lower()}: " + " · ".join(
            f"{s} {fmt_number(_ratio(counts[s][-1], counts[s][0]), 'pct')} (n={fmt_number(counts[s][0])})"
            for s in segments))
    if dim is None:
        table = Table(("Step", "Event", "People", "From previous", "From start", "Median time from previous"), tuple(
            (str(i + 1), steps[i], fmt_number(overall[i]),
             "–" if i == 0 else fmt_number(_ratio(overall[i], overall[i - 1]), "pct"),
             fmt_number(_ratio(overall[i], entered), "pct"), fmt_duration(overall_median[i]))
            for i in range(n)), (False, False, True, True, True, True))
    else:
        table = Table((dim.label,) + tuple(f"{i + 1}. {s}" for i, s in enumerate(steps)) + ("Conversion",), tuple(
            (seg,) + tuple(fmt_number(c[i]) if i == 0 else f"{fmt_number(c[i])} ({fmt_number(_ratio(c[i], c[0]), 'pct')})"
                           for i in range(n)) + (fmt_number(_ratio(c[-1], c[0]), "pct"),)
            for seg, c in [(s, counts[s]) for s in segments] + [("All", overall)]),
            (False,) + (True,) * (n + 1))
    notes = tuple("" if i == 0 else f"{fmt_number(_ratio(overall[i], overall[i - 1]), 'pct')} of previous · "
                  f"median {fmt_duration(overall_median[i])}" for i in range(n)) if dim is None else ()
    series = (tuple(Series(str(s), tuple(float(v) for v in counts[s])) for s in segments) if dim is not None
              else (Series("people", tuple(float(v) for v in overall)),))
    chart = FunnelChart(title=f"Funnel: {arrow}" if len(arrow) < 60 else f"Funnel: {steps[0]} → … → {steps[-1]} ({n} steps)",
                        subtitle=f"entered {phrase}{filter_phrase(p)} · {window}-day window"
                        + (f" · by {dim.label.lower()}" if dim else ""),
                        steps=tuple(f"{i + 1}. {s}" for i, s in enumerate(steps)), series=series, notes=notes)
    warnings = []
    late = datetime.combine(p["end"], datetime.min.time()) - timedelta(days=window)
    if datetime.combine(p["end"], datetime.min.time()) > env.now - timedelta(days=window) and late < env.now:
        warnings.append(f"People who entered after {fmt_moment(max(late, datetime.combine(p['start'], datetime.min.time())))} "
                        f"have had less than {window} days to finish, so the latest conversion is still rising.")
    who = (f"{dim.label.lower()} is the value on the entering event" if dim is not None and dim.level == "event" else
           f"{dim.label.lower()} is the person's" if dim is not None else "")
    definitions = [
        f"Entered: a person's first {steps[0]} in the range; each next step counts at its first occurrence after the "
        f"previous step and within {window} days of entering (window_days=N to change).",
        "From previous / from start: people at the step ÷ people at the step before / who entered. "
        f"Median time: between consecutive steps, among people who did both, in {env.timezone} wall-clock time."
        + (f" Segments: {who}; top {p['top']} and Other." if who else ""),
    ]
    return Presentation(
        title=f"Funnel: {arrow} · {phrase}{filter_phrase(p)}", headline=headline,
        key=KeyNumber(f"{steps[0]} → {steps[-1]} conversion", conversion, "pct"),
        table=table, chart=chart, lines=lines, definitions=definitions, warnings=warnings)
