"""Fuzzing, bounded in time (the issue's probe sent 10,000 inputs; bench/reliability.py does that): any text
asked through the answer service gets an Outcome (never an exception, never an internal error) and one
audit row; any body, signed or not, sent to HTTP mode gets a 2xx or 4xx, never a 500 or a traceback."""

from __future__ import annotations

import json
import logging
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from answers import Answer, Failure
from policy.audit import AuditLog
from policy.limits import RateLimiter
from policy.rules import Subject
from questions import Clarification
from service import AnswerService
from state.db import open_state

from ..hostile import HOSTILE
from ..slack_standin import sign

WORDS = ["invites", "signups", "messages", "dau", "wau", "retention", "weekly", "daily", "hourly", "monthly", "funnel",
         "then", "by", "platform", "plan", "top", "3", "last", "30", "days", "yesterday", "since", "between", "and",
         "2026-11-01", "1000-01-01", "9999-12-31", "2026-02-30", "vs", "week", "before", "growth", "sessions", "paths",
         "revenue", "orders", "sent", "'", '"', ";", "--", "/*", "DROP TABLE events", "<@U0BOT>", "<!channel>", "&amp;",
         "\x00", "\ud800", "\U0001F600", "event_volume", "event='Invite Sent'", "interval=hour", "top=99999", "–", "?"]
ANY_CHARACTER = st.characters(exclude_categories=())  # lone surrogates and control characters included
QUESTIONS = st.one_of(
    st.text(ANY_CHARACTER, max_size=200),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),
    st.sampled_from([fragment for _kind, fragment, _where in HOSTILE]),
    st.text(ANY_CHARACTER, min_size=3000, max_size=5000),
)
FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def audited(answerers, tmp_path_factory):
    state = open_state(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'state.sqlite'}")
    audit = AuditLog(state)
    kinds: dict[str, int] = {}
    # no rate limit: 250 questions from one channel would be 240 refusals
    yield AnswerService(answerers[("duckdb", "messenger")], audit=audit, limiter=RateLimiter(None, None)), audit, kinds
    state.dispose()
    assert kinds.get("Answer", 0) >= 5 and kinds.get("Clarification", 0) >= 20, kinds  # the fuzz reached both


@FUZZ
@given(question=QUESTIONS)
def test_any_question_gets_an_outcome_and_an_audit_row(audited, question):
    service, audit, kinds = audited
    user = f"Ufuzz{abs(hash(question)) % 10**12}"
    outcome = service.ask(Subject.in_channel(user, "C0FUZZ", "T0TEST", source="slack"), question)
    assert isinstance(outcome, Answer | Clarification | Failure), outcome
    kinds[type(outcome).__name__] = kinds.get(type(outcome).__name__, 0) + 1
    assert getattr(outcome, "kind", None) != "internal", outcome
    assert len(audit.entries(user=user)) >= 1


CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain", "", "multipart/form-data"]
BODIES = st.one_of(
    st.binary(max_size=2000),
    st.text(ANY_CHARACTER.filter(lambda c: not 0xD800 <= ord(c) <= 0xDFFF), max_size=500).map(str.encode),
    st.dictionaries(st.sampled_from(["payload", "command", "text", "trigger_id", "type", "user_id", "channel_id"]),
                    st.text(max_size=100), max_size=6).map(lambda d: urllib.parse.urlencode(d).encode()),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                 max_leaves=20).map(lambda v: urllib.parse.urlencode({"payload": json.dumps(v)}).encode()),
)


@pytest.fixture(scope="module")
def http_bot(built, tmp_path_factory):
    from ..conftest import DATASETS, make_answerer
    from ..surfaces.test_slack import Bot

    answerer = make_answerer(f"duckdb:///{built['messenger']}", DATASETS["messenger"])
    running = Bot(answerer, f"sqlite:///{tmp_path_factory.mktemp('fuzz-http') / 'state.sqlite'}")
    yield running
    running.stop()
    answerer.segment.close()


@FUZZ
@given(body=BODIES, content_type=st.sampled_from(CONTENT_TYPES), signed=st.booleans(),
       timestamp=st.sampled_from([None, "abc", "", "-1", "99999999999999999999", "1e9"]))
def test_any_request_gets_a_2xx_or_4xx_and_no_traceback(http_bot, caplog, body, content_type, signed, timestamp):
    caplog.set_level(logging.INFO)
    headers = sign(body) if signed else {}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    sent = http_bot.send.post(body, content_type, headers=headers)
    assert sent.status < 500, (sent.status, sent.body[:200])
    served = [r for r in caplog.records if r.exc_info and r.name.startswith(("waitress", "slack_bolt", "playbot.slack"))
              and "slack reply failed" not in r.getMessage()]
    assert not served, served[0].getMessage()
