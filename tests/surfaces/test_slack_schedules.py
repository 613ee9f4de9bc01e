"""Schedules through Slack, end to end: real Bolt behind a real HTTP server with signed requests, the
local Slack Web API stand-in, a real state database; the scheduler posts through SlackPoster."""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from datetime import UTC, datetime

import pytest

from config import SlackConfig
from handlers.slack.app import create_app
from handlers.slack.blocks import ACTION_SCHEDULE
from handlers.slack.client import make_client
from handlers.slack.schedules import (
    ACTION_DELETE,
    ACTION_EDIT,
    ACTION_PAUSE,
    ACTION_RUN,
    MODAL_CALLBACK,
    ScheduleCommands,
    SlackPoster,
    split_question_and_when,
    split_questions_and_when,
)
from handlers.slack.server import HttpServer
from policy.audit import AuditLog
from scheduler import RunPolicy, ScheduleRunner, ScheduleStore
from scheduler.triggers import local_slot
from service import AnswerService
from state.db import open_state
from state.slack import SlackState

from ..conftest import DATASETS, make_answerer
from ..helpers import ask
from ..slack_standin import BOT_TOKEN, SIGNING_SECRET, SlackSender, SlackStandIn

CHANNEL = "C0ANALYTICS"


class ScheduleBot:
    """A running Playbot (HTTP mode) with schedules, its own stand-in and state database."""

    def __init__(self, answerer, state_url: str, admins=("U0ADMIN",), service: AnswerService | None = None):
        self.standin = SlackStandIn().start()
        db = open_state(state_url)
        self.db, self.store, self.state = db, ScheduleStore(db), SlackState(db)
        client = make_client(BOT_TOKEN, self.standin.url)
        self.audit = AuditLog(db)
        self.service = service or AnswerService(answerer, audit=self.audit)  # one service: questions, schedules, runs
        self.runner = ScheduleRunner(self.store, self.service, SlackPoster(client, self.state),
                                     policy=RunPolicy(max_attempts=2, backoff_seconds=0.01))
        self.commands = ScheduleCommands(self.store, self.runner, self.service, client, self.state, admins=admins,
                                         timezone="UTC")
        self.app, self.replier = create_app(self.service, self.state, client, SlackConfig(),
                                            signing_secret=SIGNING_SECRET, schedules=self.commands)
        self.server = HttpServer(self.app, host="127.0.0.1", port=0, threads=4).start()
        self.send = SlackSender(f"http://127.0.0.1:{self.server.port}/slack/events", self.standin)

    def stop(self):
        self.server.stop()
        self.replier.close()
        self.standin.stop()
        self.db.dispose()

    def told(self, n: int = 1) -> list[dict]:
        """The first n messages sent only to the asker (via response_url)."""
        return [c.args for c in self.standin.wait_calls("response_url", n)]

    def submit_view(self, user: str, values: dict, metadata: dict):
        view = {"id": "V1", "type": "modal", "callback_id": MODAL_CALLBACK, "private_metadata": json.dumps(metadata),
                "state": {"values": values}}
        payload = {"type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": user}, "api_app_id": "A0PLAYBOT",
                   "token": "legacy", "trigger_id": f"{uuid.uuid4().hex}.trigger", "view": view}  # new per submission
        return self.send.post(urllib.parse.urlencode({"payload": json.dumps(payload)}).encode(),
                              "application/x-www-form-urlencoded")


@pytest.fixture(scope="module")
def answerer(built):
    return make_answerer(f"duckdb:///{built['messenger']}", DATASETS["messenger"])


@pytest.fixture
def bot(answerer, tmp_path):
    running = ScheduleBot(answerer, f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield running
    running.stop()


def _blocks(args: dict) -> list[dict]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _buttons(args: dict) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in _blocks(args) if b["type"] == "actions" for e in b["elements"]}


