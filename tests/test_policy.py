"""Policies over a table of cases, config validation, rate limits, the audit log and the answer service."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import timedelta

import psycopg
import pytest
import yaml

from answers import Answer, Failure
from config import ConfigError, load_config
from playbooks import Library, load_library, parse_playbook
from playbooks.library import BUILTIN_DIR
from policy.audit import AuditEntry, AuditLog, format_entries, parse_since, utc_now
from policy.groups import GroupDirectory, named_groups
from policy.limits import RateLimiter
from policy.rules import Policy, Subject
from policy.settings import RateLimit, parse_policies
from questions import Request
from service import CLI_SUBJECT, AnswerService
from state.db import open_state

from .conftest import DATASETS, PG_ADMIN, ROOT, make_answerer


def custom_playbook(pid: str, tags: list[str], warehouse: str | None = None, extra: str = "") -> str:
    head = {"id": pid, "title": pid.replace("_", " ").title(), "question": f"What is {pid}?", "tags": tags,
            "params": {"start": {"type": "date"}, "end": {"type": "date"}}, "words": [pid.replace("_", " ")],
            "examples": [f"{pid.replace('_', ' ')} last 7 days"]}
    if warehouse:
        head["warehouse"] = warehouse
    return (f"/* playbook\n{yaml.safe_dump(head)}*/\nSELECT COUNT(*) AS orders{extra} FROM events\n"
            "WHERE event_name = 'Order Completed' AND occurred_at >= :start AND occurred_at < :end\n")


def library() -> Library:
    builtins = [parse_playbook(p.read_text(), p, builtin=True) for p in sorted(BUILTIN_DIR.glob("*.sql"))]
    return Library(builtins + [parse_playbook(custom_playbook("orders_revenue", ["revenue"])),
                               parse_playbook(custom_playbook("payroll", ["sensitive"])),
                               parse_playbook(custom_playbook("app_accounts", [], warehouse="product"))])


POLICIES = {
    "workspaces": ["T0OURS"],
    "sensitive_columns": ["country"],
    "rules": [
        {"name": "revenue in finance", "playbooks": ["tag:revenue"], "only": {"channels": ["C0FINANCE"],
                                                                            "groups": ["S0FINANCE"]}},
        {"name": "no plan breakdowns in general", "columns": ["plan"], "deny": {"channels": ["C0GENERAL"]}},
        {"name": "product db for the data team", "warehouses": ["product"], "only": {"groups": ["S0DATA"]}},
        {"name": "no retention for the intern", "playbooks": ["retention"], "deny": {"users": ["U0INTERN"]}},
        {"name": "payroll for the cfo", "playbooks": ["payroll"], "only": {"users": ["U0CFO"]}},
    ],
}

GENERAL = Subject("U0ALICE", "C0GENERAL", "T0OURS")
FINANCE = Subject("U0ALICE", "C0FINANCE", "T0OURS")
DM_ALICE = Subject("U0ALICE", "D0ALICE", "T0OURS", private=True)
DM_FIN = Subject("U0BOB", "D0BOB", "T0OURS", frozenset({"S0FINANCE"}), private=True)
DM_DATA = Subject("U0CAROL", "D0CAROL", "T0OURS", frozenset({"S0DATA"}), private=True)
DM_CFO = Subject("U0CFO", "D0CFO", "T0OURS", private=True)
INTERN_GENERAL = Subject("U0INTERN", "C0GENERAL", "T0OURS")
FOREIGN = Subject("U0EVE", "C0ELSEWHERE", "T0THEIRS")


def req(playbook: str, **params) -> Request:
    return Request(playbook, params, question=f"{playbook} {params}")


# subject, request, allowed, words in the reason, words in "where instead" ("" = no suggestion)
CASES = [
    ("volume in general", GENERAL, req("event_volume", event="Invite Sent"), True, "", ""),
    ("revenue in general", GENERAL, req("orders_revenue"), False, "revenue playbook orders_revenue", "C0FINANCE"),
    ("revenue in finance", FINANCE, req("orders_revenue"), True, "", ""),
    ("revenue, DM outside finance group", DM_ALICE, req("orders_revenue"), False, "in a DM", "S0FINANCE"),
    ("revenue, DM of finance member", DM_FIN, req("orders_revenue"), True, "", ""),
    ("finance member in general is judged by channel", GENERAL.public("C0GENERAL"), req("orders_revenue"), False,
     "not in this channel", "C0FINANCE"),
    ("plan breakdown in general", GENERAL, req("event_volume", event="X", group_by="plan"), False,
     "Using plan is not allowed in this channel", ""),
    ("plan filter in general", GENERAL, req("event_volume", event="X", filters=(("plan", "pro"),)), False,
     "plan", ""),
    ("plan breakdown in finance", FINANCE, req("event_volume", event="X", group_by="plan"), True, "", ""),
    ("platform breakdown in general", GENERAL, req("event_volume", event="X", group_by="platform"), True, "", ""),
    ("ip breakdown anywhere", FINANCE, req("event_volume", event="X", group_by="ip"), False, "sensitive", ""),
    ("ip breakdown even at the terminal", CLI_SUBJECT, req("event_volume", event="X", group_by="ip"), False,
     "sensitive", ""),
    ("configured sensitive column as filter", DM_CFO, req("active_users", filters=(("country", "DE"),)), False,
     "country is a sensitive column", ""),
    ("product warehouse in a channel", FINANCE, req("app_accounts"), False, "product warehouse", "S0DATA"),
    ("product warehouse, data team DM", DM_DATA, req("app_accounts"), True, "", ""),
    ("a lookup into the product warehouse", FINANCE, req("active_by_payment_plan"), False, "product warehouse", "S0DATA"),
    ("a lookup, data team DM", DM_DATA, req("active_by_payment_plan"), True, "", ""),
    ("intern denied retention in a channel too", INTERN_GENERAL, req("retention"), False, "not allowed for you", ""),
    ("others get retention", GENERAL, req("retention"), True, "", ""),
    ("sensitive-tagged playbook, nobody named", FINANCE, req("payroll"), False, "tagged sensitive", "U0CFO"),
    ("sensitive-tagged playbook, granted user", DM_CFO, req("payroll"), True, "", ""),
    ("foreign workspace", FOREIGN, req("event_volume", event="X"), False, "own Slack workspace", ""),
    ("terminal is the operator", CLI_SUBJECT, req("orders_revenue"), True, "", ""),
    ("built-in revenue playbook in general", GENERAL, req("ecommerce"), False, "revenue playbook ecommerce", "C0FINANCE"),
    ("built-in lifetime value in general", GENERAL, req("ltv_by_channel"), False, "ltv_by_channel", "C0FINANCE"),
    ("built-in revenue playbook in finance", FINANCE, req("ecommerce"), True, "", ""),
]


@pytest.mark.parametrize("subject,request_,allowed,reason,where", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policy_cases(subject, request_, allowed, reason, where):
    policy = Policy(parse_policies(POLICIES, {"segment", "product"}), library(), "segment")
    decision = policy.check(subject, request_)
    assert decision.allowed is allowed, decision
    assert reason in decision.reason
    if where:
        assert where in decision.where()
    elif not allowed:
        assert decision.where() == ""


def test_default_policy_allows_everything_but_sensitive():
    policy = Policy(parse_policies(None), library(), "segment")
    anyone = Subject("U0X", "C0ANY", "T0ANY")
    for pb in library().all():
        assert policy.check(anyone, req(pb.id)).allowed is (pb.id != "payroll"), pb.id
    assert not policy.check(anyone, req("event_volume", group_by="ip")).allowed
    assert policy.settings.is_sensitive("user_email") and policy.settings.is_sensitive("context_ip")


@pytest.mark.parametrize("policies,key", [
    ({"rules": [{"playbooks": ["tag:revenue"]}]}, "policies.rules[0]"),
    ({"rules": [{"playbooks": ["x"], "only": {"channels": ["#finance"]}}]}, "policies.rules[0].only.channels[0]"),
    ({"rules": [{"playbooks": ["x"], "only": {"channels": ["C0A"]}, "deny": {"users": ["U0B"]}}]}, "policies.rules[0]"),
    ({"rules": [{"only": {"channels": ["C0A"]}}]}, "policies.rules[0]"),
    ({"rules": [{"warehouses": ["nope"], "only": {"users": ["U0A"]}}]}, "policies.rules[0].warehouses[0]"),
    ({"rules": [{"playbooks": ["x"], "allow": {"users": ["U0A"]}}]}, "policies.rules[0].allow"),
    ({"rules": [{"playbooks": ["x"], "only": {}}]}, "policies.rules[0].only"),
    ({"workspaces": ["acme"]}, "policies.workspaces[0]"),
    ({"rate_limits": {"per_user": "lots"}}, "policies.rate_limits.per_user"),
    ({"rate_limit": {}}, "policies.rate_limit"),
])
def test_bad_policies_name_the_key(tmp_path, policies, key):
    path = tmp_path / "playbot.yaml"
    path.write_text(yaml.safe_dump({"policies": policies}))
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert err.value.key == key, str(err.value)
    assert err.value.fix or err.value.problem


def test_rates_parse():
    assert parse_policies({"rate_limits": {"per_user": "5/10s", "per_channel": "off"}}).per_channel is None
    assert parse_policies({"rate_limits": {"per_user": "5/10s"}}).per_user == RateLimit(5, 10)
    assert parse_policies({"rate_limits": {"per_user": "100 per hour"}}).per_user == RateLimit(100, 3600)


def test_rate_limit_triggers_and_recovers():
    now = [0.0]
    limiter = RateLimiter(RateLimit(3, 60), RateLimit(4, 60), clock=lambda: now[0])
    alice, bob = Subject("U0A", "C0X"), Subject("U0B", "C0X")
    assert all(limiter.hit(alice).allowed for _ in range(3))
    refused = limiter.hit(alice)
    assert not refused.allowed and "3 per minute for you" in refused.reason and "60 s" in refused.reason
    assert limiter.hit(bob).allowed  # the channel's 4th
    assert "this channel" in limiter.hit(bob).reason  # the channel's 5th
    assert limiter.hit(Subject("U0B", "D0B", private=True)).allowed  # a DM is not the channel
    now[0] = 30.0
    assert "30 s" in limiter.hit(alice).reason
    now[0] = 60.0  # the first three fell out of the window
    assert limiter.hit(alice).allowed


@pytest.fixture()
def state(tmp_path):
    db = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield db
    db.dispose()


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


def test_parse_since():
    now = utc_now()
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    with pytest.raises(ValueError, match="--since"):
        parse_since("last tuesday")


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


def test_group_directory_looks_up_named_groups_only_and_caches():
    settings = parse_policies(POLICIES)
    calls = []
    now = [0.0]

    def members(group):
        calls.append(group)
        if group == "S0DATA":
            raise ConnectionError("slack down")
        return {"U0BOB"} if group == "S0FINANCE" else set()

    directory = GroupDirectory(named_groups(settings), members, ttl_seconds=60, clock=lambda: now[0])
    assert directory.groups == {"S0FINANCE", "S0DATA"}
    assert directory.groups_of("U0BOB") == {"S0FINANCE"} and directory.groups_of("U0ALICE") == frozenset()
    assert sorted(calls) == ["S0DATA", "S0DATA", "S0FINANCE"]  # a failed lookup is retried, a good one cached
    now[0] = 61
    directory.groups_of("U0BOB")
    assert calls.count("S0FINANCE") == 2
    policy = Policy(settings, library(), "segment")
    bob_dm = Subject.in_channel("U0BOB", "D0BOB", "T0OURS", directory.groups_of("U0BOB"))
    assert bob_dm.private and policy.check(bob_dm, req("orders_revenue")).allowed
    assert not Subject.in_channel("U0BOB", "C0GENERAL", "T0OURS", directory.groups_of("U0BOB")).private


@pytest.fixture(scope="module")
def pg_state_url():
    """A PostgreSQL database of its own for the state tables, dropped afterwards."""
    name = f"playbot_state_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://")
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
