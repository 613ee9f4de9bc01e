"""Building the embedded activity rollup: read from the Segment warehouse through the Warehouse layer
(read-only sessions, bound values, its timeout per query), a few days per query, and written into a new
DuckDB file of the bot's cache (rollup/store.py). A refresh copies the current file and re-reads only
the days since the last build minus `rollup.late_days` (events that arrive late land in those), and
the people table whole (one row per person: small).
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from config import Config
from errors import Kind, PlaybotError
from rendering.render import to_utc
from segment import Catalog
from segment.rollup import (
    ACTIVITY_TABLE,
    PEOPLE_TABLE,
    activity_build_sql,
    activity_columns,
    people_build_sql,
    people_columns,
)
from warehouse import QueryTimeout, QueryTooBig, Warehouse

from .derive import Reread, derive_tables
from .early import EARLY_COLUMNS, EARLY_TABLE, early_build_sql, forget_early
from .paths import PATHS_TABLE, READ_AROUND, STAGING_COLUMNS, STAGING_TABLE, derive_chunk, stream_build_sql
from .paths import create_tables as create_path_tables
from .pieces import PIECE_COLUMNS, PIECES_TABLE, pieces_build_sql
from .sessions import READ_AFTER, READ_BEFORE, SESSION_COLUMNS, SESSIONS_TABLE, sessions_build_sql
from .store import RollupMeta, RollupStore
from .tables import has_table

log = logging.getLogger("playbot.rollup")

# rows one query of a build may return: its rows are written into the file a batch at a time as they arrive
# (INSERT_BATCH; the warehouse's memory budget bounds each batch), so the cap only stops a runaway read; a
# chunk of days past it is read again in fewer days, down to one, then refused with the fix
BUILD_ROW_CAP = 20_000_000
INSERT_BATCH = 200_000


class RollupError(PlaybotError):
    kind = Kind.CONFIG


@dataclass(frozen=True)
class BuildInput:
    """What a build reads: the warehouse and catalog, the moment it is cut at and the data's version."""

    config: Config
    warehouse: Warehouse
    catalog: Catalog
    as_of: datetime  # local, naive (the answers' timeline.as_of)
    version: tuple  # the freshness token
    now_utc: datetime  # the bot's clock, naive UTC
    lookups: tuple = ()  # ((Lookup, Warehouse), ...): small product tables copied in (playbooks' `lookups:`)


def build_rollup(store: RollupStore, given: BuildInput, full: bool = False) -> RollupMeta:
    """A full build (none yet, `full`, or the last one cut later than now) or an incremental refresh."""
    config = given.config
    if config.segment.events_sql:
        raise RollupError("The activity rollup reads Segment's tables; this warehouse is set up with custom events "
                          "SQL (segment.events_sql).", "Answers read the custom relations directly.")
    started = time.perf_counter()
    previous = None if full else store.current()
    if previous is not None and datetime.fromisoformat(previous.as_of) > given.as_of:
        previous = None  # the data moved back (a rebuilt warehouse): start again
    first = given.catalog.first_data(config.segment.sources)
    if first is None:
        raise RollupError("The Segment sources hold no events yet: nothing to roll up.", "Build it once data arrives.")
    first_day = _local(first, config).date()
    start = first_day
    if previous is not None:
        start = max(first_day, datetime.fromisoformat(previous.as_of).date() - timedelta(days=config.rollup.late_days))
    path = store.new_file()
    if previous is not None:
        shutil.copyfile(store.path(previous), path)  # the kernel's copy; the commit waits for its flush to disk
    con = duckdb.connect(str(path))
    try:
        if previous is not None:  # a refresh commits once: no automatic checkpoint (at 16 MB of log) halfway
            con.execute("BEGIN TRANSACTION")
        built = _fill(con, given, previous, first_day, start)
        if previous is not None:
            con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        path.unlink(missing_ok=True)
        raise
    con.close()
    meta = RollupMeta(
        file=path.name, built_at=given.now_utc.isoformat(), as_of=given.as_of.isoformat(),
        version=[[s, v.isoformat() if v is not None else None] for s, v in given.version],
        first_day=first_day.isoformat(), days_read=(given.as_of.date() - start).days + 1,
        activity_rows=built.activity_rows, people_rows=built.people_rows, seconds=round(time.perf_counter() - started, 3),
        kind="refresh" if previous is not None else "full", dimensions=list(config.rollup.dimensions),
        previous_file=previous.file if previous is not None else None, lookups=built.lookups, tables=built.tables)
    store.publish(meta)
    log.info("rollup %s days=%d rows=%d (+%d) people=%d s=%.2f", meta.kind, meta.days_read, meta.activity_rows,
             built.added, meta.people_rows, meta.seconds)
    return meta


