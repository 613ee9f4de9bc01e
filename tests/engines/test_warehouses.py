"""Production behaviour of warehouses on a real PostgreSQL: pooled connections checked before use,
a dropped connection retried once, a silent warehouse reported within seconds, the result cache
(TTL, freshness token, single-flight, refresh) counted in real warehouse executions, and several
named warehouses in one config."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from answers import Answer, Failure
from answers.answerer import Answerer
from config import Config, WarehouseConfig
from playbooks import load_library
from questions import Request
from warehouse import Warehouse, WarehouseUnavailable

from ..conftest import DATASETS, ENGINES, make_answerer, make_config
from ..helpers import ask, builtin_library


def pg_sa(pg_url: str) -> str:
    return pg_url.replace("postgresql://", "postgresql+psycopg://")


def backends_running(pg_url: str, marker: str) -> list[int]:
    with psycopg.connect(pg_url, autocommit=True) as admin:
        return [r[0] for r in admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND state = 'active' AND pid <> pg_backend_pid()",
            [f"%{marker}%"]).fetchall()]


def test_a_connection_dropped_during_a_query_is_retried_once(pg_url):
    wh = Warehouse(WarehouseConfig("segment", pg_sa(pg_url)))
    marker = f"playbot_drop_{uuid.uuid4().hex[:8]}"
    outcome: dict = {}

    def ask():
        try:
            outcome["rows"] = wh.run(f"SELECT 42 AS answer, pg_sleep(0.8) IS NULL AS {marker}").rows
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = exc

    try:
        thread = threading.Thread(target=ask)
        thread.start()
        killed = []
        for _ in range(100):
            killed = backends_running(pg_url, marker)
            if killed:
                break
            time.sleep(0.02)
        assert killed, "the query never showed up in pg_stat_activity"
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [killed[0]])
        thread.join(timeout=10)
        assert "error" not in outcome, outcome.get("error")
        assert [row[0] for row in outcome["rows"]] == [42]
        assert wh.executions == 2  # the first attempt died, the retry answered
    finally:
        wh.close()


def test_a_dead_pooled_connection_is_replaced_before_use(pg_url):
    wh = Warehouse(WarehouseConfig("segment", pg_sa(pg_url), max_concurrent_queries=1))
    try:
        pid = wh.run("SELECT pg_backend_pid() AS pid").rows[0][0]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.1)
        again = wh.run("SELECT pg_backend_pid() AS pid").rows[0][0]
        assert again != pid and wh.executions == 2  # pre-ping found it dead: no failed attempt, no retry
    finally:
        wh.close()


def test_a_silent_warehouse_is_reported_within_seconds(pg_url):
    """A host that accepts TCP and never answers (a hung server, a firewall black hole)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"postgresql+psycopg://reader:s3cret@127.0.0.1:{silent.getsockname()[1]}/segment"
        wh = Warehouse(WarehouseConfig("segment", url, connect_timeout_seconds=1))
        started = time.perf_counter()
        with pytest.raises(WarehouseUnavailable) as info:
            wh.run("SELECT 1")
        assert time.perf_counter() - started < 5
        assert "not reachable" in info.value.message and "s3cret" not in info.value.message
        assert info.value.next_step
        wh.close()


# ---- the result cache ----

def test_cache_hit_ttl_freshness_and_refresh_count_real_executions(pg_url):
    wh = Warehouse(WarehouseConfig("segment", pg_sa(pg_url), cache_ttl_seconds=0.5))
    sql = "SELECT COUNT(*) AS n FROM messenger_web.tracks WHERE event = :event"
    try:
        first = wh.run(sql, {"event": "invite_sent"}, cache=True, freshness="v1")
        assert not first.cached and wh.executions == 1
        hit = wh.run(sql, {"event": "invite_sent"}, cache=True, freshness="v1")
        assert hit.cached and hit.rows == first.rows and wh.executions == 1
        wh.run(sql, {"event": "message_sent"}, cache=True, freshness="v1")  # other parameters: a miss
        assert wh.executions == 2
        wh.run(sql, {"event": "invite_sent"}, cache=True, freshness="v2")  # new data landed: a miss
        assert wh.executions == 3
        refreshed = wh.run(sql, {"event": "invite_sent"}, cache=True, freshness="v2", refresh=True)
        assert not refreshed.cached and wh.executions == 4
        time.sleep(0.6)  # past the TTL
        assert not wh.run(sql, {"event": "invite_sent"}, cache=True, freshness="v2").cached
        assert wh.executions == 5
        wh.run(sql, {"event": "invite_sent"})  # callers that do not opt in always run
        assert wh.executions == 6
    finally:
        wh.close()


