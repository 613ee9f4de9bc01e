"""From a playbook and typed parameters to one SQL statement for one engine, plus its bound values.

The playbook body is a Jinja template for *structure only* (which interval, optional filters,
which quoted column); every value reaches the driver as a bound parameter. The template sees:
  - structural parameters (interval, enum, bool, int) as plain values, validated beforehand;
  - every other parameter as a placeholder object: `{{ event }}` renders `:event`, and
    `{% if event %}` is true when a value was given;
  - macros: trunc(expr[, unit]), periods_between(earlier, later[, unit]).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from config import SegmentConfig
from errors import Kind, PlaybotError
from playbooks.library import BUILTIN_DIR, Playbook
from playbooks.params import STRUCTURAL_TYPES
from segment import Catalog, EventInfo
from segment.dimensions import DIMENSIONS, Dimension
from segment.relations import RelationPlan, build_ctes
from segment.rollup import NotCoverable, RollupLayout, reads_only_activity, rollup_ctes
from segment.rollup_event_days import reads_only_signed_in_activity
from warehouse import RepeatedRows

from .lookups import LookupRows, lookup_cte

# `{% include "signups.sql" %}` shares a CTE between built-in playbooks (playbooks/sql/include/)
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True,
                            loader=FileSystemLoader(BUILTIN_DIR / "include"))


class RenderError(PlaybotError):
    """A playbook that cannot be written as SQL for these parameters (an admin's or author's fix)."""

    kind = Kind.CONFIG


class Placeholder:
    """Stands for a bound value inside a template: renders as `:name`, truthy when set."""

    def __init__(self, name: str, value: Any):
        self._name, self._value = name, value

    def __str__(self) -> str:
        return f":{self._name}"

    def __bool__(self) -> bool:
        return self._value not in (None, "", ())

    def __len__(self) -> int:
        return len(self._value) if isinstance(self._value, (list, tuple)) else int(bool(self))

    def __getitem__(self, index: int) -> Placeholder:
        """One item of a list parameter: `{{ events[0] }}` renders `:events_0` (bound separately)."""
        return Placeholder(f"{self._name}_{int(index)}", self._value[int(index)])


@dataclass(frozen=True)
class RenderContext:
    segment: SegmentConfig
    catalog: Catalog
    quote: Callable[..., str]
    timezone: str
    week_start: str
    today: date  # local
    now: datetime  # local, naive: the moment of the question; no event after it is read
    rollup: RollupLayout | None = None  # read the events and users relations from the activity rollup


@dataclass(frozen=True)
class RenderedQuery:
    sql: str  # PostgreSQL dialect, :name placeholders
    params: dict[str, Any]  # bound values
    repeats: tuple[RepeatedRows, ...] = ()  # rows of long VALUES lists the text carries two of


def trunc_sql(expr: str, unit: str, week_start: str) -> str:
    unit = unit.lower()
    if unit not in ("hour", "day", "week", "month", "quarter", "year"):
        raise RenderError(f"cannot truncate to {unit!r}")
    if unit == "week" and week_start == "sunday":
        return f"(DATE_TRUNC('week', {expr} + INTERVAL '1 day') - INTERVAL '1 day')"
    return f"DATE_TRUNC('{unit}', {expr})"


def _period_macros(playbook: Playbook, default_unit: str, ctx: RenderContext):
    """(trunc, periods_between, utc_hours): the template's period macros for the playbook's interval. Hourly,
    each real hour apart (the repeated hour of an autumn DST change included): a built-in playbook's hour comes
    back as its start in UTC (its presenter shows it local; a custom playbook keeps local wall time); utc_hours:
    the relations carry occurred_at_utc for it (not with custom events SQL, which has local times only)."""
    utc_periods = hours_in_utc(playbook, default_unit, ctx.timezone)
    utc_hours = utc_periods and not ctx.segment.events_sql

    def trunc(expr: str, unit: str | None = None) -> str:
        if (unit or default_unit) == "hour" and utc_periods:
            if utc_hours:
                return hour_start_utc_sql(expr)
            return f"(({trunc_sql(expr, 'hour', ctx.week_start)} AT TIME ZONE :_tz) AT TIME ZONE 'UTC')"
        return trunc_sql(expr, unit or default_unit, ctx.week_start)

    def periods_between(earlier: str, later: str, unit: str | None = None) -> str:
        return periods_between_sql(earlier, later, unit or default_unit)

    return trunc, periods_between, utc_hours


def hours_in_utc(playbook: Playbook, interval: Any, timezone: str) -> bool:
    """A built-in playbook counting per hour outside UTC: its `period` column comes back as the hour's start in
    UTC (`hour_start_utc_sql`), which the Answerer turns into local time (answers.periods.local_hours)."""
    return interval == "hour" and timezone != "UTC" and playbook.builtin


def hour_start_utc_sql(expr: str) -> str:
    """The start of the local hour a moment falls in, as naive UTC, from the moment's UTC twin `<expr>_utc`
    (the relations' occurred_at_utc, or a playbook's MIN of it): unique per real hour (the local wall time
    repeats an hour when DST ends), and right for zones whose offset is not whole hours. Presenters turn it
    back into local time."""
    utc = f"{expr}_utc"
    local = f"(({utc} AT TIME ZONE 'UTC') AT TIME ZONE :_tz)"
    return f"({utc} - ({local} - DATE_TRUNC('hour', {local})))"


def periods_between_sql(earlier: str, later: str, unit: str) -> str:
    """Whole periods from `earlier` to `later`, both already truncated to `unit`."""
    if unit == "day":
        return f"CAST(CAST({later} AS DATE) - CAST({earlier} AS DATE) AS INTEGER)"
    if unit == "week":
        return f"CAST((CAST({later} AS DATE) - CAST({earlier} AS DATE)) / 7 AS INTEGER)"
    if unit in ("month", "quarter"):
        months = (f"((EXTRACT(YEAR FROM {later}) - EXTRACT(YEAR FROM {earlier})) * 12 "
                  f"+ EXTRACT(MONTH FROM {later}) - EXTRACT(MONTH FROM {earlier}))")
        return f"CAST({months}{' / 3' if unit == 'quarter' else ''} AS INTEGER)"
    if unit == "hour":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600 AS INTEGER)"
    raise RenderError(f"cannot count periods of {unit!r}")


def session_events_sql(gap_minutes: int) -> str:
    """The `session_events` CTE: the events relation's activity (anonymous visitors included) with
    session_number (per person, from 1) and position (per session, from 1). A session ends after
    `gap_minutes` without an event; events at the same moment are ordered by name so every engine agrees."""
    gap = int(gap_minutes)
    if not 1 <= gap <= 24 * 60:
        raise RenderError("the session gap must be between 1 minute and 24 hours")
    order = "ORDER BY occurred_at NULLS FIRST, event_name NULLS FIRST"  # explicit: BigQuery sorts NULLs first by default
    return f"""session_marks AS (
  SELECT e.*, CASE WHEN LAG(occurred_at) OVER (PARTITION BY user_id {order}) IS NULL
                     OR occurred_at > LAG(occurred_at) OVER (PARTITION BY user_id {order}) + INTERVAL '{gap} minutes'
                   THEN 1 ELSE 0 END AS session_start
  FROM events e
  WHERE counts_as_activity
),
session_numbered AS (
  SELECT m.*, SUM(session_start) OVER (PARTITION BY user_id {order} ROWS UNBOUNDED PRECEDING) AS session_number
  FROM session_marks m
),
session_events AS (
  SELECT n.*, ROW_NUMBER() OVER (PARTITION BY user_id, session_number {order}) AS position
  FROM session_numbered n
)"""


def session_openings_sql(gap_minutes: int, steps: int) -> str:
    """The `session_openings` CTE: one row per session of the events relation's activity (as session_events
    cuts them: a new session after `gap_minutes` without an event, events at one moment ordered by name), with
    user_id, started_at and step_1..step_<steps>, the session's first events (NULL past its end).

    One window pass (every window is over the same partition and order, so engines sort once): each event
    sees the moment before it (LAG: whether it opens a session) and the next steps - 1 events (LEAD); an
    opening's k-th step is its k-th following event when no gap between them is longer than `gap_minutes`.
    The same sessions and positions as session_events' three passes (LAG, a running SUM, ROW_NUMBER)."""
    gap, steps = int(gap_minutes), int(steps)
    if not 1 <= gap <= 24 * 60:
        raise RenderError("the session gap must be between 1 minute and 24 hours")
    if not 1 <= steps <= 10:
        raise RenderError("between 1 and 10 steps of a session")
    over = "OVER (PARTITION BY user_id ORDER BY occurred_at NULLS FIRST, event_name NULLS FIRST)"
    within = f"INTERVAL '{gap} minutes'"
    leads = "".join(f",\n         LEAD(occurred_at, {k - 1}) {over} AS at_{k}, LEAD(event_name, {k - 1}) {over} AS name_{k}"
                    for k in range(2, steps + 1))
    picks = []
    for k in range(2, steps + 1):
        chain = " AND ".join(f"at_{j} <= {'started_at' if j == 2 else f'at_{j - 1}'} + {within}" for j in range(2, k + 1))
        picks.append(f",\n         CASE WHEN {chain} THEN name_{k} END AS step_{k}")
    return f"""session_neighbours AS (
  SELECT user_id, occurred_at AS started_at, event_name AS step_1,
         LAG(occurred_at) {over} AS before_at{leads}
  FROM events
  WHERE counts_as_activity
),
session_openings AS (
  SELECT user_id, started_at, step_1{"".join(picks)}
  FROM session_neighbours
  WHERE before_at IS NULL OR started_at > before_at + {within}
)"""


