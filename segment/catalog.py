"""What a Segment warehouse holds: tables and columns per source schema, the events people can ask
about (track events, page names, screen names) and how fresh each source is.

Names found here are the only identifiers that may reach SQL text; they are quoted by the
engine's identifier preparer when they do.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from errors import PlaybotError
from warehouse import Warehouse

from .naming import VIEW_TABLES, label_sql

log = logging.getLogger("playbot.catalog")


@dataclass(frozen=True)
class EventInfo:
    name: str  # as it appears in the events relation: "Invite Sent", "Viewed Inbox Page"
    kind: str  # track | page | screen
    key: str  # tracks.event slug, or the page/screen name
    sources: tuple[str, ...]
    count: int  # occurrences in the catalog window
    last_seen: datetime | None
    tables: tuple[str, ...] = ()  # sources that have a per-event table (tracks only)


@dataclass
class Catalog:
    warehouse: str
    schemas: tuple[str, ...]
    tables: dict[tuple[str, str], dict[str, str]]
    events: dict[str, EventInfo]
    freshness: dict[str, datetime | None]  # latest received_at per source
    window_days: int
    # profiled values of low-cardinality columns: {"context_os_name": [("iOS", 1234), ...], "plan": [...]}
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # per source: its first event ever (`timestamp`, UTC): periods before it are no data, not zero
    first_seen: dict[str, datetime | None] = field(default_factory=dict)
    # per source: its latest event `timestamp` (UTC) in the catalog window: after now means a clock is off
    latest_timestamp: dict[str, datetime | None] = field(default_factory=dict)
    discovered_at: float = field(default_factory=time.time)

    def first_data(self, sources: tuple[str, ...] | list[str]) -> datetime | None:
        """The first event of any of these sources (UTC): the answer's data starts there."""
        found = [self.first_seen[s] for s in sources if self.first_seen.get(s) is not None]
        return min(found) if found else None

    def has_table(self, schema: str, table: str) -> bool:
        return (schema, table) in self.tables

    def columns(self, schema: str, table: str) -> dict[str, str]:
        return self.tables.get((schema, table), {})

    def event(self, name: str) -> EventInfo | None:
        return self.events.get(name)

    def event_names(self) -> list[str]:
        return sorted(self.events, key=lambda n: (-self.events[n].count, n))

    def to_json(self) -> dict:
        """Plain JSON (a snapshot for tests that read questions without a warehouse)."""
        def moment(value):
            return value.isoformat() if value is not None else None
        return {"warehouse": self.warehouse, "schemas": list(self.schemas), "window_days": self.window_days,
                "tables": {f"{schema}.{table}": cols for (schema, table), cols in sorted(self.tables.items())},
                "events": {n: {"kind": e.kind, "key": e.key, "sources": list(e.sources), "count": e.count,
                               "last_seen": moment(e.last_seen), "tables": list(e.tables)}
                           for n, e in sorted(self.events.items())},
                "freshness": {s: moment(v) for s, v in sorted(self.freshness.items())},
                "first_seen": {s: moment(v) for s, v in sorted(self.first_seen.items())},
                "latest_timestamp": {s: moment(v) for s, v in sorted(self.latest_timestamp.items())},
                "values": {c: [list(pair) for pair in v] for c, v in sorted(self.values.items())}}

    @classmethod
    def from_json(cls, data: dict) -> Catalog:
        def moment(value):
            return datetime.fromisoformat(value) if value else None
        return cls(warehouse=data["warehouse"], schemas=tuple(data["schemas"]),
                   tables={tuple(k.split(".", 1)): v for k, v in data["tables"].items()},
                   events={n: EventInfo(n, e["kind"], e["key"], tuple(e["sources"]), e["count"], moment(e["last_seen"]),
                                        tuple(e["tables"])) for n, e in data["events"].items()},
                   freshness={s: moment(v) for s, v in data["freshness"].items()}, window_days=data["window_days"],
                   values={c: [tuple(pair) for pair in v] for c, v in data["values"].items()},
                   first_seen={s: moment(v) for s, v in data.get("first_seen", {}).items()},
                   latest_timestamp={s: moment(v) for s, v in data.get("latest_timestamp", {}).items()})


class CatalogError(PlaybotError):
    """The configured sources are not in the warehouse as configured (an admin's fix)."""

    kind = "config"


