"""One way in: every surface x every kind of decision gives the same decision, tells the same reason and
writes exactly one audit row. Real Bolt over HTTP with signed requests, the Slack stand-in, a real
ScheduleRunner, the CLI's own `ask_once`; the real answer service and warehouse (DuckDB demo).

Cells that cannot happen are said, not skipped silently: the terminal is the operator (the policy's rules
on playbooks and rate limits are for Slack, the workspace does not apply) and a schedule runs at the pace
its owner set, inside the workspace it was created in. The sensitive-column checks apply everywhere."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from answers import Answer
from handlers.slack.blocks import ACTION_CSV, ACTION_REFRESH
from handlers.slack.schedules import SlackPoster
from handlers.terminal import ask_once
from playbooks import load_library
from policy.limits import RateLimiter
from policy.rules import Subject
from policy.settings import parse_policies
from questions.persist import dumps
from scheduler import RunPolicy, Schedule, ScheduleRunner, ScheduleStore, parse_when
from service import AnswerService

from ..conftest import DATASETS, make_answerer
from ..fast.test_policy import custom_playbook
from .test_slack import Bot, settle

POLICIES = {
    "workspaces": ["T0TEST"],
    "rules": [{"name": "revenue stays in finance", "playbooks": ["tag:revenue"], "only": {"channels": ["C0FINANCE"]}}],
    "rate_limits": {"per_user": "1/minute", "per_channel": "off"},
}
HERE, USER = "C0GENERAL", "U0ALICE"


@dataclass(frozen=True)
class Case:
    question: str
    decision: str  # answered | refused
    says: str  # what the asker is told, the same words on every surface ("" for an answer)
    team: str = "T0TEST"
    limited: bool = False  # the asker has used up their rate limit just before


CASES = {
    "allowed": Case("invites last 7 days", "answered", ""),
    "playbook refused": Case("orders revenue last 7 days", "refused", "revenue stays in finance"),
    "breakdown column refused": Case("invites last 7 days by ip", "refused", "ip is a sensitive column"),
    "result column refused": Case("leaky last 7 days", "refused", "sensitive column(s) user_email"),
    "rate limited": Case("invites last 7 days", "refused", "Try again in", limited=True),
    "foreign workspace": Case("invites last 7 days", "refused", "own Slack workspace", team="T0OTHER"),
}
# what cannot happen on a surface, and what happens instead
OPERATOR = {"playbook refused": "answered", "rate limited": "n/a", "foreign workspace": "n/a"}
SCHEDULE = {"rate limited": "n/a", "foreign workspace": "n/a"}
SURFACES = ["cli", "slash", "mention", "dm", "refresh", "csv", "schedule"]


@pytest.fixture(scope="module")
def answerer(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("one-way-in-playbooks")
    (folder / "orders_revenue.sql").write_text(custom_playbook("orders_revenue", ["revenue"]))
    (folder / "leaky.sql").write_text(custom_playbook("leaky", [], extra=", MIN(user_id) AS user_email"))
    inner = make_answerer(f"duckdb:///{built['messenger']}", DATASETS["messenger"])
    inner.library = load_library([folder])
    yield inner
    for w in inner.warehouses.values():
        w.close()


@pytest.fixture(scope="module")
def bot(answerer, tmp_path_factory):
    clock = [0.0]
    settings = parse_policies(POLICIES)
    running = Bot(answerer, f"sqlite:///{tmp_path_factory.mktemp('one-way-in') / 'state.sqlite'}", policies=settings,
                  limiter=RateLimiter(settings.per_user, settings.per_channel, clock=lambda: clock[0]))
    running.clock = clock
    yield running
    running.stop()


@dataclass
class Seen:
    """What one attempt did: the new audit rows, what Slack (or the terminal) was sent."""
    rows: list
    said: str  # everything sent, as text
    answered: bool  # an answer (its table, its CSV, or a digest) went out


def _rows_after(bot, before: int) -> list:
    deadline = time.monotonic() + 30
    while True:
        rows = list(reversed(bot.audit.entries()))[before:]
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.02)


def _slack_attempt(bot, surface: str, case: Case, stored: dict[str, str]) -> Seen:
    calls = len(bot.standin.calls)
    q, team = case.question, case.team
    if surface == "slash":
        bot.send.command(q, channel=HERE, user=USER, team=team)
    elif surface == "mention":
        bot.send.mention(q, channel=HERE, user=USER, team=team)
    elif surface == "dm":
        bot.send.message(q, channel="D0ALICE", user=USER, channel_type="im", team=team)
    else:  # a button on an answer posted earlier (before the playbook or the policy changed)
        action = ACTION_REFRESH if surface == "refresh" else ACTION_CSV
        bot.send.click(action, stored[q], HERE, stored["ts"], user=USER, team=team)
    rows = _rows_after(bot, bot.before)
    settle(bot.replier)
    sent = bot.standin.calls[calls:]
    answered = any(c.method in ("chat.update", "chat.postMessage") and "actions" in json.dumps(c.args.get("blocks"))
                   and "Refreshed" not in json.dumps(c.args) or c.method == "files.completeUploadExternal"
                   for c in sent) if surface != "refresh" else \
        any(c.method == "chat.update" and "Refreshed" in json.dumps(c.args) for c in sent)
    return Seen(rows, json.dumps([c.args for c in sent]), answered)


def _cli_attempt(service: AnswerService, case: Case) -> tuple[str, bool]:
    out: list[str] = []
    code = ask_once(service, case.question, draw=False, out=out.append)
    return "\n".join(out), code == 0


def _schedule_attempt(bot, runner_parts, case: Case, n: int) -> Seen:
    store = ScheduleStore(bot.state.db)
    schedule = store.save(Schedule(f"case {n}", (case.question,), parse_when("daily 9:00"), "UTC", HERE, USER),
                          datetime(2026, 11, 1, tzinfo=UTC))
    runner = ScheduleRunner(store, bot.service, SlackPoster(runner_parts, bot.state),
                            policy=RunPolicy(max_attempts=1, backoff_seconds=0.01))
    calls = len(bot.standin.calls)
    outcome = runner.run_slot(schedule.id, datetime(2026, 11, 16 + n, 9, tzinfo=UTC))
    sent = bot.standin.calls[calls:]
    answered = outcome.status == "ok" and any(c.args.get("channel") == HERE for c in sent)
    return Seen(_rows_after(bot, bot.before), json.dumps([c.args for c in sent]), answered)


def _attempt(bot, surface: str, name: str, case: Case, stored: dict[str, str], n: int) -> Seen | str:
    expected = (OPERATOR if surface == "cli" else SCHEDULE if surface == "schedule" else {}).get(name)
    if expected == "n/a":
        return "n/a"
    bot.clock[0] += 61  # a fresh rate-limit window for every cell...
    if case.limited:  # ...used up by one question just before
        assert isinstance(bot.service.ask(Subject.in_channel(USER, "C0ELSEWHERE", "T0TEST"), "dau"), Answer)
    bot.before = len(bot.audit.entries())
    if surface == "cli":
        said, answered = _cli_attempt(bot.service, case)
        return Seen(_rows_after(bot, bot.before), said, answered)
    if surface == "schedule":
        return _schedule_attempt(bot, bot.replier.client, case, n)
    return _slack_attempt(bot, surface, case, stored)


def _stored_answers(bot, answerer) -> dict[str, str]:
    """Answers posted earlier, each a button's target: one real message, one stored request per question."""
    bot.send.command("invites yesterday", channel=HERE, user="U0BOB")
    [message] = bot.answered(HERE)
    settle(bot.replier)
    stored = {"ts": message["ts"]}
    for case in CASES.values():
        request = answerer.parse(case.question)
        answer_id = bot.state.new_answer(HERE, None, "U0BOB", dumps(request))
        bot.state.set_answer_ts(answer_id, message["ts"])
        stored[case.question] = answer_id
    return stored


