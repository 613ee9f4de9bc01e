"""The `policies:` section of playbot.yaml, validated into plain dataclasses.

Imports only errors.py, so config.py can call `parse_policies` while loading.

    policies:
      workspaces: [T01ABCDEF]                    # Slack team IDs allowed to ask; empty: any
      sensitive_columns: [context_ip, "*email*"] # never shown, grouped or filtered by (added to the built-ins)
      rules:
        - name: revenue in finance only
          playbooks: [tag:revenue]               # ids, or tag:NAME
          only: {channels: [C0FINANCE], groups: [S0FINANCE]}
        - columns: [plan, country]               # dimension names or warehouse columns
          deny: {channels: [C0GENERAL]}
      rate_limits:
        per_user: 20/minute
        per_channel: 60/minute
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from errors import ConfigError

# Always sensitive, whatever the config says: IP addresses and anything that looks like contact data.
BUILTIN_SENSITIVE = ("context_ip", "ip", "*_ip", "*email*", "*e_mail*", "*phone*", "*password*", "*token*")
SENSITIVE_TAG = "sensitive"  # playbooks tagged so are refused unless a rule's `only:` names the subject

_TOP = {"workspaces", "sensitive_columns", "rules", "rate_limits"}
_RULE = {"name", "playbooks", "warehouses", "columns", "only", "deny"}
_SUBJECTS = {"channels", "users", "groups"}
_LIMITS = {"per_user", "per_channel"}
_UNITS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600, "h": 3600,
          "day": 86400, "d": 86400}
_SLACK_ID = re.compile(r"^[A-Z][A-Z0-9]{2,}$")
_ID_PREFIX = {"channels": "CGD", "users": "UW", "groups": "S"}


@dataclass(frozen=True)
class Subjects:
    """Who a rule names: Slack channel, user and user-group IDs."""

    channels: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.channels or self.users or self.groups)


@dataclass(frozen=True)
class Rule:
    name: str
    playbooks: tuple[str, ...] = ()  # ids and tag:NAME
    warehouses: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # dimension names or column names, glob patterns allowed
    only: Subjects | None = None
    deny: Subjects | None = None


@dataclass(frozen=True)
class RateLimit:
    requests: int
    seconds: float

    def __str__(self) -> str:
        unit = next((u for u, s in _UNITS.items() if s == self.seconds and len(u) > 3), None)
        return f"{self.requests} per {unit}" if unit else f"{self.requests} per {self.seconds:g} s"


@dataclass(frozen=True)
class PolicySettings:
    workspaces: frozenset[str] = frozenset()
    sensitive_columns: tuple[str, ...] = BUILTIN_SENSITIVE
    rules: tuple[Rule, ...] = ()
    per_user: RateLimit | None = RateLimit(30, 60)
    per_channel: RateLimit | None = RateLimit(60, 60)

    def is_sensitive(self, *names: str) -> bool:
        """True if any of the names (a dimension's name, its column) matches a sensitive pattern."""
        return any(fnmatch.fnmatchcase(n.lower(), p.lower()) for n in names if n for p in self.sensitive_columns)


def _list(key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ConfigError(key, f"expected a list of names, got {value!r}", "write e.g. [C0123ABCD, C0456EFGH]")
    return [str(v) for v in value]


def _keys(key: str, data: Any, allowed: set[str]) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(key, f"expected a mapping, got {type(data).__name__}", "indent the keys below it")
    for k in data:
        if k not in allowed:
            raise ConfigError(f"{key}.{k}", "unknown key", f"allowed: {', '.join(sorted(allowed))}")
    return data


def _slack_ids(key: str, value: Any, kind: str) -> frozenset[str]:
    ids = _list(key, value)
    for i, item in enumerate(ids):
        if not _SLACK_ID.match(item) or item[0] not in _ID_PREFIX[kind]:
            example = {"channels": "C0123ABCD", "users": "U0123ABCD", "groups": "S0123ABCD"}[kind]
            raise ConfigError(f"{key}[{i}]", f"{item!r} is not a Slack {kind[:-1]} ID",
                              f"use the ID (e.g. {example}), not the name: in Slack, open the details and copy the ID")
    return frozenset(ids)


def _subjects(key: str, data: Any) -> Subjects | None:
    if data is None:
        return None
    data = _keys(key, data, _SUBJECTS)
    subjects = Subjects(**{kind: _slack_ids(f"{key}.{kind}", data.get(kind), kind) for kind in _SUBJECTS})
    if not subjects:
        raise ConfigError(key, "names nobody", "list channels, users or groups (Slack IDs)")
    return subjects


def parse_rate(key: str, value: Any) -> RateLimit | None:
    """'20/minute', '5/10s', '100/hour'; 'off' or null disables the limit."""
    if value is None or str(value).strip().lower() in ("off", "none", "false", "0"):
        return None
    match = re.fullmatch(r"\s*(\d+)\s*(?:/|per)\s*(\d*\.?\d*)\s*([a-z]+?)s?\s*", str(value).lower())
    if not match or match.group(3) not in _UNITS or int(match.group(1)) < 1:
        raise ConfigError(key, f"expected a rate like 20/minute, 5/10s or 100/hour, got {value!r}", "or off")
    amount = float(match.group(2) or 1)
    if amount <= 0:
        raise ConfigError(key, "the period must be positive")
    return RateLimit(int(match.group(1)), amount * _UNITS[match.group(3)])


def parse_policies(data: Any, known_warehouses: set[str] | None = None) -> PolicySettings:
    """Validate the `policies:` mapping; raise ConfigError naming the key and the fix."""
    data = _keys("policies", data, _TOP)
    workspaces = _list("policies.workspaces", data.get("workspaces"))
    for i, team in enumerate(workspaces):
        if not re.fullmatch(r"[TE][A-Z0-9]{2,}", team):
            raise ConfigError(f"policies.workspaces[{i}]", f"{team!r} is not a Slack team ID",
                              "team IDs start with T (e.g. T01ABCDEF); find it in the workspace's settings")
    sensitive = BUILTIN_SENSITIVE + tuple(c.lower() for c in _list("policies.sensitive_columns",
                                                                    data.get("sensitive_columns")))
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise ConfigError("policies.rules", "expected a list of rules", "start each rule with '- '")
    rules = tuple(_rule(f"policies.rules[{i}]", raw, known_warehouses) for i, raw in enumerate(raw_rules))
    limits = _keys("policies.rate_limits", data.get("rate_limits"), _LIMITS)
    defaults = PolicySettings()
    return PolicySettings(
        workspaces=frozenset(workspaces), sensitive_columns=sensitive, rules=rules,
        per_user=parse_rate("policies.rate_limits.per_user", limits["per_user"]) if "per_user" in limits
        else defaults.per_user,
        per_channel=parse_rate("policies.rate_limits.per_channel", limits["per_channel"]) if "per_channel" in limits
        else defaults.per_channel,
    )


def _rule(key: str, raw: Any, known_warehouses: set[str] | None) -> Rule:
    raw = _keys(key, raw, _RULE)
    playbooks = _list(f"{key}.playbooks", raw.get("playbooks"))
    warehouses = _list(f"{key}.warehouses", raw.get("warehouses"))
    columns = [c.lower() for c in _list(f"{key}.columns", raw.get("columns"))]
    if not (playbooks or warehouses or columns):
        raise ConfigError(key, "says what it is about with none of playbooks, warehouses, columns",
                          "add e.g. playbooks: [tag:revenue]")
    for i, name in enumerate(playbooks):
        if not re.fullmatch(r"(tag:)?[a-z0-9_-]+", name):
            raise ConfigError(f"{key}.playbooks[{i}]", f"{name!r} is neither a playbook id nor tag:NAME",
                              "e.g. event_volume or tag:revenue")
    for i, name in enumerate(warehouses):
        if known_warehouses is not None and name not in known_warehouses:
            raise ConfigError(f"{key}.warehouses[{i}]", f"unknown warehouse {name!r}",
                              f"use one of {', '.join(sorted(known_warehouses))}")
    only, deny = _subjects(f"{key}.only", raw.get("only")), _subjects(f"{key}.deny", raw.get("deny"))
    if (only is None) == (deny is None):
        raise ConfigError(key, "needs exactly one of only: or deny:",
                          "only: {channels: [...]} allows just those; deny: {...} refuses those")
    name = str(raw.get("name") or f"rule {key.rsplit('[', 1)[-1].rstrip(']')}")
    return Rule(name=name, playbooks=tuple(playbooks), warehouses=tuple(warehouses), columns=tuple(columns),
                only=only, deny=deny)


DEFAULT_POLICIES = PolicySettings()
__all__ = ["BUILTIN_SENSITIVE", "DEFAULT_POLICIES", "SENSITIVE_TAG", "PolicySettings", "RateLimit", "Rule",
           "Subjects", "parse_policies", "parse_rate"]
