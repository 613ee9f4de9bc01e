"""The session-openings tables of the activity rollup, for `session_flows` (Mode's "How Users Move Through
Your Product"): one row per session, cut at the session gaps built (SESSION_GAPS), with its first events
and their moments (docs/rollup.md).

  rollup_sessions(user_id, gap_minutes, day, started_at, step_1..step_6, at_2..at_6)
      one row per session of the events relation's activity (anonymous visitors included), sessions cut
      as session_events cuts them (rendering/render.py: a new session after gap_minutes without an event;
      events at one moment ordered by name), at each gap of SESSION_GAPS; step_k is its k-th event,
      at_k that event's moment (NULL past the session's end).
  rollup_sessions_<gap>: the rows of one gap, in order of started_at: what the playbook reads.

Read a few local days at a time like the activity rows, each chunk's sessions being those that start in it:
the events from max(SESSION_GAPS) minutes before the chunk (whether its first events open a session) to
(MAX_STEPS - 1) x max(SESSION_GAPS) minutes after it (the later steps of its last sessions), cut at the
moment of the data. The answer keeps a step only when its moment is inside the events its own raw query
reads (before the range's end), so a session running past the end of the range is cut as raw events cut it.
A question at another gap, or filtered by a dimension, reads raw events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from config import SegmentConfig
from segment import Catalog
from segment.relations import RelationPlan, build_ctes

from .tables import by_day

SESSIONS_TABLE = "rollup_sessions"
SESSION_GAPS = (10, 30)  # minutes: Mode's Playbook's gap and Segment's (and the playbook's default)
MAX_STEPS = 6  # session_flows' `steps` may be 1..6
READ_BEFORE = max(SESSION_GAPS)  # minutes of events read before a chunk
READ_AFTER = (MAX_STEPS - 1) * max(SESSION_GAPS)  # and after it
SESSION_COLUMNS = ([("user_id", "VARCHAR"), ("gap_minutes", "INTEGER"), ("day", "TIMESTAMP"),
                    ("started_at", "TIMESTAMP")]
                   + [(f"step_{k}", "VARCHAR") for k in range(1, MAX_STEPS + 1)]
                   + [(f"at_{k}", "TIMESTAMP") for k in range(2, MAX_STEPS + 1)])
SESSION_TABLES = (SESSIONS_TABLE, *(f"{SESSIONS_TABLE}_{gap}" for gap in SESSION_GAPS))


def sessions_build_sql(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str) -> str:
    """One SELECT (PostgreSQL dialect) of the sessions starting in local days [:_lo + READ_BEFORE minutes,
    :_chunk_hi), from the events relation over [:_lo, :_hi) (the caller widens the chunk by READ_BEFORE and
    READ_AFTER minutes). One window pass: every event sees the moment before it and the next events."""
    plan = RelationPlan(need_events=True)
    ctes = ",\n".join(build_ctes(segment, catalog, quote, tz, plan))
    over = "OVER (PARTITION BY user_id ORDER BY occurred_at NULLS FIRST, event_name NULLS FIRST)"
    leads = "".join(f",\n         LEAD(occurred_at, {k - 1}) {over} AS at_{k}, LEAD(event_name, {k - 1}) {over} AS name_{k}"
                    for k in range(2, MAX_STEPS + 1))

    def one_gap(gap: int) -> str:
        within = f"INTERVAL '{int(gap)} minutes'"
        cols = []
        for k in range(2, MAX_STEPS + 1):
            chain = " AND ".join(f"at_{j} <= {'started_at' if j == 2 else f'at_{j - 1}'} + {within}"
                                 for j in range(2, k + 1))
            cols.append(f"CASE WHEN {chain} THEN name_{k} END AS step_{k}")
            cols.append(f"CASE WHEN {chain} THEN at_{k} END AS at_{k}")
        steps = ", ".join(c for c in cols if " AS step_" in c)
        moments = ", ".join(c for c in cols if " AS at_" in c)
        return (f"SELECT user_id, {int(gap)} AS gap_minutes, DATE_TRUNC('day', started_at) AS day, started_at, "
                f"step_1, {steps}, {moments}\n"
                f"FROM neighbours\n"
                f"WHERE started_at >= :_chunk_lo AND started_at < :_chunk_hi\n"
                f"  AND (before_at IS NULL OR started_at > before_at + {within})")

    gaps = "\nUNION ALL\n".join(one_gap(g) for g in SESSION_GAPS)
    return f"""WITH {ctes},
neighbours AS (
  SELECT user_id, occurred_at AS started_at, event_name AS step_1,
         LAG(occurred_at) {over} AS before_at{leads}
  FROM events
  WHERE occurred_at >= :_lo AND occurred_at < :_hi AND counts_as_activity
)
{gaps}"""


def derive_sessions(con, since: datetime) -> None:
    """The per-gap tables the playbook reads, from the rows above (DuckDB): the sessions that start from `since`
    on (what a refresh re-read) again, or whole when the file has none yet; in order of started_at."""
    for gap in SESSION_GAPS:
        by_day(con, f"{SESSIONS_TABLE}_{gap}", f"SELECT * EXCLUDE (gap_minutes, day) FROM {SESSIONS_TABLE} "
               f"WHERE gap_minutes = {int(gap)} AND started_at >= ?", since, column="started_at")