@dataclass(frozen=True)
class _Built:
    activity_rows: int
    added: int  # activity rows read by this build
    people_rows: int
    lookups: dict
    tables: list[str]


def _fill(con, given: BuildInput, previous: RollupMeta | None, first_day: date, start: date) -> _Built:
    """The rollup file's tables from `start` on (every day on a first build): the days re-read from the
    warehouse, then every derived table worked out again for those days (rollup/derive.py)."""
    dims = tuple(given.config.rollup.dimensions)
    midnight, first = (datetime.combine(d, datetime.min.time()) for d in (start, first_day))
    # a file copied from a build made before a table existed gets it whole; the sessions from the day before
    # the re-read days: their first steps may run into them
    reread = Reread(activity=midnight, early=midnight if has_table(con, EARLY_TABLE) else first,
                    sessions=max(midnight - timedelta(days=1), first) if has_table(con, SESSIONS_TABLE) else first,
                    pieces=midnight if has_table(con, PIECES_TABLE) else first,
                    paths=max(midnight - timedelta(days=1), first) if has_table(con, PATHS_TABLE) else first)
    _create_tables(con, dims)
    kept = previous.activity_rows if previous is not None else 0
    kept -= con.execute(f"DELETE FROM {ACTIVITY_TABLE} WHERE day >= ?", [reread.activity]).fetchone()[0]
    forget_early(con, reread.early)
    con.execute(f"DELETE FROM {SESSIONS_TABLE} WHERE day >= ?", [reread.sessions])
    con.execute(f"DELETE FROM {PIECES_TABLE} WHERE day >= ?", [reread.pieces])
    con.execute(f"DELETE FROM {PATHS_TABLE} WHERE day >= ?", [reread.paths])
    added = _read_activity(con, given, dims, start)
    _read_early(con, given, reread.early.date())
    _read_sessions(con, given, reread.sessions.date())
    _read_pieces(con, given, reread.pieces.date())
    _read_paths(con, given, reread.paths.date())
    people = _read_people(con, given, dims)
    synced = _sync_lookups(con, given, previous.lookups if previous is not None else {})
    tables = derive_tables(con, reread, first=previous is None)
    return _Built(kept + added, added, people, synced, tables)


def _local(utc: datetime, config: Config) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone(config.tz).replace(tzinfo=None)


