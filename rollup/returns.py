"""Derived tables of the embedded activity rollup for the retention playbooks (docs/rollup.md, "Retention
tables"): each person's returns after signup, worked out at each build from the person-day table and the
people table (a refresh: from the days it re-read), so that `retention` (since signup) and
`nday_retention` answer with a join of the cohort's people to a small table and one GROUP BY instead of a
window per person over every person-day.

  rollup_returns(step, user_id, n, first_day)   one row per person and period with activity, and the
      first day that gives it (what a refresh keeps):
      step = 86400, 604800 or 2592000: n = whole 1-, 7- or 30-day steps from the person's signup moment
          to the first or the last event of an active day at or after it (a calendar day spans at most
          two such steps, so its first and last events name every step it touches: the playbooks' own
          reasoning on the person-day rows);
      step = 0: n = calendar days from the signup day to the active day (day >= the signup day).
      Only n <= MAX_N: the playbooks read periods 0-12 (retention) and days 1, 7, 14, 28 (n-day).
  rollup_last_seen(user_id, activated_at, last_day, last_at)   each person's last active day and last event,
      and their signup moment as at the build (a refresh compares it with the people table's).

Both are activity only (the person-day table: counts_as_activity) and signed-in people only (the people
table, not anonymous visitors), the rows the playbooks' `coming_back.sql` reads without an `event`.
The expressions are the playbooks' own, written in PostgreSQL and translated to DuckDB the way the
answers' SQL is, so a period number is computed the same way on both paths.
"""

from __future__ import annotations

import re
from datetime import datetime

from segment.rollup import DAYS_TABLE, PEOPLE_TABLE
from warehouse.dialects import translate

from .tables import has_table

RETURNS_TABLE = "rollup_returns"
LAST_SEEN_TABLE = "rollup_last_seen"
# (relation a playbook reads, table in the rollup file): the reader names each table the build holds (its
# meta's `tables`) by its relation
RELATIONS = (("person_returns", RETURNS_TABLE), ("person_last_seen", LAST_SEEN_TABLE))
MAX_N = 28  # the longest period any playbook reads from it (n-day retention's day 28)
STEPS = (86400, 604800, 2592000)  # since signup: a day, a week, a 30-day month (retention.sql's `step`)

_STEPS = " UNION ALL ".join(f"SELECT {s} AS step" for s in STEPS)
_DAY = "CAST(DATE_TRUNC('day', d.day) AS DATE)"
_SIGNUP_DAY = "CAST(DATE_TRUNC('day', d.activated_at) AS DATE)"


def _person_days(where: str) -> str:
    return f"""person_days AS (
  SELECT d.user_id, d.day, d.first_at, d.last_at, p.activated_at
  FROM {DAYS_TABLE} d
  JOIN {PEOPLE_TABLE} p ON p.user_id = d.user_id
  WHERE NOT d.is_anonymous{where}
)"""


def returns_select(where: str = "") -> str:
    """Each (step, person, n) of the person-day rows `where` allows, with the first day that gives it."""
    def steps(moment: str) -> str:
        return f"""SELECT s.step, d.user_id, d.day,
         CAST(FLOOR(EXTRACT(EPOCH FROM (d.{moment} - d.activated_at)) / s.step) AS INTEGER) AS n
  FROM person_days d CROSS JOIN steps s
  WHERE d.{moment} >= d.activated_at"""

    return f"""WITH {_person_days(where)},
steps AS ({_STEPS}),
touched AS (
  {steps("first_at")}
  UNION ALL
  {steps("last_at")}
  UNION ALL
  SELECT 0, d.user_id, d.day, CAST({_DAY} - {_SIGNUP_DAY} AS INTEGER) AS n
  FROM person_days d
  WHERE {_DAY} >= {_SIGNUP_DAY}
)
SELECT step, user_id, n, MIN(day) AS first_day
FROM touched
WHERE n <= {MAX_N}
GROUP BY 1, 2, 3"""


def last_seen_select(where: str = "") -> str:
    return f"""WITH {_person_days(where)}
SELECT user_id, MAX(activated_at) AS activated_at, MAX(CAST(DATE_TRUNC('day', day) AS DATE)) AS last_day,
       MAX(last_at) AS last_at
FROM person_days
GROUP BY 1"""


