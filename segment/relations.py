"""The schema adapter: the `events` and `users` relations of Mode's Playbook, built for Segment.

Every playbook reads only these two relations (plus `identity`), so this module is the only
place that knows Segment's tables. Contract:

  events(user_id, is_anonymous, counts_as_activity, event_name, occurred_at, source [, dimensions])
      one row per track / page / screen call across the configured sources.
      user_id      = COALESCE(user_id, the user_id identify() tied to the anonymous_id, anonymous_id)
      event_name   = tracks.event_text | 'Viewed <page name> Page' | 'Viewed <screen name> Screen'
      occurred_at  = the event's `timestamp`, in the configured timezone (naive local time)
      counts_as_activity = false for events in `segment.activity_exclude_events` (server-sent emails...)
      occurred_at_utc = the same moment in UTC (naive), only when RelationPlan.utc_times (hourly counts)
  orders(user_id, is_anonymous, order_id, occurred_at, revenue, total, source [, dimensions])
      one row per completed order: Segment's e-commerce spec table `order_completed` (spec v2) or
      `completed_order` (spec v1) of each source that has one, each order_id once (its first event,
      repeats within ORDER_REPEAT_DAYS); user_id stitched like events';
      revenue / total = the order's properties as numbers (NULL where not sent).
  users(user_id, activated_at, channel, signup_weekday, <traits: plan, country, ...>)
      activated_at = first activation event (config `segment.activation_event`), local time;
      channel = the UTM source (context_campaign_source) on that first activation event;
      traits = the latest row of Segment's `users` tables (the columns that exist).
  numbers(n)   n = 0 .. 9999, for series of days or steps: Redshift cannot join generate_series
      to tables, so playbooks join this instead (portable to every engine).
  Dimensions a query asks for ("by platform", "for pro users") become columns of `events`
  named after the dimension; person-level ones are joined from `users`.

Bounds: each source table is filtered on `timestamp` (UTC) and on `received_at`, Segment's sort
key on Redshift, so warehouses prune instead of scanning all history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config import SegmentConfig
from errors import PlaybotError

from .catalog import Catalog, EventInfo
from .dimensions import TRAIT_COLUMNS, Dimension, platform_case
from .naming import VIEW_TABLES, label_sql


@dataclass(frozen=True)
class RelationPlan:
    """What a query needs from the adapter."""

    need_events: bool = True
    need_users: bool = False
    need_numbers: bool = False
    need_orders: bool = False
    only_events: tuple[EventInfo, ...] | None = None  # restrict branches to these events' tables
    dimensions: tuple[Dimension, ...] = ()  # breakdown/filter columns the events relation must carry
    event_filters: tuple[tuple[Dimension, str], ...] = ()  # (dimension, bind name): only events matching all
    user_dimensions: tuple[Dimension, ...] = ()  # columns only the users relation carries (not joined to events)
    # events and orders also carry occurred_at_utc (the UTC timestamp): hourly counts tell the two hours of an
    # autumn DST change apart (the local wall time repeats an hour there)
    utc_times: bool = False


class RelationError(PlaybotError):
    """The warehouse lacks what a relation needs (no order table, no tracks): an admin's fix."""

    kind = "config"


def local_time(expr: str, tz: str) -> str:
    """A UTC timestamp expression converted to naive local time in `tz` (bound as :_tz)."""
    if tz == "UTC":
        return expr
    return f"(({expr} AT TIME ZONE 'UTC') AT TIME ZONE :_tz)"


def utc_column(plan: RelationPlan) -> str:
    """`, r.ts AS occurred_at_utc` when the plan asks for UTC times (hourly counts), else nothing."""
    return ", r.ts AS occurred_at_utc" if plan.utc_times else ""


NUMBERS_CTE = """digits AS (
  SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9
),
numbers AS (
  SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n FROM digits a, digits b, digits c, digits e
)"""


def build_ctes(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str,
               plan: RelationPlan) -> list[str]:
    """The CTE definitions (`name AS (...)`) the plan needs, in dependency order."""
    numbers = [NUMBERS_CTE] if plan.need_numbers else []
    return numbers + _relation_ctes(segment, catalog, quote, tz, plan)


