"""Finding 5 end to end: each of the 81 hostile custom playbooks, loaded from a custom folder and asked
through the answer service, is refused before the warehouse (no statement holding it is ever sent:
every statement the engines receive is recorded), with a clear message and the next step; on DuckDB and
on PostgreSQL. Behind the check, DuckDB itself refuses files, extensions and other databases."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from answers import Failure
from answers.answerer import Answerer
from config import WarehouseConfig
from playbooks import load_library
from warehouse import Warehouse

from ..conftest import DATASETS, make_config
from ..helpers import ask
from ..hostile import HOSTILE, playbook


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-playbooks")
    for n, (_kind, fragment, where) in enumerate(HOSTILE, start=1):
        playbook_id, text = playbook(n, fragment, where)
        (folder / f"{playbook_id}.sql").write_text(text)
    return folder


def _answerer(url: str, folder) -> tuple[Answerer, list[str]]:
    ds = DATASETS["messenger"]
    config = make_config(url, ds)
    warehouse = Warehouse(config.warehouses["segment"])
    sent: list[str] = []
    event.listen(warehouse.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    return Answerer(config, {"segment": warehouse}, load_library([folder]), clock=lambda: ds.clock), sent


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_every_hostile_playbook_is_refused_before_the_warehouse(engine, built, pg_url, hostile_folder):
    url = f"duckdb:///{built['messenger']}" if engine == "duckdb" else pg_url.replace("postgresql://",
                                                                                      "postgresql+psycopg://")
    answerer, sent = _answerer(url, hostile_folder)
    try:
        assert len([p for p in answerer.library.all() if p.id.startswith("hostile_probe_")]) == len(HOSTILE)
        for n, (kind, _fragment, _where) in enumerate(HOSTILE, start=1):
            outcome = ask(answerer, f"hostile probe {n} last 30 days")
            assert isinstance(outcome, Failure) and outcome.kind == "refused", (kind, outcome)
            assert "is not allowed: it " in outcome.message and "remove " in outcome.next_step, (kind, outcome)
        called = re.compile(r"\b(pg_read|pg_ls_|lo_|pg_terminate|set_config|read_csv|read_text|sqlite_scan|query_to_xml"
                            r"|pg_advisory|dblink|pg_shadow|pg_authid|glob)\w*", re.IGNORECASE)
        assert sent and not [s for s in sent if called.search(s)]  # the catalog and freshness ran; no probe did
    finally:
        answerer.segment.close()


def test_duckdb_refuses_files_extensions_and_replacements_even_past_the_check(built):
    """Statements sent straight to a Playbot DuckDB connection (as if the check had a gap)."""
    warehouse = Warehouse(WarehouseConfig("segment", f"duckdb:///{built['messenger']}"))
    try:
        with warehouse.engine.connect() as conn:
            settings = conn.exec_driver_sql(
                "SELECT current_setting('enable_external_access'), current_setting('autoinstall_known_extensions'), "
                "current_setting('autoload_known_extensions'), current_setting('python_enable_replacements')").one()
            assert tuple(settings) == (False, False, False, False)
            for sql, says in [("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
                              ("SELECT * FROM read_text('/etc/passwd')", "disabled by configuration"),
                              ("SELECT * FROM read_blob('/etc/passwd')", "disabled by configuration"),
                              ("SELECT * FROM glob('/*')", "disabled by configuration"),
                              ("SELECT * FROM sqlite_scan('/tmp/x.db', 't')", "sqlite_scan"),
                              ("ATTACH '/tmp/playbot-probe.duckdb' AS other", "disabled by configuration"),
                              ("SET enable_external_access = true", "Cannot enable external access")]:
                with pytest.raises(sa.exc.DBAPIError, match=says):
                    conn.exec_driver_sql(sql)
                conn.rollback()
    finally:
        warehouse.close()
