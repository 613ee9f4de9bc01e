"""Every payload the bot sends, validated: each playbook's canonical question (its first example) and a
breakdown of it, with each way of showing its chart (the PNG's image block, Slack's own chart block, the
line saying why there is none); an error, a clarification, a refusal, help, Show SQL, the modals, App Home
and the DM's prompts. Blocks slack_sdk has a model for are parsed and validated by it
(`Block.parse(...).validate_json()`); `data_table` and `data_visualization` (no model in slack_sdk 3.48)
against the documented limits in tests/block_limits.py, which also checks every limit the stand-in enforces.
"""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from answers import Answer, Failure
from errors import Kind
from handlers.slack.blocks import (
    ChartPart,
    answer_blocks,
    clarification_blocks,
    failure_blocks,
    help_blocks,
    refusal_blocks,
    sql_blocks,
    working_blocks,
)
from handlers.slack.home import MAX_PROMPTS, home_view, suggested_prompts
from handlers.slack.native_charts import native_chart
from handlers.slack.schedules import modal_view
from questions import Clarification
from state.db import open_state
from state.slack import SlackState

from ..block_limits import length, problems
from ..helpers import ask

NO_MODEL = {"data_table", "data_visualization"}
CHECKED: list[str] = []


def valid(text: str, blocks: list[dict], surface: str = "message") -> None:
    """What Slack would accept: the text fallback within 4,000, every block within its limits, each block
    slack_sdk knows parsed back to the same JSON and validated by its model."""
    assert text and length(text) <= 4000
    assert problems(blocks, surface) == [], problems(blocks, surface)
    for block in blocks:
        if block["type"] in NO_MODEL:
            continue
        model = Block.parse(block)
        assert model is not None, f"slack_sdk has no model for {block['type']}"
        model.validate_json()
    json.dumps(blocks)  # JSON as sent
    CHECKED.append(text)


def breakdown(pb) -> str:
    """The playbook's canonical question broken down by a dimension, where it takes one."""
    if "group_by" in {p.name for p in pb.params}:
        return f"{pb.examples[0]} by platform"
    return pb.examples[1] if len(pb.examples) > 1 else pb.examples[0]


@pytest.fixture(scope="module")
def answerer(answerers):
    return answerers[("duckdb", "messenger")]


def questions(answerer) -> list[str]:
    return [q for pb in answerer.library.all() if pb.examples for q in (pb.examples[0], breakdown(pb))]


def test_every_playbook_answer_payload_is_valid(answerer):
    answered = 0
    for question in questions(answerer):
        outcome = ask(answerer, question)
        if not isinstance(outcome, Answer):
            valid(*(clarification_blocks(outcome) if isinstance(outcome, Clarification) else failure_blocks(outcome)))
            continue
        answered += 1
        native = native_chart(outcome.chart, outcome.title)
        for chart in (None, ChartPart(file_id="F0A1B2C3D4E"), ChartPart(native=native) if native else None,
                      ChartPart(note="The chart isn't shown: this workspace has turned off file uploads.")):
            for answer_id, schedule in ((None, False), ("a" * 32, True)):
                valid(*answer_blocks(outcome, answer_id, schedule=schedule, chart=chart))
        valid(*sql_blocks(outcome.sql, dict(outcome.main.params)))
    assert answered >= len(answerer.library.all())  # every playbook answered at least once


def test_native_charts_that_are_drawn_fit_slacks_limits(answerer):
    drawn = {}
    for question in questions(answerer):
        outcome = ask(answerer, question)
        if isinstance(outcome, Answer):
            block = native_chart(outcome.chart, outcome.title)
            if block is not None:
                assert problems([block]) == [], (question, problems([block]))
                drawn[question] = block["chart"]["type"]
            elif outcome.chart is not None:
                assert outcome.chart.kind in ("heatmap", "funnel", "paths") or _too_big(outcome.chart), question
    assert {"line", "bar"} <= set(drawn.values()), drawn


def _too_big(spec) -> bool:
    """What Slack's chart cannot hold: more than 20 points or 6 series, a second axis, gaps, an overlay."""
    points = len(getattr(spec, "x", ()) or getattr(spec, "labels", ()))
    series = getattr(spec, "series", ())
    return (points > 20 or len(series) > 6 or any(s.axis == "right" for s in series)
            or any(v is None for s in series for v in s.values) or getattr(spec, "line", None) is not None
            or len({str(x)[:20] for x in getattr(spec, "labels", ())}) < len(getattr(spec, "labels", ())))


def test_error_clarification_refusal_help_working_payloads(answerer):
    valid(*failure_blocks(Failure("dau <!here>", "The warehouse is not reachable <script>.", "Try again in a minute.",
                                  Kind.UNAVAILABLE)))
    outcome = ask(answerer, "zzqx flurbs &lt;")
    assert isinstance(outcome, Clarification)
    valid(*clarification_blocks(outcome))
    valid(*refusal_blocks("Revenue stays in #finance <!channel>."))
    valid(*help_blocks(answerer.library, "/playbot", {"/retention": "retention"}))
    valid(*working_blocks("x" * 5000, "U0ALICE"))


@pytest.mark.parametrize("question", ["invites yesterday", "q" * 3500 + " <!here> &"])
def test_each_modal_is_valid(question):
    for view in (modal_view(question, "C0ANALYTICS", "Europe/Berlin", request_id="f" * 32),
                 modal_view(question, "C0ANALYTICS", "UTC", request_id="f" * 32, when="daily 8:00", kind="alert",
                            condition="drops below 50", editing=True)):
        assert problems(view["blocks"], "modal") == []
        assert length(view["private_metadata"]) <= 3000 and length(view["title"]["text"]) <= 24
        View(**{k: v for k, v in view.items() if k != "type"}, type="modal").validate_json()
        CHECKED.append(view["title"]["text"])


def test_app_home_and_prompts_are_valid(answerer, tmp_path):
    state = SlackState(open_state(f"sqlite:///{tmp_path / 'state.sqlite'}"))
    try:
        view = home_view(answerer.library, state, "U0ALICE", "/playbot")
        assert problems(view["blocks"], "home") == []
        View(**view).validate_json()
        prompts = suggested_prompts(answerer.library, ["dau <!here>", "retention weekly"])
        assert len(prompts) == MAX_PROMPTS and all(p["title"] and p["message"] for p in prompts)
    finally:
        state.db.dispose()


def test_the_payload_count():
    """Run last in this file: how many payloads were validated (the issue counted 219 before)."""
    assert len(CHECKED) > 219, len(CHECKED)