@pytest.mark.parametrize("text, question, when", [
    ('"invites yesterday" every monday 9:00', "invites yesterday", "every monday 9:00"),
    ("“signups last week” weekdays 9am", "signups last week", "weekdays 9am"),
    ("invites yesterday every monday 9:00", "invites yesterday", "every monday 9:00"),
    ("dau daily 8:30", "dau", "daily 8:30"),
    ("retention weekly monthly on day 1", "retention weekly", "monthly on day 1"),
    ("invites yesterday 0 9 * * 1", "invites yesterday", "0 9 * * 1"),
])
def test_split_question_and_when(text, question, when):
    assert split_question_and_when(text) == (question, when)


@pytest.mark.parametrize("text, questions, when", [
    ('"dau" "invites yesterday" weekdays 9:00', ("dau", "invites yesterday"), "weekdays 9:00"),
    ('"dau", "invites yesterday" and "signups last week" daily 8:30',
     ("dau", "invites yesterday", "signups last week"), "daily 8:30"),
    ("invites yesterday every monday 9:00", ("invites yesterday",), "every monday 9:00"),
    ('"invites yesterday"', ("invites yesterday",), ""),
    ("", (), ""),
])
def test_split_questions_and_when(text, questions, when):
    assert split_questions_and_when(text) == (questions, when)


def test_digest_of_several_questions_from_slack(bot, oracles):
    sent = bot.send.command('schedule "invites yesterday" "messages sent yesterday" weekdays 9:00', channel=CHANNEL,
                            user="U0ALICE")
    assert sent.status == 200
    [told] = bot.told()
    assert "invites yesterday · messages sent yesterday" in told["text"], told["text"]
    [schedule] = bot.store.all()
    assert schedule.questions == ("invites yesterday", "messages sent yesterday")
    outcome = bot.runner.run_slot(schedule.id, datetime(2026, 11, 16, 14, tzinfo=UTC))
    assert (outcome.status, outcome.detail) == ("ok", "posted 2 items"), outcome
    parent, *answers = bot.standin.calls_of("chat.postMessage")
    assert len(answers) == 2 and all(a.args["thread_ts"] == parent.args["_result"]["ts"] for a in answers)
    oracle = oracles[("duckdb", "messenger")]
    for question, event in (("invites yesterday", "Invite Sent"), ("messages sent yesterday", "Message Sent")):
        p = ask(bot.commands.service.answerer, question).request.params
        _, (total, _) = oracle.volume(event, p["start"], p["end"], "day")
        assert f"*{total:,}* {event} events" in parent.args["text"], (event, parent.args["text"])


def test_digest_with_a_question_it_cannot_read_is_not_created(bot):
    bot.send.command('schedule "invites yesterday" "zzqx flurbs" weekdays 9:00', channel=CHANNEL, user="U0ALICE")
    [told] = bot.told()
    assert told["text"].startswith("“zzqx flurbs”: I don't know that"), told["text"]
    assert bot.store.all() == []


