"""Pieces of the Slack app that need no server: redaction of secrets in logs, stored requests,
Block Kit limits, the state tables (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import logging
import uuid

import psycopg
import pytest

from answers import Answer
from handlers.redact import RedactingFilter, redact
from handlers.slack.blocks import MAX_BLOCKS, SECTION_CHARS, answer_blocks, sql_blocks
from questions.persist import StoredRequestError, dumps, request_from_json, request_to_json
from state.db import open_state
from state.slack import SlackState

from .conftest import PG_ADMIN
from .helpers import ask
from .slack_standin import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET


def test_tokens_never_reach_the_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(secrets=(SIGNING_SECRET,)))
    logger = logging.getLogger("playbot.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling with token=%s app=%s", BOT_TOKEN, APP_TOKEN)
        logger.warning("Authorization: Bearer abc.def-ghi_jkl and secret %s", SIGNING_SECRET)
        logger.warning("db postgresql://bot:hunter2pass@db:5432/x")
        try:
            raise RuntimeError(f"failed with {BOT_TOKEN}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, "abc.def-ghi_jkl", "hunter2pass"):
        assert secret not in out
    assert out.count("[redacted]") >= 5 and "boom" in out and "RuntimeError" in out
    assert redact("nothing secret here") == "nothing secret here"


QUESTIONS = ["invites yesterday", "retention weekly", "messages by plan top 3 last 30 days on ios", "dau",
             "signups per week since 2026-09-01"]


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


@pytest.fixture(params=["sqlite", "postgres"])
def slack_state(request, tmp_path):
    if request.param == "sqlite":
        db = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}")
        yield SlackState(db)
        db.dispose()
        return
    name = f"playbot_state_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db = open_state(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}")
    try:
        yield SlackState(db)
    finally:
        db.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_state_tables(slack_state):
    assert slack_state.claim_event("Ev1") and not slack_state.claim_event("Ev1") and slack_state.claim_event("Ev2")
    assert slack_state.thread_request("C1", "1.1") is None
    slack_state.remember_thread("C1", "1.1", '{"a": 1}')
    slack_state.remember_thread("C1", "1.1", '{"a": 2}')
    assert slack_state.thread_request("C1", "1.1") == '{"a": 2}'
    answer_id = slack_state.new_answer("C1", None, "U1", '{"q": 1}')
    slack_state.set_answer_ts(answer_id, "2.2")
    slack_state.set_answer_sql(answer_id, '{"sql": "SELECT 1"}')
    stored = slack_state.answer_message(answer_id)
    assert (stored.channel, stored.ts, stored.user_id, stored.request_json, stored.sql_json) == (
        "C1", "2.2", "U1", '{"q": 1}', '{"sql": "SELECT 1"}')
    assert slack_state.answer_message("nope") is None
    assert slack_state.forget_events_before(days=0) == 2