def test_identical_concurrent_queries_share_one_execution(pg_url):
    wh = Warehouse(WarehouseConfig("segment", pg_sa(pg_url), max_concurrent_queries=8))
    marker = f"playbot_flight_{uuid.uuid4().hex[:8]}"
    sql = f"SELECT :x AS x, pg_sleep(0.5) IS NULL AS {marker}"
    results: list = []
    start = threading.Barrier(8)

    def ask():
        start.wait()
        results.append(wh.run(sql, {"x": 7}, cache=True, freshness="v1"))

    try:
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert len(results) == 8 and all([row[0] for row in r.rows] == [7] for r in results)
        assert wh.executions == 1
        assert sum(not r.cached for r in results) == 1
    finally:
        wh.close()


@pytest.fixture()
def fresh_source(pg_url):
    """A private, writable copy of the messenger_web source (so new rows can land)."""
    schema = f"fresh_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        tables = [r[0] for r in admin.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'messenger_web'").fetchall()]
        for table in tables:
            admin.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM messenger_web."{table}"')
    yield schema
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_answers_are_cached_until_new_data_lands(pg_url, fresh_source):
    ds = DATASETS["messenger"]
    ds = replace(ds, spec=replace(ds.spec, sources={"web": fresh_source}))
    config = make_config(pg_sa(pg_url), ds)
    answerer = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, builtin_library(),
                        clock=lambda: ds.clock)
    answerer.freshness_check_seconds = 0  # read the freshness token on every question
    wh = answerer.segment
    try:
        request = answerer.parse("invites yesterday")
        assert isinstance(request, Request)
        first = answerer.answer(request)
        assert isinstance(first, Answer) and not first.main.result.cached
        cost = wh.executions

        second = answerer.answer(request)
        assert all(q.result.cached for q in second.queries) and second.rows == first.rows
        assert wh.executions == cost + 1  # only the freshness check reached the warehouse

        before = wh.executions
        threads = [threading.Thread(target=answerer.answer, args=(request,)) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert wh.executions - before <= 5  # five freshness checks at most, no playbook query

        # a copy of an invite lands, received after everything else: the token changes, the cache misses
        latest = answerer.source_freshness(answerer.catalog())[fresh_source]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'CREATE TEMP TABLE late AS SELECT * FROM "{fresh_source}".tracks WHERE event = %s LIMIT 1',
                          ["invite_sent"])
            admin.execute("UPDATE late SET id = 'late-arrival', received_at = %s", [latest + timedelta(minutes=1)])
            admin.execute(f'INSERT INTO "{fresh_source}".tracks SELECT * FROM late')
        before = wh.executions
        third = answerer.answer(request)
        assert not third.main.result.cached and wh.executions > before + 1

        before = wh.executions
        refreshed = answerer.answer(request, refresh=True)  # "Refresh" bypasses the cache
        assert not any(q.result.cached for q in refreshed.queries) and wh.executions >= before + 1 + len(refreshed.queries)
    finally:
        wh.close()


# ---- several named warehouses ----

PRODUCT_PLAYBOOK = """/* playbook
id: plans_in_app_db
title: Customers per plan
question: How many customers are on each plan in the product database?
warehouse: product
words: [customers per plan]
examples: [customers per plan]
*/
SELECT payment_plan, COUNT(*) AS customers FROM users GROUP BY payment_plan ORDER BY customers DESC, payment_plan
"""


