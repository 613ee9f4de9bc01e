"""Pieces of the Slack app that need no server: redaction of secrets in logs, stored requests,
Block Kit limits, the state tables (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from state.db import open_state
from state.slack import SlackState

from ..conftest import PG_ADMIN


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


def test_chart_files_modal_requests_feedback_and_recent_answers(slack_state):
    first = slack_state.new_answer("C1", None, "U1", '{"question": "dau"}')
    slack_state.set_answer_ts(first, "3.3")
    unposted = slack_state.new_answer("C1", None, "U1", '{"question": "never shown"}')
    assert slack_state.chart_file(first) is None
    slack_state.set_chart_file(first, "F0000001")
    slack_state.set_chart_file(first, "F0000002")  # Refresh: the message's chart is the new one
    assert slack_state.chart_file(first) == "F0000002" and slack_state.chart_file(unposted) is None
    request_id = slack_state.new_modal_request("U1", '{"question": "' + "q" * 3500 + '"}')
    assert slack_state.modal_request(request_id) == ("U1", '{"question": "' + "q" * 3500 + '"}')
    assert slack_state.modal_request("nope") is None
    slack_state.record_feedback(first, "U2", "good")
    slack_state.record_feedback(first, "U2", "bad")  # the last click counts
    slack_state.record_feedback(first, "U3", "good")
    assert slack_state.feedback(first) == {"U2": "bad", "U3": "good"}
    assert [a.id for a in slack_state.recent_answers("U1")] == [first]  # posted answers only
    assert slack_state.recent_answers("U9") == []
