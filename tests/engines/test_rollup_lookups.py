"""A product table synced into the embedded rollup: "MAU by payment plan" reads the plans copied into the
cache at the build (any number of them), gives the oracle's numbers and says the sync's age; the same
question with a lookup capped below the number of people is refused on raw events and answered from
the rollup."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from answers import Answer, Failure
from answers.answerer import Answerer
from config import RollupConfig, WarehouseConfig
from playbooks import load_library
from playbooks.library import BUILTIN_DIR
from questions import Request
from service import CLI_SUBJECT
from warehouse import Warehouse

from .. import helpers
from .. import oracle_cohorts as oc
from ..conftest import DATASETS, make_config
from .test_cohorts import _plans


def _d(value) -> date:
    return value.date() if isinstance(value, datetime) else value


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_mau_by_payment_plan_from_the_synced_plans(built, pg_url, oracles, tmp_path, engine):
    text = (BUILTIN_DIR / "active_by_payment_plan.sql").read_text()
    capped = (text.replace("id: active_by_payment_plan", "id: plans_capped").replace("max_rows: 50000", "max_rows: 100")
              .replace("words: [by payment plan", "words: [capped plans placeholder"))
    (tmp_path / "pb").mkdir()
    (tmp_path / "pb" / "plans_capped.sql").write_text(capped)
    segment_url = (f"duckdb:///{built['messenger']}" if engine == "duckdb"
                   else pg_url.replace("postgresql://", "postgresql+psycopg://"))
    ds = DATASETS["messenger"]
    config = make_config(segment_url, ds)
    product = WarehouseConfig("product", f"duckdb:///{built['messenger'].parent / 'product.duckdb'}")
    config = dataclasses.replace(config, warehouses={**config.warehouses, "product": product},
                                 rollup=RollupConfig(dir=tmp_path / "cache"))
    answerer = Answerer(config, {name: Warehouse(wc) for name, wc in config.warehouses.items()},
                        load_library((tmp_path / "pb",)), clock=lambda: ds.clock)
    service = helpers.service_for(answerer)
    try:
        answer = helpers.ask(answerer, "monthly active users by payment plan")
        assert isinstance(answer, Answer), answer
        request = Request("plans_capped", dict(answer.request.params), "capped plans")
        refused = service.ask(CLI_SUBJECT, request=request)
        assert isinstance(refused, Failure) and "more than 100 rows" in refused.message
        meta = answerer.build_rollup()
        plans = _plans(built, "messenger")
        assert meta.lookups["plans"]["rows"] == len(plans) > 100
        fast = helpers.ask(answerer, "monthly active users by payment plan")
        assert isinstance(fast, Answer) and fast.rows == answer.rows
        note = next(d for d in fast.definitions if d.startswith("From "))
        assert note.startswith("From the activity rollup") and f"plans ({len(plans):,} rows) synced from the product " \
            "warehouse 0 min ago" in note
        p = fast.request.params
        expected = oc.active_by_plan(oracles[(engine, "messenger")], plans, p["start"], p["end"], "month")
        assert {(_d(r[0]), r[1]): int(r[2]) for r in fast.rows} == expected
        capped_answer = service.ask(CLI_SUBJECT, request=request)
        assert isinstance(capped_answer, Answer), capped_answer
        assert capped_answer.rows == fast.rows
    finally:
        answerer.rollup.close()
        for w in answerer.warehouses.values():
            w.close()
