"""The activity rollup as tables the data team keeps in their own warehouse (`bot.py rollup sql`), and
how the bot finds and trusts them (`rollup.warehouse_table: schema.table`).

The printed script builds three tables from the same relations as the embedded rollup (segment/rollup.py),
cut at the same moment the bot would cut its answers (the latest received_at, to the minute, or now):
  <table>         the activity rows
  <table>_people  the users relation
  <table>_meta    one row per Segment source: its latest received_at, the cut, when it was built, and
                  the definition it was built with (the bot reads the tables only while these match)
in one transaction, so a reader sees the old tables or the new ones. Schedule it with your own tooling
(dbt, Airflow, cron) after each Segment sync.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql

from config import Config
from segment import Catalog
from segment.relations import freshness_sql, local_time
from segment.rollup import RollupLayout, activity_build_sql, people_build_sql
from warehouse.dialects import translate

from .store import fingerprint

ENGINES = {"duckdb": "duckdb", "postgres": "postgres", "postgresql": "postgres", "redshift": "redshift"}
# naive UTC now, per engine
NOW_UTC = {"duckdb": "CAST(NOW() AT TIME ZONE 'UTC' AS TIMESTAMP)", "postgres": "(NOW() AT TIME ZONE 'UTC')",
           "redshift": "GETDATE()"}
EPOCH = "CAST('1970-01-01 00:00:00' AS TIMESTAMP)"


@dataclass(frozen=True)
class TableNames:
    activity: str
    people: str
    meta: str


def table_names(table: str, quote) -> TableNames:
    """'playbot.activity_rollup' -> the three tables, quoted."""
    *schema, name = table.split(".")
    return TableNames(*(quote(*schema, name + suffix) for suffix in ("", "_people", "_meta")))


def _pg_quote(*parts: str) -> str:
    preparer = postgresql.dialect().identifier_preparer
    return ".".join(preparer.quote(p) for p in parts)


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def rollup_sql(config: Config, catalog: Catalog, engine: str, table: str, now_utc: datetime | None = None) -> str:
    """The script (statements separated by `;`) that builds the rollup tables in `engine`'s dialect, cut at
    the engine's clock when it runs (or at `now_utc`: a fixed moment, for tests and backfills)."""
    dialect = ENGINES.get(engine.lower())
    if dialect is None:
        raise ValueError(f"unknown engine {engine!r}: use duckdb, postgres or redshift")
    names = table_names(table, _pg_quote)
    seg, tz, dims = config.segment, config.timezone, tuple(config.rollup.dimensions)
    cut = f"(SELECT MAX(cut) FROM {names.meta})"
    values = {
        "_lo": EPOCH, "_ts_lo": EPOCH, "_recv_lo": EPOCH, "since": EPOCH,
        "_hi": local_time(cut, tz).replace(":_tz", _literal(tz)), "_ts_hi": cut, "_ts_now": cut,
        "_recv_hi": f"({cut} + INTERVAL '{int(seg.late_arrival_hours)} hours')", "_tz": _literal(tz),
        **{f"_inactive{i}": _literal(e) for i, e in enumerate(seg.activity_exclude_events)},
    }
    info = catalog.event(seg.activation_event) if seg.activation_event else None
    if info is not None:
        values["_activation"] = _literal(info.key)

    def inline(sql: str) -> str:
        return translate(re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", lambda m: values[m.group(1)], sql), dialect)

    fresh = freshness_sql(seg, catalog, _pg_quote)
    now = NOW_UTC[dialect] if now_utc is None else f"CAST({_literal(now_utc.isoformat(sep=' '))} AS TIMESTAMP)"
    meta = inline(f"""SELECT f.source, f.latest, c.cut, {now} AS built_at, {_literal(fingerprint(config))} AS definition,
       {_literal(",".join(dims))} AS dimensions
FROM ({fresh}) f
CROSS JOIN (SELECT LEAST(DATE_TRUNC('minute', {now}), DATE_TRUNC('minute', MAX(latest))) AS cut FROM ({fresh}) x) c""")
    activity = inline(activity_build_sql(seg, catalog, _pg_quote, tz, dims))
    people = inline(people_build_sql(seg, catalog, _pg_quote, tz, dims))
    statements = ["BEGIN"]
    for name, select in ((names.meta, meta), (names.activity, activity), (names.people, people)):
        statements += [f"DROP TABLE IF EXISTS {name}", f"CREATE TABLE {name} AS\n{select}"]
    statements.append("COMMIT")
    header = (f"-- Playbot's activity rollup for {dialect} (docs/rollup.md): run it on a schedule after each Segment sync,\n"
              f"-- as a user that may create tables in its schema, and set rollup.warehouse_table: {table}\n")
    return header + ";\n\n".join(statements) + ";\n"


@dataclass(frozen=True)
class WarehouseRollup:
    """What the meta table says: the build's cut (local), its version token and when it was built (UTC)."""

    layout: RollupLayout
    version: list
    as_of: datetime
    built_at: datetime
    definition: str


def meta_query(table: str, quote) -> str:
    names = table_names(table, quote)
    return f"SELECT source, latest, cut, built_at, definition, dimensions FROM {names.meta} ORDER BY source"


def read_meta(rows: list[tuple], table: str, quote, config: Config) -> WarehouseRollup | None:
    """The meta rows as a WarehouseRollup, or None when they are not a build of this definition."""
    if not rows or any(r[4] != fingerprint(config) for r in rows):
        return None
    names = table_names(table, quote)
    dims = tuple(d for d in str(rows[0][5] or "").split(",") if d)
    version = [[str(r[0]), _naive(r[1]).isoformat() if r[1] is not None else None] for r in rows]
    cut = _naive(rows[0][2])
    local = cut.replace(tzinfo=UTC).astimezone(config.tz).replace(tzinfo=None)
    return WarehouseRollup(RollupLayout(dims, names.activity, names.people), version, local, _naive(rows[0][3]),
                           rows[0][4])


def _naive(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
