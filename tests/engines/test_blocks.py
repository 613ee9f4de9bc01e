"""Pieces of the Slack app that need no server: redaction of secrets in logs, stored requests,
Block Kit limits, the state tables (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from answers import Answer
from handlers.slack.blocks import MAX_BLOCKS, SECTION_CHARS, answer_blocks, sql_blocks
from questions.persist import StoredRequestError, dumps, request_from_json, request_to_json

from ..fast.test_slack_parts import QUESTIONS
from ..helpers import ask


@pytest.mark.parametrize("question", QUESTIONS)
def test_stored_request_runs_to_the_same_answer(answerers, question):
    answerer = answerers[("duckdb", "messenger")]
    request = answerer.parse(question)
    restored = request_from_json(dumps(request), answerer.library)
    assert restored.params == request.params and restored.explicit == request.explicit
    assert restored.playbook == request.playbook and restored.question == question
    first, again = answerer.answer(request), answerer.answer(restored)
    assert isinstance(first, Answer) and isinstance(again, Answer)
    assert again.rows == first.rows and again.headline == first.headline


def test_stored_request_that_no_longer_fits(answerers):
    library = answerers[("duckdb", "messenger")].library
    data = request_to_json(answerers[("duckdb", "messenger")].parse("invites yesterday"))
    with pytest.raises(StoredRequestError, match="no longer exists"):
        request_from_json({**data, "playbook": "gone"}, library)
    with pytest.raises(StoredRequestError, match="interval"):
        request_from_json({**data, "params": {**data["params"], "interval": "fortnight"}}, library)


def test_answer_blocks_fit_slack_limits(answerers):
    answer = ask(answerers[("duckdb", "messenger")], "messages sent last 30 days")
    assert isinstance(answer, Answer) and len(answer.table.rows) > 10
    text, blocks = answer_blocks(answer, "a" * 32, max_rows=5)
    assert len(blocks) <= MAX_BLOCKS and text
    [table] = [b for b in blocks if b["type"] in ("table", "data_table")]
    assert table["type"] == "data_table" and table["page_size"] == 5  # more than 10 rows: pages of 5
    assert len(table["rows"]) == len(answer.table.rows) + 1 and table["caption"] == answer.title
    assert not any("more rows" in json.dumps(b) for b in blocks)  # every row is in the table
    reading = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"
               and b["elements"][0]["text"].startswith("How I read this: event_volume")]
    assert len(reading) == 1 and "event Message Sent ← “messages sent”" in reading[0], blocks
    assert [e["action_id"] for e in blocks[-2]["elements"]] == ["playbot_refresh", "playbot_sql", "playbot_csv"]
    assert blocks[-1]["type"] == "context_actions" and blocks[-1]["elements"][0]["type"] == "feedback_buttons"
    _, with_schedule = answer_blocks(answer, "a" * 32, schedule=True)
    assert with_schedule[-2]["elements"][-1]["action_id"] == "playbot_schedule"
    _, no_buttons = answer_blocks(answer, None)
    assert all(b["type"] not in ("actions", "context_actions") for b in no_buttons)
    _, sql = sql_blocks("SELECT 1\n" * 2000, {"start": "2026-01-01"})
    assert len(sql) <= MAX_BLOCKS and all(len(b["text"]["text"]) <= SECTION_CHARS for b in sql if b["type"] == "section")


def test_long_results_keep_their_total_and_send_the_rest_to_csv(answerers):
    """150 rows and a Total: the data_table holds 100 (the Total among them, last), the rest is the CSV's."""
    answer = ask(answerers[("duckdb", "messenger")], "messages sent last 30 days")
    rows = tuple((f"day {i}", f"{i:,}", "1") for i in range(150)) + (("Total", "11,175", "150"),)
    long = replace(answer, table=replace(answer.table, rows=rows))
    _, blocks = answer_blocks(long, None, max_rows=25)
    [table] = [b for b in blocks if b["type"] == "data_table"]
    assert len(table["rows"]) == 101 and [c["text"] for c in table["rows"][-1]] == ["Total", "11,175", "150"]
    assert table["rows"][-1][1] == {"type": "raw_number", "value": 11175, "text": "11,175"}  # sorts as a number
    assert any("51 more rows: *CSV* has them all" in json.dumps(b) for b in blocks)
    few = replace(answer, table=replace(answer.table, rows=rows[:3] + (("Total", "", "3"),)))
    _, compact = answer_blocks(few, None)
    [small] = [b for b in compact if b["type"] in ("table", "data_table")]
    assert small["type"] == "table" and small["rows"][-1][1] == {"type": "raw_text", "text": " "}  # blanks padded