def _relation_ctes(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str,
                   plan: RelationPlan) -> list[str]:
    if segment.events_sql:
        return _custom_ctes(segment, plan)
    ctes: list[str] = []
    stitch = segment.stitch_identities and _identity_sources(segment, catalog)
    if stitch:
        ctes.append(_identity_cte(_identity_sources(segment, catalog), quote))
    person_dims = any(d.level == "user" for d in plan.dimensions)
    if plan.need_users or ((plan.need_events or plan.need_orders) and person_dims):
        ctes.append(_users_cte(segment, catalog, quote, tz, bool(stitch), plan.dimensions + plan.user_dimensions))
    if plan.need_events:
        ctes.append(_events_cte(segment, catalog, quote, tz, plan, bool(stitch)))
    if plan.need_orders:
        ctes.append(_orders_cte(segment, catalog, quote, tz, plan, bool(stitch)))
    return ctes


# Segment's e-commerce spec: the completed-order table under each version (v2 renamed the v1 events)
ORDER_TABLES = (("v2", "order_completed", "Order Completed"), ("v1", "completed_order", "Completed Order"))


@dataclass(frozen=True)
class OrderTable:
    source: str
    table: str
    spec: str  # v2 | v1


def order_tables(sources: tuple[str, ...] | list[str], catalog: Catalog) -> list[OrderTable]:
    """Every completed-order table in the sources, v2 before v1 (a source that moved to v2 keeps its
    old v1 table, and both hold real orders: one of each is read)."""
    return [OrderTable(s, table, spec) for s in sources for spec, table, _ in ORDER_TABLES
            if catalog.has_table(s, table)]


def describe_order_tables(tables: list[OrderTable]) -> str:
    """'Orders: Segment e-commerce spec v2 (table order_completed) in web, ios.' for answer footers."""
    parts = []
    for spec, table, _ in ORDER_TABLES:
        where = [t.source for t in tables if t.table == table]
        if where:
            parts.append(f"e-commerce spec {spec} (table {table}) in {', '.join(where)}")
    return "Orders read from Segment's " + "; ".join(parts) + "." if parts else ""


def _orders_cte(segment: SegmentConfig, catalog: Catalog, quote, tz: str, plan: RelationPlan, stitch: bool) -> str:
    tables = order_tables(segment.sources, catalog)
    if not tables:
        raise RelationError(
            f"No completed-order table in {', '.join(segment.sources)}: revenue needs Segment's e-commerce "
            "spec table order_completed (spec v2) or completed_order (spec v1).",
            "Track Order Completed with its revenue/total properties, or add the source that does to segment.sources.")

    def number(cols: dict[str, str], name: str) -> str:
        return f"CAST(t.{name} AS DOUBLE PRECISION)" if name in cols else "CAST(NULL AS DOUBLE PRECISION)"

    branches = []
    for t in tables:
        cols = catalog.columns(t.source, t.table)
        order_id = "CAST(t.order_id AS VARCHAR)" if "order_id" in cols else "CAST(NULL AS VARCHAR)"
        branches.append(
            f"SELECT t.anonymous_id, t.user_id, {order_id} AS order_id, t.\"timestamp\" AS ts, "
            f"{number(cols, 'revenue')} AS revenue, {number(cols, 'total')} AS total, "
            f"'{t.source}' AS source{_dims('t', cols, plan.dimensions, t.source)} "
            f"FROM {quote(t.source, t.table)} t WHERE {_bounds('t', cols, ORDER_REPEAT_DAYS)}")
    union = "\n    UNION ALL\n    ".join(branches)
    dims = "".join(f", r.{d.name}" if d.level == "event" else f", u.{d.column} AS {d.name}" for d in plan.dimensions)
    known = "COALESCE(r.user_id, i.user_id)" if stitch else "r.user_id"
    joins = "LEFT JOIN identity i ON i.anonymous_id = r.anonymous_id" if stitch else ""
    if any(d.level == "user" for d in plan.dimensions):
        joins += f"\n  LEFT JOIN users u ON u.user_id = {known}"
    names = "".join(f", {d.name}" for d in plan.dimensions)
    # Each order_id once: its first event (orders without an order_id each count), numbered after
    # the identity join so the join sees the table's row count. "<= 1" rather than "= 1": PostgreSQL
    # estimates an equality on a computed column at 0.5% of the rows and nested-looped the joins
    # around it (revenue at 1M: 0.1 s -> 1.1 s); an inequality it estimates at a third.
    return f"""orders AS (
  SELECT user_id, is_anonymous, order_id, occurred_at{utc_column(plan).replace("r.ts AS ", "")}, revenue, total,
         source{names}
  FROM (
    SELECT COALESCE({known}, r.anonymous_id) AS user_id, ({known} IS NULL) AS is_anonymous, r.order_id,
           {local_time('r.ts', tz)} AS occurred_at{utc_column(plan)}, r.revenue, r.total, r.source{dims},
           ROW_NUMBER() OVER (PARTITION BY r.order_id ORDER BY r.ts, r.source) AS occurrence
    FROM (
    {union}
    ) r
    {joins}
  ) numbered
  WHERE order_id IS NULL OR occurrence <= 1
)"""