def test_schedule_command_creates_and_the_digest_posts_with_thread(bot, oracles):
    sent = bot.send.command('schedule "invites yesterday" every monday 9:00', channel=CHANNEL, user="U0ALICE")
    assert sent.status == 200 and sent.elapsed < 3
    [told] = bot.told()
    assert "Schedule *invites yesterday*" in told["text"] and "Next run Mon" in told["text"]
    [schedule] = bot.store.all()
    assert (schedule.channel, schedule.owner, schedule.timezone, schedule.when.fields) == (
        CHANNEL, "U0ALICE", "America/New_York", {"day_of_week": "mon", "hour": "9", "minute": "0", "day": "*",
                                                 "month": "*"})
    # the slot fires: parent message with the number, the answer and its chart in the thread
    outcome = bot.runner.run_slot(schedule.id, datetime(2026, 11, 16, 14, tzinfo=UTC))
    assert outcome.status == "ok", outcome
    parent, answer = bot.standin.calls_of("chat.postMessage")
    assert parent.args["channel"] == CHANNEL and not parent.args.get("thread_ts")
    parent_ts = parent.args["_result"]["ts"]
    assert answer.args["thread_ts"] == parent_ts
    assert any(b["type"] == "table" for b in _blocks(answer.args))
    [upload] = bot.standin.wait_calls("files.completeUploadExternal")
    assert not upload.args.get("channel_id")  # uploaded shared nowhere, then shown in the answer itself
    posted = bot.standin.messages[(CHANNEL, answer.args["_result"]["ts"])]
    [image] = [b for b in _blocks(posted) if b["type"] == "image"]
    assert posted["files"] == [image["slack_file"]["id"]] and posted["thread_ts"] == parent_ts
    assert bot.standin.shares(image["slack_file"]["id"]) == [(CHANNEL, posted["ts"])]
    oracle = oracles[("duckdb", "messenger")]
    p = ask(bot.commands.service.answerer, "invites yesterday").request.params
    _, (total, _) = oracle.volume("Invite Sent", p["start"], p["end"], "day")
    assert f"*{total:,}* Invite Sent events" in parent.args["text"]


def test_alert_command_and_bad_input_get_clear_messages(bot):
    bot.send.command('alert "daily invites drop below 1,000,000" daily 8:00', channel=CHANNEL, user="U0ALICE")
    bot.send.command('schedule "invites yesterday" every blursday', channel=CHANNEL, user="U0ALICE")
    bot.send.command('schedule "sent yesterday" daily', channel=CHANNEL, user="U0ALICE")
    bot.send.command('alert "signups are nice"', channel=CHANNEL, user="U0ALICE")
    texts = " | ".join(t["text"] for t in bot.told(4))
    assert "Alert *daily invites drop below 1,000,000*" in texts
    assert "I could not read when to run: 'every blursday'" in texts
    assert "Which event do you mean" in texts  # the question is checked before it is scheduled
    assert "could not read the alert condition" in texts
    [alert] = bot.store.all()
    assert (alert.kind, alert.questions, alert.alert.op, alert.alert.threshold) == ("alert", ("invites yesterday",),
                                                                                    "below", 1_000_000)
    assert "Traceback" not in texts


def test_schedules_list_and_buttons_owner_and_admin_only(bot):
    bot.send.command('schedule "invites yesterday" every monday 9:00', channel=CHANNEL, user="U0ALICE")
    bot.told(1)
    bot.send.command("schedules", channel=CHANNEL, user="U0BOB")
    listing = bot.told(2)[1]
    assert "invites yesterday" in listing["text"] or "1 schedule" in listing["text"]
    text = json.dumps(_blocks(listing))
    assert "Next: Mon" in text and "Last: not run yet" in text
    schedule_id = _buttons(listing)[ACTION_DELETE]
    bot.send.click(ACTION_DELETE, schedule_id, CHANNEL, "1.0", user="U0BOB")
    assert "Only <@U0ALICE> (the owner) or a Playbot admin" in bot.told(3)[2]["text"]
    assert bot.store.get(schedule_id) is not None
    bot.send.click(ACTION_PAUSE, schedule_id, CHANNEL, "1.0", user="U0ALICE")
    assert "Paused" in bot.told(4)[3]["text"] and bot.store.get(schedule_id).paused
    bot.send.click(ACTION_RUN, schedule_id, CHANNEL, "1.0", user="U0ADMIN")  # an admin may; paused still runs on demand
    assert "Ran *invites yesterday* now: ok" in bot.told(5)[4]["text"]
    assert bot.store.last_run(schedule_id).trigger == "manual"
    bot.send.command("schedules", channel=CHANNEL, user="U0BOB")
    assert "paused" in json.dumps(_blocks(bot.told(6)[5]))
    bot.send.click(ACTION_DELETE, schedule_id, CHANNEL, "1.0", user="U0ALICE")
    assert "Deleted" in bot.told(7)[6]["text"] and bot.store.get(schedule_id) is None
    # each change, and the refused one, is one audit row (the run also audits the answer it posted)
    changes = [(e.user_id, e.outcome, e.reason) for e in reversed(bot.audit.entries())
               if e.question.startswith("(schedule ")]
    assert changes == [("U0ALICE", "changed", "created"), ("U0BOB", "refused", "not its owner or an admin"),
                       ("U0ALICE", "changed", "paused"), ("U0ADMIN", "changed", "run now"),
                       ("U0ALICE", "changed", "deleted")]
    assert all(f"({schedule_id})" in e.question for e in bot.audit.entries() if e.question.startswith("(schedule "))


