"""PostgreSQL: read-only sessions with a server-side statement timeout, UTC, and no JIT."""

from __future__ import annotations

import sqlalchemy as sa

from .base import Engine


class PostgreSQL(Engine):
    name = "postgresql"
    bind_limit = 65535  # the wire protocol counts parameters in 16 bits

    def create(self, url: sa.URL, config) -> sa.Engine:
        timeout_ms = int(config.timeout_seconds * 1000)
        # jit=off: compiling a playbook query's expressions cost PostgreSQL 15 more than it saved
        # (1.3 s of 3.8 s for DAU at 4M events, bench/RESULTS.md); analytic CTEs trip its cost limits.
        options = (f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms} -c TimeZone=UTC "
                   "-c jit=off")
        return sa.create_engine(url, **self.pool_options(config), connect_args={
            "options": options, "connect_timeout": max(1, round(config.connect_timeout_seconds)),
            "application_name": "playbot"})