def freshness_sql(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str]) -> str | None:
    """The latest received_at of each source's event tables since :since, one row per source
    (latest NULL when nothing arrived): a cheap query on the sort key whose answer changes whenever
    new data lands. It is the result cache's freshness token and the stale-data warning's input."""
    if segment.events_sql:
        return None
    parts = [f"SELECT '{s}' AS source, MAX(received_at) AS latest FROM {quote(s, t)} WHERE received_at >= :since"
             for s in segment.sources for t in ("tracks", "pages", "screens")
             if "received_at" in catalog.columns(s, t)]  # source names are validated identifiers (config)
    if not parts:
        return None
    union = "\n  UNION ALL\n  ".join(parts)
    return f"SELECT source, MAX(latest) AS latest FROM (\n  {union}\n) r GROUP BY source"


def _identity_sources(segment: SegmentConfig, catalog: Catalog) -> list[str]:
    return [s for s in segment.sources
            if catalog.has_table(s, "identifies")
            and {"anonymous_id", "user_id", "timestamp"} <= set(catalog.columns(s, "identifies"))]


def _identity_cte(sources: list[str], quote) -> str:
    unions = "\n  UNION ALL\n  ".join(
        f'SELECT anonymous_id, user_id, "timestamp" AS ts FROM {quote(s, "identifies")} '
        "WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL" for s in sources)
    return f"""identify_calls AS (
  {unions}
),
{_lookup_cte("identity")}"""


def _lookup_cte(name: str, anonymous_ids: str = "") -> str:
    """The last user_id identify() tied to each anonymous_id (only those of `anonymous_ids`, a
    subquery, when given). GROUP BY rather than ROW_NUMBER() = 1: planners estimate grouped rows
    well and a "rank = 1" filter badly (it led PostgreSQL into nested loops over every event)."""
    only = f"""
    WHERE anonymous_id IN (
        {anonymous_ids}
    )""" if anonymous_ids else ""
    return f"""{name} AS (
  SELECT c.anonymous_id, MAX(c.user_id) AS user_id
  FROM identify_calls c
  JOIN (
    SELECT anonymous_id, MAX(ts) AS ts FROM identify_calls{only}
    GROUP BY anonymous_id
  ) latest ON latest.anonymous_id = c.anonymous_id AND latest.ts = c.ts
  GROUP BY c.anonymous_id
)"""


def _bounds(alias: str, columns: dict[str, str], days_before: int = 0) -> str:
    """The time bounds of one source table's scan; `days_before` reads that many more days before them."""
    earlier = f" - INTERVAL '{int(days_before)} days'" if days_before else ""
    parts = [f'{alias}."timestamp" >= :_ts_lo{earlier}', f'{alias}."timestamp" < :_ts_hi']
    if "received_at" in columns:
        parts += [f"{alias}.received_at >= :_recv_lo{earlier}", f"{alias}.received_at < :_recv_hi"]
    return " AND ".join(parts)


# An order tracked again (a reloaded confirmation page, a retried request, client and server both
# sending it) is counted once, at its first event, when the repeat comes within this many days.
ORDER_REPEAT_DAYS = 1


def _dims(alias: str, columns: dict[str, str], dimensions: tuple[Dimension, ...], source: str) -> str:
    """Event-level dimension columns of one source table (NULL where the table lacks the column)."""
    out = []
    for d in dimensions:
        if d.level != "event":
            continue
        if d.column == "source":
            out.append(f"'{source}' AS {d.name}")
        elif d.column not in columns:
            out.append(f"CAST(NULL AS VARCHAR) AS {d.name}")
        elif d.name == "platform":
            out.append(f"{platform_case(f'{alias}.{d.column}')} AS {d.name}")
        else:
            out.append(f"CAST({alias}.{d.column} AS VARCHAR) AS {d.name}")
    return "".join(f", {x}" for x in out)


