"""Derived tables of the embedded activity rollup for the retention playbooks (docs/rollup.md, "Retention
tables"): each person's returns after signup, worked out once per build from the person-day table and the
people table, so that `retention` (since signup) and `nday_retention` answer with a join of the cohort's
people to a small table and one GROUP BY instead of a window per person over every person-day.

  rollup_returns(step, user_id, n)   one row per person and period with activity (DISTINCT):
      step = 86400, 604800 or 2592000: n = whole 1-, 7- or 30-day steps from the person's signup moment
          to the first or the last event of an active day at or after it (a calendar day spans at most
          two such steps, so its first and last events name every step it touches: the playbooks' own
          reasoning on the person-day rows);
      step = 0: n = calendar days from the signup day to the active day (day >= the signup day).
      Only n <= MAX_N: the playbooks read periods 0-12 (retention) and days 1, 7, 14, 28 (n-day).
  rollup_last_seen(user_id, last_day, last_at)   each person's last active day and last event.

Both are activity only (the person-day table: counts_as_activity) and signed-in people only (the people
table, not anonymous visitors), the rows the playbooks' `coming_back.sql` reads without an `event`.
The expressions are the playbooks' own, written in PostgreSQL and translated to DuckDB the way the
answers' SQL is, so a period number is computed the same way on both paths.
"""

from __future__ import annotations

from segment.rollup import DAYS_TABLE, PEOPLE_TABLE
from warehouse.dialects import translate

RETURNS_TABLE = "rollup_returns"
LAST_SEEN_TABLE = "rollup_last_seen"
# (relation a playbook reads, table in the rollup file): what a build records in its meta as `derived`
RELATIONS = (("person_returns", RETURNS_TABLE), ("person_last_seen", LAST_SEEN_TABLE))
MAX_N = 28  # the longest period any playbook reads from it (n-day retention's day 28)
STEPS = (86400, 604800, 2592000)  # since signup: a day, a week, a 30-day month (retention.sql's `step`)

_DAYS = f"""person_days AS (
  SELECT d.user_id, d.day, d.first_at, d.last_at, p.activated_at
  FROM {DAYS_TABLE} d
  JOIN {PEOPLE_TABLE} p ON p.user_id = d.user_id
  WHERE NOT d.is_anonymous
)"""

_STEPS = " UNION ALL ".join(f"SELECT {s} AS step" for s in STEPS)

RETURNS_SQL = f"""CREATE OR REPLACE TABLE {RETURNS_TABLE} AS
WITH {_DAYS},
steps AS ({_STEPS}),
touched AS (
  SELECT s.step, d.user_id,
         CAST(FLOOR(EXTRACT(EPOCH FROM (d.first_at - d.activated_at)) / s.step) AS INTEGER) AS n
  FROM person_days d CROSS JOIN steps s
  WHERE d.first_at >= d.activated_at
  UNION ALL
  SELECT s.step, d.user_id,
         CAST(FLOOR(EXTRACT(EPOCH FROM (d.last_at - d.activated_at)) / s.step) AS INTEGER) AS n
  FROM person_days d CROSS JOIN steps s
  WHERE d.last_at >= d.activated_at
  UNION ALL
  SELECT 0, d.user_id,
         CAST(CAST(DATE_TRUNC('day', d.day) AS DATE) - CAST(DATE_TRUNC('day', d.activated_at) AS DATE) AS INTEGER) AS n
  FROM person_days d
  WHERE CAST(DATE_TRUNC('day', d.day) AS DATE) >= CAST(DATE_TRUNC('day', d.activated_at) AS DATE)
)
SELECT DISTINCT step, user_id, n
FROM touched
WHERE n <= {MAX_N}
ORDER BY step, n, user_id"""

LAST_SEEN_SQL = f"""CREATE OR REPLACE TABLE {LAST_SEEN_TABLE} AS
WITH {_DAYS}
SELECT user_id, MAX(CAST(DATE_TRUNC('day', day) AS DATE)) AS last_day, MAX(last_at) AS last_at
FROM person_days
GROUP BY 1
ORDER BY 1"""


def build_returns(con) -> dict[str, str]:
    """(Re)builds both tables inside the rollup file from its person-day and people tables (at every build
    and refresh, after those are up to date): the relations now readable and their tables, for the build's meta (`derived`).

    Rebuilt whole rather than per re-read day: a person's periods depend on their signup moment, which a
    refresh re-reads for everyone (`rollup_people` is read whole), and the whole rebuild reads only the
    cache (docs/rollup.md gives its cost beside the refresh's)."""
    for sql in (RETURNS_SQL, LAST_SEEN_SQL):
        con.execute(translate(sql, "duckdb"))
    return dict(RELATIONS)
