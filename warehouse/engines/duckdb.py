"""DuckDB (the embedded demo warehouse, and any DuckDB file): opened read-only, UTC sessions. DuckDB has
no statement timeout, so a running statement is interrupted from the Warehouse's timer."""

from __future__ import annotations

import sqlalchemy as sa

from .base import Engine, on_connect


class DuckDB(Engine):
    name = "duckdb"
    cancel_grace_seconds = 0.0  # nothing on the server cancels it: interrupt exactly at the timeout

    def create(self, url: sa.URL, config) -> sa.Engine:
        in_memory = url.database in (None, "", ":memory:")
        engine = sa.create_engine(url, connect_args={} if in_memory else {"read_only": True}, pool_pre_ping=False)
        on_connect(engine, ["SET TimeZone = 'UTC'"])
        return engine
