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
from segment.rollup import RollupLayout
from warehouse import Warehouse

from .store import RollupMeta, RollupStore

log = logging.getLogger("playbot.rollup")


@dataclass(frozen=True)
class RollupView:
    meta: RollupMeta
    warehouse: Warehouse
    layout: RollupLayout


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
        return RollupView(meta, self._warehouse(meta), RollupLayout(tuple(meta.dimensions))), meta

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

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._open[1].close()
                self._open = None