def discover(warehouse: Warehouse, sources: tuple[str, ...], now_utc: datetime, window_days: int = 90,
             profile_columns: tuple[str, ...] = (), trait_columns: tuple[str, ...] = (),
             max_values: int = 50) -> Catalog:
    """Read the catalog of the configured Segment sources. Raises CatalogError for a missing schema.

    `profile_columns` (context columns of `tracks`) and `trait_columns` (of `users`) are profiled:
    their most common values, so "on iOS" or "for pro users" can be matched to a column."""
    tables = warehouse.columns(list(sources))
    missing = [s for s in sources if not any(k[0] == s for k in tables)]
    if missing:
        raise CatalogError(
            f"Segment source schema(s) {', '.join(missing)} not found in the {warehouse.name} warehouse.",
            "Fix segment.sources in playbot.yaml (the schema names Segment created, e.g. ios_production).")
    since = now_utc - timedelta(days=window_days)
    found: dict[str, dict] = {}
    freshness: dict[str, datetime | None] = {}
    first_seen: dict[str, datetime | None] = {}
    latest_timestamp: dict[str, datetime | None] = {}
    for schema in sources:
        tracked = _track_events(warehouse, schema, tables, since, found)
        viewed = _view_events(warehouse, schema, tables, since, found)
        freshness[schema] = _later(tracked[0], viewed[0])
        latest_timestamp[schema] = _later(tracked[1], viewed[1])
        first_seen[schema] = _first_event(warehouse, schema, tables)
    events = {name: EventInfo(name=name, kind=e["kind"], key=e["key"], sources=tuple(e["sources"]), count=e["count"],
                              last_seen=e["last"], tables=tuple(e["tables"])) for name, e in found.items()}
    values = _profile(warehouse, sources, tables, since, profile_columns, trait_columns, max_values)
    log.info("catalog warehouse=%s sources=%d events=%d", warehouse.name, len(sources), len(events))
    return Catalog(warehouse=warehouse.name, schemas=tuple(sources), tables=tables, events=events,
                   freshness=freshness, window_days=window_days, values=values, first_seen=first_seen,
                   latest_timestamp=latest_timestamp)


Latest = tuple[datetime | None, datetime | None]  # (latest received_at, latest timestamp)


def _entry(found: dict, name: str, kind: str, key: str) -> dict:
    return found.setdefault(name, {"kind": kind, "key": key, "sources": [], "count": 0, "last": None, "tables": []})


def _track_events(warehouse: Warehouse, schema: str, tables: dict, since: datetime, found: dict) -> Latest:
    """The track events of one source in the window, added to `found`; its latest received_at and timestamp."""
    latest = latest_ts = None
    if (schema, "tracks") not in tables:
        return latest, latest_ts
    sql = (f"SELECT event, event_text, COUNT(*) AS n, MAX(received_at) AS last_seen, "
           f"{_max_ts(tables, schema, 'tracks')} AS last_ts FROM {warehouse.quote(schema, 'tracks')} "
           f"WHERE received_at >= :since GROUP BY event, event_text")
    for slug, text, n, last, last_ts in warehouse.run(warehouse.translate(sql), {"since": since}).rows:
        latest_ts = _later(latest_ts, _naive(last_ts))
        if not text and not slug:
            continue
        entry = _entry(found, str(text or slug), "track", slug)
        if schema in entry["sources"]:  # one name, several slugs here: no single table holds it
            entry["tables"] = [s for s in entry["tables"] if s != schema]
        else:
            entry["sources"].append(schema)
            if slug and slug == entry["key"] and (schema, slug) in tables:
                entry["tables"].append(schema)
        entry["count"] += int(n)
        entry["last"] = _later(entry["last"], last)
        latest = _later(latest, last)
    return latest, latest_ts


def _view_events(warehouse: Warehouse, schema: str, tables: dict, since: datetime, found: dict) -> Latest:
    """The page and screen names of one source in the window, added to `found`; its latest received/timestamp."""
    latest = latest_ts = None
    for view in VIEW_TABLES:
        table, kind = view.table, view.kind
        expr = label_sql(tables.get((schema, table), {}))
        if expr is None:
            continue
        sql = (f"SELECT {expr} AS label, COUNT(*) AS n, MAX(received_at) AS last_seen, "
               f"{_max_ts(tables, schema, table)} AS last_ts "
               f"FROM {warehouse.quote(schema, table)} WHERE received_at >= :since GROUP BY {expr}")
        for label_value, n, last, last_ts in warehouse.run(warehouse.translate(sql), {"since": since}).rows:
            latest_ts = _later(latest_ts, _naive(last_ts))
            if not label_value:
                continue
            entry = _entry(found, view.event_name(str(label_value)), kind, str(label_value))
            entry["sources"].append(schema)
            entry["count"] += int(n)
            entry["last"] = _later(entry["last"], last)
            latest = _later(latest, last)
    return latest, latest_ts


def _max_ts(tables: dict, schema: str, table: str) -> str:
    return 'MAX("timestamp")' if "timestamp" in tables.get((schema, table), {}) else "CAST(NULL AS TIMESTAMP)"