def test_every_surface_decides_says_and_audits_alike(bot, answerer):
    stored = _stored_answers(bot, answerer)
    leaked_value = str(answerer.answer(answerer.parse("leaky last 7 days")).rows[0][1])
    table: dict[tuple[str, str], str] = {}
    for n, surface in enumerate(SURFACES):
        for name, case in CASES.items():
            seen = _attempt(bot, surface, name, case, stored, n)
            expected = (OPERATOR if surface == "cli" else SCHEDULE if surface == "schedule" else {}).get(
                name, case.decision)
            if seen == "n/a":
                table[(surface, name)] = "n/a"
                continue
            where = f"{surface} / {name}"
            assert len(seen.rows) == 1, (where, [(r.source, r.outcome, r.question) for r in seen.rows])
            [row] = seen.rows
            assert row.outcome == expected, (where, row.outcome, row.reason)
            assert seen.answered == (expected == "answered"), (where, seen.said[:600])
            if expected == "refused":
                assert case.says in seen.said, (where, seen.said[:800])
                assert case.says in row.reason, (where, row.reason)
            assert "Traceback" not in seen.said
            if name == "result column refused":  # nothing carrying the column reached Slack or the terminal
                assert leaked_value not in seen.said, where
            table[(surface, name)] = row.outcome
    # every surface that can meet a case decided it the same way
    for name, case in CASES.items():
        decided = {table[(s, name)] for s in SURFACES if table[(s, name)] != "n/a"}
        if name == "playbook refused":
            decided.discard("answered")  # the operator at the terminal (checked above)
        assert decided == {case.decision}, (name, decided)
