"""Finding 4 on real engines: no question holds more than its memory budget. row_cap did not bound memory on
PostgreSQL (a 3M-row result with a cap of 1,000 grew the process by 244 MB: the driver buffered it all);
now the warehouse stops at the cap, rows past the budget are refused, and DuckDB works within it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from config import WarehouseConfig
from warehouse import QueryTooBig, Warehouse

from ..conftest import ROOT

PEAK_GROWTH = textwrap.dedent("""
    import resource, sys
    from config import WarehouseConfig
    from warehouse import Warehouse
    warehouse = Warehouse(WarehouseConfig("segment", sys.argv[1], row_cap=1000))
    warehouse.run("SELECT 1")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = warehouse.run("SELECT g, repeat('x', 40) AS pad FROM generate_series(1, 3000000) AS g")
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(len(result.rows), result.truncated, grown)
""")


def test_a_3m_row_result_with_a_cap_of_1000_does_not_grow_the_process(pg_url):
    """Peak memory of a fresh process (ru_maxrss only rises, so it is measured in a process of its own)."""
    url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    done = subprocess.run([sys.executable, "-c", PEAK_GROWTH, url], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    rows, truncated, grown_kb = done.stdout.split()
    assert (int(rows), truncated) == (1000, "True")
    assert int(grown_kb) < 30_000, f"the process grew {int(grown_kb) / 1024:.0f} MB"


def test_rows_past_the_memory_budget_are_refused_with_the_next_step(pg_url):
    warehouse = Warehouse(WarehouseConfig("segment", pg_url.replace("postgresql://", "postgresql+psycopg://"),
                                          row_cap=1_000_000, memory_budget_mb=16))
    try:
        with pytest.raises(QueryTooBig) as info:
            warehouse.run("SELECT g, repeat('x', 400) AS pad FROM generate_series(1, 100000) AS g")  # ~45 MB
        assert "16 MB memory budget" in info.value.message and info.value.kind == "too_big"
        assert "shorter time range" in info.value.next_step and "memory_budget_mb" in info.value.next_step
        assert len(warehouse.run("SELECT g FROM generate_series(1, 1000) AS g").rows) == 1000  # within it: read
    finally:
        warehouse.close()


def test_duckdb_works_within_the_budget():
    """DuckDB runs in the bot's process: its memory_limit is the budget (its own database here: the limit
    is the database's, shared by every connection to the same file)."""
    warehouse = Warehouse(WarehouseConfig("scratch", "duckdb:///:memory:", memory_budget_mb=64))
    try:
        assert warehouse.run("SELECT current_setting('memory_limit')").rows[0][0] in ("61.0 MiB", "64.0 MiB")
        with pytest.raises(QueryTooBig) as info:
            warehouse.run("SELECT list(range) FROM range(50000000)")
        assert "ran out of memory" in info.value.message and info.value.next_step
        assert warehouse.run("SELECT count(*) FROM range(1000000)").rows == [(1000000,)]
    finally:
        warehouse.close()


def test_the_cap_is_applied_by_the_warehouse(pg_url):
    """LIMIT cap + 1 is added to a query without one: the server stops producing rows."""
    warehouse = Warehouse(WarehouseConfig("segment", pg_url.replace("postgresql://", "postgresql+psycopg://"),
                                          row_cap=10))
    sent: list[str] = []
    from sqlalchemy import event

    event.listen(warehouse.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    try:
        result = warehouse.run("SELECT g FROM generate_series(1, 100) AS g ORDER BY g DESC -- the largest first")
        assert [r[0] for r in result.rows] == list(range(100, 90, -1)) and result.truncated
        assert sent[-1].endswith("\nLIMIT 11") and "LIMIT" not in result.sql  # the answer shows the SQL as written
        top = warehouse.run("SELECT g FROM generate_series(1, 100) AS g ORDER BY g LIMIT 5")
        assert len(top.rows) == 5 and not top.truncated and sent[-1].endswith("LIMIT 5")
    finally:
        warehouse.close()


STREAM_GROWTH = textwrap.dedent("""
    import resource, sys
    from config import WarehouseConfig
    from warehouse import Warehouse
    warehouse = Warehouse(WarehouseConfig("segment", sys.argv[1], memory_budget_mb=64))
    warehouse.run("SELECT 1")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seen = {"rows": 0, "batches": 0, "sum": 0, "largest": 0}
    def consume(batch):
        seen["rows"] += len(batch); seen["batches"] += 1; seen["sum"] += sum(r[0] for r in batch)
        seen["largest"] = max(seen["largest"], len(batch))
    got = warehouse.stream("SELECT g, repeat('x', 40) AS pad FROM generate_series(1, 3000000) AS g", {}, consume,
                           row_cap=5_000_000, batch_rows=100_000)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(got, seen["rows"], seen["batches"], seen["sum"], seen["largest"], grown)
""")


@pytest.mark.parametrize("engine", ["postgres", "duckdb"])
def test_a_streamed_3m_row_result_is_handed_on_in_batches_and_never_held_whole(pg_url, tmp_path, engine):
    """What the rollup's build reads (rollup/build.py): every row reaches the consumer, in batches of at most
    batch_rows, and the process holds about one batch (3M rows held whole would grow it by several hundred MB)."""
    if engine == "duckdb":  # the bot opens DuckDB warehouses read-only: the file must exist
        import duckdb
        duckdb.connect(str(tmp_path / "stream.duckdb")).close()
    url = (pg_url.replace("postgresql://", "postgresql+psycopg://") if engine == "postgres"
           else f"duckdb:///{tmp_path / 'stream.duckdb'}")
    done = subprocess.run([sys.executable, "-c", STREAM_GROWTH, url], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    got, rows, batches, total, largest, grown_kb = (int(x) for x in done.stdout.split()[-6:])  # after a progress bar
    assert got == rows == 3_000_000 and total == 3_000_000 * 3_000_001 // 2
    assert batches >= 30 and largest <= 100_000
    assert grown_kb < 150_000, f"the process grew {grown_kb / 1024:.0f} MB"


def test_a_stream_past_its_row_cap_or_writing_is_refused(pg_url):
    warehouse = Warehouse(WarehouseConfig("segment", pg_url.replace("postgresql://", "postgresql+psycopg://")))
    try:
        with pytest.raises(QueryTooBig, match="more than 1,000 rows"):
            warehouse.stream("SELECT g FROM generate_series(1, 5000) AS g", {}, lambda batch: None, row_cap=1000,
                             batch_rows=300)
        with pytest.raises(Exception, match="(?i)read-only|refused|only"):
            warehouse.stream("DELETE FROM pg_class", {}, lambda batch: None, row_cap=10)
    finally:
        warehouse.close()
