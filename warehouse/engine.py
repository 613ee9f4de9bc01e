"""One warehouse behind one small interface: run a read-only query, describe the schema.

Every query: read-only (refused before it reaches the engine if it writes, and the session is
read-only too), bound parameters, a statement timeout that cancels on the warehouse, a row cap,
and at most N concurrent queries per warehouse.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url

from config import WarehouseConfig

from .dialects import SQLRefused, SQLUntranslatable, check_read_only, sqlglot_dialect, translate

log = logging.getLogger("playbot.warehouse")


class WarehouseError(Exception):
    """A problem a user should hear about in plain words, with what to do next."""

    def __init__(self, message: str, next_step: str = ""):
        super().__init__(message)
        self.message = message
        self.next_step = next_step


class WarehouseUnavailable(WarehouseError):
    pass


class QueryTimeout(WarehouseError):
    pass


class QueryRefused(WarehouseError):
    pass


class QueryFailed(WarehouseError):
    pass


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple]
    sql: str
    params: dict[str, Any]
    warehouse: str
    elapsed_ms: float
    truncated: bool = False
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


class Warehouse:
    """A named SQLAlchemy engine with Playbot's safety rules."""

    def __init__(self, config: WarehouseConfig):
        self.config = config
        self.name = config.name
        url = make_url(config.url)
        self.backend = url.get_backend_name()
        self.dialect = sqlglot_dialect(self.backend)
        self._semaphore = threading.BoundedSemaphore(config.max_concurrent_queries)
        self.engine = self._create_engine(url)
        self._preparer = self.engine.dialect.identifier_preparer

    # ---- engine setup, per backend ----
    def _create_engine(self, url: sa.URL) -> sa.Engine:
        timeout_ms = int(self.config.timeout_seconds * 1000)
        if self.backend == "duckdb":
            in_memory = url.database in (None, "", ":memory:")
            engine = sa.create_engine(url, connect_args={} if in_memory else {"read_only": True},
                                      pool_pre_ping=False)

            @sa_event.listens_for(engine, "connect")
            def _duckdb_session(dbapi_conn, _record):
                cursor = dbapi_conn.cursor()
                cursor.execute("SET TimeZone = 'UTC'")
                cursor.close()

            return engine
        if self.backend == "postgresql":
            options = f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms} -c TimeZone=UTC"
            return sa.create_engine(
                url, pool_pre_ping=True, pool_size=self.config.max_concurrent_queries, max_overflow=0,
                pool_timeout=30, connect_args={"options": options, "connect_timeout": 5,
                                               "application_name": "playbot"},
            )
        # Other engines (Redshift, Snowflake, BigQuery...): read-only enforced by the SQL check and
        # by the warehouse user's grants; see README "Pointing Playbot at production".
        return sa.create_engine(url, pool_pre_ping=True)

    # ---- identifiers ----
    def quote(self, *parts: str) -> str:
        return ".".join(self._preparer.quote(p) for p in parts)

    # ---- running queries ----
    def translate(self, sql: str) -> str:
        """PostgreSQL-dialect SQL -> this engine's dialect; refuses anything but one read-only query."""
        try:
            check_read_only(sql, "postgres")
        except SQLRefused as exc:
            raise QueryRefused(f"Refused: {exc}.", "Playbooks may only read data.") from None
        try:
            return translate(sql, self.dialect)
        except SQLUntranslatable as exc:
            raise QueryFailed(f"The query could not be written for {self.backend}: {exc}",
                              "If this is a custom playbook, check its SQL.") from None

    def run(self, sql: str, params: dict[str, Any] | None = None, *, row_cap: int | None = None,
            timeout: float | None = None) -> Result:
        """Run one read-only query written in this warehouse's dialect, with `:name` parameters."""
        params = dict(params or {})
        try:
            check_read_only(sql, self.dialect)
        except SQLRefused as exc:
            raise QueryRefused(f"Refused: {exc}.", "Playbooks may only read data.") from None
        cap = row_cap or self.config.row_cap
        timeout = timeout or self.config.timeout_seconds
        started = time.perf_counter()
        if not self._semaphore.acquire(timeout=timeout):
            raise QueryTimeout(f"The {self.name} warehouse is busy ({self.config.max_concurrent_queries} queries running).",
                               "Try again in a minute.")
        try:
            columns, rows, truncated = self._execute(sql, params, cap, timeout)
        finally:
            self._semaphore.release()
        elapsed = (time.perf_counter() - started) * 1000
        log.info("query warehouse=%s rows=%d ms=%.1f truncated=%s", self.name, len(rows), elapsed, truncated)
        return Result(columns=columns, rows=rows, sql=sql, params=params, warehouse=self.name,
                      elapsed_ms=elapsed, truncated=truncated)

    def _execute(self, sql: str, params: dict[str, Any], cap: int, timeout: float):
        timer: threading.Timer | None = None
        timed_out = threading.Event()
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                # DuckDB has no statement timeout: interrupt it from a timer thread. PostgreSQL
                # cancels on the server through statement_timeout; the timer is a backstop there.
                grace = 0.0 if self.backend == "duckdb" else 5.0
                timer = threading.Timer(timeout + grace, _cancel_query, (raw, timed_out, self.name))
                timer.daemon = True
                timer.start()
                result = conn.execute(sa.text(sql), params)
                columns = list(result.keys())
                rows = [tuple(r) for r in result.fetchmany(cap + 1)]
                truncated = len(rows) > cap
                result.close()
                conn.rollback()
                return columns, rows[:cap], truncated
        except sa.exc.DBAPIError as exc:
            raise self._classify(exc, timed_out.is_set(), timeout) from None
        finally:
            if timer is not None:
                timer.cancel()

    def _classify(self, exc: sa.exc.DBAPIError, timed_out: bool, timeout: float) -> WarehouseError:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        lowered = text.lower()
        if timed_out or "statement timeout" in lowered or "interrupt" in lowered or "canceling statement" in lowered:
            return QueryTimeout(f"The query took longer than {timeout:g} s and was cancelled on the {self.name} warehouse.",
                                "Try a shorter time range, or ask an admin to raise timeout_seconds.")
        if exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError) and _looks_unreachable(lowered):
            return WarehouseUnavailable(f"The {self.name} warehouse is not reachable: {first}",
                                        "Check that it is running and that the URL in playbot.yaml is right.")
        if "read-only" in lowered or "read only" in lowered:
            return QueryRefused(f"Refused by the warehouse: {first}", "Playbooks may only read data.")
        return QueryFailed(f"The {self.name} warehouse could not run the query: {first}",
                           "If this is a custom playbook, check its SQL; otherwise tell the Playbot admin.")

    # ---- schema ----
    def columns(self, schemas: list[str]) -> dict[tuple[str, str], dict[str, str]]:
        """{(schema, table): {column: type}} for the given schemas, from information_schema."""
        if not schemas:
            return {}
        names = {f"s{i}": s for i, s in enumerate(schemas)}
        placeholders = ", ".join(f":{k}" for k in names)
        sql = ("SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
               f"WHERE table_schema IN ({placeholders}) ORDER BY table_schema, table_name, ordinal_position")
        result = self.run(sql, names, row_cap=1_000_000)
        out: dict[tuple[str, str], dict[str, str]] = {}
        for schema, table, column, dtype in result.rows:
            out.setdefault((schema, table), {})[column] = str(dtype).lower()
        return out

    def ping(self) -> None:
        """Raise WarehouseUnavailable within seconds if the warehouse cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.DBAPIError as exc:
            first = str(exc.orig or exc).strip().splitlines()[0]
            raise WarehouseUnavailable(f"The {self.name} warehouse ({self.config.safe_url}) is not reachable: {first}",
                                       "Check that it is running and that the URL in playbot.yaml is right.") from None

    def close(self) -> None:
        self.engine.dispose()


def _cancel_query(raw: Any, timed_out: threading.Event, name: str) -> None:
    timed_out.set()
    for method in ("interrupt", "cancel"):  # DuckDB: interrupt; psycopg: cancel
        if hasattr(raw, method):
            try:
                getattr(raw, method)()
            except Exception:  # noqa: BLE001 - best effort
                log.warning("cancel failed on warehouse=%s", name)
            return


def _looks_unreachable(text: str) -> bool:
    return any(w in text for w in ("connection refused", "could not connect", "timeout expired", "no such host",
                                   "could not translate host", "connection to server", "does not exist",
                                   "could not set lock", "io error", "cannot open"))
