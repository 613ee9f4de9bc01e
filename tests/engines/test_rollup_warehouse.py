"""The rollup as tables in the team's warehouse: the script `bot.py rollup sql` prints, run on a copy of
each test dataset (DuckDB) or in a schema of its own (PostgreSQL), is found by the bot through
`rollup.warehouse_table` and gives the same answers as raw events."""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from datetime import UTC

import duckdb
import psycopg
import pytest

from answers import Answer
from answers.answerer import Answerer
from config import RollupConfig
from playbooks import load_library
from rollup.warehouse_table import rollup_sql
from warehouse import Warehouse

from .. import helpers
from ..conftest import DATASETS, make_config

# activity by an event dimension and by a person filter, and the people table
QUESTIONS = ["weekly active users by platform top 3", "monthly active users for free users", "weekly retention by channel"]


def _ask(answerer, question: str) -> Answer:
    outcome = helpers.ask(answerer, question)
    assert isinstance(outcome, Answer), f"{question!r} -> {outcome}"
    return outcome


# both engines, both datasets' timezones (New York; Berlin with Sunday weeks), two runs of the script
@pytest.mark.parametrize("engine,dataset", [("duckdb", "messenger"), ("postgres", "acme")])
def test_the_printed_sql_builds_a_rollup_the_bot_reads(built, pg_url, answerers, tmp_path, engine, dataset):
    ds = DATASETS[dataset]
    raw = answerers[(engine, dataset)]
    schema = f"rollup_{uuid.uuid4().hex[:8]}"
    table = f"{schema}.activity_rollup"
    now_utc = ds.clock.astimezone(UTC).replace(tzinfo=None)  # the bot's clock, not the machine's
    if engine == "duckdb":
        copy = tmp_path / "segment.duckdb"
        shutil.copyfile(built[dataset], copy)
        url = f"duckdb:///{copy}"
    else:
        url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    config = make_config(url, ds)
    config = dataclasses.replace(config, rollup=RollupConfig(dir=tmp_path / "cache", warehouse_table=table))
    script = rollup_sql(config, raw.catalog(), engine, table, now_utc=now_utc)
    assert "BEGIN;" in script and f"CREATE TABLE {table}_meta AS" in script
    if engine == "duckdb":
        con = duckdb.connect(str(copy))
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(script)
        con.close()
    else:
        with psycopg.connect(pg_url, autocommit=True) as pg:
            pg.execute(f"CREATE SCHEMA {schema}")
            pg.execute(script)
    answerer = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, load_library(),
                        clock=lambda: ds.clock)
    try:
        for question in QUESTIONS:
            got, expected = _ask(answerer, question), _ask(raw, question)
            note = next(d for d in got.definitions if d.startswith("From "))
            assert note.startswith(f"From the warehouse's rollup table {table}, built 0 min ago"), (question, note)
            assert all(table.split(".")[0] in q.sql for q in got.queries), question
            assert got.rows == expected.rows, question
            assert (got.headline, got.key, got.table) == (expected.headline, expected.key, expected.table), question
    finally:
        answerer.rollup.close()
        answerer.segment.close()
        if engine == "postgres":
            with psycopg.connect(pg_url, autocommit=True) as pg:
                pg.execute(f"DROP SCHEMA {schema} CASCADE")
