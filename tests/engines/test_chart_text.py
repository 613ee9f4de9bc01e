"""Charts that pass a look: every playbook's canonical question (its first example) and its breakdown
variant, answered on the test datasets and drawn at the sizes the bot draws them, with no text box
over another and none off the image (charts.layout.text_overlaps); plus the charts the issue named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from answers import Answer
from answers.answerer import Answerer
from charts.layout import text_overlaps
from charts.render import draw, render_png
from config import WarehouseConfig
from warehouse import Warehouse

from .. import helpers
from ..conftest import ALL_DATASETS, ENGINES, make_config

LIBRARY = helpers.builtin_library()


def breakdown(pb) -> str | None:
    """A playbook's breakdown variant: an example that breaks down, else its first example by platform."""
    if pb.param("group_by") is None:
        return None
    found = next((e for e in pb.examples[1:] if " by " in f" {e} "), None)
    return found or f"{pb.examples[0]} by platform"


QUESTIONS = sorted({q for pb in LIBRARY.all() for q in (pb.examples[0], breakdown(pb)) if q} | {
    # the charts the issue names
    "daily retention last 14 days", "signups in Q3 by channel", "weekly active users yesterday",
    "intervention impact", "slipping away for message sent", "dau last 30 days", "mau by payment plan",
    "revenue last 30 days", "weekly retention since signup", "monthly active users", "orders per week by channel",
    # hourly: a day's hours, 10 days cut to the last 7 (across the end of DST in New York and Los Angeles), the
    # last hours so far
    "active users hourly yesterday", "hourly actives between 2026-10-24 and 2026-11-02", "invites in the last 6 hours",
    "sessions per hour yesterday",
})


@pytest.fixture(scope="module")
def demo_like(built, answerers):
    """Answerers as the demo wires them: the Segment warehouse (the session's own connection: DuckDB allows
    one configuration per file in a process) and the product database (the payment plan playbook)."""
    out, products = {}, []
    for name in ("messenger", "acme", "late_start"):
        ds = ALL_DATASETS[name]
        config = make_config(f"duckdb:///{built[name]}", ds)
        product = WarehouseConfig("product", f"duckdb:///{built[name].parent / 'product.duckdb'}")
        config = replace(config, warehouses={**config.warehouses, "product": product})
        products.append(Warehouse(product))
        segment = answerers[("duckdb", name)].warehouses["segment"]
        out[name] = Answerer(config, {"segment": segment, "product": products[-1]}, LIBRARY,
                             clock=lambda ds=ds: ds.clock)
    yield out
    for warehouse in products:
        warehouse.close()


@pytest.mark.parametrize("dataset", ["messenger", "acme", "late_start"])
@pytest.mark.parametrize("question", QUESTIONS)
def test_no_text_is_drawn_over_other_text(demo_like, dataset, question):
    outcome = helpers.ask(demo_like[dataset], question)
    assert isinstance(outcome, Answer), f"{question!r} -> {outcome}"
    if outcome.chart is None:
        pytest.skip(f"{outcome.playbook.id} draws no chart")
    assert text_overlaps(draw(outcome.chart)) == []
    render_png(outcome.chart)  # and it is a real, checked image


def test_every_playbook_is_drawn():
    drawn = {pb.id for pb in LIBRARY.all() if pb.examples and pb.chart != "none"}
    asked = {pb.id for pb in LIBRARY.all() if pb.examples[0] in QUESTIONS}
    assert drawn <= asked


@pytest.mark.parametrize("engine", ENGINES)
def test_the_overlap_check_finds_overlaps(answerers, engine):
    """The check itself can fail: the same chart with its subtitle moved onto the title is caught."""
    answer = helpers.ask(answerers[(engine, "messenger")], "retention weekly")
    fig = draw(answer.chart)
    title, subtitle = fig.texts[0], fig.texts[1]
    subtitle.set_position(title.get_position())
    assert any("overlaps" in p for p in text_overlaps(fig))
