"""sessions: sessions per period, their length, events per session and the web bounce rate."""

from __future__ import annotations

from charts.spec import BarChart, LineChart, Series
from segment.dimensions import DIMENSIONS

from ..formatting import count, fmt_duration, fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from ..periods import NO_DATA
from .common import as_float, chart_marks, no_data_note, period_text, range_phrase, series
from .paths import _session_definition

MEASURES = ["sessions", "users", "median_seconds", "mean_seconds", "events", "page_landings", "bounces"]


def _ratio(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


def _cells(r: dict) -> tuple[str, ...]:
    if r.get("state") == NO_DATA:
        return ("no data",) * 5
    return (fmt_number(r["sessions"]), fmt_number(r["users"]), fmt_duration(r["median_seconds"]),
            fmt_number(_ratio(r["events"], r["sessions"]), "float"),
            f"{fmt_number(_ratio(r['bounces'], r['page_landings']), 'pct')} (n={fmt_number(r['page_landings'] or 0)})")


def present_sessions(env: PresentEnv) -> Presentation:
    p = env.request.params
    unit = p["interval"]
    rows = env.result.as_dicts()
    total = next((r for r in rows if r["period"] is None and r["segment"] is None), None) or {m: 0 for m in MEASURES}
    shown = series([r for r in rows if r["period"] is not None], env, unit, MEASURES)
    bounce = _ratio(total["bounces"], total["page_landings"])
    phrase = range_phrase(env)
    per_session = fmt_number(_ratio(total["events"], total["sessions"]), "float")
    headline = (f"{count(total['sessions'], 'session')} by {count(total['users'], 'person')} {range_words(phrase)}: median "
                f"length {fmt_duration(total['median_seconds'])}, {per_session} events per session")
    lines = [f"Web bounce rate: {fmt_number(bounce, 'pct')} of {fmt_number(total['page_landings'] or 0)} sessions that "
             "landed on a page"] if total["page_landings"] else []
    head = ("Sessions", "People", "Median length", "Events / session", "Bounce rate (web)")
    dim = DIMENSIONS[p["group_by"]] if p.get("group_by") else None
    if dim is not None:
        segs = sorted((r for r in rows if r["period"] is None and r["segment"] is not None),
                      key=lambda r: (r["segment"] == "Other", -int(r["sessions"]), r["segment"]))
        lines.append(f"By {dim.label.lower()}: " + " · ".join(
            f"{r['segment']} {fmt_number(r['sessions'])} (median {fmt_duration(r['median_seconds'])}"
            + (f", bounce {fmt_number(_ratio(r['bounces'], r['page_landings']), 'pct')}" if r["page_landings"] else "")
            + ")" for r in segs))
        table = Table((dim.label,) + head, tuple((str(r["segment"]),) + _cells(r) for r in segs)
                      + (("All",) + _cells(total),), (False,) + (True,) * 5)
        chart = BarChart(title=f"Sessions by {dim.label.lower()}", subtitle=phrase,
                         labels=tuple(str(r["segment"]) for r in segs),
                         series=(Series("sessions", tuple(float(r["sessions"]) for r in segs)),),
                         annotations=tuple(f"{fmt_number(r['sessions'])} · median {fmt_duration(r['median_seconds'])}"
                                           + (f" · bounce {fmt_number(_ratio(r['bounces'], r['page_landings']), 'pct')}"
                                              if r["page_landings"] else "") for r in segs))
    else:
        table = Table((unit.capitalize(),) + head, tuple(
            (period_text(r, unit, env),) + _cells(r) for r in shown) + (("Total",) + _cells(total),),
            (False,) + (True,) * 5)
        chart = LineChart(title=f"Sessions per {unit}", subtitle=phrase, x=tuple(r["period"] for r in shown),
                          series=(Series("sessions", tuple(as_float(r["sessions"]) for r in shown)),
                                  Series("bounce rate (web)", tuple(_ratio(r["bounces"], r["page_landings"])
                                                                    for r in shown), axis="right")),
                          granularity=unit, y_label="sessions", right_label="bounce rate (web)", **chart_marks(shown))
    who = (f" {dim.label} is the value on the session's first event." if dim is not None and dim.level == "event" else
           f" {dim.label} is the person's." if dim is not None else "")
    return Presentation(
        title=f"Sessions · {phrase}", headline=headline,
        key=KeyNumber("sessions", float(total["sessions"] or 0)), table=table, chart=chart, lines=lines,
        definitions=[_session_definition(p),
                     "Counted by the period the session started in. Length: first to last event (a one-event session "
                     "lasts 0 s). Bounce: a session that landed on a web page (its first event a page view) and had "
                     "no other event; the rate is over sessions that landed on a page." + who] + no_data_note(env, shown))
