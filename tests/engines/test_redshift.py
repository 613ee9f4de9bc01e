"""The Redshift path, as far as this machine allows: the real redshift_connector driver and the
sqlalchemy-redshift dialect, talking to PostgreSQL through pgbouncer (Redshift's startup packet
carries parameters PostgreSQL rejects; pgbouncer's ignore_startup_parameters drops them).
Every playbook's SQL translated for the `redshift` dialect runs there and gives the same numbers
as the PostgreSQL path, which the oracle tests check.

What this cannot prove (README "Warehouses"): Redshift's own planner, IAM authentication, the
leader-node rules beyond generate_series, and behaviour specific to Redshift's storage.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest

from answers import Answer
from config import WarehouseConfig
from questions import Request
from warehouse import QueryTimeout, Warehouse, WarehouseUnavailable

from ..conftest import DATASETS, make_answerer

# What redshift_connector puts in its startup packet that PostgreSQL does not know.
IGNORED = ("extra_float_digits,client_protocol_version,driver_version,os_version,plugin_name,application_name,"
           "driver_discovery_version,idp_type,provider_name,options")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pgbouncer():
    """A pgbouncer in front of the test PostgreSQL on a free port; stopped after the module."""
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if binary is None:
        pytest.skip("pgbouncer is not installed (.ci/run installs it with apt-get; see README 'Warehouses')")
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="playbot-pgbouncer-"))
    folder.chmod(0o755)
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\npool_mode = session\nunix_socket_dir =\n"
        f"ignore_startup_parameters = {IGNORED}\n")
    for f in folder.iterdir():
        f.chmod(0o644)
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"pgbouncer did not start: {process.stderr.read().decode()[-500:]}")
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def redshift_url(pgbouncer, pg_url):
    """A redshift+redshift_connector URL reaching the test database through pgbouncer."""
    import redshift_connector.core as core
    from packaging import version

    class _DebianTolerantVersion:
        # Debian's PostgreSQL reports server_version "15.20 (Debian 15.20-0+deb12u1)", which the
        # driver's version parser rejects; Redshift reports a plain "8.0.2". Test-only shim.
        @staticmethod
        def parse(text: str):
            return version.parse(text.split()[0])

    saved = core.version
    core.version = _DebianTolerantVersion
    dbname = pg_url.rsplit("/", 1)[1]
    yield f"redshift+redshift_connector://postgres@127.0.0.1:{pgbouncer}/{dbname}?ssl=false"
    core.version = saved


def test_driver_and_dialect_are_the_real_ones(redshift_url, pg_url):
    wh = Warehouse(WarehouseConfig("rs", redshift_url))
    try:
        assert wh.backend == "redshift" and wh.dialect == "redshift"
        assert type(wh.engine.dialect).__name__ == "RedshiftDialect_redshift_connector"
        with wh.engine.connect() as conn:
            assert type(conn.connection.dbapi_connection).__module__.startswith("redshift_connector")
        result = wh.run("SELECT COUNT(*) AS n, MAX(received_at) AS latest FROM messenger_web.tracks "
                        "WHERE received_at >= :since", {"since": DATASETS["messenger"].spec.end.replace(day=1)})
        with psycopg.connect(pg_url) as pg:
            expected = pg.execute("SELECT COUNT(*), MAX(received_at) FROM messenger_web.tracks WHERE received_at >= %s",
                                  [DATASETS["messenger"].spec.end.replace(day=1)]).fetchone()
        assert tuple(result.rows[0]) == tuple(expected) and expected[0] > 0
    finally:
        wh.close()


@pytest.fixture(scope="module")
def redshift_and_postgres(redshift_url, pg_url, built):
    ds = DATASETS["messenger"]
    rs = make_answerer(redshift_url, ds)
    pg = make_answerer(pg_url.replace("postgresql://", "postgresql+psycopg://"), ds)
    product = WarehouseConfig("product", f"duckdb:///{built['messenger'].with_name('product.duckdb')}")
    for answerer in (rs, pg):  # for playbooks that look values up in the product database
        answerer.warehouses["product"] = Warehouse(product)
    yield rs, pg
    for a in (rs, pg):
        for w in a.warehouses.values():
            w.close()


def test_every_playbook_runs_translated_for_redshift(redshift_and_postgres):
    """Each example question of each playbook (the library as loaded, so new playbooks are
    included): the Redshift-translated SQL runs through redshift_connector and returns exactly
    the PostgreSQL path's rows. Examples read as the same request (same playbook, parameters and explicit
    words: "mau" and "active users monthly") run the same statements, so each request runs once."""
    rs, pg = redshift_and_postgres
    checked, seen = 0, set()
    for playbook in rs.library.all():
        for example in playbook.examples:
            request = pg.parse(example)
            if not isinstance(request, Request):
                continue
            key = (request.playbook, repr(sorted(request.params.items())), request.explicit)
            if key in seen:
                continue
            seen.add(key)
            via_pg = pg.answer(request)
            via_rs = rs.answer(request)
            assert isinstance(via_pg, Answer), f"{example}: {via_pg}"
            assert isinstance(via_rs, Answer), f"{playbook.id} / {example!r} failed on the Redshift path: {via_rs}"
            for q_rs, q_pg in zip(via_rs.queries, via_pg.queries, strict=True):
                assert _rounded(q_rs.result.rows) == _rounded(q_pg.result.rows), f"{playbook.id} / {example!r} ({q_rs.label})"
            checked += 1
    assert checked >= len(rs.library.all())


def _rounded(rows):
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


def test_redshift_statement_timeout_cancels_on_the_server(redshift_url, pg_url):
    wh = Warehouse(WarehouseConfig("rs", redshift_url, timeout_seconds=1))
    marker = f"playbot_rs_timeout_{os.getpid()}"
    try:
        started = time.perf_counter()
        with pytest.raises(QueryTimeout):
            wh.run(f"SELECT pg_sleep(20) AS {marker}")
        assert time.perf_counter() - started < 5
        with psycopg.connect(pg_url, autocommit=True) as admin:
            running = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND state = 'active' "
                                    "AND pid <> pg_backend_pid()", [f"%{marker}%"]).fetchone()[0]
        assert running == 0
        assert wh.run("SELECT 1 AS one").rows == [(1,)]  # the pooled connection still works
    finally:
        wh.close()


def test_redshift_warehouse_down_is_reported_within_seconds():
    # a port that accepts TCP connections and never answers: the worst kind of "down"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        wh = Warehouse(WarehouseConfig("rs", f"redshift+redshift_connector://u:p@127.0.0.1:{port}/dev?ssl=false",
                                       connect_timeout_seconds=1))
        started = time.perf_counter()
        with pytest.raises(WarehouseUnavailable) as info:
            wh.run("SELECT 1")
        assert time.perf_counter() - started < 5
        assert "not reachable" in info.value.message and "p@" not in info.value.message
        wh.close()


def test_concurrent_queries_through_the_driver(redshift_url):
    wh = Warehouse(WarehouseConfig("rs", redshift_url, max_concurrent_queries=2))
    results: list = []
    try:
        threads = [threading.Thread(target=lambda i=i: results.append(wh.run("SELECT :i AS i", {"i": i}).rows[0][0]))
                   for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == list(range(6))
    finally:
        wh.close()
