"""Running one slot of one schedule: claim it in the run log, ask every question through the answer
service (as the schedule's owner, for its channel), post through a Poster (the Slack handler implements
it), retry with backoff, tell the owner on failure.

Exactly once per message, not only per slot: each message a run posts (its parent, each answer) is
recorded in the state database as it goes out, and a retry posts only what is not recorded. A Poster
that got a message out but failed after it (its chart would not upload) says so with
`PostError(posted=ts)`: the message counts as posted and is never sent again. An error a retry cannot
fix (`retryable=False`) is not retried.

No Slack types here: a Poster gets channel IDs, text and Answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from answers import Answer, Failure
from answers.formatting import fmt_number
from errors import Kind
from questions import Clarification
from service import AnswerService

from .alerts import check
from .store import Schedule, ScheduleStore
from .triggers import local_slot

log = logging.getLogger("playbot.scheduler")


class Poster(Protocol):
    """Where scheduled messages go. Returns message ids (Slack `ts`) so replies can be threaded."""

    def post_text(self, channel: str, text: str, thread_ts: str | None = None) -> str | None: ...

    def post_answer(self, channel: str, answer: Answer, thread_ts: str | None = None) -> str | None: ...

    def notify_owner(self, owner: str, text: str) -> None: ...


class PostError(Exception):
    """A Poster could not post. `retryable=False` for errors a retry cannot fix (channel gone, not invited,
    uploads disabled). `posted`: the id of the message that did go out before the failure (a retry must
    not post it again)."""

    def __init__(self, message: str, retryable: bool = True, posted: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.posted = posted


class RunProblem(Exception):
    def __init__(self, message: str, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


class Revoked(RunProblem):
    """The access policy no longer allows this schedule's answer in its channel: stop it, tell the owner."""

    def __init__(self, message: str):
        super().__init__(message, retryable=False)


@dataclass(frozen=True)
class RunPolicy:
    max_attempts: int = 3
    backoff_seconds: float = 60.0  # doubled after each failed attempt
    grace: timedelta = timedelta(hours=1)
    run_timeout: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class RunOutcome:
    status: str  # ok | skipped | failed | stopped (policy; now paused) | duplicate | paused | gone
    detail: str = ""


