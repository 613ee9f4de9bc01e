"""Safe to point at production: read-only, bound parameters, timeouts that cancel, row caps,
clear messages when the warehouse is down."""

import time
import uuid

import psycopg
import pytest

from answers import Answer, Failure
from config import WarehouseConfig
from questions import Clarification, Request
from rendering.render import RenderContext, render
from warehouse import QueryRefused, QueryTimeout, Warehouse, WarehouseUnavailable
from warehouse.dialects import SQLRefused, check_read_only

from ..conftest import DATASETS, make_answerer
from ..helpers import ask


@pytest.mark.parametrize("sql", [
    "DELETE FROM messenger_web.tracks", "DROP TABLE messenger_web.tracks", "SELECT 1; DROP TABLE x",
    "INSERT INTO t VALUES (1)", "UPDATE t SET a = 1", "CREATE TABLE t AS SELECT 1", "SELECT * INTO t2 FROM t",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "COPY t TO '/tmp/x'", "SET statement_timeout = 0",
    "GRANT ALL ON t TO public", "TRUNCATE t", "ALTER TABLE t ADD COLUMN b INT",
])
def test_writes_and_multiple_statements_are_refused(sql):
    with pytest.raises(SQLRefused):
        check_read_only(sql)


def pg_warehouse(pg_url, **kw):
    return Warehouse(WarehouseConfig("segment", pg_url.replace("postgresql://", "postgresql+psycopg://"), **kw))


def test_refused_before_reaching_the_warehouse(pg_url):
    wh = pg_warehouse(pg_url)
    with pytest.raises(QueryRefused):
        wh.run("DELETE FROM messenger_web.tracks")
    assert wh.run("SELECT COUNT(*) FROM messenger_web.tracks").rows[0][0] > 0


def test_postgres_session_is_read_only(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE SEQUENCE IF NOT EXISTS playbot_probe_seq")
    wh = pg_warehouse(pg_url)
    with pytest.raises(QueryRefused) as info:
        wh.run("SELECT nextval('playbot_probe_seq')")  # the SQL check refuses it first (warehouse/forbidden.py)
    assert "nextval is not allowed" in info.value.message
    import sqlalchemy as sa

    with wh.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
        conn.exec_driver_sql("SELECT nextval('playbot_probe_seq')")  # past the check, the session refuses it
    wh.close()


def test_postgres_session_settings(pg_url):
    """Read-only, the statement timeout and no JIT (its compile time outweighed the gain on playbook queries)."""
    wh = pg_warehouse(pg_url)
    got = wh.run("SELECT current_setting('default_transaction_read_only'), current_setting('statement_timeout'), "
                 "current_setting('jit')").rows[0]
    assert got[0] == "on" and got[1] != "0" and got[2] == "off"


def test_duckdb_file_is_opened_read_only(built):
    wh = Warehouse(WarehouseConfig("segment", f"duckdb:///{built['messenger']}"))
    import sqlalchemy as sa

    with wh.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
        conn.execute(sa.text("CREATE TABLE hack AS SELECT 1"))


def test_postgres_timeout_cancels_on_the_server(pg_url):
    wh = pg_warehouse(pg_url, timeout_seconds=1)
    # A marker unique to this run: other test sessions on the same server may be sleeping too.
    marker = f"timeout_probe_{uuid.uuid4().hex}"
    started = time.perf_counter()
    with pytest.raises(QueryTimeout):
        wh.run(f"SELECT pg_sleep(20) AS {marker}")
    assert time.perf_counter() - started < 15  # far below the 20 s the query asked for
    with psycopg.connect(pg_url, autocommit=True) as admin:
        running = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND state = 'active'",
                                (f"%{marker}%",)).fetchone()[0]
    assert running == 0


def test_duckdb_timeout_interrupts(built):
    wh = Warehouse(WarehouseConfig("segment", f"duckdb:///{built['messenger']}", timeout_seconds=0.5))
    started = time.perf_counter()
    with pytest.raises(QueryTimeout):
        wh.run("SELECT COUNT(*) FROM range(100000000) a, range(100000) b WHERE a.range % 7 = b.range % 11")
    assert time.perf_counter() - started < 5
    assert wh.run("SELECT 1").rows == [(1,)]  # the connection still works


def test_row_cap(built):
    wh = Warehouse(WarehouseConfig("segment", f"duckdb:///{built['messenger']}", row_cap=10))
    result = wh.run("SELECT * FROM range(100)")
    assert len(result.rows) == 10 and result.truncated


def test_down_warehouse_fails_fast_and_clearly():
    wh = Warehouse(WarehouseConfig("segment", "postgresql+psycopg://postgres@127.0.0.1:1/none"))
    started = time.perf_counter()
    with pytest.raises(WarehouseUnavailable) as info:
        wh.ping()
    assert time.perf_counter() - started < 6
    assert "not reachable" in info.value.message and info.value.next_step


def test_answer_when_the_warehouse_goes_down(pg_url, answerers):
    ds = DATASETS["messenger"]
    answerer = make_answerer(pg_url.replace("postgresql://", "postgresql+psycopg://"), ds)
    request = answerer.parse("invites yesterday")
    assert isinstance(request, Request)
    broken = Warehouse(WarehouseConfig("segment", "postgresql+psycopg://postgres@127.0.0.1:1/none"))
    answerer.warehouses["segment"] = broken
    answerer.segment = broken
    outcome = answerer.answer(request)
    assert isinstance(outcome, Failure) and outcome.kind == "unavailable"
    assert "not reachable" in outcome.message


def test_values_are_bound_never_pasted(answerers):
    answerer = answerers[("duckdb", "messenger")]
    answer = ask(answerer, "invites yesterday")
    assert isinstance(answer, Answer)
    assert ":event" in answer.sql and "Invite Sent" not in answer.sql
    assert answer.main.params["event"] == "Invite Sent"
    hostile = "x' OR '1'='1"
    outcome = ask(answerer, f'event_volume event="{hostile}"')
    assert isinstance(outcome, Clarification)  # not in the catalog: never reaches SQL
    # even a value that did reach rendering would only be bound
    catalog = answerer.catalog()
    ctx = RenderContext(answerer.config.segment, catalog, answerer.segment.quote, "UTC", "monday",
                        answer.request.params["end"], answer.answered_at)
    pb = answerer.library["event_volume"]
    rendered = render(pb, {**answer.request.params, "event": hostile}, ctx)
    assert hostile not in rendered.sql and rendered.params["event"] == hostile