# a refresh: the people whose signup moment changed (or who came or went) since the tables were built;
# the day the refresh re-reads from is bound as ? (`since`)
_CHANGED = f"""CREATE OR REPLACE TEMP TABLE returns_changed AS
SELECT p.user_id FROM {PEOPLE_TABLE} p LEFT JOIN {LAST_SEEN_TABLE} s ON s.user_id = p.user_id
WHERE s.activated_at IS DISTINCT FROM p.activated_at
UNION
SELECT s.user_id FROM {LAST_SEEN_TABLE} s LEFT JOIN {PEOPLE_TABLE} p ON p.user_id = s.user_id
WHERE p.user_id IS NULL"""
_CHANGED_SQL = "SELECT user_id FROM returns_changed"
# the people active in the re-read days (their last activity is there), and the people whose last
# activity must be worked out from all their days again: changed, or last seen in the re-read days and
# no longer there
_RECENT = f"""CREATE OR REPLACE TEMP TABLE returns_recent AS
SELECT DISTINCT user_id FROM {DAYS_TABLE} WHERE day >= ? AND NOT is_anonymous
EXCEPT {_CHANGED_SQL}"""
_WHOLE = f"""CREATE OR REPLACE TEMP TABLE returns_whole AS
{_CHANGED_SQL}
UNION SELECT user_id FROM {LAST_SEEN_TABLE} WHERE last_day >= CAST(? AS DATE)
    AND user_id NOT IN (SELECT user_id FROM returns_recent)"""


def build_returns(con, since: datetime | None = None) -> None:
    """Both tables inside the rollup file from its person-day and people tables, once those are up to date:
    whole on a first build (or when `since` is None), else from the days a refresh re-read (`since` on).

    A refresh keeps a row whose first contributing day is before `since` (those days were not re-read),
    deletes the others and adds the periods of the re-read days not already there; a person whose signup
    moment changed (or who came or went) is worked out again from all their days, as is the last activity of
    everyone active since `since`. The result equals a full build's (tests/engines/test_rollup_returns.py)."""
    if since is None or not (has_table(con, RETURNS_TABLE) and has_table(con, LAST_SEEN_TABLE)):
        con.execute(_duckdb(f"CREATE OR REPLACE TABLE {RETURNS_TABLE} AS {returns_select()}"))
        con.execute(_duckdb(f"CREATE OR REPLACE TABLE {LAST_SEEN_TABLE} AS {last_seen_select()}"))
        return
    con.execute(_CHANGED)
    changed = con.execute("SELECT COUNT(*) FROM returns_changed").fetchone()[0]
    con.execute(f"DELETE FROM {RETURNS_TABLE} WHERE first_day >= ? OR user_id IN ({_CHANGED_SQL})", [since])
    con.execute(_RECENT, [since])
    recent = returns_select(" AND d.day >= :since AND d.user_id IN (SELECT user_id FROM returns_recent)")
    con.execute(_duckdb(f"""INSERT INTO {RETURNS_TABLE}
SELECT f.step, f.user_id, f.n, f.first_day FROM ({recent}) f
LEFT JOIN (SELECT * FROM {RETURNS_TABLE} WHERE user_id IN (SELECT user_id FROM returns_recent)) r
  ON r.step = f.step AND r.user_id = f.user_id AND r.n = f.n
WHERE r.user_id IS NULL"""),
                {"since": since})
    if changed:
        con.execute(_duckdb(f"INSERT INTO {RETURNS_TABLE} {returns_select(f' AND d.user_id IN ({_CHANGED_SQL})')}"))
    # last activity: of the recent people, in the re-read days (later than any day before them)
    con.execute(_WHOLE, [since])
    con.execute(f"DELETE FROM {LAST_SEEN_TABLE} WHERE user_id IN (SELECT user_id FROM returns_recent) "
                "OR user_id IN (SELECT user_id FROM returns_whole)")
    con.execute(_duckdb(f"INSERT INTO {LAST_SEEN_TABLE} "
                        + last_seen_select(" AND d.day >= :since AND d.user_id IN (SELECT user_id FROM returns_recent)")),
                {"since": since})
    con.execute(_duckdb(f"INSERT INTO {LAST_SEEN_TABLE} "
                        + last_seen_select(" AND d.user_id IN (SELECT user_id FROM returns_whole)")))


def _duckdb(sql: str) -> str:
    """PostgreSQL text to DuckDB's, as the answers' SQL is translated; `:since` bound by DuckDB as `$since`."""
    return re.sub(r"(?<![:\w]):since\b", "$since", translate(sql, "duckdb"))
