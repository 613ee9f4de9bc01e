"""Pieces of the Slack app that need no server: redaction of secrets in logs, stored requests,
Block Kit limits, the state tables (on SQLite and PostgreSQL)."""

from __future__ import annotations

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
    assert isinstance(answer, Answer) and len(answer.table.rows) > 5
    text, blocks = answer_blocks(answer, "a" * 32, max_rows=5)
    assert len(blocks) <= MAX_BLOCKS and text
    table = next(b for b in blocks if b["type"] == "table")
    assert len(table["rows"]) == 6  # header + 5
    more = f"{len(answer.table.rows) - 5:,} more rows"
    assert any(more in b["elements"][0]["text"] for b in blocks if b["type"] == "context")
    reading = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"
               and b["elements"][0]["text"].startswith("How I read this: event_volume")]
    assert len(reading) == 1 and "event Message Sent ← “messages sent”" in reading[0], blocks
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["playbot_refresh", "playbot_sql", "playbot_csv"]
    _, with_schedule = answer_blocks(answer, "a" * 32, schedule=True)
    assert with_schedule[-1]["elements"][-1]["action_id"] == "playbot_schedule"
    _, no_buttons = answer_blocks(answer, None)
    assert all(b["type"] != "actions" for b in no_buttons)
    _, sql = sql_blocks("SELECT 1\n" * 2000, {"start": "2026-01-01"})
    assert len(sql) <= MAX_BLOCKS and all(len(b["text"]["text"]) <= SECTION_CHARS for b in sql if b["type"] == "section")