@dataclass
class _Progress:
    """One run's answers (asked once, shared by its attempts) and what went wrong after a message was out."""

    schedule: Schedule
    slot: datetime
    answers: list[Answer] | None = None
    notes: list[str] = field(default_factory=list)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ScheduleRunner:
    def __init__(self, store: ScheduleStore, service: AnswerService, poster: Poster, policy: RunPolicy | None = None,
                 name: str = "runner", clock: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], None] = time.sleep):
        """Each question is asked through `service` as the schedule's owner for its channel: checked by the
        same policies as a question typed there, and audited with source "schedule"."""
        self.store = store
        self.service = service
        self.poster = poster
        self.policy = policy or RunPolicy()
        self.name = name
        self.clock = clock
        self.sleep = sleep

    def run_slot(self, schedule_id: str, due: datetime, trigger: str = "schedule") -> RunOutcome:
        """Run the slot due at `due` (aware) once, across every process sharing the state DB."""
        schedule = self.store.get(schedule_id)
        if schedule is None:
            return RunOutcome("gone", "the schedule was deleted")
        if schedule.paused and trigger != "manual":
            return RunOutcome("paused")
        slot = local_slot(due, schedule.timezone)
        if trigger == "manual":  # keeps microseconds: a manual run never takes a scheduled slot
            slot = due.astimezone(ZoneInfo(schedule.timezone)).replace(tzinfo=None)
        if not self.store.claim(schedule.id, slot, due, trigger, self.name, self.clock()):
            log.info("slot taken schedule=%s slot=%s", schedule.id, slot)
            return RunOutcome("duplicate", f"slot {slot:%Y-%m-%d %H:%M} already ran")
        outcome = self._attempts(schedule, slot)
        recorded = self.store.finish(schedule.id, slot, outcome.status, outcome.detail, self.clock())
        log.info("run schedule=%s slot=%s status=%s", schedule.id, slot, outcome.status)
        if outcome.status == "failed" and recorded:
            self.poster.notify_owner(schedule.owner, failure_message(schedule, slot, outcome.detail))
        if outcome.status == "stopped" and recorded:
            self.poster.notify_owner(schedule.owner, stopped_message(schedule, outcome.detail))
        return outcome

    def _attempts(self, schedule: Schedule, slot: datetime) -> RunOutcome:
        progress = _Progress(schedule, slot)
        delay = self.policy.backoff_seconds
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                if schedule.kind == "alert":
                    return self._alert(schedule, progress)
                return self._digest(schedule, progress)
            except Revoked as revoked:  # a policy change: pause it (no further runs) until someone fixes it
                self.store.set_paused(schedule.id, True, self.clock())
                return RunOutcome("stopped", str(revoked))
            except RunProblem as problem:
                reason = str(problem)
                retry = problem.retryable and attempt < self.policy.max_attempts
            except PostError as exc:
                reason = f"posting failed: {exc}"
                retry = exc.retryable and attempt < self.policy.max_attempts
            except Exception as exc:  # noqa: BLE001 - an unexpected error must be recorded, not lost in a thread
                log.exception("scheduled run crashed schedule=%s", schedule.id)
                reason = f"unexpected error: {type(exc).__name__}: {exc}"
                retry = attempt < self.policy.max_attempts
            self.store.attempt(schedule.id, slot, attempt, reason)
            if not retry:
                return RunOutcome("failed", f"{reason} (after {attempt} attempt{'s' if attempt > 1 else ''})")
            log.warning("run attempt %d failed schedule=%s: %s; retrying in %.0f s", attempt, schedule.id, reason, delay)
            self.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    # ---- the answers ----
    def _answers(self, schedule: Schedule, progress: _Progress) -> list[Answer]:
        if progress.answers is None:
            answers = []
            for question in schedule.questions:
                outcome = self._answer(schedule, question)
                if isinstance(outcome, Clarification):
                    raise RunProblem(f"“{question}” is not clear any more: {outcome.message}", retryable=False)
                if isinstance(outcome, Failure):
                    said = (outcome.message, outcome.next_step if outcome.kind == Kind.DENIED else "")
                    message = " ".join(p for p in said if p)
                    raise RunProblem(f"“{question}”: {message}", retryable=outcome.kind in Kind.RETRYABLE)
                answers.append(outcome)
            progress.answers = answers
        return progress.answers

    def _answer(self, schedule: Schedule, question: str):
        subject = self.service.schedule_subject(schedule.owner, schedule.channel)
        outcome = self.service.ask(subject, question)  # read, checked, answered, audited
        if isinstance(outcome, Failure) and outcome.kind == Kind.DENIED:
            raise Revoked(" ".join(p for p in (f"“{question}” is no longer allowed there: {outcome.message}",
                                                outcome.next_step) if p))
        return outcome

    # ---- posting: each message once ----
    def _post(self, progress: _Progress, item: str, post: Callable[[], str | None]) -> str:
        """Post one message of this run unless it is recorded as posted; record it once it is out."""
        schedule, slot = progress.schedule, progress.slot
        done = self.store.posts(schedule.id, slot).get(item)
        if done is not None:
            return done.ts or ""
        try:
            ts = post() or ""
        except PostError as exc:
            if exc.posted is None:
                raise
            # the message is in the channel; what failed after it is noted, never retried by posting again
            self.store.record_post(schedule.id, slot, item, exc.posted, self.clock(), detail=str(exc))
            progress.notes.append(f"{item}: {exc}")
            log.warning("posted with a problem schedule=%s slot=%s %s: %s", schedule.id, slot, item, exc)
            return exc.posted
        self.store.record_post(schedule.id, slot, item, ts, self.clock())
        return ts

    def _posted(self, progress: _Progress, count: int) -> str:
        done = f"posted {count} item{'s' if count != 1 else ''}"
        return "; ".join([done, *progress.notes])

    def _digest(self, schedule: Schedule, progress: _Progress) -> RunOutcome:
        answers = self._answers(schedule, progress)
        if schedule.skip_when_empty and all(is_empty(a) for a in answers):
            return RunOutcome("skipped", "no data for any item")
        parent = self._post(progress, "parent", lambda: self.poster.post_text(schedule.channel,
                                                                             digest_text(schedule, answers)))
        for i, answer in enumerate(answers):
            self._post(progress, f"answer {i + 1}",
                       lambda a=answer: self.poster.post_answer(schedule.channel, a, thread_ts=parent or None))
        return RunOutcome("ok", self._posted(progress, len(answers)))

    def _alert(self, schedule: Schedule, progress: _Progress) -> RunOutcome:
        assert schedule.alert is not None
        answer = self._answers(schedule, progress)[0]
        result = check(schedule.alert, answer)
        firing = self.store.alert_state(schedule.id)
        if result.holds is None:
            return RunOutcome("ok", f"not checked: {result.reason}")
        if result.holds == firing:
            return RunOutcome("ok", ("still firing: " if firing else "quiet: ") + result.reason)
        if result.holds or schedule.notify_recovery:
            head = (f"🔔 *{schedule.name}* fired: {result.reason}." if result.holds
                    else f"✅ *{schedule.name}* recovered: {result.reason}.")
            parent = self._post(progress, "parent", lambda: self.poster.post_text(
                schedule.channel, f"{head}\nAlert: {schedule.alert.text}"))
            self._post(progress, "answer 1",
                       lambda: self.poster.post_answer(schedule.channel, answer, thread_ts=parent or None))
        self.store.set_alert_state(schedule.id, result.holds, result.value, result.reason, self.clock())
        return RunOutcome("ok", "; ".join([("fired: " if result.holds else "recovered: ") + result.reason,
                                           *progress.notes]))