def test_schedule_button_opens_modal_and_submission_creates(bot):
    bot.send.command("invites yesterday", channel=CHANNEL, user="U0ALICE")
    answer = bot.standin.wait_for(lambda s: [m for (c, _), m in s.messages.items()
                                             if c == CHANNEL and ACTION_SCHEDULE in _buttons(m)])[0]
    bot.send.click(ACTION_SCHEDULE, _buttons(answer)[ACTION_SCHEDULE], CHANNEL, answer["ts"], user="U0ALICE")
    [opened] = bot.standin.wait_calls("views.open")
    view = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert view["callback_id"] == MODAL_CALLBACK
    metadata = json.loads(view["private_metadata"])
    assert set(metadata) == {"request"}  # only an id: the request itself is kept server-side
    assert json.loads(bot.state.modal_request(metadata["request"])[1]) == {"question": "invites yesterday",
                                                                          "channel": CHANNEL}
    picker = next(b for b in view["blocks"] if b.get("block_id") == "channel")["element"]
    assert picker["initial_conversation"] == CHANNEL and "default_to_current_conversation" not in picker
    # views.open first (the trigger id lives 3 s), then the creator's timezone is filled in
    [info] = bot.standin.wait_calls("users.info")
    assert opened.at < info.at
    [updated] = bot.standin.wait_calls("views.update")
    tz = next(b for b in updated.args["view"]["blocks"] if b.get("block_id") == "timezone")["element"]["initial_value"]
    assert tz == "America/New_York"

    def values(when, tz, kind="digest", condition=""):
        return {"when": {"value": {"value": when}}, "timezone": {"value": {"value": tz}},
                "channel": {"value": {"selected_conversation": "C0OTHER"}},
                "kind": {"value": {"selected_option": {"value": kind}}}, "condition": {"value": {"value": condition}}}

    bad = bot.submit_view("U0ALICE", values("every blursday", "Mars/Base", "alert", "is interesting"), metadata)
    assert bad.status == 200
    errors = bad.json()["errors"]
    assert set(errors) == {"when", "timezone", "condition"} and bot.store.all() == []
    good = bot.submit_view("U0ALICE", values("weekdays 8:30", "Europe/Berlin", "alert", "drops below 10"), metadata)
    assert good.status == 200 and not good.body
    [schedule] = bot.store.all()
    assert (schedule.channel, schedule.timezone, schedule.kind, schedule.alert.threshold, schedule.owner) == (
        "C0OTHER", "Europe/Berlin", "alert", 10, "U0ALICE")


def test_failed_post_is_reported_to_owner_by_dm(bot):
    bot.send.command('schedule "invites yesterday" daily 9:00', channel="C0PRIVATE", user="U0ALICE")
    bot.told(1)
    bot.standin.not_in_channels.add("C0PRIVATE")
    [schedule] = bot.store.all()
    outcome = bot.runner.run_slot(schedule.id, datetime(2026, 11, 16, 14, tzinfo=UTC))
    assert outcome.status == "failed" and "not_in_channel" in outcome.detail and "after 1 attempt" in outcome.detail
    [opened] = bot.standin.calls_of("conversations.open")
    assert opened.args["users"] == "U0ALICE"
    dm = next(c for c in bot.standin.calls_of("chat.postMessage") if c.args["channel"].startswith("D"))
    assert "invites yesterday" in dm.args["text"] and "/invite @Playbot" in dm.args["text"]


