"""Small helpers for the tables inside a rollup file (DuckDB): whether one exists, and re-deriving the rows of
the days a refresh re-read (rollup/derive.py)."""

from __future__ import annotations

from datetime import datetime


def has_table(con, table: str) -> bool:
    return con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0] > 0


def by_day(con, table: str, select: str, since: datetime, column: str = "day") -> None:
    """`table` from `select` (a SELECT of the rows whose `column` is at or after ?): whole when the file has no
    such table yet, else its rows from `since` on deleted and selected again (the rows before are kept), in
    order of `column` (the order a full build writes and the answers' range scans prune by)."""
    if not has_table(con, table):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM ({select}) d ORDER BY {column}", [datetime(1, 1, 1)])
        return
    con.execute(f"DELETE FROM {table} WHERE {column} >= ?", [since])
    con.execute(f"INSERT INTO {table} SELECT * FROM ({select}) d ORDER BY {column}", [since])
