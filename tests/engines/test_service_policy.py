"""Policies over a table of cases, config validation, rate limits, the audit log and the answer service."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from answers import Answer, Failure
from playbooks import load_library
from policy.audit import AuditEntry, AuditLog, format_entries, parse_since, utc_now
from policy.limits import RateLimiter
from policy.settings import parse_policies
from service import AnswerService
from state.db import open_state

from ..conftest import DATASETS, ROOT, make_answerer
from ..fast.test_policy import DM_FIN, FINANCE, FOREIGN, GENERAL, POLICIES, custom_playbook


class CountingAnswerer:
    """The real Answerer, counting how many requests reach the warehouse."""

    def __init__(self, inner):
        self.inner, self.answered = inner, 0
        self.library, self.config = inner.library, inner.config

    def parse(self, question, previous=None):
        return self.inner.parse(question, previous)

    def answer(self, request, refresh=False):
        self.answered += 1
        return self.inner.answer(request, refresh)


@pytest.fixture(scope="module")
def answerer(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("policy-playbooks")
    (folder / "orders_revenue.sql").write_text(custom_playbook("orders_revenue", ["revenue"]))
    (folder / "leaky.sql").write_text(custom_playbook("leaky", [], extra=", MIN(user_id) AS user_email"))
    ds = DATASETS["messenger"]
    inner = make_answerer(f"duckdb:///{built['messenger']}", ds)
    inner.library = load_library([folder])
    yield inner
    for w in inner.warehouses.values():
        w.close()


def test_the_service_refuses_before_the_warehouse_and_audits_every_case(answerer, state):
    counting = CountingAnswerer(answerer)
    settings = parse_policies({**POLICIES, "rate_limits": {"per_user": "2/minute", "per_channel": "off"}},
                              {"segment", "product"})
    now = [0.0]
    service = AnswerService(counting, settings, AuditLog(state),
                            RateLimiter(settings.per_user, settings.per_channel, clock=lambda: now[0]))
    refused = service.ask(GENERAL, "orders revenue last 7 days")
    assert isinstance(refused, Failure) and refused.kind == "denied" and "C0FINANCE" in refused.next_step
    assert counting.answered == 0
    answered = service.ask(FINANCE, "orders revenue last 7 days")
    assert isinstance(answered, Answer), answered
    orders = answered.rows[0][0]
    assert service.ask(FINANCE, "orders revenue last 7 days").kind == "limited"  # U0ALICE: 3rd in a minute
    now[0] = 61
    ip = service.ask(DM_FIN, "invites by ip yesterday")
    assert isinstance(ip, Failure) and "sensitive" in ip.message
    leak = service.ask(DM_FIN, "leaky last 7 days")  # runs, but its email column is never shown
    assert isinstance(leak, Failure) and "user_email" in leak.message
    foreign = service.ask(FOREIGN, "invites yesterday")
    assert isinstance(foreign, Failure) and foreign.kind == "denied"
    assert counting.answered == 2  # only the allowed revenue question and the leaky one reached the warehouse

    rows = AuditLog(state).entries(utc_now() - timedelta(minutes=5))
    assert [(e.user_id, e.outcome) for e in reversed(rows)] == [
        ("U0ALICE", "refused"), ("U0ALICE", "answered"), ("U0ALICE", "refused"), ("U0BOB", "refused"),
        ("U0BOB", "refused"), ("U0EVE", "refused")]
    first, ok, limited, by_ip, leaky, eve = reversed(rows)
    assert "C0FINANCE" in first.reason and first.playbook == "orders_revenue" and first.sql_hash is None
    assert ok.rows == 1 and ok.sql_hash and len(ok.sql_hash) == 64 and ok.channel == "C0FINANCE"
    assert json.loads(ok.params)["start"] and str(orders) not in (ok.reason or "")
    assert "Try again in" in limited.reason and limited.playbook is None
    assert by_ip.private and json.loads(by_ip.params)["group_by"] == "ip" and "sensitive" in by_ip.reason
    assert "user_email" in leaky.reason and leaky.rows is None
    assert eve.team == "T0THEIRS" and "workspace" in eve.reason
    assert "orders revenue last 7 days" in format_entries(rows)


@pytest.mark.parametrize("question,playbook", [("revenue last 7 days", "ecommerce"),
                                               ("which marketing channels bring the highest lifetime value customers",
                                                "ltv_by_channel")])
def test_built_in_revenue_playbooks_obey_a_revenue_rule(answerer, state, question, playbook):
    """The shipped revenue playbooks carry `tags: [revenue]`: a tag:revenue rule refuses them before the warehouse."""
    assert answerer.library[playbook].builtin and "revenue" in answerer.library[playbook].tags
    counting = CountingAnswerer(answerer)
    settings = parse_policies(POLICIES, {"segment", "product"})
    service = AnswerService(counting, settings, AuditLog(state), RateLimiter(None, None))
    refused = service.ask(GENERAL, question)
    assert isinstance(refused, Failure) and refused.kind == "denied" and "C0FINANCE" in refused.next_step
    assert counting.answered == 0
    answered = service.ask(FINANCE, question)
    assert isinstance(answered, Answer) and answered.playbook.id == playbook and counting.answered == 1


def test_render_never_puts_a_sensitive_column_in_sql(answerer):
    request = answerer.parse("invites by ip yesterday")
    failure = answerer.answer(request)
    assert isinstance(failure, Failure) and "sensitive" in failure.message and failure.kind == "config"


def test_cli_ask_is_audited_and_audit_prints_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PLAYBOT_STATE_DB": f"sqlite:///{tmp_path / 'state.sqlite'}",
           "PLAYBOT_DEMO_DIR": str(tmp_path / "demo"), "PLAYBOT_DEMO_EVENTS": "20k", "PLAYBOT_TIMEZONE": "UTC",
           "PLAYBOT_CHART_DIR": str(tmp_path / "charts")}

    def bot(*args):
        return subprocess.run([sys.executable, "bot.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)

    assert bot("ask", "--no-chart", "signups last 7 days").returncode == 0
    assert bot("ask", "--no-chart", "invites by ip last 7 days").returncode == 2
    table = bot("audit", "--since", "1h")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("when (UTC)") and len(lines) == 4
    assert " cli " in lines[2] and "refused" in lines[2] and "sensitive" in lines[2]
    assert "answered" in lines[3] and "event_volume" in lines[3]
    data = json.loads(bot("audit", "--json", "--outcome", "answered").stdout)
    assert [d["question"] for d in data] == ["signups last 7 days"] and data[0]["rows"] >= 1
    assert data[0]["params"]["event"] == "Signed Up" and data[0]["source"] == "cli"
    assert bot("audit", "--since", "someday").returncode == 2


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_audit_log_on_both_state_backends(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 's.sqlite'}" if backend == "sqlite" else request.getfixturevalue("pg_state_url")
    db = open_state(url)
    try:
        log = AuditLog(db)
        marker = f"audit-{backend}-{tmp_path.name}"
        old = utc_now() - timedelta(days=10)
        log.record(AuditEntry(at=old, source="slack", user_id="U0OLD", question=marker, outcome="answered"))
        log.record(AuditEntry(at=utc_now(), source="slack", user_id="U0NEW", question=marker, outcome="refused",
                              team="T0OURS", channel="C0GENERAL", reason="not here", params='{"a": 1}'))
        recent = [e for e in log.entries(parse_since("7d")) if e.question == marker]
        assert [e.user_id for e in recent] == ["U0NEW"] and recent[0].to_json()["params"] == {"a": 1}
        everything = [e for e in log.entries(parse_since("30d"), outcome="answered") if e.question == marker]
        assert [e.user_id for e in everything] == ["U0OLD"]
    finally:
        db.dispose()