@pytest.mark.parametrize("error", ["file_uploads_disabled", "file_uploads_except_images_disabled",
                                   "file_type_not_allowed", "file_upload_size_restricted", "missing_scope"])
def test_a_permanent_upload_error_is_not_retried_into_duplicate_answers(bot, error):
    """Finding 3: with uploads refused, one run put three identical answers in the thread (each retry posted
    the answer again before its chart failed again). A permanent error is not retried."""
    bot.send.command('schedule "invites yesterday" daily 9:00', channel=CHANNEL, user="U0ALICE")
    bot.told(1)
    [schedule] = bot.store.all()
    runner = ScheduleRunner(bot.store, bot.service, bot.runner.poster, policy=RunPolicy(max_attempts=3, backoff_seconds=0),
                            sleep=lambda s: None)
    bot.standin.refuse("files.getUploadURLExternal", error, times=3)
    due = datetime(2026, 11, 16, 14, tzinfo=UTC)
    runner.run_slot(schedule.id, due)
    posts = [c for c in bot.standin.calls_of("chat.postMessage") if c.args["channel"] == CHANNEL]
    parents = [c for c in posts if not c.args.get("thread_ts")]
    assert len(parents) == 1
    assert len([c for c in posts if c.args.get("thread_ts") == parents[0].args["_result"]["ts"]]) == 1
    assert len(bot.standin.calls_of("files.getUploadURLExternal")) == 1  # not retried
    recorded = bot.store.posts(schedule.id, local_slot(due, schedule.timezone))
    assert recorded["parent"].ts == parents[0].args["_result"]["ts"]


def test_rate_limited_post_is_retried_by_the_client(bot):
    bot.send.command('schedule "invites yesterday" daily 9:00', channel=CHANNEL, user="U0ALICE")
    bot.told(1)
    [schedule] = bot.store.all()
    bot.standin.fail("chat.postMessage", status=429, times=1, retry_after=0)
    started = time.monotonic()
    assert bot.runner.run_slot(schedule.id, datetime(2026, 11, 16, 14, tzinfo=UTC)).status == "ok"
    assert time.monotonic() - started < 30
    assert len([c for c in bot.standin.calls_of("chat.postMessage") if not c.args.get("thread_ts")]) == 1


def test_schedule_creation_is_checked_against_policies(answerer, tmp_path):
    from policy.settings import parse_policies
    policies = parse_policies({"rules": [{"name": "retention stays in product", "playbooks": ["retention"],
                                          "only": {"channels": ["C0PRODUCT"]}}]})
    bot = ScheduleBot(answerer, f"sqlite:///{tmp_path / 'state.sqlite'}",
                      service=AnswerService(answerer, policies))
    try:
        bot.send.command('schedule "retention weekly" every monday 9:00', channel="C0GENERAL", user="U0ALICE")
        [told] = bot.told()
        assert told["text"].startswith("I can't schedule that here") and "retention stays in product" in told["text"]
        assert bot.store.all() == []
        bot.send.command('schedule "retention weekly" every monday 9:00', channel="C0PRODUCT", user="U0ALICE")
        assert "Schedule *retention weekly*" in bot.told(2)[1]["text"]
    finally:
        bot.stop()