def test_a_playbook_names_the_warehouse_it_reads(built, tmp_path):
    import duckdb

    ds = DATASETS["messenger"]
    product = Path(built["messenger"]).with_name("product.duckdb")
    (tmp_path / "plans.sql").write_text(PRODUCT_PLAYBOOK)
    con = duckdb.connect(str(product), read_only=True)  # the oracle: count in Python
    expected: dict = {}
    for (plan,) in con.execute("SELECT payment_plan FROM users").fetchall():
        expected[plan] = expected.get(plan, 0) + 1
    con.close()
    base = make_config(f"duckdb:///{built['messenger']}", ds)
    config = Config(**{**base.__dict__, "warehouses": {**base.warehouses,
                                                       "product": WarehouseConfig("product", f"duckdb:///{product}")},
                       "playbook_dirs": (tmp_path,)})
    warehouses = {name: Warehouse(wc) for name, wc in config.warehouses.items()}
    answerer = Answerer(config, warehouses, load_library(config.playbook_dirs), clock=lambda: ds.clock)
    try:
        answer = ask(answerer, "customers per plan")
        assert isinstance(answer, Answer), answer
        assert answer.main.result.warehouse == "product" and warehouses["product"].executions == 1
        assert dict(answer.rows) == expected
        # the same playbook against a config without that warehouse: a clear message, not a crash
        del answerer.warehouses["product"]
        outcome = ask(answerer, "customers per plan")
        assert isinstance(outcome, Failure) and "product" in outcome.message and "warehouses:" in outcome.next_step
    finally:
        for w in warehouses.values():
            w.close()


def test_bot_refuses_a_playbook_naming_an_unknown_warehouse(tmp_path, built):
    import subprocess
    import sys

    (tmp_path / "plans.sql").write_text(PRODUCT_PLAYBOOK)
    (tmp_path / "playbot.yaml").write_text(
        f"warehouses:\n  segment: {{url: 'duckdb:///{built['messenger']}'}}\n"
        f"segment: {{sources: [messenger_web, messenger_ios]}}\nplaybooks: {{dirs: ['{tmp_path}']}}\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "bot.py", "--config", str(tmp_path / "playbot.yaml"), "ask", "dau"],
                         cwd=root, capture_output=True, text=True, timeout=60, env={**os.environ, "PLAYBOT_STATE_DB": ""})
    assert out.returncode != 0
    assert "plans.sql: warehouse: names warehouse 'product', which is not configured" in out.stderr + out.stdout


def test_warehouse_settings_in_the_config_file(tmp_path):
    from config import ConfigError, load_config

    path = tmp_path / "playbot.yaml"
    path.write_text("warehouses:\n  segment: {url: 'postgresql+psycopg://r@h/db', connect_timeout_seconds: 3,"
                    " cache_ttl_seconds: 0}\n  web_prod: 'redshift+redshift_connector://r@c:5439/dev'\n"
                    "segment: {sources: [ios]}\n")
    config = load_config(path, env={})
    assert config.warehouses["segment"].connect_timeout_seconds == 3
    assert config.warehouses["segment"].cache_ttl_seconds == 0
    assert config.warehouses["web_prod"].cache_ttl_seconds == 300
    path.write_text("warehouses:\n  segment: {url: 'duckdb:///x', cache_ttl_seconds: -1}\nsegment: {sources: [a]}\n")
    with pytest.raises(ConfigError, match="warehouses.segment.cache_ttl_seconds"):
        load_config(path, env={})
    # stale_after: a duration (6h default; 90m, 2d, 1.5h, or hours); the demo's own warehouse waits 48 h
    assert config.warehouses["segment"].stale_after_hours == 6
    for value, hours in (("90m", 1.5), ("2d", 48), ("1.5h", 1.5), ("12", 12)):
        path.write_text(f"warehouses:\n  segment: {{url: 'duckdb:///x', stale_after: '{value}'}}\nsegment: {{sources: [a]}}\n")
        assert load_config(path, env={}).warehouses["segment"].stale_after_hours == hours
    for bad in ("soon", "0h", "-3h"):
        path.write_text(f"warehouses:\n  segment: {{url: 'duckdb:///x', stale_after: '{bad}'}}\nsegment: {{sources: [a]}}\n")
        with pytest.raises(ConfigError, match="warehouses.segment.stale_after"):
            load_config(path, env={})
    demo = load_config(None, env={"PLAYBOT_DEMO_DIR": str(tmp_path / "demo")})
    assert demo.is_demo and demo.warehouses["segment"].stale_after_hours == 48


# ---- reading less ----

