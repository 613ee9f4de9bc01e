"""What differs between warehouse engines, behind one small base (the way Redash's query runners do it).

An Engine knows how to open a SQLAlchemy engine for its kind of URL with Playbot's session rules
(read-only, statement timeout, UTC), how to cancel a running statement, how many values one
statement may bind, and how to tell a timeout or an unreachable server from its driver's errors.
Everything else (pooling, the result cache, the row cap, translation) is the Warehouse's, once.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event

TIMEOUT_WORDS = ("statement timeout", "interrupt", "canceling statement")
UNREACHABLE_WORDS = ("connection refused", "could not connect", "timeout expired", "no such host",
                     "could not translate host", "connection to server", "does not exist", "could not set lock",
                     "io error", "cannot open", "connection time out", "timed out", "terminating connection",
                     "server closed the connection", "connection reset")


class Engine:
    """A generic SQLAlchemy URL (Snowflake, BigQuery, ...): read-only by Playbot's SQL check and the
    warehouse user's grants; no session settings Playbot relies on."""

    name = "generic"
    bind_limit: int | None = None  # values one statement may bind (the driver's protocol limit)
    cancel_grace_seconds = 5.0  # the server cancels by itself at its statement timeout; the timer is a backstop

    def create(self, url: sa.URL, config) -> sa.Engine:
        return sa.create_engine(url, pool_pre_ping=True, pool_recycle=1800)

    def pool_options(self, config) -> dict[str, Any]:
        return {"pool_pre_ping": True, "pool_size": config.max_concurrent_queries, "max_overflow": 0,
                "pool_timeout": 30, "pool_recycle": 1800}

    def cancel(self, raw: Any) -> None:
        """Stop the statement running on this DB-API connection (from another thread)."""
        for method in ("interrupt", "cancel"):
            if hasattr(raw, method):
                getattr(raw, method)()
                return

    def is_timeout(self, text: str) -> bool:
        lowered = text.lower()
        return any(w in lowered for w in TIMEOUT_WORDS)

    def looks_unreachable(self, text: str) -> bool:
        lowered = text.lower()
        return any(w in lowered for w in UNREACHABLE_WORDS)


def on_connect(engine: sa.Engine, statements: list[str], then=None) -> None:
    """Run session settings on every new connection of the pool."""

    @sa_event.listens_for(engine, "connect")
    def _session(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()
        if then is not None:
            then(dbapi_conn)