def test_edit_button_opens_prefilled_modal_and_saves_for_owner_only(bot):
    bot.send.command('alert "daily invites drop below 50" daily 8:00', channel=CHANNEL, user="U0ALICE")
    bot.told(1)
    [schedule] = bot.store.all()
    bot.send.command("schedules", channel=CHANNEL, user="U0ALICE")
    edit_id = _buttons(bot.told(2)[1])[ACTION_EDIT]
    bot.send.click(ACTION_EDIT, edit_id, CHANNEL, "1.0", user="U0BOB")
    assert "Only <@U0ALICE> (the owner)" in bot.told(3)[2]["text"]
    bot.send.click(ACTION_EDIT, edit_id, CHANNEL, "1.0", user="U0ALICE")
    [opened] = bot.standin.wait_calls("views.open")
    view = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    initial = {b["block_id"]: b["element"].get("initial_value") or (b["element"].get("initial_option") or {}).get("value")
               for b in view["blocks"] if b["type"] == "input"}
    assert initial == {"when": "daily 8:00", "timezone": "America/New_York", "channel": None, "kind": "alert",
                       "condition": "drops below 50"}
    metadata = json.loads(view["private_metadata"])
    assert json.loads(bot.state.modal_request(metadata["request"])[1])["schedule_id"] == schedule.id
    values = {"when": {"value": {"value": "weekdays 7:30"}}, "timezone": {"value": {"value": "Europe/Berlin"}},
              "channel": {"value": {"selected_conversation": CHANNEL}},
              "kind": {"value": {"selected_option": {"value": "alert"}}},
              "condition": {"value": {"value": "drops below 40"}}}
    forged = bot.submit_view("U0BOB", values, metadata)
    assert "opened by someone else" in forged.json()["errors"]["when"]
    assert bot.submit_view("U0ALICE", values, metadata).status == 200
    [edited] = bot.store.all()
    assert (edited.id, edited.owner, edited.when.fields, edited.timezone, edited.alert.threshold) == (
        schedule.id, "U0ALICE", {"day_of_week": "mon,tue,wed,thu,fri", "hour": "7", "minute": "30", "day": "*",
                                 "month": "*"}, "Europe/Berlin", 40)


def _answer_with_schedule_button(bot, question: str, channel: str = CHANNEL) -> dict:
    bot.send.command(question, channel=channel, user="U0ALICE")
    return bot.standin.wait_for(lambda s: [m for (c, _), m in s.messages.items()
                                           if c == channel and ACTION_SCHEDULE in _buttons(m)])[0]


def test_a_3500_character_question_opens_the_schedule_modal(bot):
    """The whole question no longer rides in private_metadata (3,000 characters at most): a long one
    opens the modal, and the schedule it creates keeps the whole question."""
    question = "invites yesterday " + " ".join(["please"] * 600)
    question = question[:3500]
    assert len(question) == 3500
    answer = _answer_with_schedule_button(bot, question)
    bot.send.click(ACTION_SCHEDULE, _buttons(answer)[ACTION_SCHEDULE], CHANNEL, answer["ts"], user="U0ALICE")
    [opened] = bot.standin.wait_calls("views.open")
    assert opened.args["_result"]["ok"], opened.args["_result"]
    view = bot.standin.views[opened.args["_result"]["view"]["id"]]
    assert len(view["private_metadata"]) < 100
    values = {"when": {"value": {"value": "daily 9:00"}}, "timezone": {"value": {"value": "UTC"}},
              "channel": {"value": {"selected_conversation": CHANNEL}},
              "kind": {"value": {"selected_option": {"value": "digest"}}}, "condition": {"value": {"value": ""}}}
    assert bot.submit_view("U0ALICE", values, json.loads(view["private_metadata"])).status == 200
    [schedule] = bot.store.all()
    assert schedule.questions == (" ".join(question.split()),)


def test_modal_opens_even_when_users_info_is_slow_and_slack_refusals_are_told(bot):
    bot.standin.delays["users.info"] = 3.5  # longer than a trigger id lives
    answer = _answer_with_schedule_button(bot, "invites yesterday")
    bot.send.click(ACTION_SCHEDULE, _buttons(answer)[ACTION_SCHEDULE], CHANNEL, answer["ts"], user="U0ALICE")
    [opened] = bot.standin.wait_calls("views.open")
    assert opened.args["_result"]["ok"], opened.args["_result"]
    bot.standin.wait_calls("views.update")
    bot.standin.delays.clear()
    bot.standin.error("views.open", "invalid_arguments")
    bot.send.click(ACTION_SCHEDULE, _buttons(answer)[ACTION_SCHEDULE], CHANNEL, answer["ts"], user="U0ALICE")
    [told] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url")
                                             if "couldn't open the schedule form" in c.args.get("text", "")])
    assert "invalid_arguments" in told.args["text"] and '/playbot schedule "invites yesterday"' in told.args["text"]


