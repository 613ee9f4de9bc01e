"""Policies in Slack: who is asking (with the user groups the rules name), the gate's refusals as
messages with channel and group mentions, and one audit row per question or button.

The rules themselves are pure (policy/); this file only turns an Asker into a Subject.
"""

from __future__ import annotations

from slack_sdk import WebClient

from playbooks import Outcome, Request
from policy.gate import Gate
from policy.groups import GroupDirectory, named_groups
from policy.rules import Decision, Subject

from .blocks import Message, esc, section

MENTIONS = {"channel": "<#{}>", "user": "<@{}>", "group": "<!subteam^{}>"}


def mention(kind: str, ident: str) -> str:
    return MENTIONS[kind].format(ident)


def group_lookup(client: WebClient):
    """Members of one Slack user group (scope usergroups:read)."""
    return lambda group: client.usergroups_users_list(usergroup=group).get("users") or []


def refusal_message(decision: Decision, prefix: str = "") -> Message:
    where = decision.where(mention)  # Slack IDs only: safe to leave unescaped so they render as links
    text = prefix + " ".join(p for p in (decision.reason, decision.where()) if p)
    return text, [section(f":no_entry: {esc(prefix + decision.reason)}" + (f"\n{where}" if where else ""))]


class SlackAccess:
    def __init__(self, gate: Gate, client: WebClient | None = None):
        self.gate = gate
        if gate.groups is None and client is not None:
            gate.groups = GroupDirectory(named_groups(gate.policy.settings), group_lookup(client))
        self.groups = gate.groups

    def subject(self, asker, channel: str | None = None, private: bool | None = None) -> Subject:
        """The asker as a policy subject; `channel`/`private` override where the answer will be seen."""
        groups = self.groups.groups_of(asker.user) if self.groups else frozenset()
        return Subject(asker.user or "unknown", channel or asker.channel, getattr(asker, "team", None), groups,
                       asker.is_dm or getattr(asker, "private", False) if private is None else private)

    def admit(self, asker) -> Decision:
        """Before parsing: the workspace and the rate limit."""
        return self.gate.admit(self.subject(asker))

    def check(self, asker, request: Request, **where) -> Decision:
        return self.gate.check(self.subject(asker, **where), request)

    def refusal(self, question: str, decision: Decision, request: Request | None = None):
        return self.gate.refusal(question, decision, request)

    def record(self, asker, question: str, outcome: Outcome | None, started: float | None = None, **where) -> None:
        self.gate.record(self.subject(asker, **where), question, outcome, started)
