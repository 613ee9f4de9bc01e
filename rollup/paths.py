"""The paths table of the activity rollup, for `user_path` (the blog's User Path report: the N events just before
or after each occurrence of an event, within its session): every activity event with its neighbours, so an
answer at 100M events filters and groups instead of sorting a month of raw events by person (docs/rollup.md).

  rollup_paths(day, person, event, before_1..before_6, after_1..after_6, before_10, before_30, after_10,
               after_30, after_in_day)
      one row per activity event of the events relation (anonymous visitors included), in order of its local
      day. before_k / after_k: the k-th event before / after it of the same person (events at one moment
      ordered by name, as the raw query orders them), NULL past the last one a session at the largest gap
      could reach. before_<gap> / after_<gap>: how many of those lie within its session at that gap (no gap
      longer than <gap> minutes between two of them, the raw query's test). after_in_day: how many of the events
      after it lie on its own local day (an answer whose range ends at the next midnight reads no event past it).
      Persons and events are integer codes: grouping a month of Message Sent by path and counting distinct
      people is a third of the time on integers that it is on text.
  rollup_path_people(user_id, person), rollup_path_names(event_name, code)
      the codes, kept from build to build (a refresh gives new ones only to people and events it has not seen).
  rollup_paths_<gap>: a view of one gap's counts (before_steps, after_steps): what the playbook reads.

Read a few local days at a time like the activity rows: each chunk's events, from PATH_STEPS x max(PATH_GAPS)
minutes before it to as long after it (no session step reaches further), into a staging table of the file's
connection (temporary, in memory), their neighbours worked out there in one sort, the chunk's own rows kept.
A refresh reads again from the day before the days it re-reads: that day's last events may have neighbours
among the late ones. A question at another gap, or filtered by a dimension, reads raw events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from config import SegmentConfig
from segment import Catalog
from segment.relations import RelationPlan, build_ctes

from .sessions import SESSION_GAPS

PATHS_TABLE = "rollup_paths"
PEOPLE_CODES = "rollup_path_people"
NAME_CODES = "rollup_path_names"
PATH_STEPS = 6  # user_path's `steps` may be 1..6
PATH_GAPS = SESSION_GAPS
READ_AROUND = timedelta(minutes=PATH_STEPS * max(PATH_GAPS))  # events read before and after each chunk
STAGING_TABLE = "rollup_path_events"  # a temporary table: one chunk's events as read
STAGING_COLUMNS = [("user_id", "VARCHAR"), ("occurred_at", "TIMESTAMP"), ("event_name", "VARCHAR")]
SIDES = ("before", "after")
STEP_COLUMNS = tuple(f"{side}_{k}" for side in SIDES for k in range(1, PATH_STEPS + 1))
PATH_COLUMNS = ([("day", "TIMESTAMP"), ("person", "INTEGER"), ("event", "INTEGER")]
                + [(c, "INTEGER") for c in STEP_COLUMNS]
                + [(f"{side}_{gap}", "TINYINT") for side in SIDES for gap in PATH_GAPS]
                + [("after_in_day", "TINYINT")])
CODE_TABLES = ((PEOPLE_CODES, "user_id", "person"), (NAME_CODES, "event_name", "code"))
PATH_VIEWS = tuple(f"{PATHS_TABLE}_{gap}" for gap in PATH_GAPS)
PATH_TABLES = (*PATH_VIEWS, NAME_CODES)  # what the playbook reads


def stream_build_sql(segment: SegmentConfig, catalog: Catalog, quote: Callable[..., str], tz: str) -> str:
    """One SELECT (PostgreSQL dialect) of the activity events in [:_lo, :_hi): person, moment and name."""
    plan = RelationPlan(need_events=True)
    ctes = ",\n".join(build_ctes(segment, catalog, quote, tz, plan))
    return f"""WITH {ctes}
