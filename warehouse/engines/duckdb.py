"""DuckDB (the embedded demo warehouse, and any DuckDB file): opened read-only, UTC sessions, no access to
anything outside its own database (files, URLs, other databases), no extension loaded or installed on
demand, and no Python variables read as tables. DuckDB has no statement timeout, so a running statement
is interrupted from the Warehouse's deadline; its memory is bounded by the warehouse's memory budget."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .base import Engine, on_connect

# Fixed for every DuckDB database Playbot opens (one process may open a file once per configuration:
# DuckDB refuses a second connection to the same file with other settings). External access cannot be
# switched back on while the database is open; SET is refused by the SQL check before it gets here.
SAFE_CONFIG = {
    "enable_external_access": False,  # read_csv('/etc/passwd'), read_text, glob, ATTACH, COPY: refused by DuckDB
    "autoload_known_extensions": False,  # sqlite_scan tried to download its extension
    "autoinstall_known_extensions": False,
    "python_enable_replacements": False,  # a table name never reads a Python variable of the process
}


class DuckDB(Engine):
    name = "duckdb"
    cancel_grace_seconds = 0.0  # nothing on the server cancels it: interrupt exactly at the timeout
    checks_connections = False  # in the process: nothing to ping

    def create(self, url: sa.URL, config) -> sa.Engine:
        in_memory = url.database in (None, "", ":memory:")
        connect_args: dict[str, Any] = {"config": dict(SAFE_CONFIG)}
        if not in_memory:
            connect_args["read_only"] = True
        engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=False)
        # memory_limit is the database's, not the connection's: set, not part of the connect configuration
        on_connect(engine, ["SET TimeZone = 'UTC'", f"SET memory_limit = '{int(config.memory_budget_mb)}MB'"],
                   commit=False)
        return engine

    def cancel(self, raw: Any) -> None:
        raw.interrupt()

    def is_out_of_memory(self, text: str) -> bool:
        return "out of memory" in text.lower()
