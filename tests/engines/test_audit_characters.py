"""Finding 6: every question gets its audit row, whatever its characters, on both state databases.
A NUL byte (PostgreSQL refuses it in text) or a lone surrogate (not UTF-8: SQLite's and PostgreSQL's
drivers refuse it) used to be answered with no audit row: a way to ask without being logged."""

from __future__ import annotations

import pytest

from answers import Answer
from policy.audit import AuditLog
from policy.rules import Subject
from service import AnswerService
from state.db import open_state

QUESTIONS = [
    ("invites yesterday\x00", "invites yesterday\ufffd"),
    ("invites \ud800yesterday", "invites \ufffdyesterday"),
    ("invites yesterday \udfff\x00\ud83d", "invites yesterday \ufffd\ufffd\ufffd"),
    ("\x00", "\ufffd"),
]


@pytest.fixture(params=["sqlite", "postgres"])
def state(request, tmp_path, pg_state_url):
    db = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}" if request.param == "sqlite" else pg_state_url)
    yield db
    db.dispose()


@pytest.mark.parametrize("question, stored", QUESTIONS)
def test_every_question_is_audited_whatever_its_characters(state, answerers, question, stored):
    audit = AuditLog(state)
    service = AnswerService(answerers[("duckdb", "messenger")], audit=audit)
    user = f"U0{abs(hash(question)) % 10**8}"
    outcome = service.ask(Subject.in_channel(user, "C0ANALYTICS", "T0TEST"), question)
    [entry] = audit.entries(user=user)
    assert entry.question == stored
    if question.startswith("invites"):  # read as a question despite the characters: answered and logged
        assert isinstance(outcome, Answer), outcome
        assert entry.outcome == "answered" and entry.playbook == "event_volume"
    assert "\x00" not in (entry.reason or "")


def test_characters_in_every_column_are_stored(state):
    """A user id, channel or reason with them (they come from Slack payloads) is stored too."""
    from policy.audit import AuditEntry, utc_now

    audit = AuditLog(state)
    audit.record(AuditEntry(at=utc_now(), source="slack", user_id="U\x00X", question="q", outcome="failed",
                            channel="C\ud800", reason="bad \x00 \udc00"))
    [entry] = audit.entries(user="U\ufffdX")
    assert (entry.channel, entry.reason) == ("C\ufffd", "bad \ufffd \ufffd")
