"""Result cache for one warehouse: keyed by (warehouse, SQL, bound parameters, freshness token),
with a TTL; identical queries arriving together share one warehouse execution (single-flight).

The freshness token is whatever the caller says identifies the data's state (Playbot passes the
latest received_at of the Segment sources): when new data lands the token changes, so the key
changes and the next question reads the warehouse again, even inside the TTL.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

T = TypeVar("T")


def cache_key(warehouse: str, sql: str, params: dict[str, Any], freshness: Hashable = None) -> tuple:
    return (warehouse, sql, tuple(sorted((k, _hashable(v)) for k, v in params.items())), freshness)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


class ResultCache:
    """TTL + LRU cache with single-flight loading. Thread-safe. ttl_seconds <= 0 disables storing
    (concurrent identical queries are still shared)."""

    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 256, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._inflight: dict[tuple, Future] = {}
        self.hits = self.misses = self.shared = 0

    def get_or_load(self, key: tuple, load: Callable[[], T], refresh: bool = False,
                    wait: float | None = None) -> tuple[T, str]:
        """(value, how): how is 'hit' (stored), 'shared' (joined a running load) or 'miss' (loaded).
        `refresh` skips the stored value (and does not join a load that started before it). Joining a
        running load waits at most `wait` seconds (TimeoutError after). No lock is held while loading."""
        running: Future | None = None
        with self._lock:
            if not refresh:
                stored = self._entries.get(key)
                if stored is not None and self._clock() - stored[0] < self.ttl:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return stored[1], "hit"
                running = self._inflight.get(key)
            if running is None:
                future: Future = Future()
                self._inflight[key] = future
                self.misses += 1
            else:
                self.shared += 1
        if running is not None:
            try:
                return running.result(timeout=wait), "shared"
            except FutureTimeout:
                raise TimeoutError("the identical query being run is still running") from None
        try:
            value = load()
        except BaseException as exc:
            with self._lock:
                if self._inflight.get(key) is future:
                    del self._inflight[key]
            future.set_exception(exc)
            raise
        with self._lock:
            if self._inflight.get(key) is future:
                del self._inflight[key]
            if self.ttl > 0:
                self._entries[key] = (self._clock(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        future.set_result(value)
        return value, "miss"

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
