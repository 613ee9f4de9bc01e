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
from datetime import datetime

from config import SegmentConfig
from segment import Catalog
from segment.relations import RelationPlan, build_ctes
from segment.rollup import PEOPLE_TABLE

from .tables import has_table

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


# Derived inside the cache at every build from the rows above and the people table (the users relation as it
# is now): what the playbook reads. A person's early rows count only under the signup moment the users
# relation has now, so a person whose signup moment moved (a late identify) is counted as raw events would.
EARLY_PEOPLE = "rollup_early_people"  # (user_id, activated_at, is_retained): every activated person
EARLY_COUNTS = "rollup_early_counts"  # (user_id, activated_at, is_retained, event_name, first_1..first_28)
EARLY_TABLES = (EARLY_TABLE, EARLY_PEOPLE, EARLY_COUNTS)
_TOUCHED = "SELECT user_id FROM early_touched"


def _people_select(where: str = "") -> str:
    return f"""SELECT p.user_id, p.activated_at, MAX(CASE WHEN e.step = {EARLY_STEPS} THEN 1 ELSE 0 END) AS is_retained
FROM {PEOPLE_TABLE} p
LEFT JOIN {EARLY_TABLE} e ON e.user_id = p.user_id AND e.activated_at = p.activated_at AND e.step = {EARLY_STEPS}
WHERE p.activated_at IS NOT NULL{where}
GROUP BY 1, 2"""


def _counts_select(where: str = "") -> str:
    """first_k = the person's count of the event in their first k x 24 hours (steps 0..k-1): one column read,
    nothing summed, per question."""
    firsts = ",\n       ".join(f"SUM(CASE WHEN e.step < {k} THEN e.n ELSE 0 END) AS first_{k}"
                               for k in range(1, EARLY_STEPS + 1))
    return f"""SELECT e.user_id, e.activated_at, p.is_retained, e.event_name,
       {firsts}
FROM {EARLY_TABLE} e
JOIN {EARLY_PEOPLE} p ON p.user_id = e.user_id AND p.activated_at = e.activated_at
WHERE e.step < {EARLY_STEPS}{where}
GROUP BY 1, 2, 3, 4"""


# a refresh that re-read the early rows from day $since on: the people whose rows may differ, those with early
# rows in the re-read days (as read now, or as deleted: `early_reread`), and those whose signup moment changed,
# who came or who went. (Those rows are events in [signup, signup + 35 days): people who signed up in the 35 days
# before the re-read days or since, the bound of the work.)
_REREAD_SQL = f"CREATE OR REPLACE TEMP TABLE early_reread AS SELECT DISTINCT user_id FROM {EARLY_TABLE} WHERE day >= ?"
_TOUCHED_SQL = f"""CREATE OR REPLACE TEMP TABLE early_touched AS
SELECT user_id FROM early_reread
UNION SELECT user_id FROM {EARLY_TABLE} WHERE day >= $since
UNION SELECT user_id FROM (
  SELECT user_id, activated_at FROM {PEOPLE_TABLE} WHERE activated_at IS NOT NULL
  EXCEPT SELECT user_id, activated_at FROM {EARLY_PEOPLE})
UNION SELECT user_id FROM (
  SELECT user_id, activated_at FROM {EARLY_PEOPLE}
  EXCEPT SELECT user_id, activated_at FROM {PEOPLE_TABLE} WHERE activated_at IS NOT NULL)"""


def forget_early(con, since: datetime) -> None:
    """Delete the early rows from day `since` on (to be read again), keeping who had them for derive_early."""
    con.execute(_REREAD_SQL, [since])
    con.execute(f"DELETE FROM {EARLY_TABLE} WHERE day >= ?", [since])


def derive_early(con, since: datetime | None) -> None:
    """The two tables the playbook reads (DuckDB), once rollup_early and the people table are up to date: whole
    when `since` is None (a first build) or the file lacks them, else only the people whose rows may have
    changed since the early rows were re-read from `since` on (_TOUCHED_SQL; forget_early deleted them first).
    Ordered by signup moment."""
    if since is None or not (has_table(con, EARLY_PEOPLE) and has_table(con, EARLY_COUNTS)):
        con.execute(f"CREATE OR REPLACE TABLE {EARLY_PEOPLE} AS {_people_select()} ORDER BY 2")
        con.execute(f"CREATE OR REPLACE TABLE {EARLY_COUNTS} AS {_counts_select()} ORDER BY 2")
        return
    con.execute(_TOUCHED_SQL, {"since": since})
    for table, select, alias in ((EARLY_PEOPLE, _people_select, "p"), (EARLY_COUNTS, _counts_select, "e")):
        con.execute(f"DELETE FROM {table} WHERE user_id IN ({_TOUCHED})")
        con.execute(f"INSERT INTO {table} {select(f' AND {alias}.user_id IN ({_TOUCHED})')} ORDER BY 2")