def _create_tables(con: duckdb.DuckDBPyConnection, dims: tuple[str, ...]) -> None:
    for table, columns in ((ACTIVITY_TABLE, activity_columns(dims)), (PEOPLE_TABLE, people_columns(dims)),
                           (EARLY_TABLE, EARLY_COLUMNS), (SESSIONS_TABLE, SESSION_COLUMNS),
                           (PIECES_TABLE, PIECE_COLUMNS)):
        cols = ", ".join(f"{name} {kind}" for name, kind in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")
    create_path_tables(con)


def _read_activity(con, given: BuildInput, dims: tuple[str, ...], start: date) -> int:
    config, warehouse = given.config, given.warehouse
    sql = activity_build_sql(config.segment, given.catalog, warehouse.quote, config.timezone, dims)
    return _read_days(con, given, sql, ACTIVITY_TABLE, activity_columns(dims), start)


def _read_early(con, given: BuildInput, start: date) -> int:
    """The early-actions rows (rollup/early.py) of the same days, read the same way."""
    config, warehouse = given.config, given.warehouse
    sql = early_build_sql(config.segment, given.catalog, warehouse.quote, config.timezone)
    return _read_days(con, given, sql, EARLY_TABLE, EARLY_COLUMNS, start, people=True)


def _read_sessions(con, given: BuildInput, start: date) -> int:
    """The session openings (rollup/sessions.py) starting in the same days, each chunk's events read from
    READ_BEFORE minutes before it to READ_AFTER minutes after it."""
    config, warehouse = given.config, given.warehouse
    sql = sessions_build_sql(config.segment, given.catalog, warehouse.quote, config.timezone)
    return _read_days(con, given, sql, SESSIONS_TABLE, SESSION_COLUMNS, start,
                      widen=(timedelta(minutes=READ_BEFORE), timedelta(minutes=READ_AFTER)))


def _read_pieces(con, given: BuildInput, start: date) -> int:
    """The session pieces (rollup/pieces.py) of the same days: each needs only its own day's events."""
    config, warehouse = given.config, given.warehouse
    sql = pieces_build_sql(config.segment, given.catalog, warehouse.quote, config.timezone)
    return _read_days(con, given, sql, PIECES_TABLE, PIECE_COLUMNS, start)


def _read_paths(con, given: BuildInput, start: date) -> int:
    """The paths rows (rollup/paths.py) of the same days: each chunk's events, READ_AROUND either side, staged,
    and the chunk's rows with their neighbours worked out from them."""
    config, warehouse = given.config, given.warehouse
    sql = stream_build_sql(config.segment, given.catalog, warehouse.quote, config.timezone)
    return _read_days(con, given, sql, STAGING_TABLE, STAGING_COLUMNS, start, widen=(READ_AROUND, READ_AROUND),
                      each_chunk=lambda lo, hi: derive_chunk(con, lo, hi))


def _read_days(con, given: BuildInput, sql: str, table: str, columns: list[tuple[str, str]], start: date,
               people: bool = False, widen: tuple[timedelta, timedelta] = (timedelta(0), timedelta(0)),
               each_chunk: Callable[[datetime, datetime], None] | None = None) -> int:
    """Days [start, as_of] in chunks of `rollup.chunk_days`, each one query on the warehouse whose rows are
    written into `table` as they arrive (every table read this way has a `day`); rows added.
    `people`: the query also reads the users relation (its binds: the moment of the data, the activation event).
    `widen`: the events are read that much before and after each chunk (:_chunk_lo, :_chunk_hi: the chunk).
    `each_chunk`: `table` stages each chunk's rows (no `day`), handed on with the chunk's bounds once read."""
    config, warehouse = given.config, given.warehouse
    sql = warehouse.translate(sql)
    extra = _people_binds(given) if people else {}
    end = given.as_of.date() + timedelta(days=1)
    added, day, span = 0, start, config.rollup.chunk_days
    while day < end:
        upto = min(end, day + timedelta(days=span))
        lo = datetime.combine(day, datetime.min.time())
        hi = min(datetime.combine(upto, datetime.min.time()), given.as_of)  # never past the moment of the data
        chunk = {"_chunk_lo": lo, "_chunk_hi": hi}
        lo, hi = lo - widen[0], min(hi + widen[1], given.as_of)
        ts_lo, ts_hi = to_utc(lo, config.timezone), to_utc(hi, config.timezone)
        binds = {**chunk, "_lo": lo, "_hi": hi, "_ts_lo": ts_lo, "_ts_hi": ts_hi,
                 # as rendering/render.py bounds received_at (Segment's sort key on Redshift)
                 "_recv_lo": ts_lo - timedelta(hours=1),
                 "_recv_hi": ts_hi + timedelta(hours=config.segment.late_arrival_hours)}
        inserted = [0]

        def write(batch: list[tuple], inserted: list[int] = inserted) -> None:  # into the file as it arrives
            inserted[0] += _insert(con, table, columns, batch)

        try:
            warehouse.stream(sql, _used(sql, {**binds, **extra, **_common_binds(config)}), write, row_cap=BUILD_ROW_CAP,
                             batch_rows=INSERT_BATCH)
        except (QueryTooBig, QueryTimeout) as exc:  # past the row cap or the timeout: fewer days per read, down to one
            if each_chunk is not None:
                con.execute(f"DELETE FROM {table}")
            else:
                con.execute(f"DELETE FROM {table} WHERE day >= ? AND day < ?", [chunk["_chunk_lo"], chunk["_chunk_hi"]])
            if span > 1:
                span = max(1, span // 2)
                log.info("rollup: %s to %s: %s; reading %d days at a time", day, upto, exc.message, span)
                continue
            raise RollupError(f"{exc.message} (reading {day} to {upto} for the rollup)",
                              f"Lower rollup.chunk_days (now {config.rollup.chunk_days}) in playbot.yaml, or raise "
                              f"the warehouse's timeout_seconds.") from None
        if each_chunk is not None:
            each_chunk(chunk["_chunk_lo"], chunk["_chunk_hi"])
        added += inserted[0]
        day = upto
    return added


def _read_people(con, given: BuildInput, dims: tuple[str, ...]) -> int:
    config, warehouse = given.config, given.warehouse
    sql = warehouse.translate(people_build_sql(config.segment, given.catalog, warehouse.quote, config.timezone, dims))
    binds = {**_people_binds(given), **_common_binds(config)}
    result = warehouse.run(sql, _used(sql, binds), row_cap=BUILD_ROW_CAP)
    _check_cap(result, config)
    con.execute(f"DELETE FROM {PEOPLE_TABLE}")
    return _insert(con, PEOPLE_TABLE, people_columns(dims), result.rows)


def _people_binds(given: BuildInput) -> dict[str, Any]:
    """What the users relation binds: the moment of the data (nobody activates after it), the activation event."""
    config = given.config
    binds: dict[str, Any] = {"_ts_now": to_utc(given.as_of, config.timezone)}
    if config.segment.activation_event:
        info = given.catalog.event(config.segment.activation_event)
        if info is not None:
            binds["_activation"] = info.key
    return binds


def _sync_lookups(con, given: BuildInput, kept: dict) -> dict:
    """Each lookup's rows, whole (up to BUILD_ROW_CAP), into a table `lookup_<name>` of the rollup file, so
    a question joining them to activity runs inside the cache at any size (no rows bound into SQL)."""
    synced: dict = {}
    for lookup, warehouse in given.lookups:
        if lookup.name in synced:
            continue
        try:
            result = warehouse.run(warehouse.translate(lookup.sql), {}, row_cap=BUILD_ROW_CAP)
            _check_cap(result, given.config)
        except PlaybotError as exc:  # the activity rollup is still built, with the last copy (its age said)
            log.warning("lookup %s not synced into the rollup: %s", lookup.name, exc.message)
            if lookup.name in kept:
                synced[lookup.name] = kept[lookup.name]
            continue
        table = f"lookup_{lookup.name}"
        con.execute(f"DROP TABLE IF EXISTS {table}")
        if result.rows:
            columns = list(zip(*result.rows))
            chunk = {c: np.array([None if v is None else str(v) for v in col], dtype=object)
                     for c, col in zip(result.columns, columns)}
        else:
            chunk = {c: np.array([], dtype=object) for c in result.columns}
        con.register("lookup_chunk", chunk)
        try:
            cols = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in result.columns)
            con.execute(f"CREATE TABLE {table} AS SELECT {cols} FROM lookup_chunk")
        finally:
            con.unregister("lookup_chunk")
        synced[lookup.name] = {"warehouse": lookup.warehouse, "rows": len(result.rows), "sql": lookup.sql,
                               "synced_at": given.now_utc.isoformat()}
    return synced


def _common_binds(config: Config) -> dict[str, Any]:
    binds: dict[str, Any] = {f"_inactive{i}": name for i, name in enumerate(config.segment.activity_exclude_events)}
    if config.timezone != "UTC":
        binds["_tz"] = config.timezone
    return binds


def _used(sql: str, binds: dict[str, Any]) -> dict[str, Any]:
    """Only the values the statement names (drivers refuse unused ones on some engines)."""
    named = set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql))
    return {k: v for k, v in binds.items() if k in named}


