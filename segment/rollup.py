"""The activity rollup's SQL: how it is built from the `events` and `users` relations, and the same two
relations read back from it (docs/rollup.md).

  activity(user_id, is_anonymous, counts_as_activity, event_name, day, source, <dimensions>, n)
      one row per person (the stitched user_id of `events`), local day, Segment source, event-level
      dimensions (platform, os, device by default) and event, with the number of events n.
  people(user_id, activated_at, channel, signup_weekday, plan, country, <dimensions on the signup event>)
      the `users` relation as it is, every column any breakdown reads.

Both are built from the relations of segment/relations.py with the same stitching, excluded events,
page and screen names and cut at the moment of the question, so a playbook that reads events only by
day (DISTINCT people per day, week or month) gives the same numbers from either. Read back, the
rollup is an `events` relation whose occurred_at is the day (midnight, local) and a `users` relation:
the playbook's own SQL runs unchanged over it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from config import SegmentConfig
from errors import Kind, PlaybotError

from .catalog import Catalog
from .dimensions import DIMENSIONS, TRAIT_COLUMNS
from .relations import NUMBERS_CTE, RelationPlan, build_ctes, user_traits
from .rollup_event_days import event_days_events

ACTIVITY_TABLE = "rollup_activity"
PEOPLE_TABLE = "rollup_people"
DAYS_TABLE = "rollup_days"  # one row per person and day of activity (counts_as_activity), from the activity rows
PERSON_COLUMNS = ("channel", "signup_weekday", *TRAIT_COLUMNS)


class NotCoverable(PlaybotError):
    """This question needs something the rollup does not keep (an hour, an order, a dimension): read raw events."""

    kind = Kind.CONFIG


@dataclass(frozen=True)
class RollupLayout:
    """Where a rollup's two tables are (names already quoted for the engine) and the dimensions it keeps."""

    dimensions: tuple[str, ...]
    activity: str = ACTIVITY_TABLE
    people: str = PEOPLE_TABLE
    lookups: tuple[str, ...] = ()  # lookups synced in (a table lookup_<name> each), read instead of bound rows
    # read back with times: each row as two events, at its first and its last moment (a playbook that reads
    # times within a day only as MIN/MAX per person and day or coarser gets them exactly); else one event at the
    # day. Either way each row also carries `n`, `first_at` and `last_at` for a playbook's rollup branch
    times: bool = False
    days: str | None = None  # the person-day table, where the rollup has one (the embedded one does)
    # read the person-day table: the query names no event, source or dimension and reads only activity
    use_days: bool = False
    # derived tables it holds (the embedded one: rollup_early); a playbook whose header names one it lacks
    # (`rollup: {tables: [...]}`) reads raw events
    tables: tuple[str, ...] = ()
    # tables derived from the person-day rows at each build, ((relation, table), ...) (rollup/returns.py): a
    # playbook that opts into the person-day table may read them as relations of those names
    derived: tuple[tuple[str, str], ...] = ()
    # segment/rollup_event_days.py: its table, where the rollup has one, and whether this query reads it
    event_days: str | None = None
    use_event_days: bool = False

    def lookup_cte(self, name: str) -> str:
        return f"{name} AS (\n  SELECT * FROM lookup_{name}\n)"


# the person-day rows of the activity rows from day ? on
DAYS_SELECT = f"""SELECT user_id, is_anonymous, day, SUM(n) AS n, MIN(first_at) AS first_at, MAX(last_at) AS last_at
FROM {ACTIVITY_TABLE}
WHERE counts_as_activity AND day >= ?
GROUP BY 1, 2, 3"""


def reads_only_activity(body: str) -> bool:
    """A rendered playbook body that never names an event, a source or a dimension column, and filters on
    counts_as_activity: the person-day table answers it (a playbook opts in with `rollup: {days: true}`)."""
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", body, flags=re.DOTALL)
    return "counts_as_activity" in text and re.search(r"\b(event_name|source)\b", text) is None


def activity_columns(dimensions: tuple[str, ...]) -> list[tuple[str, str]]:
    """(column, type) of the activity table, in order."""
    return ([("user_id", "VARCHAR"), ("is_anonymous", "BOOLEAN"), ("counts_as_activity", "BOOLEAN"),
             ("event_name", "VARCHAR"), ("day", "TIMESTAMP"), ("source", "VARCHAR")]
            + [(d, "VARCHAR") for d in dimensions] + [("n", "BIGINT"), ("first_at", "TIMESTAMP"), ("last_at", "TIMESTAMP")])


def people_columns(dimensions: tuple[str, ...]) -> list[tuple[str, str]]:
    return ([("user_id", "VARCHAR"), ("activated_at", "TIMESTAMP")] + [(c, "VARCHAR") for c in PERSON_COLUMNS]
            + [(d, "VARCHAR") for d in dimensions])