def _events_cte(segment: SegmentConfig, catalog: Catalog, quote, tz: str, plan: RelationPlan, stitch: bool) -> str:
    wanted = plan.only_events
    kinds_wanted = {e.kind for e in wanted} if wanted is not None else {"track", "page", "screen"}
    branches: list[str] = []
    scans: list[str] = []  # "table t WHERE bounds" of each branch
    for source in segment.sources:
        lit = f"'{source}'"  # validated identifier (config), safe as a literal
        wanted_tracks = [e for e in wanted or () if e.kind == "track" and source in e.sources]
        # Scoped to track events that each have a table of their own here (Segment writes every
        # track call to `tracks` and to a table named after the event): read those tables, a
        # fraction of `tracks`, instead of all of `tracks` (README "Warehouses").
        own_tables = [e for e in wanted_tracks if source in e.tables and catalog.has_table(source, e.key)
                      and "event_text" in catalog.columns(source, e.key)]
        if wanted is not None and wanted_tracks and len(own_tables) == len(wanted_tracks):
            for e in dict.fromkeys(own_tables):
                cols = catalog.columns(source, e.key)
                scans.append(f"{quote(source, e.key)} t WHERE {_bounds('t', cols)}")
                branches.append(
                    f"SELECT t.anonymous_id, t.user_id, t.event_text AS event_name, t.\"timestamp\" AS ts, "
                    f"{lit} AS source{_dims('t', cols, plan.dimensions, source)} FROM {scans[-1]}")
        elif "track" in kinds_wanted and catalog.has_table(source, "tracks") and (wanted is None or wanted_tracks):
            cols = catalog.columns(source, "tracks")
            scans.append(f"{quote(source, 'tracks')} t WHERE {_bounds('t', cols)}")
            branches.append(
                f"SELECT t.anonymous_id, t.user_id, t.event_text AS event_name, t.\"timestamp\" AS ts, "
                f"{lit} AS source{_dims('t', cols, plan.dimensions, source)} FROM {scans[-1]}")
        for view in VIEW_TABLES:
            table, kind = view.table, view.kind
            if kind not in kinds_wanted or not catalog.has_table(source, table):
                continue
            if wanted is not None and not any(e.kind == kind and source in e.sources for e in wanted):
                continue
            cols = catalog.columns(source, table)
            label = label_sql(cols, "t")
            if label is None:
                continue
            scans.append(f"{quote(source, table)} t WHERE {_bounds('t', cols)}")
            branches.append(
                f"SELECT t.anonymous_id, t.user_id, {view.event_name_sql(label)} AS event_name, "
                f"t.\"timestamp\" AS ts, {lit} AS source{_dims('t', cols, plan.dimensions, source)} FROM {scans[-1]}")
    if not branches:
        raise RelationError("None of the configured Segment sources has tracks, pages or screens tables.",
                            "Check segment.sources in playbot.yaml.")
    union = "\n    UNION ALL\n    ".join(branches)
    dims = "".join(f", r.{d.name}" if d.level == "event" else f", u.{d.column} AS {d.name}" for d in plan.dimensions)
    excluded = segment.activity_exclude_events
    activity = (f"(r.event_name NOT IN ({', '.join(f':_inactive{i}' for i in range(len(excluded)))}))"
                if excluded else "TRUE")
    known = "COALESCE(r.user_id, i.user_id)" if stitch else "r.user_id"
    # Only calls without a user_id need the identity lookup: the others join on NULL, which engines
    # skip without hashing the anonymous_id. A question about a few events builds the lookup for
    # just the anonymous ids of those calls in the range (their tables are small, so the extra pass
    # is cheap) instead of for every anonymous id ever identified, most of the cost of a small
    # question; over all events that extra pass would cost more than it saves (a row store reads
    # the range twice), so those use the full lookup. Either way the events relation has a lookup
    # of its own, read once: PostgreSQL materialises a CTE read twice (`identity`, which `users`
    # reads too), and on tables never analysed it then probed that CTE scan once per event (a
    # nested loop, minutes at 1M events) where a subquery of its own is hashed.
    narrow = stitch and wanted is not None
    lookup_name = "event_identity" if narrow else "call_identity"
    joins = (f"LEFT JOIN {lookup_name} i ON i.anonymous_id = CASE WHEN r.user_id IS NULL THEN r.anonymous_id END"
             if stitch else "")
    if any(d.level == "user" for d in plan.dimensions):
        joins += f"\n  LEFT JOIN users u ON u.user_id = {known}"
    lookup = ""
    if stitch:
        anonymous = "\n        UNION ALL\n        ".join(f"SELECT t.anonymous_id FROM {scan} AND t.user_id IS NULL"
                                                       for scan in scans) if narrow else ""
        lookup = _lookup_cte(lookup_name, anonymous) + ",\n"
    where = " AND ".join(f"r.{d.name} = :{bind}" if d.level == "event" else f"u.{d.column} = :{bind}"
                         for d, bind in plan.event_filters)
    return f"""{lookup}events AS (
  SELECT COALESCE({known}, r.anonymous_id) AS user_id,
         ({known} IS NULL) AS is_anonymous, {activity} AS counts_as_activity,
         r.event_name, {local_time('r.ts', tz)} AS occurred_at{utc_column(plan)}, r.source{dims}
  FROM (
    {union}
  ) r
  {joins}{f"{chr(10)}  WHERE {where}" if where else ""}
)"""


