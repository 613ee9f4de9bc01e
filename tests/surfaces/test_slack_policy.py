"""Policies end to end through Slack: real Bolt over HTTP, signed requests, the Slack stand-in, the audit
log in the state database. A refusal is told only to the asker and nothing runs on the warehouse."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from answers import Answer
from handlers.slack.blocks import ACTION_POST
from playbooks import load_library
from policy.audit import utc_now
from policy.limits import RateLimiter
from policy.settings import parse_policies

from ..conftest import DATASETS, make_answerer
from ..fast.test_policy import custom_playbook
from ..helpers import ask
from .test_slack import Bot, _blocks, _button_value, _table, check_answer_message

POLICIES = {
    "workspaces": ["T0TEST"],
    "rules": [{"name": "revenue stays in finance", "playbooks": ["tag:revenue"],
               "only": {"channels": ["C0FINANCE"], "groups": ["S0FINANCE"]}}],
    "rate_limits": {"per_user": "3/minute", "per_channel": "off"},
}
QUESTION = "orders revenue last 7 days"


@pytest.fixture(scope="module")
def answerer(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("slack-policy-playbooks")
    (folder / "orders_revenue.sql").write_text(custom_playbook("orders_revenue", ["revenue"]))
    inner = make_answerer(f"duckdb:///{built['messenger']}", DATASETS["messenger"])
    inner.library = load_library([folder])
    runs = []
    original = inner.answer

    def answer(request, refresh=False):  # the real answer, counted: refused questions must never get here
        runs.append(request.playbook)
        return original(request, refresh)

    inner.answer = answer
    inner.runs = runs
    yield inner
    for w in inner.warehouses.values():
        w.close()


@pytest.fixture()
def bot(answerer, tmp_path):
    now = [0.0]
    settings = parse_policies(POLICIES)
    running = Bot(answerer, f"sqlite:///{tmp_path / 'state.sqlite'}", policies=settings,
                  limiter=RateLimiter(settings.per_user, settings.per_channel, clock=lambda: now[0]))
    running.standin.usergroups["S0FINANCE"] = ["U0BOB"]
    running.clock = now
    answerer.runs.clear()
    yield running
    running.stop()


def told(bot, words: str) -> dict:
    """The ephemeral reply (via response_url) that contains `words`."""
    [reply] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url") if words in json.dumps(c.args)][:1])
    assert reply.args["response_type"] == "ephemeral"
    return reply.args


def audit(bot) -> list[tuple[str, str, str]]:
    return [(e.user_id, e.channel, e.outcome) for e in reversed(bot.audit.entries(utc_now() - timedelta(minutes=5)))]


def test_restricted_playbook_refused_in_public_channel_and_answered_in_allowed_one(bot, answerer, oracles):
    bot.send.command(QUESTION, channel="C0GENERAL", user="U0BOB")
    refusal = told(bot, "revenue stays in finance")
    text = json.dumps(refusal)
    assert "<#C0FINANCE>" in text and "<!subteam^S0FINANCE>" in text  # where it could be asked instead
    assert not [c for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == "C0GENERAL"]
    assert answerer.runs == []  # nothing ran on the warehouse
    bot.send.command(QUESTION, channel="C0FINANCE", user="U0ALICE")
    [message] = bot.answered("C0FINANCE")
    expected = ask(answerer, QUESTION)
    assert isinstance(expected, Answer)
    check_answer_message(message, expected)
    start, end = expected.request.params["start"], expected.request.params["end"]
    _, (orders, _) = oracles[("duckdb", "messenger")].volume("Order Completed", start, end, "day")
    assert _table(message)[1][0] == f"{orders:,}" or _table(message)[1][0] == str(orders)
    rows = bot.audit.entries(utc_now() - timedelta(minutes=5))
    assert [(e.user_id, e.channel, e.outcome) for e in reversed(rows)] == [
        ("U0BOB", "C0GENERAL", "refused"), ("U0ALICE", "C0FINANCE", "answered")]
    answered, refused = rows
    assert "revenue stays in finance" in refused.reason and refused.team == "T0TEST" and refused.sql_hash is None
    assert answered.playbook == "orders_revenue" and answered.rows == 1 and answered.sql_hash
    assert json.loads(answered.params)["start"] == start.isoformat()


def test_dm_is_judged_by_the_user_and_their_groups(bot):
    bot.send.message(QUESTION, channel="D0BOB", user="U0BOB", channel_type="im")
    bot.answered("D0BOB")  # U0BOB is in the finance group
    bot.send.message(QUESTION, channel="D0CAROL", user="U0CAROL", channel_type="im")
    [refused] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("chat.postMessage")
                                                if c.args.get("channel") == "D0CAROL"][:1])
    assert "revenue stays in finance" in json.dumps(refused.args)
    assert audit(bot) == [("U0BOB", "D0BOB", "answered"), ("U0CAROL", "D0CAROL", "refused")]


def test_sensitive_column_refused_as_breakdown(bot, answerer):
    bot.send.command("invites last 7 days by ip", channel="C0FINANCE")
    reply = told(bot, "sensitive column")
    assert "Traceback" not in json.dumps(reply)
    assert answerer.runs == [] and audit(bot) == [("U0ALICE", "C0FINANCE", "refused")]
    assert json.loads(bot.audit.entries()[0].params)["group_by"] == "ip"


def test_foreign_workspace_refused(bot, answerer):
    bot.send.command("invites yesterday", channel="C0ELSEWHERE", team="T0OTHER")
    told(bot, "own Slack workspace")
    assert answerer.runs == []
    [entry] = bot.audit.entries()
    assert (entry.team, entry.outcome, entry.playbook) == ("T0OTHER", "refused", None)


def test_rate_limit_triggers_and_recovers(bot, answerer):
    for _ in range(3):
        bot.send.command("invites yesterday", channel="C0LIMITS")
    bot.answered("C0LIMITS", 3)
    bot.send.command("invites yesterday", channel="C0LIMITS")
    told(bot, "Try again in 60 s")
    assert len(answerer.runs) == 3
    bot.clock[0] = 61  # a minute later the window has moved on
    bot.send.command("invites yesterday", channel="C0LIMITS")
    bot.answered("C0LIMITS", 4)
    assert [o for _, _, o in audit(bot)] == ["answered"] * 3 + ["refused", "answered"]
    assert "rate" in bot.audit.entries(outcome="refused")[0].reason or "at most 3" in \
        bot.audit.entries(outcome="refused")[0].reason


def test_private_answer_then_post_to_channel_is_checked_against_the_channel(bot, answerer):
    # U0BOB (finance group) asks privately in #general: judged by the user, so he sees it...
    bot.send.command(f"--private {QUESTION}", channel="C0GENERAL", user="U0BOB")
    preview = told(bot, "Post to channel")
    expected = ask(answerer, QUESTION)
    assert _table({"blocks": preview["blocks"]}) == _table({"blocks": _answer_blocks_of(expected)})
    assert not [c for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == "C0GENERAL"]
    # ...but posting it to #general is checked against #general, and refused
    answer_id = _button_value({"blocks": preview["blocks"]}, ACTION_POST)
    bot.send.click(ACTION_POST, answer_id, "C0GENERAL", "0", user="U0BOB")
    told(bot, "not in this channel")
    assert not [c for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == "C0GENERAL"]
    # in #finance the same button posts it for everyone (a minute later: every question and button counts
    # against the rate limit of 3 a minute)
    bot.clock[0] = 61
    bot.send.command(f"--private {QUESTION}", channel="C0FINANCE", user="U0BOB")
    preview = bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url")
                                              if "Post to channel" in json.dumps(c.args)][1:2])[0].args
    bot.send.click(ACTION_POST, _button_value({"blocks": preview["blocks"]}, ACTION_POST), "C0FINANCE", "0",
                   user="U0BOB")
    [posted] = bot.answered("C0FINANCE")
    check_answer_message(posted, expected)
    assert audit(bot) == [("U0BOB", "C0GENERAL", "answered"), ("U0BOB", "C0GENERAL", "refused"),
                          ("U0BOB", "C0FINANCE", "answered"), ("U0BOB", "C0FINANCE", "answered")]
    assert [e.private for e in reversed(bot.audit.entries())] == [True, False, True, False]


def _answer_blocks_of(answer: Answer) -> list[dict]:
    from handlers.slack.blocks import answer_blocks

    return _blocks({"blocks": answer_blocks(answer, None)[1]})


def test_schedule_checked_at_creation_and_stops_when_it_loses_permission(answerer, tmp_path):
    from datetime import UTC, datetime

    from handlers.slack.schedules import SlackPoster
    from policy.audit import AuditLog
    from scheduler import RunPolicy, ScheduleRunner
    from service import AnswerService
    from state.db import open_state

    from .test_slack_schedules import ScheduleBot

    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    audit_db = open_state(url)

    def service(policies):
        return AnswerService(answerer, parse_policies(policies), AuditLog(audit_db))

    bot = ScheduleBot(answerer, url, service=service(POLICIES))
    try:
        bot.standin.usergroups["S0FINANCE"] = ["U0BOB"]
        bot.send.command(f'schedule "{QUESTION}" daily 9:00', channel="C0GENERAL", user="U0BOB")
        [refused] = bot.told(1)
        assert "revenue stays in finance" in json.dumps(refused) and bot.store.all() == []
        bot.send.command(f'schedule "{QUESTION}" daily 9:00', channel="C0FINANCE", user="U0BOB")
        bot.standin.wait_for(lambda s: bot.store.all())
        [schedule] = bot.store.all()
        assert bot.runner.run_slot(schedule.id, datetime(2026, 11, 16, 14, tzinfo=UTC)).status == "ok"
        posts = [c for c in bot.standin.calls_of("chat.postMessage") if c.args["channel"] == "C0FINANCE"]
        assert len(posts) == 2  # the digest line and the answer in its thread
        # the policy changes (a restart with a new playbot.yaml): revenue now only in #board
        moved = {**POLICIES, "rules": [{**POLICIES["rules"][0], "only": {"channels": ["C0BOARD"]}}]}
        runner = ScheduleRunner(bot.store, service(moved), SlackPoster(bot.runner.poster.client, bot.state),
                                policy=RunPolicy(max_attempts=2, backoff_seconds=0.01))
        answerer.runs.clear()
        outcome = runner.run_slot(schedule.id, datetime(2026, 11, 17, 14, tzinfo=UTC))
        assert outcome.status == "stopped" and "no longer allowed" in outcome.detail, outcome
        assert answerer.runs == []  # nothing ran on the warehouse
        assert len([c for c in bot.standin.calls_of("chat.postMessage") if c.args["channel"] == "C0FINANCE"]) == 2
        assert bot.store.get(schedule.id).paused
        dm = next(c for c in bot.standin.calls_of("chat.postMessage") if c.args["channel"].startswith("D"))
        assert "is paused" in dm.args["text"] and "Ask in C0BOARD" in dm.args["text"]
        assert runner.run_slot(schedule.id, datetime(2026, 11, 18, 14, tzinfo=UTC)).status == "paused"
        entries = [(e.source, e.channel, e.outcome) for e in reversed(AuditLog(audit_db).entries())]
        assert entries == [("schedule", "C0GENERAL", "refused"), ("schedule", "C0FINANCE", "allowed"),
                           ("slack", "C0FINANCE", "changed"),  # the schedule created, by whom and where
                           ("schedule", "C0FINANCE", "answered"), ("schedule", "C0FINANCE", "refused")]
    finally:
        bot.stop()
        audit_db.dispose()