def _first_event(warehouse: Warehouse, schema: str, tables: dict) -> datetime | None:
    """A source's first event ever (MIN of `timestamp` over tracks, pages and screens), all history: one
    column read once per discovery (measured in bench/: see docs/decisions/fair-numbers.md)."""
    parts = [f'SELECT MIN("timestamp") AS first_ts FROM {warehouse.quote(schema, t)}'
             for t in ("tracks", "pages", "screens") if "timestamp" in tables.get((schema, t), {})]
    if not parts:
        return None
    sql = "SELECT MIN(first_ts) FROM (\n  " + "\n  UNION ALL\n  ".join(parts) + "\n) f"
    rows = warehouse.run(warehouse.translate(sql)).rows
    return _naive(rows[0][0]) if rows else None


def _naive(value) -> datetime | None:
    """A warehouse timestamp as naive UTC (drivers may return aware values or strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _profile(warehouse: Warehouse, sources: tuple[str, ...], tables: dict, since: datetime,
             profile_columns: tuple[str, ...], trait_columns: tuple[str, ...],
             max_values: int) -> dict[str, list[tuple[str, int]]]:
    counts: dict[str, dict[str, int]] = {}
    for schema in sources:
        for table, columns, bounded in (("tracks", profile_columns, True), ("users", trait_columns, False)):
            present = [c for c in columns if c in tables.get((schema, table), {})]
            if not present:
                continue
            where = "WHERE received_at >= :since" if bounded and "received_at" in tables[(schema, table)] else ""
            parts = [f"SELECT '{c}' AS column_name, CAST({warehouse.quote(c)} AS VARCHAR) AS value, COUNT(*) AS n "
                     f"FROM {warehouse.quote(schema, table)} {where} GROUP BY {warehouse.quote(c)}" for c in present]
            sql = "\nUNION ALL\n".join(parts)
            for column, value, n in warehouse.run(warehouse.translate(sql), {"since": since} if where else {}).rows:
                if value is None or value == "":
                    continue
                bucket = counts.setdefault(column, {})
                bucket[value] = bucket.get(value, 0) + int(n)
    return {c: sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))[:max_values] for c, v in counts.items()}


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


class CatalogCache:
    """Discovers once; after that, serves the catalog it has while a newer one is discovered in the
    background, so no question waits for discovery (it scans `catalog_days` of events: seconds on a
    large warehouse) except the first and one arriving after the catalog is `max_stale_seconds` old.
    A background discovery starts when the catalog is older than `ttl_seconds`, or on "Refresh"
    once it is older than `min_refresh_seconds`. A failed one is logged and the old catalog kept.
    Safe to share between threads."""

    def __init__(self, loader, ttl_seconds: float = 300.0, min_refresh_seconds: float = 60.0,
                 max_stale_seconds: float = 3600.0):
        self._loader = loader
        self._ttl, self._min_refresh, self._max_stale = ttl_seconds, min_refresh_seconds, max_stale_seconds
        self._lock = threading.Lock()  # guards the fields; never held while discovering
        self._load_lock = threading.Lock()  # one discovery at a time for questions with nothing to serve
        self._catalog: Catalog | None = None
        self._reloading: threading.Thread | None = None

    def get(self, refresh: bool = False) -> Catalog:
        with self._lock:
            if self._fit(self._catalog):
                age = time.time() - self._catalog.discovered_at
                if (age > self._ttl or (refresh and age > self._min_refresh)) and self._reloading is None:
                    self._reloading = threading.Thread(target=self._reload, name="catalog-discovery", daemon=True)
                    self._reloading.start()
                return self._catalog
        return self._load_now()

    def _fit(self, catalog: Catalog | None) -> bool:
        return catalog is not None and time.time() - catalog.discovered_at <= max(self._max_stale, self._ttl)

    def _load_now(self) -> Catalog:
        """Nothing (fit) to serve: this question waits for a discovery (one at a time; the others wait for
        it, not for a lock that readers need). If it fails, a catalog there is, however old, is served."""
        with self._load_lock:
            with self._lock:
                if self._fit(self._catalog):  # discovered while this question waited
                    return self._catalog
                old = self._catalog
            try:
                catalog = self._loader()
            except Exception as exc:
                if old is None:
                    raise
                log.warning("catalog discovery failed, serving the catalog of %s: %s",
                            time.strftime("%H:%M", time.localtime(old.discovered_at)), exc)
                return old
            with self._lock:
                self._catalog = catalog
            return catalog

    def _reload(self) -> None:
        try:
            catalog = self._loader()
        except Exception as exc:  # noqa: BLE001 - kept serving the catalog it has
            log.warning("catalog discovery failed, keeping the previous catalog: %s", exc)
            catalog = None
        with self._lock:
            if catalog is not None:
                self._catalog = catalog
            self._reloading = None

    def wait(self, timeout: float = 60.0) -> None:
        """Until a background discovery in progress has finished (for tests and shutdown)."""
        thread = self._reloading
        if thread is not None:
            thread.join(timeout)
