"""The session-pieces tables of the activity rollup, for `sessions` (how many sessions, how long, how many
events, web landings and bounces): a session cut at each local midnight into pieces, so that every piece lies
inside one day and the sessions of any range of whole days are the pieces chained again (docs/rollup.md).

  rollup_session_pieces(user_id, gap_minutes, day, first_at, last_at, first_event, n)
      one row per run of a person's activity events within one local day (anonymous visitors included) with no
      gap longer than gap_minutes between two of them, at each gap of SESSION_GAPS: its first and last
      moment, its first event (events at one moment ordered by name, as session_events orders them) and its
      number of events.
  rollup_session_pieces_<gap>: the rows of one gap, in order of day: what the playbook reads.

Why pieces and not sessions: a session has no bound on its length, so a build reading a few days at a time
cannot know where the sessions of its last day end, and an answer cuts sessions where its range ends (the
raw query reads no event after it). A piece needs only its own day's events, and an answer over [lo, hi)
(whole days, or up to the moment of the data) sees exactly the events raw events would: chaining the pieces
(a piece continues the one before when it starts within the gap of its end) gives the same sessions, the
same first event, length and count as session_events over those events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from config import SegmentConfig
from segment import Catalog
from segment.relations import RelationPlan, build_ctes

from .sessions import SESSION_GAPS
from .tables import by_day

PIECES_TABLE = "rollup_session_pieces"
PIECE_COLUMNS = [("user_id", "VARCHAR"), ("gap_minutes", "INTEGER"), ("day", "TIMESTAMP"), ("first_at", "TIMESTAMP"),
                 ("last_at", "TIMESTAMP"), ("first_event", "VARCHAR"), ("n", "BIGINT")]
PIECE_TABLES = tuple(f"{PIECES_TABLE}_{gap}" for gap in SESSION_GAPS)


def pieces_build_sql(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str) -> str:
    """One SELECT (PostgreSQL dialect) of the pieces of local days [:_lo, :_hi), every gap of SESSION_GAPS:
    one sort of each person's day (LAG, then a running count of the events that open a piece, per gap)."""
    plan = RelationPlan(need_events=True)
    ctes = ",\n".join(build_ctes(segment, catalog, quote, tz, plan))
    order = "ORDER BY occurred_at NULLS FIRST, event_name NULLS FIRST"
    over = f"OVER (PARTITION BY user_id, day {order}"
    opens = ",\n         ".join(f"CASE WHEN before_at IS NULL OR occurred_at > before_at + INTERVAL '{int(g)} minutes' "
                                f"THEN 1 ELSE 0 END AS opens_{int(g)}" for g in SESSION_GAPS)
    numbers = ",\n         ".join(f"SUM(opens_{int(g)}) {over} ROWS UNBOUNDED PRECEDING) AS piece_{int(g)}"
                                  for g in SESSION_GAPS)
    per_gap = "\nUNION ALL\n".join(
        f"SELECT user_id, {int(g)} AS gap_minutes, day, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at,\n"
        f"       MAX(CASE WHEN opens_{int(g)} = 1 THEN event_name END) AS first_event, COUNT(*) AS n\n"
        f"FROM numbered\nGROUP BY user_id, day, piece_{int(g)}" for g in SESSION_GAPS)
    return f"""WITH {ctes},
marked AS (
  SELECT user_id, occurred_at, event_name, day, LAG(occurred_at) {over}) AS before_at
  FROM (
    SELECT user_id, occurred_at, event_name, DATE_TRUNC('day', occurred_at) AS day
    FROM events
    WHERE occurred_at >= :_lo AND occurred_at < :_hi AND counts_as_activity
  ) e
),
opened AS (
  SELECT m.*,
         {opens}
  FROM marked m
),
numbered AS (
  SELECT o.*,
         {numbers}
  FROM opened o
)
{per_gap}"""


def derive_pieces(con, since: datetime) -> None:
    """The per-gap tables the playbook reads, from the rows above (DuckDB): the days from `since` on (what a
    refresh re-read) again, or whole when the file has none yet; in order of day."""
    for gap in SESSION_GAPS:
        by_day(con, f"{PIECES_TABLE}_{gap}", f"SELECT * EXCLUDE (gap_minutes) FROM {PIECES_TABLE} "
               f"WHERE gap_minutes = {int(gap)} AND day >= ?", since)