@pytest.mark.parametrize("engine", ENGINES)
def test_a_question_about_one_event_reads_that_events_own_table(answerers, engine):
    """Segment writes each track call to `tracks` and to a table named after the event: a question
    scoped to one event reads the small table (bounded like every scan), and the numbers are the
    same as reading `tracks` (what happens where a source has no table of its own for the event)."""
    import sqlglot
    from sqlglot import expressions as exp

    answerer = answerers[(engine, "acme")]
    ds = DATASETS["acme"]
    own = ask(answerer, "invites yesterday")
    assert isinstance(own, Answer)
    for run in own.queries:
        tables = {(t.db, t.name) for t in sqlglot.parse_one(run.sql, read=answerer.segment.dialect).find_all(exp.Table)}
        assert {("acme_web", "invite_sent"), ("acme_app", "invite_sent")} <= tables, run.sql
        assert not {name for _, name in tables} & {"tracks", "pages", "screens"}, run.sql
        assert "event_identity" in run.sql  # the identity lookup for just these calls' anonymous ids
    catalog = answerer.catalog()
    without = replace(catalog, events={n: replace(e, tables=()) for n, e in catalog.events.items()})
    url = str(answerer.segment.engine.url.render_as_string(hide_password=False))
    other = make_answerer(url, ds)
    other.catalog = lambda refresh=False: without
    try:
        via_tracks = ask(other, "invites yesterday")
        assert isinstance(via_tracks, Answer)
        assert all(".tracks" in run.sql or '"tracks"' in run.sql for run in via_tracks.queries)
        assert "event_identity" not in ask(other, "dau").sql  # all events: the full lookup, no second pass
        assert [r.result.rows for r in via_tracks.queries] == [r.result.rows for r in own.queries]
        assert own.key.value > 0
    finally:
        other.segment.close()


# ---- the catalog: discovered once, then refreshed in the background ----

def _catalog(n: int, age: float = 0.0):
    from segment import Catalog

    return Catalog(warehouse=f"w{n}", schemas=(), tables={}, events={}, freshness={}, window_days=90,
                   discovered_at=time.time() - age)


def test_catalog_is_rediscovered_in_the_background_while_questions_use_the_one_there_is():
    from segment import CatalogCache

    calls, release, started = [], threading.Event(), threading.Event()

    def loader():
        calls.append(1)
        if len(calls) == 1:
            return _catalog(1, age=400)  # as if discovered 400 s ago: older than the TTL
        started.set()
        assert release.wait(10)
        return _catalog(len(calls))

    cache = CatalogCache(loader, ttl_seconds=300, min_refresh_seconds=60)
    assert cache.get().warehouse == "w1" and len(calls) == 1  # the first question waits for discovery
    assert cache.get().warehouse == "w1"  # stale: served at once, discovery started behind it
    assert started.wait(10)
    assert cache.get().warehouse == "w1" and len(calls) == 2  # one discovery at a time
    release.set()
    cache.wait()
    assert cache.get().warehouse == "w2"
    assert cache.get(refresh=True).warehouse == "w2" and len(calls) == 2  # "Refresh" on a fresh catalog: no rescan


def test_refresh_rediscovers_an_older_catalog_and_a_failed_discovery_keeps_the_old_one():
    from segment import CatalogCache

    results = [_catalog(1, age=120), RuntimeError("warehouse down"), _catalog(3)]

    def loader():
        item = results.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    cache = CatalogCache(loader, ttl_seconds=300, min_refresh_seconds=60)
    assert cache.get().warehouse == "w1"
    assert cache.get(refresh=True).warehouse == "w1"  # older than a minute: rediscovered behind the answer
    cache.wait()
    assert cache.get().warehouse == "w1"  # that discovery failed: the old catalog is kept
    cache.get(refresh=True)
    cache.wait()
    assert cache.get().warehouse == "w3"


def test_a_catalog_older_than_max_stale_is_rediscovered_before_answering():
    from segment import CatalogCache

    results = [_catalog(1, age=7200), _catalog(2)]
    cache = CatalogCache(lambda: results.pop(0), ttl_seconds=300, max_stale_seconds=3600)
    assert cache.get().warehouse == "w1"
    assert cache.get().warehouse == "w2"  # two hours old: this question waits for the new one
