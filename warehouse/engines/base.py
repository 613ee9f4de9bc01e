"""What differs between warehouse engines, behind one small base (the way Redash's query runners do it).

An Engine knows how to open a SQLAlchemy engine for its kind of URL with Playbot's session rules
(read-only, statement timeout, UTC, keepalives), how to check a pooled connection (ping), how to stop
a running statement (cancel: the server is asked) and how to free a call stuck on a silent network
(abort: the connection is cut under it), how many values one statement may bind, and how to tell a
timeout, an unreachable server or an out-of-memory error from its driver's errors. Everything else
(the deadline, the result cache, the row cap and memory budget, translation) is the Warehouse's, once.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event

log = logging.getLogger("playbot.warehouse")

TIMEOUT_WORDS = ("statement timeout", "interrupt", "canceling statement")
UNREACHABLE_WORDS = ("connection refused", "could not connect", "timeout expired", "no such host",
                     "could not translate host", "connection to server", "does not exist", "could not set lock",
                     "io error", "cannot open", "connection time out", "timed out", "terminating connection",
                     "server closed the connection", "connection reset", "consuming input failed",
                     "connection is lost", "the connection is closed")
OUT_OF_MEMORY_WORDS = ("out of memory", "memory exhausted", "memory limit")


class Engine:
    """A generic SQLAlchemy URL (Snowflake, BigQuery, ...): read-only by Playbot's SQL check and the
    warehouse user's grants; no session settings Playbot relies on. A stuck call is asked to stop
    through the driver's cancel, where it has one."""

    name = "generic"
    bind_limit: int | None = None  # values one statement may bind (the driver's protocol limit)
    # how long after the query's timeout the Warehouse's deadline cuts a call: the server cancels by itself
    # at its statement timeout, so the deadline is the backstop for a network that went silent
    cancel_grace_seconds = 3.0
    checks_connections = True  # ping a pooled connection (bounded by the deadline) before each query

    def create(self, url: sa.URL, config) -> sa.Engine:
        return sa.create_engine(url, **self.pool_options(config))

    def pool_options(self, config) -> dict[str, Any]:
        # no pool_pre_ping: SQLAlchemy's ping runs before the Warehouse's deadline can watch it (a silent
        # network held it forever); the Warehouse pings under its deadline instead
        return {"pool_pre_ping": False, "pool_size": config.max_concurrent_queries, "max_overflow": 0,
                "pool_timeout": max(1.0, config.timeout_seconds), "pool_recycle": 1800}

    def cancel(self, raw: Any) -> None:
        """Ask the server to stop the statement running on this DB-API connection (from another thread)."""
        for method in ("interrupt", "cancel"):
            if hasattr(raw, method):
                getattr(raw, method)()
                return

    def abort(self, raw: Any) -> None:
        """Free a call stuck on this connection (the deadline passed): by default, the driver's cancel."""
        self.cancel(raw)

    def is_timeout(self, text: str) -> bool:
        lowered = text.lower()
        return any(w in lowered for w in TIMEOUT_WORDS)

    def looks_unreachable(self, text: str) -> bool:
        lowered = text.lower()
        return any(w in lowered for w in UNREACHABLE_WORDS)

    def is_out_of_memory(self, text: str) -> bool:
        lowered = text.lower()
        return any(w in lowered for w in OUT_OF_MEMORY_WORDS)


def on_connect(engine: sa.Engine, statements: list[str], then=None, commit: bool = True) -> None:
    """Run session settings on every new connection of the pool (committed: a SET in a transaction that
    is rolled back would be undone when the pool resets the connection)."""

    @sa_event.listens_for(engine, "connect")
    def _session(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()
        if then is not None:
            then(dbapi_conn)
        if commit and hasattr(dbapi_conn, "commit"):
            dbapi_conn.commit()