def to_utc(local: datetime, tz: str) -> datetime:
    """Naive local wall time in `tz` -> naive UTC (DST-aware)."""
    aware = local.replace(tzinfo=ZoneInfo(tz))
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def event_scope(playbook: Playbook, params: dict[str, Any], catalog: Catalog) -> tuple[EventInfo, ...] | None:
    """Events that restrict the events relation (playbook header `scope: [param, ...]`)."""
    scope = playbook.meta.get("scope") or []
    if not scope:
        return None
    infos: list[EventInfo] = []
    for name in scope:
        value = params.get(name)
        if value in (None, "", ()):
            return None  # an unset scope parameter means "all events"
        for ev in (value if isinstance(value, (list, tuple)) else [value]):
            info = catalog.event(ev)
            if info is None:
                return None
            infos.append(info)
    return tuple(infos)


def render(playbook: Playbook, params: dict[str, Any], ctx: RenderContext,
           lookups: dict[str, LookupRows] | None = None) -> RenderedQuery:
    """`lookups`: {name: LookupRows} fetched from other warehouses, joined in as VALUES."""
    if ctx.rollup is not None:
        _check_rollup_tables(playbook, params, ctx.rollup)
    structural: dict[str, Any] = {}
    binds: dict[str, Any] = {}
    dimensions: list[Dimension] = []
    user_dimensions: list[Dimension] = []  # `applies: users`: columns of the users relation only
    event_filters: list[tuple[Dimension, str]] = []
    for spec in playbook.params:
        value = params.get(spec.name)
        if spec.type in STRUCTURAL_TYPES:
            structural[spec.name] = value
            if spec.type in ("int",) and value is not None:
                binds[spec.name] = value
        elif spec.type == "column":
            structural[spec.name] = _column(value, ctx) if value else None
        elif spec.type == "dimension":
            structural[spec.name] = value or None  # a registry name, also the column's name in `events`
            if value:
                (user_dimensions if spec.extra.get("applies") == "users" else dimensions).append(DIMENSIONS[value])
        elif spec.type == "filters":
            clauses = []
            for i, (dim_name, dim_value) in enumerate(value or ()):
                (user_dimensions if spec.extra.get("applies") == "users" else dimensions).append(DIMENSIONS[dim_name])
                clauses.append(f"AND {dim_name} = :_{spec.name}{i}")
                binds[f"_{spec.name}{i}"] = dim_value
                if spec.extra.get("applies") == "events":  # narrows the events relation itself
                    event_filters.append((DIMENSIONS[dim_name], f"_{spec.name}{i}"))
            structural[spec.name] = "" if spec.extra.get("applies") == "events" else " ".join(clauses)
        else:
            structural[spec.name] = Placeholder(spec.name, value)
            binds[spec.name] = _bind_value(value)
            if spec.type == "events":
                binds.update({f"{spec.name}_{i}": item for i, item in enumerate(value or ())})
    refused = [d.label for d in dimensions + user_dimensions if d.sensitive]
    if refused:  # the policy refuses these before rendering; this is the last line of defence
        raise RenderError(f"{refused[0]} is a sensitive column: it is never used for breakdowns or filters.",
                          "Ask for another breakdown.")
    dimensions += [DIMENSIONS[name] for name in playbook.meta.get("dimensions") or ()]  # header: always carried
    default_unit = structural.get("interval") or "day"
    trunc, periods_between, utc_hours = _period_macros(playbook, default_unit, ctx)
    derived = _derived_relations(ctx.rollup)
    try:
        body = _template(playbook.sql).render(
            **structural, trunc=trunc, periods_between=periods_between, week_start=ctx.week_start, utc_hours=utc_hours,
            timezone=ctx.timezone, session_events=session_events_sql, never_activity=_never_activity(ctx.segment),
            session_openings=session_openings_sql, rollup=ctx.rollup is not None, derived=tuple(derived))
    except TemplateError as exc:
        raise RenderError(f"playbook {playbook.id}: template error: {exc}",
                          f"fix {playbook.path}") from None

    # a playbook on another warehouse (`warehouse: product`) reads that warehouse's own tables
    on_segment = playbook.warehouse in (None, ctx.segment.warehouse)
    # time bounds of the events relation, from the playbook's `events_between` parameters
    binds.update({"today": datetime.combine(ctx.today, time()),
                  "tomorrow": datetime.combine(ctx.today + timedelta(days=1), time()), "now": ctx.now,
                  "_ts_now": to_utc(ctx.now, ctx.timezone)})
    first, last = playbook.events_between
    lo = _as_datetime(params.get(first) if first in params else _runtime(first, ctx))
    hi = _as_datetime(params.get(last) if last in params else _runtime(last, ctx))
    if lo is not None and hi is not None:
        lo -= timedelta(days=playbook.lookback_days)
        if playbook.lookahead:  # e.g. a funnel's conversion window runs past the range's end
            ahead = params.get(playbook.lookahead)
            hi += timedelta(days=int(ahead if ahead is not None else playbook.param(playbook.lookahead).default or 0))
        # never an event after the moment of the question (a clock that is off, data generated ahead)
        hi = min(hi, ctx.now)
        ts_lo, ts_hi = to_utc(lo, ctx.timezone), to_utc(hi, ctx.timezone)
        binds.update({
            "_lo": lo, "_hi": hi, "_ts_lo": ts_lo, "_ts_hi": ts_hi,
            "_recv_lo": ts_lo - timedelta(hours=1),  # received_at is never before timestamp, but clocks drift
            "_recv_hi": ts_hi + timedelta(hours=ctx.segment.late_arrival_hours),
        })
    elif on_segment and any(_references(body, r) for r in ("events", "users", "orders")):
        raise RenderError(f"playbook {playbook.id}: events_between names {first!r}/{last!r} without values")
    if ctx.timezone != "UTC":
        binds["_tz"] = ctx.timezone
    for i, name in enumerate(ctx.segment.activity_exclude_events):
        binds[f"_inactive{i}"] = name
    plan = RelationPlan(
        need_events=on_segment and _references(body, "events"), need_users=on_segment and _references(body, "users"),
        need_numbers=_references(body, "numbers"), need_orders=on_segment and _references(body, "orders"),
        only_events=event_scope(playbook, params, ctx.catalog),
        dimensions=tuple(dict.fromkeys(dimensions)), event_filters=tuple(event_filters),
        user_dimensions=tuple(d for d in dict.fromkeys(user_dimensions) if d not in dimensions),
        utc_times=utc_hours,
    )
    if ctx.segment.activation_event and plan.need_users:
        info = ctx.catalog.event(ctx.segment.activation_event)
        if info is not None:
            binds["_activation"] = info.key
    ctes = _relation_ctes(body, plan, ctx, derived)
    repeats: list[RepeatedRows] = []
    for name in ctx.rollup.lookups if ctx.rollup is not None else ():
        if _references(body, name) and name not in (lookups or {}):
            ctes.insert(0, ctx.rollup.lookup_cte(name))  # synced into the rollup: read there, nothing bound
    for name, rows in (lookups or {}).items():
        if _references(body, name):
            cte, values, repeat = lookup_cte(rows)
            ctes.insert(0, cte)
            binds.update(values)
            repeats += [repeat] if repeat else []
    sql = _prepend_ctes(body.strip().rstrip(";"), ctes)
    used = set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql))
    kept = tuple(r.prefix + "_" for r in repeats)
    return RenderedQuery(sql=sql, params={k: v for k, v in binds.items() if k in used or k.startswith(kept)},
                         repeats=tuple(repeats))


