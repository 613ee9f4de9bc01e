"""One warehouse behind one small interface: run a read-only query, describe the schema.

Every query: read-only (refused before it reaches the engine if it writes, and the session is
read-only too where the engine has such a setting), bound parameters, a statement timeout that
cancels on the warehouse, a row cap, and at most N concurrent queries per warehouse. Connections
are pooled and checked before use (pre-ping); a connection that drops during a query is replaced
and the query retried once; connecting gives up after connect_timeout_seconds. Callers may opt
into the result cache (warehouse/cache.py): keyed by SQL, parameters and a freshness token, with
identical concurrent queries sharing one execution.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from config import WarehouseConfig, mask_secrets
from errors import ConfigError

from .cache import ResultCache, cache_key
from .dialects import SQLRefused, SQLUntranslatable, check_read_only, sqlglot_dialect, translate
from .engines import engine_for
from .errors import QueryFailed, QueryRefused, QueryTimeout, WarehouseError, WarehouseUnavailable

log = logging.getLogger("playbot.warehouse")


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
        url = _parse_url(config)
        self.backend = url.get_backend_name()
        self.dialect = sqlglot_dialect(self.backend)
        self.kind = engine_for(self.backend)  # what differs per engine (warehouse/engines/)
        self._semaphore = threading.BoundedSemaphore(config.max_concurrent_queries)
        try:
            self.engine = self.kind.create(url, config)
        except (sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
            raise ConfigError(f"warehouses.{config.name}.url", f"no driver for {url.drivername}: {mask_secrets(str(exc))}",
                              "install the dialect's package (see docs/warehouses.md) or fix the URL") from None
        self.cache = ResultCache(config.cache_ttl_seconds)
        self._count_lock = threading.Lock()
        self.executions = 0  # statements sent to the warehouse (cache hits and shared waits excluded)
        self._preparer = self.engine.dialect.identifier_preparer
        # values one statement may bind (the drivers' protocol limits); None: no limit known
        self.max_bind_values: int | None = self.kind.bind_limit

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
            timeout: float | None = None, cache: bool = False, refresh: bool = False,
            freshness: Hashable = None) -> Result:
        """Run one read-only query written in this warehouse's dialect, with `:name` parameters.

        With `cache`, a result stored for the same (SQL, parameters, freshness token) within the
        TTL is returned (`cached=True`) and identical concurrent calls share one execution;
        `refresh` skips the stored result and stores the new one."""
        params = dict(params or {})
        try:
            check_read_only(sql, self.dialect)
        except SQLRefused as exc:
            raise QueryRefused(f"Refused: {exc}.", "Playbooks may only read data.") from None
        cap = row_cap or self.config.row_cap
        timeout = timeout or self.config.timeout_seconds
        if not cache:
            return self._run_now(sql, params, cap, timeout)
        key = cache_key(self.name, sql, params, (freshness, cap))
        result, how = self.cache.get_or_load(key, lambda: self._run_now(sql, params, cap, timeout), refresh=refresh)
        if how != "miss":
            log.info("query warehouse=%s cache=%s", self.name, how)
            return dataclasses.replace(result, cached=True, elapsed_ms=0.0)
        return result

    def _run_now(self, sql: str, params: dict[str, Any], cap: int, timeout: float) -> Result:
        started = time.perf_counter()
        if not self._semaphore.acquire(timeout=timeout):
            raise QueryTimeout(f"The {self.name} warehouse is busy ({self.config.max_concurrent_queries} queries running).",
                               "Try again in a minute.")
        try:
            try:
                columns, rows, truncated = self._execute(sql, params, cap, timeout)
            except _Dropped as dropped:
                # the connection died under the query (warehouse restart, idle kill, failover):
                # the pool has discarded it; one retry on a fresh connection
                log.warning("connection dropped warehouse=%s; retrying once: %s", self.name, dropped.first_line)
                try:
                    columns, rows, truncated = self._execute(sql, params, cap, timeout)
                except _Dropped as again:
                    raise self._classify(again.error, False, timeout) from None
        finally:
            self._semaphore.release()
        elapsed = (time.perf_counter() - started) * 1000
        log.info("query warehouse=%s rows=%d ms=%.1f truncated=%s", self.name, len(rows), elapsed, truncated)
        return Result(columns=columns, rows=rows, sql=sql, params=params, warehouse=self.name,
                      elapsed_ms=elapsed, truncated=truncated)

    def _execute(self, sql: str, params: dict[str, Any], cap: int, timeout: float):
        timer: threading.Timer | None = None
        timed_out = threading.Event()
        with self._count_lock:
            self.executions += 1
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                # DuckDB has no statement timeout: interrupt it from a timer thread. PostgreSQL and
                # Redshift cancel on the server through statement_timeout; the timer is a backstop.
                timer = threading.Timer(timeout + self.kind.cancel_grace_seconds, self._cancel, (raw, timed_out))
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
            if exc.connection_invalidated and not timed_out.is_set() and not self.kind.is_timeout(str(exc.orig or exc)):
                raise _Dropped(exc) from None
            raise self._classify(exc, timed_out.is_set(), timeout) from None
        except OSError as exc:  # drivers that let socket errors through (redshift_connector while connecting)
            raise self._unreachable(exc) from None
        finally:
            if timer is not None:
                timer.cancel()

    def _classify(self, exc: sa.exc.DBAPIError, timed_out: bool, timeout: float) -> WarehouseError:
        text = mask_secrets(str(exc.orig) if exc.orig is not None else str(exc))
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        lowered = text.lower()
        if timed_out or self.kind.is_timeout(lowered):
            return QueryTimeout(f"The query took longer than {timeout:g} s and was cancelled on the {self.name} warehouse.",
                                "Try a shorter time range, or ask an admin to raise timeout_seconds.")
        if exc.connection_invalidated or (isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError))
                                          and self.kind.looks_unreachable(lowered)):
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
            raise self._unreachable(exc.orig or exc) from None
        except OSError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: BaseException) -> WarehouseUnavailable:
        first = (mask_secrets(str(exc)).strip().splitlines() or [type(exc).__name__])[0] or type(exc).__name__
        return WarehouseUnavailable(f"The {self.name} warehouse ({self.config.safe_url}) is not reachable: {first}",
                                    "Check that it is running and that the URL in playbot.yaml is right.")

    def _cancel(self, raw: Any, timed_out: threading.Event) -> None:
        timed_out.set()
        try:
            self.kind.cancel(raw)
        except Exception:  # noqa: BLE001 - best effort: the server's own timeout still applies
            log.warning("cancel failed on warehouse=%s", self.name)

    def close(self) -> None:
        self.engine.dispose()


def _parse_url(config: WarehouseConfig) -> sa.URL:
    try:
        return make_url(config.url)
    except (sa.exc.ArgumentError, ValueError):
        raise ConfigError(f"warehouses.{config.name}.url", f"{config.safe_url!r} cannot be read as a SQLAlchemy URL",
                          "e.g. postgresql+psycopg://user@host:5432/db (percent-encode @ : / in a password)") from None


class _Dropped(Exception):
    """The connection was lost during a query (not a timeout): worth one retry."""

    def __init__(self, error: sa.exc.DBAPIError):
        super().__init__(str(error))
        self.error = error
        self.first_line = (str(error.orig or error).strip().splitlines() or [""])[0]
