"""Amazon Redshift through redshift_connector: PostgreSQL's rules where Redshift shares them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .base import on_connect
from .postgres import PostgreSQL, shutdown_socket


class Redshift(PostgreSQL):
    name = "redshift"
    bind_limit = 32767  # redshift_connector's own check

    def create(self, url: sa.URL, config) -> sa.Engine:
        # redshift_connector has one socket timeout: short while connecting (a warehouse that is
        # down is reported in seconds), then long enough for the slowest allowed query. Redshift
        # has no read-only session setting: the SQL check and the user's GRANTs keep it read-only.
        # URL query options (iam=true, cluster_identifier=..., ssl=false) are driver arguments:
        # typed here, since redshift_connector would take the string "false" as true
        timeout_ms = int(config.timeout_seconds * 1000)
        options = {k: _typed(v) for k, v in url.query.items()}
        engine = sa.create_engine(url.set(query={}), **self.pool_options(config),
                                  connect_args={**options, "timeout": max(1, round(config.connect_timeout_seconds))})
        read_timeout = config.timeout_seconds + 30
        on_connect(engine, [f"SET statement_timeout TO {timeout_ms}", "SET timezone TO 'UTC'"],
                   lambda raw: getattr(raw, "_usock", None) and raw._usock.settimeout(read_timeout))
        return engine

    def cancel(self, raw: Any) -> None:
        """redshift_connector has no cancel request: the statement ends at Redshift's statement_timeout
        (and when its connection is cut, which `abort` does)."""
        self.abort(raw)

    def abort(self, raw: Any) -> None:
        sock = getattr(raw, "_usock", None)
        if sock is not None:
            shutdown_socket(sock.fileno())


def _typed(value: str | tuple[str, ...]) -> Any:
    text = value[-1] if isinstance(value, tuple) else value
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return int(text) if text.isdigit() else text