def _derived_relations(layout: RollupLayout | None) -> dict[str, str]:
    """{relation: table} of the rollup's derived tables a playbook's rollup branch may read: those of the
    person-day rows (segment/rollup.py RollupLayout.derived) when it reads person-days, and the person-day
    table itself as `person_days` (user_id, is_anonymous, day, n, first_at, last_at) wherever the rollup has one."""
    if layout is None:
        return {}
    derived = dict(layout.derived) if layout.use_days else {}
    if layout.days:
        derived["person_days"] = layout.days
    return derived


def _never_activity(segment: SegmentConfig) -> Callable[[Any], bool]:
    """`never_activity(event)` in a template: the event parameter's value is one of `activity_exclude_events`,
    so `counts_as_activity` already leaves it out (a playbook's `event_name <> :event` beside it is redundant)."""
    excluded = set(segment.activity_exclude_events)

    def never(value: Any) -> bool:
        raw = value._value if isinstance(value, Placeholder) else value
        return isinstance(raw, str) and raw in excluded

    return never


@lru_cache(maxsize=512)
def _template(text: str):
    """A playbook's compiled template, once per text: compiling took longer than the rest of rendering
    (about 5 ms for retention.sql) and ran at every query of every answer."""
    return _ENV.from_string(text)


def _relation_ctes(body: str, plan: RelationPlan, ctx: RenderContext, derived: dict[str, str]) -> list[str]:
    """The relations the body reads: Segment's raw tables, or the rollup's (its person-day table when the
    body reads only activity; its derived tables by the names the body reads)."""
    layout = ctx.rollup
    if layout is None:
        return build_ctes(ctx.segment, ctx.catalog, ctx.quote, ctx.timezone, plan)
    if layout.use_days and not reads_only_activity(body):
        layout = replace(layout, use_days=False)
    if layout.use_event_days and not reads_only_signed_in_activity(body):
        layout = replace(layout, use_event_days=False)
    ctes = rollup_ctes(plan, layout)
    return ctes + [f"{name} AS (\n  SELECT * FROM {table}\n)" for name, table in derived.items() if _references(body, name)]