def _check_cap(result, config: Config) -> None:
    if result.truncated:
        raise RollupError(f"One read of the rollup build returned more than {BUILD_ROW_CAP:,} rows.",
                          f"Lower rollup.chunk_days (now {config.rollup.chunk_days}) in playbot.yaml.")


def _insert(con, table: str, columns: list[tuple[str, str]], rows: list[tuple]) -> int:
    """Rows as columns of numpy object arrays, scanned by DuckDB in one INSERT (row by row is 100x slower;
    converting to numpy's own types costs more than DuckDB reading the Python values)."""
    if not rows:
        return 0
    grid = np.array(rows, dtype=object)  # (rows, columns) in one pass: faster than transposing the tuples in Python
    if grid.shape != (len(rows), len(columns)):
        raise RollupError(f"A read for {table} gave rows of {grid.shape[1:] or 'uneven'} columns, not {len(columns)}.")
    chunk = {name: np.ascontiguousarray(_plain(kind, grid[:, j]), dtype=object)
             for j, (name, kind) in enumerate(columns)}
    con.register("rollup_chunk", chunk)
    try:
        cols = ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in columns)
        con.execute(f"INSERT INTO {table} SELECT {cols} FROM rollup_chunk")
    finally:
        con.unregister("rollup_chunk")
    return len(rows)


def _plain(kind: str, column) -> Any:
    """Values as DuckDB reads them: naive datetimes (drivers may give aware ones or strings), text as str;
    a column whose first value already is one is left as it is (the driver gives every row the same type)."""
    first = next((v for v in column if v is not None), None)
    if kind == "TIMESTAMP" and not (isinstance(first, datetime) and first.tzinfo is None):
        return [None if v is None else _naive(v) for v in column]
    if kind == "VARCHAR" and not isinstance(first, str):
        return [None if v is None else str(v) for v in column]
    return column


def _naive(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # sessions are UTC; the relations' times are naive local already
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value
