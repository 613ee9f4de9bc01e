"""PostgreSQL: read-only sessions with a server-side statement timeout, UTC, no JIT, TCP keepalives, and
(PostgreSQL 14+) a server that stops a query within a second or two of its client going away."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event

from .base import Engine

log = logging.getLogger("playbot.warehouse")

# the server polls the client's socket this often while a query runs, and ends the query once the
# client is gone (a killed bot, a closed connection): otherwise it ran on to its statement timeout
CLIENT_CHECK_MS = 1000
CANCEL_WAIT_SECONDS = 3.0  # a cancel request is a new connection: it must not hang on a silent network


class PostgreSQL(Engine):
    name = "postgresql"
    bind_limit = 65535  # the wire protocol counts parameters in 16 bits

    def create(self, url: sa.URL, config) -> sa.Engine:
        timeout_ms = int(config.timeout_seconds * 1000)
        # jit=off: compiling a playbook query's expressions cost PostgreSQL 15 more than it saved
        # (1.3 s of 3.8 s for DAU at 4M events, bench/RESULTS.md); analytic CTEs trip its cost limits.
        options = (f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms} -c TimeZone=UTC "
                   "-c jit=off")
        engine = sa.create_engine(url, **self.pool_options(config), connect_args={
            "options": options, "connect_timeout": max(1, round(config.connect_timeout_seconds)),
            "application_name": "playbot", **keepalives(config)})
        sa_event.listen(engine, "connect", _check_client_while_running)
        return engine

    def cancel(self, raw: Any) -> None:
        """The server is asked to stop the statement (a cancel request on a connection of its own)."""
        if hasattr(raw, "cancel_safe"):  # psycopg 3.2+: bounded, so a silent network cannot hold it
            raw.cancel_safe(timeout=CANCEL_WAIT_SECONDS)
        else:
            raw.cancel()

    def abort(self, raw: Any) -> None:
        """Cut the connection under a call stuck on a silent network: shutting the socket down wakes the
        driver at once (a cancel request would wait on the same network)."""
        shutdown_socket(raw.pgconn.socket)


def keepalives(config) -> dict[str, int]:
    """libpq's TCP keepalives (a peer that vanished is found in about a minute on an idle connection) and
    tcp_user_timeout (data unacknowledged this long closes the connection)."""
    return {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
            "tcp_user_timeout": int((config.timeout_seconds + 10) * 1000)}


def shutdown_socket(fd: int) -> None:
    duplicate = socket.socket(fileno=os.dup(fd))
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    finally:
        duplicate.close()


def _check_client_while_running(dbapi_conn, _record) -> None:
    """PostgreSQL 14+: end a running query once its client is gone (client_connection_check_interval)."""
    info = getattr(dbapi_conn, "info", None)
    if info is None or getattr(info, "server_version", 0) < 140000:
        return
    cursor = dbapi_conn.cursor()
    cursor.execute(f"SET client_connection_check_interval = {CLIENT_CHECK_MS}")
    cursor.close()
    dbapi_conn.commit()  # a SET inside the transaction the pool later rolls back would be undone
