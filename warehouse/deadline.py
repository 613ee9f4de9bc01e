"""One deadline per warehouse call, from checkout to the last row: connecting, the health check, the
statement and the fetch. When it passes, the engine stops whatever connection the call is on: DuckDB's
statement is interrupted; a PostgreSQL or Redshift connection is cut (its server cancels the statement
at its own statement timeout; a deadline that passes after that means the network or the server went
silent, and only cutting the socket frees the call).

A connection the pool opens during the call attaches itself (engine "connect" events, through the
thread's current deadline), so a silent network is cut also while a new connection is being set up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("playbot.warehouse")

_current = threading.local()


class Deadline:
    """Arms a timer for `seconds`; `attach(raw)` names the DB-API connection to stop when it fires."""

    def __init__(self, seconds: float, stop: Callable[[Any], None], name: str = "warehouse"):
        self.seconds, self._stop, self.name = seconds, stop, name
        self.fired = threading.Event()
        self._raw: Any = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Deadline:
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()
        _current.deadline = self
        return self

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()
        _current.deadline = None
        with self._lock:
            self._raw = None

    def attach(self, raw: Any) -> None:
        with self._lock:
            self._raw = raw
            late = self.fired.is_set()
        if late:  # it passed while the connection was being made
            self._stop_quietly(raw)

    def _fire(self) -> None:
        self.fired.set()
        with self._lock:
            raw = self._raw
        if raw is not None:
            self._stop_quietly(raw)

    def _stop_quietly(self, raw: Any) -> None:
        try:
            self._stop(raw)
        except Exception as exc:  # noqa: BLE001 - best effort: the server's own timeout still applies
            log.warning("could not stop a call on warehouse=%s at its deadline: %s", self.name, exc)


def attach_new_connection(dbapi_connection: Any, _record: Any = None) -> None:
    """Engine event: a connection opened during a call belongs to that call's deadline."""
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.attach(dbapi_connection)
