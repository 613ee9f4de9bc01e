"""The one way in: every surface (the terminal, each Slack listener and button, each scheduled run)
asks this service, with who asks and where, and renders the Outcome it gets back.

    service.ask(subject, text, previous=...)          a question typed anywhere
    service.ask(subject, request=stored, purpose=...)  a button or a scheduled run re-running a request
    service.authorize(subject, request, purpose)       an action that shows no rows (Show SQL)

Every call, in this order and only here: admission (the workspace, the rate limit) -> reading the
question -> the policy on the request -> the answer -> the policy on the result (its columns and
values) -> one audit row. Nothing below this file knows who asks; nothing above it calls the answer
function or a warehouse.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from answers import Answer, Failure, Outcome
from answers.answerer import Answerer
from errors import Kind, PlaybotError
from playbooks import Library
from playbooks.params import json_safe
from policy.audit import AuditEntry, AuditLog, sql_hash, utc_now
from policy.groups import GroupDirectory, named_groups
from policy.limits import RateLimiter
from policy.rules import ALLOWED, Decision, Policy, Subject
from policy.settings import DEFAULT_POLICIES, PolicySettings
from questions import Clarification, Request

log = logging.getLogger("playbot.service")

# a value that is an e-mail address: a result column holding them is shown nowhere, whatever its name
EMAIL_VALUE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,24}$")
ROWS_SCANNED = 200  # values of each text column looked at for contact data
INTERNAL_MESSAGE = "Something went wrong on my side while answering."
INTERNAL_NEXT = "Try again in a minute; if it keeps happening, tell the Playbot admins (the log has the details)."


class Cancelled(Exception):
    """Raised by a surface's `on_start` to stop before the warehouse runs (the answer can't be shown there)."""


@dataclass(frozen=True)
class Refusal(Failure):
    """Not answered because of who asks or where (a policy, the rate limit, the workspace). `decision`
    says where it could be asked instead; each surface writes those places its own way."""

    decision: Decision | None = None

    def where(self, mention: Callable[[str, str], str] | None = None) -> str:
        return self.decision.where(mention) if self.decision is not None else ""


class AnswerService:
    """Thread-safe; one per process, shared by every surface."""

    def __init__(self, answerer: Answerer, settings: PolicySettings | None = None, audit: AuditLog | None = None,
                 limiter: RateLimiter | None = None, groups: GroupDirectory | None = None):
        self.answerer = answerer
        self.settings = settings or DEFAULT_POLICIES
        self.policy = Policy(self.settings, answerer.library, answerer.config.segment.warehouse)
        self.audit = audit
        self.limiter = limiter if limiter is not None else RateLimiter(self.settings.per_user, self.settings.per_channel)
        self.groups = groups  # who is in the user groups the rules name (Slack supplies the lookup)

    # ---- what surfaces may read ----
    @property
    def library(self) -> Library:
        return self.answerer.library

    @property
    def config(self):
        return self.answerer.config

    def use_group_lookup(self, members: Callable[[str], Iterable[str]]) -> GroupDirectory:
        """Where a surface can tell who is in a user group (Slack), the rules that name groups can apply."""
        if self.groups is None:
            self.groups = GroupDirectory(named_groups(self.settings), members)
        return self.groups

    def groups_of(self, user: str | None) -> frozenset[str]:
        return self.groups.groups_of(user) if self.groups is not None and user else frozenset()

    def schedule_subject(self, owner: str, channel: str) -> Subject:
        """A schedule posts to its channel for everyone there (or to a DM, judged by its owner)."""
        return Subject.in_channel(owner or "unknown", channel, None, self.groups_of(owner), source="schedule")

    # ---- the one way in ----
    def ask(self, subject: Subject, text: str | None = None, *, request: Request | None = None,
            previous: Request | None = None, refresh: bool = False, purpose: str = "",
            on_start: Callable[[Request], None] | None = None) -> Outcome:
        """Admit, read, check, answer, check the result, audit. `on_start(request)` runs once the request
        is allowed, before the warehouse does (a surface shows progress there; raising Cancelled stops).
        Never raises: an unexpected error is logged with its traceback and told as a Failure of kind
        `internal`."""
        started = time.perf_counter()
        question = text if request is None else request.question
        outcome: Outcome | None = None
        try:
            outcome = self._ask(subject, text or "", request, previous, refresh, on_start)
        except Cancelled as stop:
            outcome = Failure(question or "", f"Not answered: {stop}.", "", Kind.CANCELLED, request)
        except Exception:  # noqa: BLE001 - the log has the traceback; the asker gets a sentence and the next step
            log.exception("answering failed source=%s user=%s", subject.source, subject.user)
            outcome = Failure(question or "", INTERNAL_MESSAGE, INTERNAL_NEXT, Kind.INTERNAL, request)
        self._record(subject, _label(purpose, question or ""), outcome, started)
        return outcome

    def read(self, subject: Subject, text: str, purpose: str) -> Request | Clarification | Failure:
        """For an action that needs a question read and allowed but not answered yet (a new schedule):
        admission, reading and the policy as in `ask`, and an audit row; the Request when allowed."""
        started = time.perf_counter()
        outcome: Request | Clarification | Failure
        decision = self._admit(subject)
        if not decision.allowed:
            outcome = self._refusal(text, decision)
        else:
            outcome = self.answerer.parse(text)
            if isinstance(outcome, Request):
                decision = self.policy.check(subject, outcome)
                if not decision.allowed:
                    outcome = self._refusal(text, decision, outcome)
        self._record(subject, _label(purpose, text), ALLOWED if isinstance(outcome, Request) else outcome, started,
                     outcome if isinstance(outcome, Request) else None)
        return outcome

    def authorize(self, subject: Subject, request: Request, purpose: str) -> Decision:
        """For an action that shows something of a request without answering it (its SQL; creating a
        schedule): the same admission and policy as `ask`, and an audit row either way."""
        started = time.perf_counter()
        decision = self._admit(subject)
        if decision.allowed:
            decision = self.policy.check(subject, request)
        outcome = ALLOWED if decision.allowed else self._refusal(request.question, decision, request)
        self._record(subject, _label(purpose, request.question), outcome, started, request)
        return decision

    def _ask(self, subject: Subject, text: str, request: Request | None, previous: Request | None,
             refresh: bool, on_start: Callable[[Request], None] | None) -> Outcome:
        decision = self._admit(subject)
        if not decision.allowed:
            return self._refusal(text if request is None else request.question, decision, request)
        if request is None:
            parsed = self.answerer.parse(text, previous)
            if not isinstance(parsed, Request):
                return parsed
            request = parsed
        decision = self.policy.check(subject, request)
        if not decision.allowed:
            return self._refusal(request.question, decision, request)
        if on_start is not None:
            on_start(request)
        outcome = self.answerer.answer(request, refresh=refresh)
        if isinstance(outcome, Answer):
            decision = self.check_result(outcome)
            if not decision.allowed:  # e.g. a custom playbook selecting an e-mail column: nothing of it is shown
                return self._refusal(request.question, decision, request)
        return outcome

    def _admit(self, subject: Subject) -> Decision:
        """The workspace, then the rate limit (neither the operator at the terminal nor a schedule, whose
        pace its owner set and an admin bounded, counts against a person's rate)."""
        decision = self.policy.check_workspace(subject)
        if decision.allowed and not subject.is_operator and subject.source != "schedule":
            decision = self.limiter.hit(subject)
        return decision

    def check_result(self, answer: Answer) -> Decision:
        """The result itself: a column whose name is sensitive, or whose values are e-mail addresses."""
        shown = [c for c in answer.columns if self.settings.is_sensitive(c)]
        for i, column in enumerate(answer.columns):
            values = (row[i] for row in answer.rows[:ROWS_SCANNED])
            if column not in shown and any(isinstance(v, str) and EMAIL_VALUE.match(v) for v in values):
                shown.append(column)
        if not shown:
            return ALLOWED
        return Decision(False, f"The answer would show sensitive column(s) {', '.join(shown)}, so it is not shown.",
                        "sensitive_columns", kind="sensitive")

    @staticmethod
    def _refusal(question: str, decision: Decision, request: Request | None = None) -> Refusal:
        kind = Kind.LIMITED if decision.kind == "rate_limit" else Kind.DENIED
        return Refusal(question, decision.reason, decision.where(), kind, request, decision)

    def rollup_sql(self, subject: Subject, engine: str | None = None, table: str | None = None) -> str:
        """`bot.py rollup sql`: the script that builds the rollup tables in the warehouse (no query runs)."""
        if not subject.is_operator:
            raise PlaybotError("Only the Playbot operator can print the rollup SQL.", "", Kind.DENIED)
        try:
            return self.answerer.rollup_sql(engine, table)
        except ValueError as exc:
            raise PlaybotError(str(exc), "Pass --engine duckdb, postgres or redshift.") from None

    def rollup(self, subject: Subject, action: str) -> dict:
        """The activity rollup (docs/rollup.md): `build` (full), `refresh` (the days since the last build
        minus rollup.late_days), `status`. The operator's (the terminal's) only: it reads the whole
        warehouse. Raises PlaybotError with the next step."""
        if not subject.is_operator:
            raise PlaybotError("Only the Playbot operator can build the activity rollup.",
                               "Run `bot.py rollup build` where the bot runs.", Kind.DENIED)
        if action == "status":
            return self.answerer.rollup_status()
        if action not in ("build", "refresh"):
            raise PlaybotError(f"Unknown rollup action {action!r}.", "Use build, refresh or status.")
        meta = self.answerer.build_rollup(full=action == "build")
        log.info("rollup %s by %s: %d rows in %.2f s", meta.kind, subject.user, meta.activity_rows, meta.seconds)
        return self.answerer.rollup_status()

    def record_feedback(self, subject: Subject, request: Request, verdict: str) -> None:
        """A person's verdict on an answer they saw (a Slack feedback button): one audit row, outcome
        `feedback`, the verdict (good | bad) as its reason. Nothing is answered or checked again."""
        if self.audit is None:
            return
        entry = AuditEntry(at=utc_now(), source=subject.source, team=subject.team, user_id=subject.user,
                           channel=subject.channel, private=subject.private, outcome="feedback", reason=verdict,
                           question=_label(f"feedback {verdict}", request.question or request.playbook)[:2000],
                           playbook=request.playbook, params=json.dumps(json_safe(request.params), sort_keys=True))
        try:
            self.audit.record(entry)
        except Exception:  # noqa: BLE001 - as in _record: loud in logs, never lost by the clicker
            log.exception("could not write the feedback row for user=%s", subject.user)

    def record_change(self, subject: Subject, change: str, schedule_id: str, name: str, refused: str = "") -> None:
        """A change to a schedule (created, edited, paused, resumed, deleted, run now), or a refused one:
        one audit row, outcome `changed` (or `refused`, with why), the schedule as its question."""
        if self.audit is None:
            return
        entry = AuditEntry(at=utc_now(), source=subject.source, team=subject.team, user_id=subject.user,
                           channel=subject.channel, private=subject.private,
                           outcome="refused" if refused else "changed", reason=refused or change,
                           question=_label(f"schedule {change}", f"{name} ({schedule_id})")[:2000])
        try:
            self.audit.record(entry)
        except Exception:  # noqa: BLE001 - as in _record: loud in logs, never lost by the clicker
            log.exception("could not write the schedule-change row for user=%s", subject.user)

    # ---- the audit log ----
    def _record(self, subject: Subject, question: str, outcome: Outcome | Decision, started: float,
                request: Request | None = None) -> None:
        """One audit row per call, whatever happened (a broken audit database is logged, not raised)."""
        if self.audit is None:
            return
        request = request or (outcome.request if isinstance(outcome, Failure | Answer) else None)
        entry = dict(at=utc_now(), source=subject.source, team=subject.team, user_id=subject.user,
                     channel=subject.channel, private=subject.private, question=question[:2000],
                     duration_ms=round((time.perf_counter() - started) * 1000, 1))
        if request is not None:
            entry.update(playbook=request.playbook, params=json.dumps(json_safe(request.params), sort_keys=True))
        if isinstance(outcome, Answer):
            entry.update(outcome="answered", sql_hash=sql_hash(outcome.sql), rows=len(outcome.rows))
        elif isinstance(outcome, Decision):  # checked and let through; nothing was answered (yet)
            entry.update(outcome="allowed")
        elif isinstance(outcome, Failure):
            entry.update(outcome="refused" if outcome.kind in Kind.REFUSALS else "failed",
                         reason=" ".join(p for p in (outcome.message, outcome.next_step) if p))
        elif isinstance(outcome, Clarification):
            entry.update(outcome="unclear", reason=outcome.message)
        try:
            self.audit.record(AuditEntry(**entry))
        except Exception:  # noqa: BLE001 - a broken audit database must be loud in logs, not lose the answer
            log.exception("could not write the audit row for user=%s", subject.user)


def _label(purpose: str, question: str) -> str:
    """The question as the audit log shows it: '(refresh) dau' for a button that re-ran it."""
    return f"({purpose}) {question}" if purpose else question


CLI_SUBJECT = Subject(user="cli", private=True, source="cli")
