"""Who is asking in Slack, as the answer service's Subject, and its refusals as Slack messages with
channel, user and group mentions. The rules themselves live in policy/ and run in service/."""

from __future__ import annotations

from slack_sdk import WebClient

from policy.rules import Decision, Subject
from service import AnswerService, Refusal

from .blocks import Message, esc, section

MENTIONS = {"channel": "<#{}>", "user": "<@{}>", "group": "<!subteam^{}>"}


def mention(kind: str, ident: str) -> str:
    return MENTIONS[kind].format(ident)


def use_slack_groups(service: AnswerService, client: WebClient) -> None:
    """Members of the user groups the rules name, looked up in Slack (scope usergroups:read)."""
    service.use_group_lookup(lambda group: client.usergroups_users_list(usergroup=group).get("users") or [])


def subject_of(service: AnswerService, asker, channel: str | None = None, private: bool | None = None) -> Subject:
    """The asker as a policy subject; `channel`/`private` override where the answer will be seen."""
    return Subject(asker.user or "unknown", channel or asker.channel, getattr(asker, "team", None),
                   service.groups_of(asker.user),
                   asker.is_dm or getattr(asker, "private", False) if private is None else private)


def refusal_message(refusal: Refusal | Decision, prefix: str = "") -> Message:
    """Why, and where it could be asked instead (Slack IDs only: safe unescaped, they render as links)."""
    reason = refusal.reason if isinstance(refusal, Decision) else refusal.message
    where = refusal.where(mention)
    text = prefix + " ".join(p for p in (reason, refusal.where()) if p)
    return text, [section(f":no_entry: {esc(prefix + reason)}" + (f"\n{where}" if where else ""))]