def activity_build_sql(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str,
                       dimensions: tuple[str, ...]) -> str:
    """One SELECT (PostgreSQL dialect) of the activity rows for local days [:_lo, :_hi): the events
    relation grouped. Binds: _lo, _hi (local), _ts_lo, _ts_hi, _recv_lo, _recv_hi (UTC), _tz, _inactive<i>."""
    plan = RelationPlan(need_events=True, dimensions=tuple(DIMENSIONS[d] for d in dimensions))
    ctes = ",\n".join(build_ctes(segment, catalog, quote, tz, plan))
    dims = "".join(f", {d}" for d in dimensions)
    keys = ", ".join(str(i) for i in range(1, 7 + len(dimensions)))
    return f"""WITH {ctes}
SELECT user_id, is_anonymous, counts_as_activity, event_name, DATE_TRUNC('day', occurred_at) AS day, source{dims},
       COUNT(*) AS n, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at
FROM events
WHERE occurred_at >= :_lo AND occurred_at < :_hi
GROUP BY {keys}"""


def people_build_sql(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str,
                     dimensions: tuple[str, ...]) -> str:
    """One SELECT of the people rows: the users relation with every column a breakdown reads (NULL where
    the warehouse has none). Binds: _ts_now (UTC), _activation, _tz."""
    plan = RelationPlan(need_events=False, need_users=True, user_dimensions=tuple(DIMENSIONS[d] for d in dimensions))
    ctes = ",\n".join(build_ctes(segment, catalog, quote, tz, plan))
    traits = user_traits(segment, catalog)
    person = ", ".join(c if c in ("channel", "signup_weekday") or c in traits else f"CAST(NULL AS VARCHAR) AS {c}"
                       for c in PERSON_COLUMNS)
    dims = "".join(f", CAST({d} AS VARCHAR) AS {d}" for d in dimensions)
    return f"""WITH {ctes}
SELECT user_id, activated_at, {person}{dims}
FROM users"""


def rollup_ctes(plan: RelationPlan, layout: RollupLayout) -> list[str]:
    """The `events` and `users` relations the plan needs, read from the rollup. Raises NotCoverable when
    the rollup does not keep what the plan asks for."""
    # a playbook's `scope:` (only_events) only narrows which tables raw events are read from: its SQL names
    # the events it reads, so the rollup, which holds them all, needs no narrowing
    if plan.need_orders:
        raise NotCoverable("The activity rollup keeps activity, not orders.")
    if plan.utc_times:
        raise NotCoverable("The activity rollup keeps days, not hours.")
    for d in plan.dimensions + plan.user_dimensions:
        if d.level == "event" and d.column != "source" and d.name not in layout.dimensions:
            raise NotCoverable(f"The activity rollup does not keep {d.label}.")
    person_dims = any(d.level == "user" for d in plan.dimensions)
    ctes = [NUMBERS_CTE] if plan.need_numbers else []
    if plan.need_users or (plan.need_events and person_dims):
        ctes.append(f"users AS (\n  SELECT * FROM {layout.people}\n)")
    if not plan.need_events:
        return ctes
    if layout.use_event_days and layout.event_days and not (plan.dimensions or plan.event_filters or layout.times):
        return ctes + [event_days_events(layout.event_days)]

    def column(d) -> str:
        if d.level == "user":
            return f"u.{d.column}"
        return "r.source" if d.column == "source" else f"r.{d.name}"

    dims = "".join(f", {column(d)} AS {d.name}" for d in plan.dimensions)
    # the users relation only knows signed-in people: an anonymous visitor's id never joins it
    join = ("\n  LEFT JOIN users u ON u.user_id = CASE WHEN r.is_anonymous THEN NULL ELSE r.user_id END"
            if person_dims else "")
    where = "".join(f" AND {column(d)} = :{bind}" for d, bind in plan.event_filters)
    days = layout.use_days and layout.days is not None and not plan.dimensions and not plan.event_filters

    def rows(moment: str, only: str = "") -> str:
        if days:  # activity only: no event, no source, no dimension to carry
            return (f"SELECT r.user_id, r.is_anonymous, TRUE AS counts_as_activity, CAST(NULL AS VARCHAR) AS event_name, "
                    f"{moment} AS occurred_at, CAST(NULL AS VARCHAR) AS source, r.n, r.first_at, r.last_at\n"
                    f"  FROM {layout.days} r\n  WHERE r.day >= :_lo AND r.day < :_hi{only}")
        return (f"SELECT r.user_id, r.is_anonymous, r.counts_as_activity, r.event_name, {moment} AS occurred_at, "
                f"r.source, r.n, r.first_at, r.last_at{dims}\n  FROM {layout.activity} r{join}\n"
                f"  WHERE r.day >= :_lo AND r.day < :_hi{where}{only}")

    body = (rows("r.first_at") + "\n  UNION ALL\n  " + rows("r.last_at", " AND r.last_at > r.first_at")
            if layout.times else rows("r.day"))
    ctes.append(f"events AS (\n  {body}\n)")
    return ctes
