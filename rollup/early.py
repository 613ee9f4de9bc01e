"""The early-actions table of the activity rollup: what each activated person did in each 24-hour step after
their signup moment, for `retention_drivers` (Mode's "Metrics That Matter"), which counts events in exact
windows from that moment and so cannot be answered from the activity rows' days (docs/rollup.md).

  rollup_early(user_id, activated_at, day, event_name, step, n)
      one row per activated person (their signup moment, `activated_at` of the users relation), local day
      of the events, event and step: step k (0..27) counts the person's qualifying, signed-in events of
      that name in [activated_at + k days, activated_at + (k + 1) days); step 28 (event_name NULL) counts
      every qualifying event in [activated_at + 28 days, activated_at + 35 days), the month-later window
      that makes a person "retained".

Read, like the activity rows, from the events relation a few local days at a time (each event once: a row's
key includes the day its events fell on, so a refresh deletes and re-reads the same days as the activity
rows), each chunk beside the people who signed up in the 35 days before it or during it. `first_days` up to
28 and the 35-day month-later window are the playbook's own limits (playbooks/sql/retention_drivers.sql):
the sum of n over steps < first_days is exactly the raw query's count, for every first_days it accepts.
"""

from __future__ import annotations

from collections.abc import Callable

from config import SegmentConfig
from segment import Catalog
from segment.relations import RelationPlan, build_ctes

EARLY_TABLE = "rollup_early"
EARLY_STEPS = 28  # first_days may be 1..28: steps 0..27; step 28 is the month-later window
RETAINED_FROM, RETAINED_TO = 28, 35  # days after signup (the playbook's "retained": active in [28, 35))
EARLY_COLUMNS = [("user_id", "VARCHAR"), ("activated_at", "TIMESTAMP"), ("day", "TIMESTAMP"),
                 ("event_name", "VARCHAR"), ("step", "INTEGER"), ("n", "BIGINT")]


def early_build_sql(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str) -> str:
    """One SELECT (PostgreSQL dialect) of the early-action rows of events in local days [:_lo, :_hi).
    Binds: those of the activity build (_lo, _hi, _ts_lo, _ts_hi, _recv_lo, _recv_hi, _tz, _inactive<i>)
    and _ts_now, _activation (the users relation's)."""
    plan = RelationPlan(need_events=True, need_users=True)
    ctes = ",\n".join(build_ctes(segment, catalog, quote, tz, plan))
    # each person's signup moment set beside their events by a window, not joined to them (a join of two
    # inputs PostgreSQL sizes by guess can become a nested loop: docs/warehouses.md), as the playbook does
    return f"""WITH {ctes},
placed AS (
  SELECT user_id, event_name, occurred_at, MAX(activated_at) OVER (PARTITION BY user_id) AS signed_up_at
  FROM (
    SELECT user_id, CAST(NULL AS VARCHAR) AS event_name, CAST(NULL AS TIMESTAMP) AS occurred_at, activated_at
    FROM users
    WHERE activated_at >= :_lo - INTERVAL '{RETAINED_TO} days' AND activated_at < :_hi
    UNION ALL
    SELECT user_id, event_name, occurred_at, NULL
    FROM events
    WHERE occurred_at >= :_lo AND occurred_at < :_hi AND counts_as_activity AND NOT is_anonymous
  ) side_by_side
),
stepped AS (
  SELECT user_id, signed_up_at, DATE_TRUNC('day', occurred_at) AS day,
         CASE WHEN occurred_at >= signed_up_at + INTERVAL '{RETAINED_FROM} days' THEN NULL ELSE event_name END
           AS event_name,
         CASE WHEN occurred_at >= signed_up_at + INTERVAL '{RETAINED_FROM} days' THEN {EARLY_STEPS}
              ELSE CAST(FLOOR(EXTRACT(EPOCH FROM (occurred_at - signed_up_at)) / 86400) AS INTEGER) END AS step
  FROM placed
  WHERE signed_up_at IS NOT NULL AND occurred_at >= signed_up_at
    AND occurred_at < signed_up_at + INTERVAL '{RETAINED_TO} days'
)
SELECT user_id, signed_up_at AS activated_at, day, event_name, step, COUNT(*) AS n
FROM stepped
GROUP BY 1, 2, 3, 4, 5"""
