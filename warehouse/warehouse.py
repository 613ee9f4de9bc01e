"""One warehouse behind one small interface: run a read-only query, describe the schema.

Every query: read-only (refused before it reaches the engine if it writes or calls a file, admin or
session function, and the session is read-only too where the engine has such a setting), bound
parameters, a statement timeout that cancels on the warehouse, a row cap the warehouse itself applies
(a LIMIT of cap + 1 on a query without one, so no driver ever buffers more) and a memory budget on
what is fetched, and at most N concurrent queries per warehouse. The whole call, from checkout (connecting, the health
check) to the last row, runs under one deadline (timeout + the engine's grace): past it the call is
stopped (warehouse/deadline.py), so a warehouse that goes silent gives each asker a clear message in
seconds instead of holding them. A connection that drops during a query is replaced and the query
retried once. Callers may opt into the result cache (warehouse/cache.py): keyed by SQL, parameters and
a freshness token, with identical concurrent queries sharing one execution; no lock is held while a
query runs.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url

from config import WarehouseConfig, mask_secrets
from errors import ConfigError

from .cache import ResultCache, cache_key
from .deadline import Deadline, attach_new_connection
from .dialects import SQLRefused, SQLUntranslatable, check_read_only, sqlglot_dialect, translate, with_row_limit
from .engines import engine_for
from .errors import (
    QueryCancelled,
    QueryFailed,
    QueryRefused,
    QueryTimeout,
    QueryTooBig,
    WarehouseError,
    WarehouseUnavailable,
)
from .rows import RepeatedRows, expand

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
        # first among the connect listeners (before the dialect's first queries and the session settings):
        # a connection opened during a call is stopped by that call's deadline
        for name in ("first_connect", "connect"):
            sa_event.listen(self.engine, name, attach_new_connection, insert=True)
        self._running: set[Any] = set()  # DB-API connections running a statement now (cancelled on close)
        self._closing = False
        self._running_lock = threading.Lock()
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
            raise _refused(exc) from None
        try:
            return translate(sql, self.dialect)
        except SQLUntranslatable as exc:
            raise QueryFailed(f"The query could not be written for {self.backend}: {exc}",
                              "If this is a custom playbook, check its SQL.") from None

    def run(self, sql: str, params: dict[str, Any] | None = None, *, row_cap: int | None = None,
            timeout: float | None = None, cache: bool = False, refresh: bool = False,
            freshness: Hashable = None, repeats: tuple[RepeatedRows, ...] = ()) -> Result:
        """Run one read-only query written in this warehouse's dialect, with `:name` parameters.

        With `cache`, a result stored for the same (SQL, parameters, freshness token) within the
        TTL is returned (`cached=True`) and identical concurrent calls share one execution;
        `refresh` skips the stored result and stores the new one. `repeats`: the rows of long VALUES
        lists the text carries two of (warehouse/rows.py), written in after every check."""
        params = dict(params or {})
        self._check(sql)
        cap = row_cap or self.config.row_cap
        timeout = timeout or self.config.timeout_seconds
        if not cache:
            return self._run_now(sql, params, cap, timeout, repeats)
        key = cache_key(self.name, sql, params, (freshness, cap))
        try:
            result, how = self.cache.get_or_load(key, lambda: self._run_now(sql, params, cap, timeout, repeats), refresh=refresh,
                                                 wait=2 * timeout + self.kind.cancel_grace_seconds + 5)
        except TimeoutError:  # the identical query it joined is still running (it is bounded by its own deadline)
            raise self._past_deadline(timeout) from None
        if how != "miss":
            log.info("query warehouse=%s cache=%s", self.name, how)
            return dataclasses.replace(result, cached=True, elapsed_ms=0.0)
        return result

    def stream(self, sql: str, params: dict[str, Any] | None, consume: Callable[[list[tuple]], None], *,
               row_cap: int, batch_rows: int = 100_000, timeout: float | None = None) -> int:
        """Run one read-only query (this warehouse's dialect) and hand its rows to `consume` a batch of up to
        `batch_rows` at a time, as they arrive: what the bot holds is one batch, whatever the result's size (the
        rollup's build writes each into its file). The same checks, timeout and cancellation as `run`; the
        memory budget bounds each batch (smaller batches when rows are wide). Past `row_cap` rows, QueryTooBig.
        Returns the rows read. A dropped connection is retried only before the first batch was handed on (never
        a row twice)."""
        params = dict(params or {})
        self._check(sql)
        timeout = timeout or self.config.timeout_seconds
        handed = [0]

        def hand(batch: list[tuple]) -> None:
            handed[0] += len(batch)
            if handed[0] > row_cap:
                raise QueryTooBig(f"The query returned more than {row_cap:,} rows.", "Read fewer days at a time.")
            consume(batch)

        started = time.perf_counter()
        self._in_slot(timeout, lambda: self._execute(sql, params, row_cap, timeout, consume=(hand, batch_rows)),
                      may_retry=lambda: not handed[0])
        log.info("query warehouse=%s rows=%d ms=%.1f streamed", self.name, handed[0],
                 (time.perf_counter() - started) * 1000)
        return handed[0]

    def _check(self, sql: str) -> None:
        try:
            check_read_only(sql, self.dialect)
        except SQLRefused as exc:
            raise _refused(exc) from None

    def _in_slot(self, timeout: float, attempt: Callable[[], Any], may_retry: Callable[[], bool] = lambda: True) -> Any:
        """attempt() under the concurrency semaphore; when the connection died under it (warehouse restart, idle
        kill, failover: the pool has discarded it) and may_retry() allows, once more on a fresh connection."""
        if not self._semaphore.acquire(timeout=timeout):
            raise QueryTimeout(f"The {self.name} warehouse is busy ({self.config.max_concurrent_queries} queries running).",
                               "Try again in a minute.")
        try:
            try:
                return attempt()
            except _Dropped as dropped:
                if not may_retry():
                    raise self._classify(dropped.error, timeout) from None
                log.warning("connection dropped warehouse=%s; retrying once: %s", self.name, dropped.first_line)
                try:
                    return attempt()
                except _Dropped as again:
                    raise self._classify(again.error, timeout) from None
        finally:
            self._semaphore.release()

    def _run_now(self, sql: str, params: dict[str, Any], cap: int, timeout: float,
                 repeats: tuple[RepeatedRows, ...] = ()) -> Result:
        started = time.perf_counter()
        columns, rows, truncated = self._in_slot(timeout, lambda: self._execute(sql, params, cap, timeout, repeats))
        elapsed = (time.perf_counter() - started) * 1000
        log.info("query warehouse=%s rows=%d ms=%.1f truncated=%s", self.name, len(rows), elapsed, truncated)
        return Result(columns=columns, rows=rows, sql=sql, params=params, warehouse=self.name,
                      elapsed_ms=elapsed, truncated=truncated)

    def _execute(self, sql: str, params: dict[str, Any], cap: int, timeout: float,
                 repeats: tuple[RepeatedRows, ...] = (), consume: tuple[Callable, int] | None = None):
        """One attempt, from checkout to the last row, under one deadline. PostgreSQL and Redshift cancel
        on the server through statement_timeout; the deadline (a few seconds later) frees a call whose
        network went silent. DuckDB has no statement timeout: its deadline is the timeout. `consume`:
        (hand, batch rows): the rows go to hand() a batch at a time instead of being returned."""
        with self._count_lock:
            self.executions += 1
        deadline = Deadline(timeout + self.kind.cancel_grace_seconds, self.kind.abort, self.name)
        conn: sa.Connection | None = None
        try:
            with deadline:
                conn = self._checkout(deadline)
                capped = expand(with_row_limit(sql, self.dialect, cap + 1), repeats)
                with self._statement(conn.connection.dbapi_connection):
                    result = conn.execute(sa.text(capped), params)
                    columns = list(result.keys())
                    if consume is not None:
                        rows, truncated = self._hand_on(result, *consume), False
                    else:
                        rows, truncated = self._fetch(result, cap)
                    result.close()
                conn.rollback()
                return columns, rows, truncated
        except sa.exc.DBAPIError as exc:
            if deadline.fired.is_set():
                raise self._past_deadline(timeout) from None
            if exc.connection_invalidated and not self.kind.is_timeout(str(exc.orig or exc)):
                raise _Dropped(exc) from None
            raise self._classify(exc, timeout) from None
        except OSError as exc:  # drivers that let socket errors through (redshift_connector while connecting)
            raise (self._past_deadline(timeout) if deadline.fired.is_set() else self._unreachable(exc)) from None
        finally:
            if conn is not None:
                if deadline.fired.is_set() and not conn.invalidated and self.kind.cancel_grace_seconds:
                    conn.invalidate()  # it was cut: never back into the pool
                conn.close()

    def _checkout(self, deadline: Deadline) -> sa.Connection:
        """A pooled connection, checked under the deadline (SQLAlchemy's own pre-ping ran before any timer
        could watch it); a dead one is replaced once, without counting as a failed attempt."""
        for attempt in (1, 2):
            conn = self.engine.connect()  # a new one attaches itself to the deadline (engine events)
            deadline.attach(conn.connection.dbapi_connection)
            if not self.kind.checks_connections:
                return conn
            try:
                conn.exec_driver_sql("SELECT 1").close()
                return conn
            except sa.exc.DBAPIError as exc:
                conn.close()
                if attempt == 2 or not exc.connection_invalidated or deadline.fired.is_set():
                    raise
        raise AssertionError("unreachable")

    def _statement(self, raw: Any):
        """While a statement runs on `raw`: listed, so closing the warehouse cancels it."""
        warehouse = self

        class _Running:
            def __enter__(self):
                with warehouse._running_lock:
                    warehouse._running.add(raw)

            def __exit__(self, *exc):
                with warehouse._running_lock:
                    warehouse._running.discard(raw)

        return _Running()

    def _fetch(self, result: sa.CursorResult, cap: int) -> tuple[list[tuple], bool]:
        """Up to `cap` rows, a batch at a time, within the memory budget (QueryTooBig past it)."""
        budget = self.config.memory_budget_mb * 1024 * 1024
        rows: list[tuple] = []
        held = 0
        while len(rows) <= cap:
            batch = [tuple(r) for r in result.fetchmany(min(FETCH_BATCH, cap + 1 - len(rows)))]
            if not batch:
                break
            held += _approx_bytes(batch)
            if held > budget:
                raise QueryTooBig(f"The result is larger than the {self.config.memory_budget_mb:,} MB memory budget "
                                  f"of the {self.name} warehouse ({len(rows) + len(batch):,} rows read so far).",
                                  "Ask for a shorter time range, a coarser interval or fewer groups; an admin can "
                                  "raise memory_budget_mb.")
            rows.extend(batch)
        return rows[:cap], len(rows) > cap

    def _hand_on(self, result: sa.CursorResult, hand: Callable[[list[tuple]], None], batch_rows: int) -> list:
        """Every row, to hand() in batches of up to batch_rows, each handed on before it holds half the memory
        budget (so a batch and its copy on the way into the consumer stay within it)."""
        half = self.config.memory_budget_mb * 1024 * 1024 // 2
        batch: list[tuple] = []
        held = 0
        while True:
            rows = [tuple(r) for r in result.fetchmany(FETCH_BATCH)]
            if rows:
                batch.extend(rows)
                held += _approx_bytes(rows)
            if batch and (not rows or len(batch) >= batch_rows or held >= half):
                hand(batch)
                batch, held = [], 0
            if not rows:
                return []

    def _past_deadline(self, timeout: float) -> WarehouseError:
        if not self.kind.cancel_grace_seconds:  # the deadline is the engine's timeout (DuckDB)
            return QueryTimeout(f"The query took longer than {timeout:g} s and was cancelled on the {self.name} warehouse.",
                                "Try a shorter time range, or ask an admin to raise timeout_seconds.")
        waited = timeout + self.kind.cancel_grace_seconds
        return WarehouseUnavailable(
            f"The {self.name} warehouse did not answer within {waited:g} s, so I stopped waiting (the query is "
            f"cancelled on the warehouse at its own {timeout:g} s timeout).",
            "Try again in a minute; if it keeps happening, check that the warehouse and the network to it are up.")

    def _classify(self, exc: sa.exc.DBAPIError, timeout: float) -> WarehouseError:
        text = mask_secrets(str(exc.orig) if exc.orig is not None else str(exc))
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        lowered = text.lower()
        if "due to user request" in lowered or ("interrupted" in lowered and self._closing):
            return QueryCancelled(f"The query was stopped on the {self.name} warehouse: Playbot is shutting down.",
                                  "Ask again once Playbot is back.")
        if self.kind.is_timeout(lowered):
            return QueryTimeout(f"The query took longer than {timeout:g} s and was cancelled on the {self.name} warehouse.",
                                "Try a shorter time range, or ask an admin to raise timeout_seconds.")
        if self.kind.is_out_of_memory(lowered):
            return QueryTooBig(f"The {self.name} warehouse ran out of memory for this question: {first}",
                               "Ask for a shorter time range, a coarser interval or fewer groups; an admin can "
                               "raise memory_budget_mb.")
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
        seconds = self.config.connect_timeout_seconds + max(self.kind.cancel_grace_seconds, 1.0)
        deadline = Deadline(seconds, self.kind.abort, self.name)
        try:
            with deadline:
                conn = self._checkout(deadline)
                try:
                    conn.exec_driver_sql("SELECT 1").close()
                finally:
                    conn.close()
        except sa.exc.DBAPIError as exc:
            raise self._unreachable(exc.orig or exc) from None
        except OSError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: BaseException) -> WarehouseUnavailable:
        first = (mask_secrets(str(exc)).strip().splitlines() or [type(exc).__name__])[0] or type(exc).__name__
        return WarehouseUnavailable(f"The {self.name} warehouse ({self.config.safe_url}) is not reachable: {first}",
                                    "Check that it is running and that the URL in playbot.yaml is right.")

    def cancel_running(self) -> int:
        """Ask the warehouse to stop every statement running now (the bot is stopping: nobody will read the
        answers). Returns how many were cancelled."""
        self._closing = True
        with self._running_lock:
            running = list(self._running)
        for raw in running:
            try:
                self.kind.cancel(raw)
            except Exception as exc:  # noqa: BLE001 - best effort: the server's own timeout still applies
                log.warning("cancel failed on warehouse=%s: %s", self.name, exc)
        return len(running)

    def close(self) -> None:
        self.cancel_running()
        self.engine.dispose()


FETCH_BATCH = 1000


def _approx_bytes(batch: list[tuple]) -> int:
    """What a batch of rows holds in Python, from a few rows of it (measuring every value would cost more
    than the fetch)."""
    step = max(1, len(batch) // 8)
    sample = batch[::step]
    per_row = sum(sys.getsizeof(row) + sum(sys.getsizeof(v) for v in row) for row in sample) / len(sample)
    return int(per_row * len(batch))


def _refused(exc: SQLRefused) -> QueryRefused:
    return QueryRefused(f"Refused: {exc}.", getattr(exc, "next_step", "") or "Playbooks may only read data.")


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
