"""Whether an answer may read the embedded activity rollup now, and the read-only warehouse over it.

Fresh means built from the data as it is now: the same freshness token (the latest received_at of each
Segment source) and the same moment of the data (the answers' `as_of`). Anything else, and the answer
reads raw events: a rollup never gives an older number than the warehouse would.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime

from config import Config, WarehouseConfig
from errors import PlaybotError
from segment.rollup import DAYS_TABLE, RollupLayout
from segment.rollup_event_days import EVENT_DAYS_TABLE
from warehouse import Warehouse

from .returns import RELATIONS
from .store import RollupMeta, RollupStore
from .warehouse_table import meta_query, read_meta

log = logging.getLogger("playbot.rollup")


@dataclass(frozen=True)
class RollupView:
    """A fresh rollup to read: where its tables are, on which warehouse, and what to say about it."""

    warehouse: Warehouse
    layout: RollupLayout
    built_at: datetime  # naive UTC, the bot's clock (the embedded one) or the warehouse's (a table there)
    label: str  # "the activity rollup" | "the warehouse's rollup table playbot.activity_rollup"
    as_of: datetime  # local: the moment of the data it holds
    meta: RollupMeta | None = None  # the embedded build


def version_token(version: tuple) -> list:
    """The freshness token as stored in a build's meta (JSON: ISO strings)."""
    return [[str(s), v.isoformat() if isinstance(v, datetime) else v] for s, v in version]


class RollupReader:
    """One per Answerer. Opens each published build once, read-only (warehouse/engines/duckdb.py)."""

    def __init__(self, config: Config, store: RollupStore | None = None):
        self.config = config
        self.store = store or RollupStore.for_config(config)
        self._lock = threading.Lock()
        self._open: tuple[str, Warehouse] | None = None

    def current(self) -> RollupMeta | None:
        return self.store.current()

    def view(self, version: tuple, as_of: datetime) -> tuple[RollupView | None, RollupMeta | None]:
        """(the view to read, the build) when fresh; (None, the build or None) when not."""
        if not self.config.rollup.enabled or self.config.segment.events_sql:
            return None, None
        meta = self.store.current()
        if meta is None or meta.version != version_token(version) or meta.as_of != as_of.isoformat():
            return None, meta
        held = tuple(meta.tables)  # the derived tables: the relations of those the retention playbooks read
        layout = RollupLayout(tuple(meta.dimensions), lookups=tuple(meta.lookups), days=DAYS_TABLE, tables=held,
                              derived=tuple(sorted((r, t) for r, t in RELATIONS if t in held)),
                              event_days=EVENT_DAYS_TABLE if EVENT_DAYS_TABLE in held else None)
        return RollupView(self._warehouse(meta), layout, meta.built, "the activity rollup",
                          as_of, meta), meta

    def warehouse_view(self, warehouse: Warehouse, version: tuple, as_of: datetime) -> RollupView | None:
        """The rollup tables the data team keeps in the warehouse (`rollup.warehouse_table`), when their
        meta table says they were built with this definition from the data as it is now."""
        table = self.config.rollup.warehouse_table
        if not table or not self.config.rollup.enabled or self.config.segment.events_sql:
            return None
        try:
            result = warehouse.run(warehouse.translate(meta_query(table, warehouse.quote)), {}, cache=True,
                                   freshness=version)
        except PlaybotError as exc:  # not there (yet), or not readable: raw events
            log.info("no rollup table %s in the %s warehouse: %s", table, warehouse.name, exc.message)
            return None
        found = read_meta(result.rows, table, warehouse.quote, self.config)
        if found is None or found.version != version_token(version) or found.as_of != as_of:
            return None
        return RollupView(warehouse, found.layout, found.built_at, f"the warehouse's rollup table {table}", as_of)

    def _warehouse(self, meta: RollupMeta) -> Warehouse:
        with self._lock:
            if self._open is not None and self._open[0] == meta.file:
                return self._open[1]
            segment = self.config.warehouses.get(self.config.segment.warehouse)
            base = segment or WarehouseConfig("rollup", "")
            opened = Warehouse(replace(base, name="rollup", url=f"duckdb:///{self.store.path(meta)}"))
            if self._open is not None:
                self._open[1].engine.dispose()  # connections in use finish their query on the old file
            self._open = (meta.file, opened)
            return opened

    def open_warehouses(self) -> list[Warehouse]:
        """The embedded build's warehouse, when one is open (the benchmarks turn its result cache off too)."""
        with self._lock:
            return [self._open[1]] if self._open is not None else []

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._open[1].close()
                self._open = None
