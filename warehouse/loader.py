"""Copy DuckDB tables into PostgreSQL (the demo data on a real server: tests, benchmarks, trials).

Uses CSV through COPY: DuckDB writes, psycopg streams. Table and schema names come from the
DuckDB catalog and are quoted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

_TYPES = {
    "VARCHAR": "text", "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "DATE": "date",
    "BIGINT": "bigint", "INTEGER": "integer", "SMALLINT": "smallint", "TINYINT": "smallint", "HUGEINT": "numeric",
    "DOUBLE": "double precision", "FLOAT": "real", "BOOLEAN": "boolean", "DECIMAL": "numeric",
}


def _pg_type(duck_type: str) -> str:
    base = duck_type.upper().split("(")[0]
    return _TYPES.get(base, "text")


def copy_to_postgres(duckdb_path: Path | str, dsn: str, *, schemas: list[str] | None = None,
                     schema_map: dict[str, str] | None = None, sort_key: str = "received_at",
                     progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Copy every table of the given DuckDB schemas into PostgreSQL (same names unless mapped).
    Returns rows copied per table. Existing tables of the same name are replaced."""
    schema_map = schema_map or {}
    src = duckdb.connect(str(duckdb_path), read_only=True)
    counts: dict[str, int] = {}
    try:
        tables = src.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "ORDER BY 1, 2").fetchall()
        if schemas is not None:
            tables = [t for t in tables if t[0] in schemas]
        with psycopg.connect(dsn, autocommit=True) as pg, tempfile.TemporaryDirectory() as tmp:
            for schema, table in tables:
                target_schema = schema_map.get(schema, "public" if schema == "main" else schema)
                columns = src.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                    "AND database_name = current_database() ORDER BY column_index", [schema, table]).fetchall()
                pg.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target_schema)))
                pg.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(sql.Identifier(target_schema),
                                                                        sql.Identifier(table)))
                pg.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(
                    sql.Identifier(target_schema), sql.Identifier(table),
                    sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(t)))
                                       for c, t in columns)))
                path = os.path.join(tmp, f"{schema}.{table}.csv")
                src.execute(f'COPY (SELECT * FROM "{schema}"."{table}") TO \'{path}\' (FORMAT csv, HEADER false, '
                            "NULL '\\N', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')")
                target = sql.SQL("COPY {}.{} FROM STDIN (FORMAT csv, NULL '\\N')").format(
                    sql.Identifier(target_schema), sql.Identifier(table))
                with pg.cursor() as cur, cur.copy(target) as copy, open(path, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
                n = src.execute(f'SELECT COUNT(*) FROM "{schema}"."{table}"').fetchone()[0]
                counts[f"{target_schema}.{table}"] = n
                if sort_key in [c for c, _ in columns]:
                    # Redshift sorts Segment tables by received_at; an index plays that part here
                    pg.execute(sql.SQL("CREATE INDEX ON {}.{} ({})").format(
                        sql.Identifier(target_schema), sql.Identifier(table), sql.Identifier(sort_key)))
                pg.execute(sql.SQL("ANALYZE {}.{}").format(sql.Identifier(target_schema), sql.Identifier(table)))
                if progress:
                    progress(f"{target_schema}.{table}: {n:,} rows")
    finally:
        src.close()
    return counts