SELECT user_id, occurred_at, event_name
FROM events
WHERE occurred_at >= :_lo AND occurred_at < :_hi AND counts_as_activity"""


def create_tables(con) -> None:
    """The paths and code tables (when the file has none yet) and the staging table of this connection."""
    tables = [(PATHS_TABLE, PATH_COLUMNS)] + [(t, [(value, "VARCHAR"), (code, "INTEGER")]) for t, value, code in CODE_TABLES]
    for table, columns in tables:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(f'{n} {kind}' for n, kind in columns)})")
    cols = ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS)
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {STAGING_TABLE} ({cols})")


def _within(later: str, earlier: str, minutes: int) -> str:
    return f"COALESCE({later} <= {earlier} + INTERVAL '{int(minutes)} minutes', FALSE)"


def _steps(tests: list[str]) -> str:
    """How many of the tests hold in a row from the first (0..len(tests))."""
    whens = " ".join(f"WHEN NOT {t} THEN {k}" for k, t in enumerate(tests))
    return f"CAST(CASE {whens} ELSE {len(tests)} END AS TINYINT)"


def _derive_sql() -> str:
    """The staged events (coded) with their neighbours, those at or after ? and before ? (the chunk) only."""
    order = "PARTITION BY person ORDER BY occurred_at NULLS FIRST, name NULLS FIRST"
    ks = range(1, PATH_STEPS + 1)
    near = ",\n           ".join(
        f"LAG(event, {k}) OVER w AS b{k}, LAG(occurred_at, {k}) OVER w AS bt{k}, "
        f"LEAD(event, {k}) OVER w AS a{k}, LEAD(occurred_at, {k}) OVER w AS at{k}" for k in ks)

    def counts(side: str, gap: int) -> str:
        times = ["occurred_at"] + [f"{side[0]}t{k}" for k in ks]
        pairs = [(times[k - 1], times[k]) if side == "before" else (times[k], times[k - 1]) for k in ks]
        return _steps([_within(later, earlier, gap) for later, earlier in pairs])

    widest = max(PATH_GAPS)
    kept = ", ".join(f"CASE WHEN {side}_{widest} >= {k} THEN {side[0]}{k} END AS {side}_{k}"
                     for side in SIDES for k in ks)
    gaps = ", ".join(f"{counts(side, gap)} AS {side}_{gap}" for side in SIDES for gap in PATH_GAPS)
    in_day = _steps([f"COALESCE(at{k} < DATE_TRUNC('day', occurred_at) + INTERVAL '1 day', FALSE)" for k in ks])
    names = ", ".join(f"{side}_{gap}" for side in SIDES for gap in PATH_GAPS)
    near_names = ", ".join(f"{side[0]}{k}" for side in SIDES for k in ks)
    return f"""SELECT day, person, event, {kept}, {names}, after_in_day
FROM (
  SELECT DATE_TRUNC('day', occurred_at) AS day, person, event, {near_names},
         {gaps}, {in_day} AS after_in_day
  FROM (
    SELECT person, occurred_at, event, name,
           {near}
    FROM (
      SELECT p.person, s.occurred_at, c.code AS event, s.event_name AS name
      FROM {STAGING_TABLE} s
      LEFT JOIN {PEOPLE_CODES} p ON p.user_id = s.user_id
      LEFT JOIN {NAME_CODES} c ON c.event_name = s.event_name
    ) coded
    WINDOW w AS ({order})
  ) n
  WHERE occurred_at >= ? AND occurred_at < ?
) d
ORDER BY day"""


def _new_codes(con) -> None:
    """Codes for the people and events of the staged rows that have none yet: after the largest so far, in
    order of the value (a build gives the same codes whatever order its rows came in). An event without a name
    (a screen call without one) or a call without any id keeps NULL, as raw events keep it: its row stays, and
    with it its place among the neighbours."""
    for table, value, code in CODE_TABLES:
        con.execute(f"""INSERT INTO {table}
SELECT {value}, CAST((SELECT COALESCE(MAX({code}), 0) FROM {table}) + ROW_NUMBER() OVER (ORDER BY {value}) AS INTEGER)
FROM (SELECT DISTINCT s.{value} FROM {STAGING_TABLE} s ANTI JOIN {table} t ON t.{value} = s.{value}
      WHERE s.{value} IS NOT NULL) fresh""")


def derive_chunk(con, lo: datetime, hi: datetime) -> None:
    """The paths rows of the chunk [lo, hi) from the staged events (read from READ_AROUND before lo to as long
    after hi), then the staging table emptied for the next chunk."""
    _new_codes(con)
    con.execute(f"INSERT INTO {PATHS_TABLE} {_derive_sql()}", [lo, hi])
    con.execute(f"DELETE FROM {STAGING_TABLE}")


def create_views(con) -> None:
    """rollup_paths_<gap>: one gap's counts under the names the playbook reads."""
    steps = ", ".join(STEP_COLUMNS)
    for gap in PATH_GAPS:
        con.execute(f"CREATE OR REPLACE VIEW {PATHS_TABLE}_{gap} AS SELECT day, person, event, {steps}, "
                    f"before_{gap} AS before_steps, after_{gap} AS after_steps, after_in_day FROM {PATHS_TABLE}")


def comparable_sql(table: str) -> str:
    """A SELECT of any table or view of a rollup file, with names for the codes of the paths tables (codes
    depend on the order people and events were first seen, chunk by chunk; the names do not): what two files
    built differently (a refresh, a full build) are compared by."""
    if table in (PEOPLE_CODES, NAME_CODES):
        return f"SELECT {'user_id' if table == PEOPLE_CODES else 'event_name'} FROM {table}"
    if table not in (PATHS_TABLE, *PATH_VIEWS):
        return f"SELECT * FROM {table}"
    cols = [n for n, _ in PATH_COLUMNS] if table == PATHS_TABLE else (
        ["day", "person", "event", *STEP_COLUMNS, "before_steps", "after_steps", "after_in_day"])
    named = {c: f"(SELECT event_name FROM {NAME_CODES} WHERE code = t.{c}) AS {c}" for c in ("event", *STEP_COLUMNS)}
    named["person"] = f"(SELECT user_id FROM {PEOPLE_CODES} WHERE person = t.person) AS person"
    return f"SELECT {', '.join(named.get(c, f't.{c}') for c in cols)} FROM {table} t"