def _check_rollup_tables(playbook: Playbook, params: dict[str, Any], layout: RollupLayout) -> None:
    """A playbook whose rollup branch reads derived tables (`rollup: {tables: [...]}`, `{param}` standing for an
    int parameter's value) reads raw events unless this rollup holds them, and when it is filtered or broken
    down by a dimension (the derived tables keep none). A filter on the signup (`applies: users`) is read
    from the rollup's people, the users relation, when they keep its column (the person columns and the
    rollup's dimensions as seen on the signup event)."""
    if not playbook.rollup_tables:
        return

    def value(match: re.Match) -> str:
        v = params.get(match.group(1))
        if v is None:
            spec = playbook.param(match.group(1))
            v = spec.default if spec is not None else None
        if not isinstance(v, int) or isinstance(v, bool):
            raise NotCoverable(f"no derived table for {match.group(1)}={v!r}")
        return str(v)

    for table in playbook.rollup_tables:
        name = re.sub(r"\{(\w+)\}", value, table)
        if name not in layout.tables:
            raise NotCoverable(f"This activity rollup holds no {name} table.")
    def kept(spec, value) -> bool:  # a filter on the signup whose every dimension the people table keeps
        return spec.type == "filters" and spec.extra.get("applies") == "users" and all(
            DIMENSIONS[d].level == "user" or d in layout.dimensions for d, _ in value)

    dimensional = [s.name for s in playbook.params if s.type in ("dimension", "filters") and params.get(s.name)
                   and not kept(s, params[s.name])]
    if dimensional or playbook.meta.get("dimensions"):
        raise NotCoverable("The activity rollup's derived tables keep no dimensions.")