def is_empty(answer: Answer) -> bool:
    """No data: the playbook returned no rows, or its key number is missing or zero."""
    if not answer.rows:
        return True
    return answer.key is not None and not answer.key.value


def digest_lines(answers: list[Answer]) -> list[str]:
    """One line per item: its key number and its first comparison, in the answer's own words (Change.phrase:
    the same window, the same number, or the same reason it is not compared)."""
    lines = []
    for answer in answers:
        key = answer.key
        if key is None:
            lines.append(f"• {answer.title}: {answer.headline}")
            continue
        line = f"• {answer.title}: *{fmt_number(key.value, key.fmt)}* {key.label}"
        if key.changes:
            line += f" ({key.changes[0].phrase(key.fmt)})"
        lines.append(line)
    return lines


def digest_text(schedule: Schedule, answers: list[Answer]) -> str:
    """The digest's parent message: its name, a line per question and, once each, the warnings that a
    source the numbers came from is behind (a missed sync makes "0 invites yesterday" look real)."""
    details = "Charts and tables are in the thread." if answers else ""
    stale = [f":warning: {w}" for w in dict.fromkeys(w for a in answers for w in a.stale)]
    return "\n".join([f"*{schedule.name}*", *digest_lines(answers), *stale, details]).strip()


def stopped_message(schedule: Schedule, reason: str) -> str:
    return (f"Your schedule *{schedule.name}* (`{schedule.id}`) to <#{schedule.channel}> is paused and posted nothing: "
            f"{reason} Next step: ask an admin about the policy, or schedule it again where it is allowed; "
            f"`/playbot schedules` → Resume once the policy allows it.")


def failure_message(schedule: Schedule, slot: datetime, reason: str) -> str:
    return (f"Your schedule *{schedule.name}* (`{schedule.id}`, {schedule.when.text} {schedule.timezone}) could not "
            f"post its {slot:%a %d %b %H:%M} run to <#{schedule.channel}>: {reason}. "
            f"Next step: check the question with `/playbot {schedule.questions[0]}`, then `/playbot schedules` → Run now.")
