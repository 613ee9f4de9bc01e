"""retention: the cohort triangle, period-1 retention with n, partial periods marked, under either of the
two definitions (named in every answer): calendar periods, or periods since each person's own signup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from charts.spec import Heatmap
from questions.timerange import shift
from segment.dimensions import DIMENSIONS, OTHER_LABEL

from ..formatting import as_datetime, count, fmt_change, fmt_number, period_end, period_label, range_words
from ..model import Change, KeyNumber, Presentation, PresentEnv, Table
from ..periods import FUTURE, NO_DATA, period_state, state_note
from .common import buckets, filter_phrase, make_change, range_phrase

UNIT_LABELS = {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter"}
ADJECTIVES = {"day": "Daily", "week": "Weekly", "month": "Monthly", "quarter": "Quarterly"}
STEP_DAYS = {"day": 1, "week": 7, "month": 30}
MAX_PERIOD = 12  # the triangle shows periods 0..12


@dataclass(frozen=True)
class Cell:
    users: int
    base: int  # the people the rate is over: the cohort, or those whose period k is over (since_signup)
    partial: bool  # not over for everyone yet

    @property
    def rate(self) -> float | None:
        return self.users / self.base if self.base else None


class Cohorts:
    """The result rows as cells per (segment, cohort, k), by the definition asked for."""

    def __init__(self, env: PresentEnv):
        p = env.request.params
        self.unit = p["interval"]
        self.since_signup = p.get("periods") == "since_signup"
        self.as_of = env.clock.as_of
        self.sizes: dict[tuple, int] = {}
        self.rows: dict[tuple, dict] = {}
        for r in env.result.as_dicts():
            key = (r.get("segment"), as_datetime(r["cohort"]))
            self.sizes[key] = int(r["cohort_size"])
            self.rows[key + (int(r["period_number"]),)] = r

    def over(self, cohort: datetime, k: int) -> bool:
        """Calendar periods: period k of a cohort is over for everyone in it."""
        return period_end(shift(cohort.date(), self.unit, k), self.unit) <= self.as_of

    def started(self, cohort: datetime, k: int) -> bool:
        return datetime.combine(shift(cohort.date(), self.unit, k), datetime.min.time()) <= self.as_of

    def cell(self, segment, cohort: datetime, k: int) -> Cell | None:
        """Period k of a cohort: None while nobody can be counted in it yet."""
        size = self.sizes.get((segment, cohort), 0)
        row = self.rows.get((segment, cohort, k))
        if self.since_signup:
            if row is None:
                return None
            eligible = int(row["eligible"])
            return Cell(int(row["users"]), eligible, eligible < size)
        if not self.started(cohort, k):
            return None
        return Cell(int(row["users"]) if row else 0, size, not self.over(cohort, k))

    def done(self, segment, cohort: datetime, k: int) -> Cell | None:
        """Period k of a cohort when it can be pooled: over (calendar), or over for somebody (since signup)."""
        c = self.cell(segment, cohort, k)
        if c is None or not c.base or (c.partial and not self.since_signup):
            return None
        return c

    def definition(self) -> str:
        """Short, for headlines and subtitles: which retention this is."""
        if self.since_signup:
            return f"{STEP_DAYS[self.unit]}-day {self.unit}s since each person's signup" if self.unit != "day" else (
                "24-hour days since each person's signup")
        return f"calendar {self.unit}s"


def present_retention(env: PresentEnv) -> Presentation:
    p = env.request.params
    if p.get("group_by"):
        return _present_retention_breakdown(env)
    unit, start, end = p["interval"], p["start"], p["end"]
    data = Cohorts(env)
    # cohorts with nobody in them (e.g. before the data starts) are left out
    cohorts = [b for b in buckets(start, end, unit, env.week_start)
               if period_state(b, unit, start, end, env.clock) not in (FUTURE, NO_DATA) and data.sizes.get((None, b))]
    cells = {c: [data.cell(None, c, k) for k in range(MAX_PERIOD + 1)] for c in cohorts}
    width = max((k + 1 for row in cells.values() for k, cell in enumerate(row) if cell is not None), default=0)
    label = UNIT_LABELS.get(unit, unit)
    pooled = [(c, data.done(None, c, 1)) for c in cohorts]
    pooled = [(c, cell) for c, cell in pooled if cell is not None]
    num, den = sum(cell.users for _, cell in pooled), sum(cell.base for _, cell in pooled)
    key_value = num / den if den else None
    changes, lines = _latest_cohorts(data, cohorts, label)
    kind = data.definition()
    total_users = sum(data.sizes.get((None, c), 0) for c in cohorts)
    headline = (f"{label}-1 retention ({kind}): {fmt_number(key_value, 'pct')} on average (n={den:,} people in "
                f"{count(len(pooled), 'cohort')})" if key_value is not None else
                f"{count(total_users, 'person')} in {count(len(cohorts), 'cohort')}; no {unit} ({kind}) has passed yet "
                "for any cohort")
    k4 = [data.done(None, c, 4) for c in cohorts] if width > 4 else []
    k4 = [cell for cell in k4 if cell is not None]
    if k4:
        lines.append(f"{label}-4 retention: {fmt_number(sum(x.users for x in k4) / sum(x.base for x in k4), 'pct')} "
                     f"(n={sum(x.base for x in k4):,})")
    cols = ("Cohort", "Size") + tuple(f"{label[0]}{k}" for k in range(width))

    def shown(cell: Cell | None) -> str:
        return "–" if cell is None or cell.rate is None else fmt_number(cell.rate, "pct") + ("*" if cell.partial else "")

    def cohort_label(c: datetime) -> str:
        state = period_state(c, unit, start, end, env.clock)
        return period_label(c, unit) + state_note(c, unit, state, start, end, env.clock)

    table_rows = tuple((cohort_label(c), f"{data.sizes.get((None, c), 0):,}", *(shown(x) for x in cells[c][:width]))
                       for c in cohorts)
    partial_words = f"not everyone's {unit} is over" if data.since_signup else f"{unit} not over yet"
    partial_definition = (f"a cell where the {unit} is not over yet for some of the cohort (n is the people it is "
                          "over for)" if data.since_signup else f"a {unit} that has not ended yet")
    chart = Heatmap(
        title=f"{ADJECTIVES.get(unit, label)} retention by signup cohort",
        subtitle=f"{kind} · cohorts {range_phrase(env)} · * {partial_words}",
        row_labels=tuple(period_label(c, unit) for c in cohorts),
        col_labels=tuple(str(k) for k in range(width)),
        values=tuple(tuple(None if x is None else x.rate for x in cells[c][:width]) for c in cohorts),
        partial=tuple(tuple(bool(x and x.partial) for x in cells[c][:width]) for c in cohorts),
        row_notes=tuple(f"n={data.sizes.get((None, c), 0):,}" for c in cohorts),
        x_label=f"{unit}s since signup" + ("" if data.since_signup else f" ({unit}s after the signup {unit})"),
        y_label="signup cohort")
    return Presentation(
        title=f"{ADJECTIVES.get(unit, label)} retention · cohorts {range_phrase(env)}{filter_phrase(p)}",
        headline=headline, key=KeyNumber(f"{label}-1 retention", key_value, "pct", tuple(changes)),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=[_retained_definition(env, data) + f" * marks {partial_definition} "
                     f"(as of {env.now:%Y-%m-%d %H:%M} {env.timezone})."])


def _latest_cohorts(data: Cohorts, cohorts: list[datetime], label: str) -> tuple[list[Change], list[str]]:
    """Period-1 retention of the latest cohort whose period 1 is over for everyone vs the cohort before."""
    whole = [(c, cell) for c in cohorts if (cell := data.cell(None, c, 1)) is not None and not cell.partial and cell.base]
    if len(whole) < 2:
        return [], []
    (c1, a), (c0, b) = whole[-1], whole[-2]
    unit = data.unit
    change = make_change(f"latest complete cohort ({period_label(c1, unit)}, n={a.base}) vs the one before "
                         f"({period_label(c0, unit)}, n={b.base})", a.rate, b.rate, "pct")
    line = (f"{label}-1 retention of the latest complete cohort ({period_label(c1, unit)}): {fmt_number(a.rate, 'pct')} "
            f"(n={a.base}) vs {fmt_number(b.rate, 'pct')} (n={b.base}) the cohort before "
            f"({fmt_change(a.rate, b.rate, 'pct')})")
    return [change], [line]


def _retained_definition(env: PresentEnv, data: Cohorts) -> str:
    p = env.request.params
    unit = p["interval"]
    event_note = f"doing {p['event']}" if p.get("event") else "with any event"
    if data.since_signup:
        w = STEP_DAYS[unit]
        out = (f"Retained in {unit} k ({data.definition()}, as Mode's Describing Retention SQL and Amplitude count it): "
               f"active ({event_note}) from {w}·k to {w}·(k+1) days after the person's own signup moment; a person "
               f"counts for {unit} k once it is over, so n shrinks for later {unit}s. The default, calendar "
               f"{unit}s, is a different definition and reads higher.")
    else:
        out = (f"Retained in {unit} k (calendar {unit}s): active ({event_note}) in the k-th calendar {unit} after the "
               f"signup {unit}, so {unit} 1 can start the day after signing up. periods=since_signup counts whole "
               f"{STEP_DAYS.get(unit, 1)}-day steps since each person's signup instead (Mode's SQL, Amplitude).")
    if p.get("filters"):
        out += " Filters apply to the person's signup event (where and how they signed up), not to later activity."
    return out


def _present_retention_breakdown(env: PresentEnv) -> Presentation:
    """One retention curve per segment: period-k retention pooled over the cohorts whose period k is over."""
    p = env.request.params
    unit, dim = p["interval"], DIMENSIONS[p["group_by"]]
    label = UNIT_LABELS.get(unit, unit)
    data = Cohorts(env)
    people: dict[str, int] = {}
    for (segment, _), n in data.sizes.items():
        people[segment] = people.get(segment, 0) + n
    segments = sorted(people, key=lambda s: (s == OTHER_LABEL, -people[s], s))

    def pooled(segments_in: list[str], k: int) -> tuple[float | None, int]:
        """(retention in period k, n = the people it is over)."""
        done = [data.done(segment, cohort, k) for segment, cohort in data.sizes if segment in segments_in]
        num, den = sum(c.users for c in done if c), sum(c.base for c in done if c)
        return (num / den if den else None), den

    width = 0
    while width < MAX_PERIOD and pooled(segments, width + 1)[1] > 0:
        width += 1
    grid = [[pooled([s], k) for k in range(1, width + 1)] for s in segments]
    overall, overall_n = pooled(segments, 1)
    phrase = range_phrase(env)
    if overall is None:
        headline = f"{count(sum(people.values()), 'person')} signed up {range_words(phrase)}; no {unit} has passed yet " \
                   "for any cohort"
    else:
        parts = " · ".join(f"{s} {fmt_number(row[0][0], 'pct')} (n={row[0][1]:,})"
                           for s, row in zip(segments, grid) if row and row[0][0] is not None)
        headline = f"{label}-1 retention ({data.definition()}) by {dim.label.lower()}: {parts}"
    lines = [f"All people: {fmt_number(overall, 'pct')} (n={overall_n:,})"] if overall is not None else []
    cols = (dim.label, "People") + tuple(f"{label[0]}{k}" for k in range(1, width + 1))
    table_rows = tuple((str(s), f"{people[s]:,}", *(fmt_number(v, "pct") for v, _ in row))
                       for s, row in zip(segments, grid))
    chart = Heatmap(
        title=f"{ADJECTIVES.get(unit, label)} retention by {dim.label.lower()}",
        subtitle=f"{data.definition()} · signups {phrase}{filter_phrase(p)}",
        row_labels=tuple(str(s) for s in segments), col_labels=tuple(str(k) for k in range(1, width + 1)),
        values=tuple(tuple(v for v, _ in row) for row in grid),
        row_notes=tuple(f"n={people[s]:,}" for s in segments),
        x_label=f"{unit}s since signup", y_label=dim.label.lower(), scale_from=0)
    return Presentation(
        title=f"{ADJECTIVES.get(unit, label)} retention by {dim.label.lower()} · signups {phrase}{filter_phrase(p)}",
        headline=headline, key=KeyNumber(f"{label}-1 retention", overall, "pct"),
        table=Table(cols, table_rows, (False,) + (True,) * (len(cols) - 1)), chart=chart, lines=lines,
        definitions=[_retained_definition(env, data),
                     f"{dim.label}: the value on the person's signup event; the top {p.get('top', 5)} by signups "
                     "are shown, the rest as Other. Period k pools the cohorts whose period k is over, "
                     "weighted by cohort size; n = the people in those cohorts."])