def _users_cte(segment: SegmentConfig, catalog: Catalog, quote, tz: str, stitch: bool,
               dimensions: tuple[Dimension, ...] = ()) -> str:
    """One row per activated user. Event-level dimensions asked for (platform, os, ...) are carried
    as their value on the user's first activation event: "signed up on iOS"."""
    join = "LEFT JOIN identity i ON i.anonymous_id = a.anonymous_id" if stitch else ""
    uid = "COALESCE(a.user_id, i.user_id)" if stitch else "a.user_id"
    info = catalog.event(segment.activation_event) if segment.activation_event else None

    def branch(source: str, table: str, where: str = "") -> str:
        cols = catalog.columns(source, table)
        channel = "a.context_campaign_source" if "context_campaign_source" in cols else "CAST(NULL AS VARCHAR)"
        # nobody activates after the moment of the question (events timestamped ahead of it are not read)
        where = f"WHERE a.\"timestamp\" < :_ts_now{' AND ' + where if where else ''}"
        return (f"SELECT {uid} AS user_id, a.\"timestamp\" AS ts, {channel} AS channel{_dims('a', cols, dimensions, source)} "
                f"FROM {quote(source, table)} a {join} {where}").rstrip()

    branches: list[str] = []
    if info is not None and info.kind == "track":
        for source in info.sources:
            if source in info.tables:
                branches.append(branch(source, info.key))
            else:
                branches.append(branch(source, "tracks", "a.event = :_activation"))
    else:
        # No activation event: a user is activated by their first event ever (scans all history).
        for source in segment.sources:
            for table in ("tracks", "pages", "screens"):
                if catalog.has_table(source, table):
                    branches.append(branch(source, table))
    if not branches:
        raise RelationError("No table to find when users activated.", "Set segment.activation_event in playbot.yaml.")
    union = "\n  UNION ALL\n  ".join(branches)
    # the latest traits per user from Segment's `users` tables
    trait_sources = _trait_sources(segment, catalog)
    traits = user_traits(segment, catalog)
    signup_dims = [d.name for d in dimensions if d.level == "event"]
    ctes = [f"""activation_events AS (
  SELECT user_id, ts, channel{"".join(f", {d}" for d in signup_dims)} FROM (
  {union}
  ) activation_rows
  WHERE user_id IS NOT NULL
)"""]
    weekday = (f"CASE EXTRACT(DOW FROM {local_time('f.ts', tz)}) WHEN 0 THEN 'Sunday' WHEN 1 THEN 'Monday' "
               "WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday' WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' "
               "ELSE 'Saturday' END")
    dims = "".join(f", MAX(a.{d}) AS {d}" for d in signup_dims)
    first = f"""SELECT a.user_id, a.ts, MAX(a.channel) AS channel{dims}
    FROM activation_events a
    JOIN (SELECT user_id, MIN(ts) AS ts FROM activation_events GROUP BY user_id) first_seen
      ON first_seen.user_id = a.user_id AND first_seen.ts = a.ts
    GROUP BY a.user_id, a.ts"""
    if not traits:
        ctes.append(f"""users AS (
  SELECT f.user_id, {local_time('f.ts', tz)} AS activated_at, f.channel,
         {weekday} AS signup_weekday{"".join(f", f.{d}" for d in signup_dims)}
  FROM (
    -- each user's first activation, with the UTM source (and the dimensions asked for) it carried
    {first}
  ) f
)""")
        return ",\n".join(ctes)

    def trait_branch(s: str) -> str:
        cols = catalog.columns(s, "users")
        picked = ", ".join(f"CAST(u.{t} AS VARCHAR) AS {t}" if t in cols else f"CAST(NULL AS VARCHAR) AS {t}"
                           for t in traits)
        order = "u.received_at" if "received_at" in cols else "u.id"
        return f"SELECT u.id AS user_id, {order} AS seen_at, {picked} FROM {quote(s, 'users')} u"

    ctes.append("trait_rows AS (\n  " + "\n  UNION ALL\n  ".join(trait_branch(s) for s in trait_sources) + "\n)")
    nulls = "".join(f", CAST(NULL AS VARCHAR) AS {t}" for t in traits)
    carried = "".join(f", CAST(NULL AS VARCHAR) AS {d}" for d in signup_dims)
    # the first activation and the latest traits side by side, one row per user by GROUP BY, not
    # joined: a join of the two, each sized by guess on tables never analysed, became a nested loop
    # (docs/warehouses.md "Plans that do not depend on statistics"); a trait row without an
    # activation makes no user
    ctes.append(f"""users AS (
  SELECT f.user_id, {local_time('f.ts', tz)} AS activated_at, f.channel,
         {weekday} AS signup_weekday{"".join(f", f.{t}" for t in traits)}{"".join(f", f.{d}" for d in signup_dims)}
  FROM (
    SELECT user_id, MAX(ts) AS ts, MAX(channel) AS channel{"".join(f", MAX({t}) AS {t}" for t in traits)}{
        "".join(f", MAX({d}) AS {d}" for d in signup_dims)}
    FROM (
      -- each user's first activation, with the UTM source (and the dimensions asked for) it carried
      SELECT first_rows.*{nulls}, 1 AS activation FROM (
    {first}
      ) first_rows
      UNION ALL
      -- the latest traits per user from Segment's `users` tables
      SELECT r.user_id, CAST(NULL AS TIMESTAMP), CAST(NULL AS VARCHAR){carried}, {", ".join(f"MAX(r.{t})" for t in traits)}, 0
      FROM trait_rows r
      JOIN (SELECT user_id, MAX(seen_at) AS seen_at FROM trait_rows GROUP BY user_id) latest
        ON latest.user_id = r.user_id AND latest.seen_at = r.seen_at
      GROUP BY r.user_id
    ) side_by_side
    GROUP BY user_id
    HAVING MAX(activation) = 1
  ) f
)""")
    return ",\n".join(ctes)


