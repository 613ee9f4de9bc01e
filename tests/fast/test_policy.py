"""Policies over a table of cases, config validation, rate limits, the audit log and the answer service."""

from __future__ import annotations

import functools
from datetime import timedelta

import pytest
import yaml

from config import ConfigError, load_config
from playbooks import Library, parse_playbook
from playbooks.library import BUILTIN_DIR
from policy.audit import parse_since, utc_now
from policy.groups import GroupDirectory, named_groups
from policy.limits import RateLimiter
from policy.rules import Policy, Subject
from policy.settings import RateLimit, parse_policies
from questions import Request
from service import CLI_SUBJECT


def custom_playbook(pid: str, tags: list[str], warehouse: str | None = None, extra: str = "") -> str:
    head = {"id": pid, "title": pid.replace("_", " ").title(), "question": f"What is {pid}?", "tags": tags,
            "params": {"start": {"type": "date"}, "end": {"type": "date"}}, "words": [pid.replace("_", " ")],
            "examples": [f"{pid.replace('_', ' ')} last 7 days"]}
    if warehouse:
        head["warehouse"] = warehouse
    return (f"/* playbook\n{yaml.safe_dump(head)}*/\nSELECT COUNT(*) AS orders{extra} FROM events\n"
            "WHERE event_name = 'Order Completed' AND occurred_at >= :start AND occurred_at < :end\n")


@functools.cache  # read-only; parsing every built-in playbook again for each of the 28 cases took ~2.5 s
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




def test_parse_since():
    now = utc_now()
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    with pytest.raises(ValueError, match="--since"):
        parse_since("last tuesday")


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



