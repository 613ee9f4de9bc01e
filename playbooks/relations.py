"""The schema adapter: the `events` and `users` relations of Mode's Playbook, built for Segment.

Every playbook reads only these two relations (plus `identity`), so this module is the only
place that knows Segment's tables. Contract:

  events(user_id, is_anonymous, counts_as_activity, event_name, occurred_at, source [, dimensions])
      one row per track / page / screen call across the configured sources.
      user_id      = COALESCE(user_id, the user_id identify() tied to the anonymous_id, anonymous_id)
      event_name   = tracks.event_text | 'Viewed <page name> Page' | 'Viewed <screen name> Screen'
      occurred_at  = the event's `timestamp`, in the configured timezone (naive local time)
      counts_as_activity = false for events in `segment.activity_exclude_events` (server-sent emails...)
  users(user_id, activated_at)
      activated_at = first activation event (config `segment.activation_event`), local time.

Bounds: each source table is filtered on `timestamp` (UTC) and on `received_at`, Segment's sort
key on Redshift, so warehouses prune instead of scanning all history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config import SegmentConfig
from warehouse import Catalog, EventInfo

# Columns the events relation can carry for breakdowns and filters (issue: playbook library).
DIMENSION_COLUMNS = (
    "context_os_name", "context_device_type", "context_campaign_source", "context_campaign_medium",
    "context_campaign_name", "context_locale", "context_library_name", "context_app_version",
)


@dataclass(frozen=True)
class RelationPlan:
    """What a query needs from the adapter."""

    need_events: bool = True
    need_users: bool = False
    only_events: tuple[EventInfo, ...] | None = None  # restrict branches to these events' tables
    dimensions: tuple[str, ...] = ()


class RelationError(ValueError):
    def __init__(self, message: str, next_step: str = ""):
        super().__init__(message)
        self.message, self.next_step = message, next_step


def local_time(expr: str, tz: str) -> str:
    """A UTC timestamp expression converted to naive local time in `tz` (bound as :_tz)."""
    if tz == "UTC":
        return expr
    return f"(({expr} AT TIME ZONE 'UTC') AT TIME ZONE :_tz)"


def build_ctes(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str,
               plan: RelationPlan) -> list[str]:
    """The CTE definitions (`name AS (...)`) the plan needs, in dependency order."""
    if segment.events_sql:
        return _custom_ctes(segment, plan)
    ctes: list[str] = []
    stitch = segment.stitch_identities and _identity_sources(segment, catalog)
    if stitch:
        ctes.append(_identity_cte(_identity_sources(segment, catalog), quote))
    if plan.need_events:
        ctes.append(_events_cte(segment, catalog, quote, tz, plan, bool(stitch)))
    if plan.need_users:
        ctes.append(_users_cte(segment, catalog, quote, tz, bool(stitch)))
    return ctes


def _identity_sources(segment: SegmentConfig, catalog: Catalog) -> list[str]:
    return [s for s in segment.sources
            if catalog.has_table(s, "identifies")
            and {"anonymous_id", "user_id", "timestamp"} <= set(catalog.columns(s, "identifies"))]


def _identity_cte(sources: list[str], quote) -> str:
    unions = "\n      UNION ALL\n      ".join(
        f'SELECT anonymous_id, user_id, "timestamp" FROM {quote(s, "identifies")} '
        "WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL" for s in sources)
    # last non-null user_id seen with each anonymous_id
    return f"""identity AS (
  SELECT anonymous_id, user_id FROM (
    SELECT anonymous_id, user_id,
           ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY "timestamp" DESC) AS identity_rank
    FROM (
      {unions}
    ) identify_calls
  ) ranked
  WHERE identity_rank = 1
)"""


def _bounds(alias: str, columns: dict[str, str]) -> str:
    parts = [f'{alias}."timestamp" >= :_ts_lo', f'{alias}."timestamp" < :_ts_hi']
    if "received_at" in columns:
        parts += [f"{alias}.received_at >= :_recv_lo", f"{alias}.received_at < :_recv_hi"]
    return " AND ".join(parts)


def _dims(alias: str, columns: dict[str, str], dimensions: tuple[str, ...]) -> str:
    return "".join(f", {alias}.{d}" if d in columns else f", CAST(NULL AS VARCHAR) AS {d}" for d in dimensions)


def _events_cte(segment: SegmentConfig, catalog: Catalog, quote, tz: str, plan: RelationPlan, stitch: bool) -> str:
    wanted = plan.only_events
    kinds_wanted = {e.kind for e in wanted} if wanted is not None else {"track", "page", "screen"}
    branches: list[str] = []
    for source in segment.sources:
        lit = f"'{source}'"  # validated identifier (config), safe as a literal
        wants_tracks = wanted is None or any(e.kind == "track" and source in e.sources for e in wanted)
        if "track" in kinds_wanted and catalog.has_table(source, "tracks") and wants_tracks:
            cols = catalog.columns(source, "tracks")
            branches.append(
                f"SELECT t.anonymous_id, t.user_id, t.event_text AS event_name, t.\"timestamp\" AS ts, "
                f"{lit} AS source{_dims('t', cols, plan.dimensions)} "
                f"FROM {quote(source, 'tracks')} t WHERE {_bounds('t', cols)}")
        for table, kind, suffix in (("pages", "page", "Page"), ("screens", "screen", "Screen")):
            if kind not in kinds_wanted or not catalog.has_table(source, table):
                continue
            if wanted is not None and not any(e.kind == kind and source in e.sources for e in wanted):
                continue
            cols = catalog.columns(source, table)
            label = "COALESCE(t.name, t.path)" if "name" in cols and "path" in cols else (
                "t.name" if "name" in cols else "t.path")
            branches.append(
                f"SELECT t.anonymous_id, t.user_id, 'Viewed ' || {label} || ' {suffix}' AS event_name, "
                f"t.\"timestamp\" AS ts, {lit} AS source{_dims('t', cols, plan.dimensions)} "
                f"FROM {quote(source, table)} t WHERE {_bounds('t', cols)}")
    if not branches:
        raise RelationError("None of the configured Segment sources has tracks, pages or screens tables.",
                            "Check segment.sources in playbot.yaml.")
    union = "\n    UNION ALL\n    ".join(branches)
    dims = "".join(f", r.{d}" for d in plan.dimensions)
    excluded = segment.activity_exclude_events
    activity = (f"(r.event_name NOT IN ({', '.join(f':_inactive{i}' for i in range(len(excluded)))}))"
                if excluded else "TRUE")
    if stitch:
        return f"""events AS (
  SELECT COALESCE(r.user_id, i.user_id, r.anonymous_id) AS user_id,
         (r.user_id IS NULL AND i.user_id IS NULL) AS is_anonymous, {activity} AS counts_as_activity,
         r.event_name, {local_time('r.ts', tz)} AS occurred_at, r.source{dims}
  FROM (
    {union}
  ) r
  LEFT JOIN identity i ON i.anonymous_id = r.anonymous_id
)"""
    return f"""events AS (
  SELECT COALESCE(r.user_id, r.anonymous_id) AS user_id, (r.user_id IS NULL) AS is_anonymous,
         {activity} AS counts_as_activity, r.event_name, {local_time('r.ts', tz)} AS occurred_at, r.source{dims}
  FROM (
    {union}
  ) r
)"""


def _users_cte(segment: SegmentConfig, catalog: Catalog, quote, tz: str, stitch: bool) -> str:
    join = "LEFT JOIN identity i ON i.anonymous_id = a.anonymous_id" if stitch else ""
    uid = "COALESCE(a.user_id, i.user_id)" if stitch else "a.user_id"
    info = catalog.event(segment.activation_event) if segment.activation_event else None
    branches: list[str] = []
    if info is not None and info.kind == "track":
        for source in info.sources:
            if source in info.tables:
                branches.append(f"SELECT {uid} AS user_id, a.\"timestamp\" AS ts FROM {quote(source, info.key)} a {join}")
            else:
                branches.append(f"SELECT {uid} AS user_id, a.\"timestamp\" AS ts FROM {quote(source, 'tracks')} a {join} "
                                "WHERE a.event = :_activation")
    else:
        # No activation event: a user is activated by their first event ever (scans all history).
        for source in segment.sources:
            for table in ("tracks", "pages", "screens"):
                if catalog.has_table(source, table):
                    branches.append(f"SELECT {uid} AS user_id, a.\"timestamp\" AS ts FROM {quote(source, table)} a {join}")
    if not branches:
        raise RelationError("No table to find when users activated.", "Set segment.activation_event in playbot.yaml.")
    union = "\n    UNION ALL\n    ".join(branches)
    return f"""users AS (
  SELECT user_id, {local_time('MIN(ts)', tz)} AS activated_at
  FROM (
    {union}
  ) activations
  WHERE user_id IS NOT NULL
  GROUP BY user_id
)"""


def _custom_ctes(segment: SegmentConfig, plan: RelationPlan) -> list[str]:
    """Non-Segment data: the admin's own SQL for the relations (already in local time)."""
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