def _trait_sources(segment: SegmentConfig, catalog: Catalog) -> list[str]:
    return [s for s in segment.sources if catalog.has_table(s, "users") and "id" in catalog.columns(s, "users")]


def user_traits(segment: SegmentConfig, catalog: Catalog) -> list[str]:
    """The trait columns (TRAIT_COLUMNS) the users relation carries: those some source's `users` table has."""
    return [t for t in TRAIT_COLUMNS if any(t in catalog.columns(s, "users") for s in _trait_sources(segment, catalog))]


def _custom_ctes(segment: SegmentConfig, plan: RelationPlan) -> list[str]:
    """Non-Segment data: the admin's own SQL for the relations (already in local time)."""
    if plan.need_orders:
        raise RelationError("Revenue playbooks read Segment's order tables, and this warehouse is set up with "
                            "custom events SQL (segment.events_sql).",
                            "Write a custom playbook over your own orders table instead.")
    ctes = []
    if plan.need_events:
        ctes.append(f"events AS (\n  SELECT * FROM (\n{segment.events_sql}\n  ) custom_events\n"
                    "  WHERE occurred_at >= :_lo AND occurred_at < :_hi\n)")
    if plan.need_users:
        if not segment.users_sql:
            raise RelationError("This playbook needs the users relation, and segment.users_sql is not set.",
                                "Add users_sql (user_id, activated_at) to playbot.yaml.")
        ctes.append(f"users AS (\n{segment.users_sql}\n)")
    return ctes
