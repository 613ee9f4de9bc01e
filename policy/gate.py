"""The gate every entry point goes through: workspace, rate limit, policy, then the one answer path,
and an audit row for whatever happened.

    gate.ask(answerer, subject, question)      # CLI, Slack: parse, check, answer, audit
    gate.check(subject, request)               # the policy alone
    gate.check_schedule(owner, channel, request)  # schedules: at creation and before each run
    gate.record(subject, question, outcome)    # callers that answer themselves (e.g. a scheduled run)
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable

from playbooks.answer import Answer, Answerer, Failure, Outcome
from playbooks.library import Library
from playbooks.params import json_safe
from playbooks.parser import Clarification, Request

from .audit import AuditEntry, AuditLog, sql_hash, utc_now
from .groups import GroupDirectory, named_groups
from .limits import RateLimiter
from .rules import ALLOWED, Decision, Policy, Subject
from .settings import DEFAULT_POLICIES, PolicySettings

log = logging.getLogger("playbot.policy")


class Gate:
    def __init__(self, settings: PolicySettings, library: Library, default_warehouse: str,
                 audit: AuditLog | None = None, limiter: RateLimiter | None = None,
                 mention: Callable[[str, str], str] | None = None, groups: GroupDirectory | None = None):
        self.policy = Policy(settings, library, default_warehouse)
        self.audit = audit
        self.limiter = limiter if limiter is not None else RateLimiter(settings.per_user, settings.per_channel)
        self.mention = mention
        self.groups = groups  # who is in the user groups the rules name (Slack supplies the lookup)

    def check(self, subject: Subject, request: Request) -> Decision:
        """The policy alone (no rate limit): may this subject see this request's answer where it goes?"""
        return self.policy.check(subject, request)

    def schedule_subject(self, owner: str, channel: str) -> Subject:
        """A schedule posts to its channel for everyone there (or to a DM, judged by its owner)."""
        groups = self.groups.groups_of(owner) if self.groups else frozenset()
        return Subject.in_channel(owner or "unknown", channel, None, groups, source="schedule")

    def check_schedule(self, owner: str, channel: str, request: Request, audit_refusal: bool = False) -> Decision:
        """`audit_refusal`: write an audit row when refused (creating a schedule; runs audit in `answer`)."""
        subject = self.schedule_subject(owner, channel)
        decision = self.check(subject, request)
        if audit_refusal and not decision.allowed:
            self.record(subject, request.question, self.refusal(request.question, decision, request))
        return decision

    def admit(self, subject: Subject) -> Decision:
        """Before parsing: the workspace and the rate limit (the operator at the terminal is not limited)."""
        decision = self.policy.check_workspace(subject)
        if decision.allowed and not subject.is_operator:
            decision = self.limiter.hit(subject)
        return decision

    def refusal(self, question: str, decision: Decision, request: Request | None = None) -> Failure:
        return Failure(question, decision.reason, decision.where(self.mention),
                       "limited" if decision.kind == "rate_limit" else "denied", request)

    def ask(self, answerer: Answerer, subject: Subject, question: str, previous: Request | None = None) -> Outcome:
        """Parse, check and answer `question` for `subject`; refused questions never reach the warehouse."""
        started = time.perf_counter()
        outcome: Outcome | None = None
        try:
            decision = self.admit(subject)
            if not decision.allowed:
                outcome = self.refusal(question, decision)
                return outcome
            parsed = answerer.parse(question, previous)
            if isinstance(parsed, Request):
                outcome = self.answer(answerer, subject, parsed, audit=False)
            else:
                outcome = parsed
            return outcome
        finally:
            self.record(subject, question, outcome, started)

    def answer(self, answerer: Answerer, subject: Subject, request: Request, audit: bool = True) -> Answer | Failure:
        """Check and answer a request already parsed (a button, a thread follow-up, a scheduled run)."""
        started = time.perf_counter()
        outcome: Answer | Failure | None = None
        try:
            decision = self.check(subject, request)
            outcome = answerer.answer(request) if decision.allowed else self.refusal(request.question, decision, request)
            shown = [c for c in outcome.columns if self.policy.settings.is_sensitive(c)] \
                if isinstance(outcome, Answer) else []
            if shown:  # a custom playbook that selects e.g. an email column: nothing of it is shown
                outcome = self.refusal(request.question, Decision(
                    False, f"The answer would show sensitive column(s) {', '.join(shown)}, so it is not shown.",
                    "sensitive_columns", kind="sensitive"), request)
            return outcome
        finally:
            if audit:
                self.record(subject, request.question, outcome, started)

    def record(self, subject: Subject, question: str, outcome: Outcome | None, started: float | None = None) -> None:
        """One audit row. `outcome` None means the attempt raised (recorded as failed, then re-raised by the caller)."""
        if self.audit is None:
            return
        request = outcome.request if isinstance(outcome, (Answer, Failure)) else None
        entry = dict(at=utc_now(), source=subject.source, team=subject.team, user_id=subject.user,
                     channel=subject.channel, private=subject.private, question=question[:2000],
                     duration_ms=None if started is None else round((time.perf_counter() - started) * 1000, 1))
        if request is not None:
            entry.update(playbook=request.playbook, params=json.dumps(json_safe(request.params), sort_keys=True))
        if isinstance(outcome, Answer):
            entry.update(outcome="answered", sql_hash=sql_hash(outcome.sql), rows=len(outcome.rows))
        elif isinstance(outcome, Failure):
            refused = outcome.kind in ("denied", "limited")
            entry.update(outcome="refused" if refused else "failed",
                         reason=" ".join(p for p in (outcome.message, outcome.next_step) if p))
        elif isinstance(outcome, Clarification):
            entry.update(outcome="unclear", reason=outcome.message)
        else:
            entry.update(outcome="failed", reason="internal error")
        try:
            self.audit.record(AuditEntry(**entry))
        except Exception:  # noqa: BLE001 - a broken audit database must be loud in logs, not lose the answer
            log.exception("could not write the audit row for user=%s", subject.user)


CLI_SUBJECT = Subject(user="cli", private=True, source="cli")


def build_gate(config, library: Library, state=None, mention: Callable[[str, str], str] | None = None,
               group_members: Callable[[str], Iterable[str]] | None = None) -> Gate:
    """The gate for a loaded Config; audits into `state` (a state.db.StateDB) when given;
    `group_members(group_id)` looks up the members of the user groups the rules name."""
    settings = config.policies or DEFAULT_POLICIES
    groups = GroupDirectory(named_groups(settings), group_members) if group_members else None
    return Gate(settings, library, config.segment.warehouse, AuditLog(state) if state is not None else None,
                mention=mention, groups=groups)


__all__ = ["ALLOWED", "CLI_SUBJECT", "Gate", "build_gate"]