def _runtime(name: str, ctx: RenderContext) -> date | datetime | None:
    return {"today": ctx.today, "tomorrow": ctx.today + timedelta(days=1), "now": ctx.now}.get(name)


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    return None


def _bind_value(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    if isinstance(value, tuple):
        return list(value)
    return value


def _column(name: str, ctx: RenderContext) -> str:
    """A raw column of the events relation, checked against what the relation has."""
    known = {"user_id", "event_name", "occurred_at", "source", "is_anonymous", "counts_as_activity"}
    if name not in known:
        raise RenderError(f"{name!r} is not a column of the events relation", f"use one of {', '.join(sorted(known))}")
    return ctx.quote(name)


def _references(sql: str, relation: str) -> bool:
    return re.search(rf"\b(FROM|JOIN)\s+{relation}\b", sql, flags=re.IGNORECASE) is not None


def _prepend_ctes(body: str, ctes: list[str]) -> str:
    if not ctes:
        return body
    defs = ",\n".join(ctes)
    # the body's own WITH, after any comments that open it (one whitespace character per repetition:
    # `\s+` inside the `*` backtracked exponentially on a long indent before a body without WITH)
    match = re.match(r"((?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*)WITH\s+(RECURSIVE\s+)?", body,
                     flags=re.IGNORECASE | re.DOTALL)
    if match:
        return f"{match.group(1).strip()}\nWITH {match.group(2) or ''}{defs},\n{body[match.end():]}".lstrip()
    return f"WITH {defs}\n{body}"