def test_pause_and_delete_ask_first_and_app_home_lists_my_schedules(bot):
    bot.send.command('schedule "invites yesterday" every monday 9:00', channel=CHANNEL, user="U0ALICE")
    bot.told(1)
    bot.send.command("schedules", channel=CHANNEL, user="U0ALICE")
    listing = bot.told(2)[1]
    buttons = {e["action_id"]: e for b in _blocks(listing) if b["type"] == "actions" for e in b["elements"]}
    assert buttons[ACTION_DELETE]["confirm"]["style"] == "danger" and "can't be undone" in json.dumps(buttons[ACTION_DELETE])
    assert buttons[ACTION_PAUSE]["confirm"]["confirm"]["text"] == "Pause"
    bot.send.home_opened("U0ALICE")
    home = bot.standin.wait_for(lambda s: s.homes.get("U0ALICE"))
    [schedule] = bot.store.all()
    mine = {e["action_id"]: e["value"] for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert mine[ACTION_PAUSE] == schedule.id and "invites yesterday" in json.dumps(home["blocks"])
    # Pause pressed in App Home: done, and the home view shows it paused
    payload = {"type": "block_actions", "user": {"id": "U0ALICE", "team_id": "T0TEST"}, "team": {"id": "T0TEST"},
               "api_app_id": "A0PLAYBOT", "token": "legacy", "trigger_id": bot.standin.trigger(),
               "container": {"type": "view", "view_id": "V0HOME"}, "view": {"id": "V0HOME", "type": "home"},
               "actions": [{"action_id": ACTION_PAUSE, "block_id": "b", "value": schedule.id, "type": "button"}]}
    before = len(bot.standin.calls_of("views.publish"))
    assert bot.send.interaction(payload).status == 200
    bot.standin.wait_for(lambda s: len(s.calls_of("views.publish")) > before)
    assert bot.store.get(schedule.id).paused
    assert "Resume" in json.dumps(bot.standin.homes["U0ALICE"]["blocks"])


def test_scheduled_answer_whose_chart_slack_refuses_is_posted_once(bot, monkeypatch):
    """Uploads disabled, or 5xx past the client's retries: the run is ok, the answer posted once in the
    digest's thread without the chart, saying why; no retry posts it again."""
    from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

    # every retry of the client still happens; only its waits (0.5 s doubling, with up to 1 s of jitter:
    # about 13 s in all here) are cut short
    monkeypatch.setattr(BackoffRetryIntervalCalculator, "calculate_sleep_duration", lambda self, attempt: 0.01)
    bot.send.command('schedule "invites yesterday" daily 9:00', channel=CHANNEL, user="U0ALICE")
    bot.told(1)
    [schedule] = bot.store.all()
    for slot, refuse in ((14, lambda: bot.standin.error("files.getUploadURLExternal", "file_uploads_disabled")),
                         (15, lambda: bot.standin.fail("files.getUploadURLExternal", status=503, times=12))):
        before = len(bot.standin.calls_of("chat.postMessage"))
        refuse()
        outcome = bot.runner.run_slot(schedule.id, datetime(2026, 11, 16, slot, tzinfo=UTC))
        assert outcome.status == "ok", outcome
        parent, answer = bot.standin.calls_of("chat.postMessage")[before:]
        posted = bot.standin.messages[(CHANNEL, answer.args["_result"]["ts"])]
        note = json.dumps(_blocks(posted))
        assert "The chart isn't shown" in note and not any(b["type"] == "image" for b in _blocks(posted))

