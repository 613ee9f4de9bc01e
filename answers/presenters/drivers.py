"""retention_drivers: early actions (event, at least N times in the first days) ranked by retention lift."""

from __future__ import annotations

from charts.spec import BarChart, Series

from ..formatting import fmt_number, range_words
from ..model import KeyNumber, Presentation, PresentEnv, Table
from .common import filter_phrase, range_phrase

MIN_GROUP = 20  # fewer people on either side: shown, but never called the best signal


def driver_rows(rows: list[dict]) -> list[dict]:
    """Lift and coverage per (event, threshold); rows where everyone or no one did it are dropped."""
    out = []
    for r in rows:
        people, did, did_kept, kept = (int(r[k]) for k in ("people", "did", "did_retained", "retained"))
        rest = people - did
        if did == 0 or rest == 0:
            continue
        with_it, without = did_kept / did, (kept - did_kept) / rest
        out.append({"event": r["event"], "threshold": int(r["threshold"]), "did": did, "rest": rest,
                    "with": with_it, "without": without, "lift": with_it / without if without else None,
                    "coverage": did / people, "solid": did >= MIN_GROUP and rest >= MIN_GROUP})
    return sorted(out, key=lambda d: (not d["solid"], -(d["lift"] or 0), d["event"], d["threshold"]))


def present_retention_drivers(env: PresentEnv) -> Presentation:
    p = env.request.params
    days = p["first_days"]
    raw = env.result.as_dicts()
    drivers = driver_rows(raw)
    people = int(raw[0]["people"]) if raw else 0
    kept = int(raw[0]["retained"]) if raw else 0
    phrase, only = range_phrase(env), filter_phrase(p)  # "(platform: Android)": the people whose signup matches
    best = next((d for d in drivers if d["solid"] and d["lift"] is not None), None)

    def name(d: dict) -> str:
        return f"{d['event']} ≥ {d['threshold']}×"

    if best is None:
        signed_up = f"signed up {range_words(phrase)}{only}"
        headline = (f"No early action separates who stays among the {people:,} people who {signed_up} and reached day 35"
                    if people else f"No one who {signed_up} has reached day 35 yet")
    else:
        headline = (f"Strongest early signal{only}: {best['event']} at least {best['threshold']}× in the first {days} × 24 "
                    "hours — "
                    f"{fmt_number(best['with'], 'pct')} still active a month later (n={best['did']:,}) vs "
                    f"{fmt_number(best['without'], 'pct')} of the rest (n={best['rest']:,}), lift {best['lift']:.2f}×, "
                    f"{fmt_number(best['coverage'], 'pct')} of signups do it")
    lines = [f"Overall: {fmt_number(kept / people if people else None, 'pct')} of {people:,} signups were active in "
             "days 28–35. Correlation, not cause."] if people else []
    shown = drivers[:15]
    table_rows = tuple((d["event"], f"≥ {d['threshold']}", f"{d['did']:,}", fmt_number(d["coverage"], "pct"),
                        fmt_number(d["with"], "pct"), fmt_number(d["without"], "pct"),
                        ("–" if d["lift"] is None else f"{d['lift']:.2f}×") + ("" if d["solid"] else " *"))
                       for d in shown)
    top = [d for d in drivers if d["lift"] is not None][:12]
    chart = BarChart(
        title=f"Retention lift of early actions (first {days} days)", subtitle=f"signups {phrase}{only} · 24-hour days from "
        "signup · lift = retained if did it / if not",
        labels=tuple(name(d) for d in top), series=(Series("lift", tuple(d["lift"] for d in top)),),
        value_format="float", value_label="lift (× the retention of the rest)",
        annotations=tuple(f"{d['lift']:.2f}× · {fmt_number(d['coverage'], 'pct')} (n={d['did']:,})" for d in top))
    return Presentation(
        title=f"Retention drivers · signups {phrase}{only}", headline=headline,
        key=KeyNumber(f"Lift of {name(best)}" if best else "Lift", best["lift"] if best else None, "float"),
        table=Table(("Early action", f"Times in {days} days", "People", "Coverage", "Retained if did",
                     "Retained if not", "Lift"), table_rows, (False, False, True, True, True, True, True)),
        chart=chart, lines=lines,
        definitions=[f"Early action: the event done at least N times in the first {days} × 24 hours after signing up. * fewer "
                     f"than {MIN_GROUP} people on one side; never called the strongest signal."])
