"""Playbot as a Slack app, end to end: real Bolt behind a real HTTP server (waitress), signed requests,
and a local Slack Web API stand-in (tests/slack_standin.py). What Slack shows must equal the Answer."""

from __future__ import annotations

import csv
import html
import io
import json
import threading
import urllib.request

import matplotlib.image
import pytest

from answers import Answer
from answers.answerer import Answerer
from config import SlackConfig
from handlers.slack.app import command_names, create_app
from handlers.slack.blocks import ACTION_CHOICE, ACTION_CSV, ACTION_REFRESH, ACTION_SQL
from handlers.slack.client import make_client
from handlers.slack.server import HttpServer
from playbooks.params import json_safe
from policy.audit import AuditLog
from policy.limits import RateLimiter
from policy.settings import DEFAULT_POLICIES, PolicySettings, parse_policies
from questions import Clarification
from service import AnswerService
from state.db import open_state
from state.slack import SlackState

from ..helpers import ask
from ..slack_standin import BOT_TOKEN, SIGNING_SECRET, SlackSender, SlackStandIn

ENGINE, DATASET = "duckdb", "messenger"


class Bot:
    """A running Playbot (HTTP mode) wired to its own stand-in and state database."""

    def __init__(self, answerer: Answerer, state_url: str, config: SlackConfig | None = None,
                 policies: PolicySettings = DEFAULT_POLICIES, limiter: RateLimiter | None = None, **app_options):
        self.answerer = answerer
        self.standin = SlackStandIn().start()
        db = open_state(state_url)
        self.state, self.audit = SlackState(db), AuditLog(db)
        client = make_client(BOT_TOKEN, self.standin.url)
        self.service = AnswerService(answerer, policies, self.audit, limiter)
        self.app, self.replier = create_app(self.service, self.state, client, config or SlackConfig(),
                                            signing_secret=SIGNING_SECRET, **app_options)
        self.server = HttpServer(self.app, host="127.0.0.1", port=0, threads=4).start()
        self.base = f"http://127.0.0.1:{self.server.port}"
        self.send = SlackSender(self.base + "/slack/events", self.standin)

    def stop(self):
        self.server.stop()
        self.replier.close()
        self.standin.stop()
        self.state.db.dispose()

    def answered(self, channel: str, n: int = 1) -> list[dict]:
        """Wait for n answer messages (updated 'working on it' messages with buttons) in `channel`."""
        def done(s):
            found = [m for (c, _), m in s.messages.items() if c == channel and _has_buttons(m)]
            return len(found) >= n and found
        return self.standin.wait_for(done)


def settle(replier) -> None:
    """Wait until every reply queued so far is done (charts included): all workers free at once."""
    workers = replier.pool._max_workers
    barrier = threading.Barrier(workers)
    for future in [replier.pool.submit(barrier.wait, 60) for _ in range(workers)]:
        future.result()


def _has_buttons(message: dict) -> bool:
    return any(b["type"] == "actions" for b in _blocks(message))


def _blocks(message: dict) -> list[dict]:
    blocks = message.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _table(message: dict) -> list[list[str]]:
    table = next(b for b in _blocks(message) if b["type"] in ("table", "data_table"))
    return [[c["text"] for c in row] for row in table["rows"]]


def _text(message: dict) -> str:
    return "\n".join(json.dumps(b) for b in _blocks(message))


def _button_value(message: dict, action_id: str) -> str:
    actions = next(b for b in _blocks(message) if b["type"] == "actions")
    return next(e["value"] for e in actions["elements"] if e["action_id"] == action_id)


def _image(message: dict) -> dict | None:
    return next((b for b in _blocks(message) if b["type"] == "image"), None)


def with_chart(standin: SlackStandIn, channel: str, ts: str) -> dict:
    """Wait until the answer message at (channel, ts) shows its chart; return the message."""
    return standin.wait_for(lambda s: _image(s.messages[(channel, ts)]) and s.messages[(channel, ts)])


def check_chart(standin: SlackStandIn, message: dict) -> str:
    """The message holds its chart: an image block of a real PNG that Slack shows only in this message
    (uploaded shared nowhere, attached by file_ids). Returns the file id."""
    image = _image(message)
    file_id = image["slack_file"]["id"]
    assert message.get("files") == [file_id]
    assert standin.shares(file_id) == [(message["channel"], message["ts"])]  # nowhere else: no second chart
    stored = standin.files[file_id]
    assert stored["completed"] and not stored["deleted"] and stored["channel"] is None  # never posted on its own
    png = matplotlib.image.imread(io.BytesIO(stored["bytes"]), format="png")
    assert png.shape[0] > 100 and png.shape[1] > 100 and png.std() > 0  # a real, non-blank picture
    assert not [m for m in standin.messages.values() if m.get("subtype") == "file_share"
                and any(standin.files[f]["filename"].endswith(".png") for f in m["files"])]  # no chart of its own
    return file_id


@pytest.fixture(scope="module")
def answerer(answerers) -> Answerer:
    return answerers[(ENGINE, DATASET)]


@pytest.fixture(scope="module")
def bot(answerer, tmp_path_factory):
    running = Bot(answerer, f"sqlite:///{tmp_path_factory.mktemp('slack') / 'state.sqlite'}")
    yield running
    running.stop()


def expect(answerer: Answerer, question: str, previous=None) -> Answer:
    outcome = ask(answerer, question, previous=previous)
    assert isinstance(outcome, Answer), outcome
    return outcome


def check_answer_message(message: dict, answer: Answer) -> None:
    """The Slack message shows the Answer's own title, key number, changes and every table row (up to 100)."""
    blocks = _blocks(message)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": answer.title, "emoji": True}}
    assert answer.headline.replace("&", "&amp;") in blocks[1]["text"]["text"]
    for change in answer.key.changes if answer.key else ():
        assert change.text in blocks[1]["text"]["text"]
    rows = _table(message)
    assert rows[0] == list(answer.table.columns)
    assert rows[1:] == [[c if c != "" else " " for c in r] for r in answer.table.rows[:100]]
    assert message["text"].startswith(answer.title.replace("&", "&amp;"))


def test_slash_command_end_to_end(bot, answerer):
    """A slash command has no thread (Slack allows none): a "working on it" message, replaced by the answer,
    which then holds its chart. One message in the channel, nothing else."""
    calls_before = len(bot.standin.calls)
    sent = bot.send.command("invites last 7 days", channel="C0CMD")
    assert sent.status == 200 and sent.body == b""  # an empty ack: nothing shown until the answer is ready
    [message] = bot.answered("C0CMD")
    expected = expect(answerer, "invites last 7 days")
    check_answer_message(message, expected)
    posts = [c for c in bot.standin.calls[calls_before:] if c.method == "chat.postMessage"]
    assert len(posts) == 1 and "Working on" in posts[0].args["text"]  # one message, then replaced (chat.update)
    assert posts[0].args["_result"]["ts"] == message["ts"]
    message = with_chart(bot.standin, "C0CMD", message["ts"])
    check_chart(bot.standin, message)
    check_answer_message(message, expected)
    assert [ts for (c, ts) in bot.standin.messages if c == "C0CMD"] == [message["ts"]]  # the one message
    [upload] = [c for c in bot.standin.calls[calls_before:] if c.method == "files.completeUploadExternal"]
    assert not upload.args.get("channel_id") and not upload.args.get("channels")  # uploaded shared nowhere


@pytest.mark.parametrize("engine", ["postgres"])
def test_slash_command_numbers_on_postgres(answerers, engine, tmp_path):
    """The same path on PostgreSQL: what Slack shows equals that engine's Answer."""
    running = Bot(answerers[(engine, DATASET)], f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        assert running.send.command("weekly active users", command="/active-users", channel="C0PG").status == 200
        [message] = running.answered("C0PG")
        check_answer_message(message, expect(answerers[(engine, DATASET)], "active users weekly active users"))
    finally:
        running.stop()


def test_help_lists_playbooks(bot, answerer):
    sent = bot.send.command("help")
    assert sent.status == 200
    text = json.dumps(sent.json())
    for pb in answerer.library.all():
        assert pb.id in text and (not pb.examples or pb.examples[0] in text)


def test_unknown_question_only_to_the_asker(bot):
    before = len(bot.standin.calls_of("chat.postMessage"))
    assert bot.send.command("what is the airspeed of a swallow", channel="C0UNK").status == 200
    [reply] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url") if "help" in json.dumps(c.args)])
    assert reply.args["response_type"] == "ephemeral" and "Traceback" not in json.dumps(reply.args)
    assert len(bot.standin.calls_of("chat.postMessage")) == before  # nothing in the channel


def test_mention_answered_in_thread_and_follow_up(bot, answerer):
    """A mention: Slack's "is working on…" status in the thread (no placeholder message), then one answer
    message holding its chart; a reply in the thread is a follow-up, answered the same way."""
    _, ts = bot.send.mention("invites last 7 days", channel="C0THREAD")
    [first] = bot.answered("C0THREAD")
    assert first["thread_ts"] == ts
    check_answer_message(first, expect(answerer, "invites last 7 days"))
    first = with_chart(bot.standin, "C0THREAD", first["ts"])
    check_chart(bot.standin, first)
    [status, *_] = [c for c in bot.standin.calls_of("assistant.threads.setStatus") if c.args["channel_id"] == "C0THREAD"]
    assert status.args["thread_ts"] == ts and status.args["status"] and status.args["loading_messages"]
    assert status.at < next(c.at for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == "C0THREAD")
    assert ("C0THREAD", ts) not in bot.standin.statuses  # cleared by the answer
    assert not [c for c in bot.standin.calls_of("chat.postMessage")
                if c.args.get("channel") == "C0THREAD" and "Working on" in c.args.get("text", "")]
    # a reply in the thread (no mention) is a follow-up: the event stays, the range changes
    assert bot.send.message("last 30 days", channel="C0THREAD", thread_ts=ts).status == 200
    answers = bot.answered("C0THREAD", 2)
    second = next(m for m in answers if m["ts"] != first["ts"])
    assert second["thread_ts"] == ts
    check_answer_message(second, expect(answerer, "last 30 days", previous=answerer.parse("invites last 7 days")))
    assert "Invite Sent" in second["text"]
    check_chart(bot.standin, with_chart(bot.standin, "C0THREAD", second["ts"]))


def test_channel_chatter_is_ignored(bot):
    assert bot.send.message("invites yesterday", channel="C0QUIET").status == 200
    assert bot.send.message("invites yesterday", channel="C0QUIET", thread_ts="1764200000.000001").status == 200
    bot.replier.pool.submit(lambda: None).result()  # let queued work (if any) run
    assert not [c for c in bot.standin.calls if c.args.get("channel") == "C0QUIET"]


def test_direct_message_answered_in_dm_with_follow_up(bot, answerer):
    """A DM (the agent view): answered in the thread of the person's message, with status and a title;
    the next DM is a follow-up of the previous one, and so is a reply in the thread."""
    assert bot.send.message("signups last 7 days", channel="D0ALICE", channel_type="im").status == 200
    [first] = bot.answered("D0ALICE")
    asked = next(ts for (c, ts), m in bot.standin.messages.items() if c == "D0ALICE" and m.get("user") == "U0ALICE")
    assert first["thread_ts"] == asked
    check_answer_message(first, expect(answerer, "signups last 7 days"))
    check_chart(bot.standin, with_chart(bot.standin, "D0ALICE", first["ts"]))
    assert bot.standin.titles[("D0ALICE", asked)] == "signups last 7 days"
    assert [c.args["thread_ts"] for c in bot.standin.calls_of("assistant.threads.setStatus")
            if c.args["channel_id"] == "D0ALICE"][:1] == [asked]
    assert bot.send.message("weekly", channel="D0ALICE", channel_type="im").status == 200
    second = next(m for m in bot.answered("D0ALICE", 2) if m["ts"] != first["ts"])
    check_answer_message(second, expect(answerer, "weekly", previous=answerer.parse("signups last 7 days")))
    assert bot.send.message("last 30 days", channel="D0ALICE", channel_type="im", thread_ts=asked).status == 200
    third = next(m for m in bot.answered("D0ALICE", 3) if m["ts"] not in (first["ts"], second["ts"]))
    assert third["thread_ts"] == asked
    check_answer_message(third, expect(answerer, "last 30 days", previous=answerer.parse("signups last 7 days")))


def test_event_retry_answers_once(bot):
    event = {"type": "app_mention", "user": "U0ALICE", "text": "<@UPLAYBOT> dau", "ts": "1764299500.000100",
             "channel": "C0RETRY", "event_ts": "1764299500.000100"}
    bot.standin.user_message("C0RETRY", event["ts"], event["text"], "U0ALICE")
    assert bot.send.event(event, event_id="Ev0RETRY").status == 200
    assert bot.send.event(event, event_id="Ev0RETRY", retry=1).status == 200
    assert bot.send.event(event, event_id="Ev0RETRY", retry=2).status == 200
    bot.answered("C0RETRY")
    bot.replier.pool.submit(lambda: None).result()
    posts = [c for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == "C0RETRY"]
    assert len(posts) == 1


def test_forged_or_stale_requests_are_refused(bot):
    before = len(bot.standin.calls)
    assert bot.send.command("dau", channel="C0FORGED", secret="not-the-secret").status == 401
    assert bot.send.command("dau", channel="C0FORGED", timestamp=int(__import__("time").time()) - 600).status == 401
    _, _ = bot.send.mention("dau", channel="C0FORGED", secret="not-the-secret")
    bot.replier.pool.submit(lambda: None).result()
    assert [c.method for c in bot.standin.calls[before:] if c.args.get("channel") == "C0FORGED"] == []


def test_buttons_refresh_show_sql_csv(bot, answerer):
    bot.send.command("messages sent last 30 days by platform", channel="C0BUTTONS")
    [message] = bot.answered("C0BUTTONS")
    expected = expect(answerer, "messages sent last 30 days by platform")
    check_answer_message(message, expected)
    first_chart = check_chart(bot.standin, with_chart(bot.standin, "C0BUTTONS", message["ts"]))
    answer_id = _button_value(message, ACTION_REFRESH)
    # Show SQL: only to the clicker, the SQL as it ran
    assert bot.send.click(ACTION_SQL, answer_id, "C0BUTTONS", message["ts"]).status == 200
    [sql] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url") if "SQL" in c.args.get("text", "")])
    assert sql.args["response_type"] == "ephemeral"
    code = [b["text"]["text"] for b in sql.args["blocks"] if b["type"] == "section"]
    assert html.unescape("".join(c.removeprefix("```").removesuffix("```") for c in code)) == expected.sql
    assert "Bound parameters: " in json.dumps(sql.args["blocks"][-1])
    # CSV: the full result, as a file in the answer's thread
    assert bot.send.click(ACTION_CSV, answer_id, "C0BUTTONS", message["ts"]).status == 200
    done = bot.standin.wait_for(lambda s: [c for c in s.calls_of("files.completeUploadExternal")
                                           if c.args.get("thread_ts") == message["ts"]])
    data = bot.standin.files[done[0].args["files"][0]["id"]]["bytes"].decode()
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == list(expected.columns) and len(rows) - 1 == len(expected.rows)
    assert rows[1:] == [["" if v is None else str(json_safe(v)) for v in r] for r in expected.rows]
    # Refresh: the same message is updated, says when, and its chart is replaced in place
    assert bot.send.click(ACTION_REFRESH, answer_id, "C0BUTTONS", message["ts"]).status == 200
    refreshed = bot.standin.wait_for(lambda s: "Refreshed" in _text(s.messages[("C0BUTTONS", message["ts"])])
                                     and _image(s.messages[("C0BUTTONS", message["ts"])])
                                     and s.messages[("C0BUTTONS", message["ts"])])
    check_answer_message(refreshed, expected)
    second_chart = check_chart(bot.standin, refreshed)
    assert second_chart != first_chart
    bot.standin.wait_for(lambda s: s.files[first_chart]["deleted"])  # deleted right after the new one is shown
    assert len([c for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == "C0BUTTONS"]) == 1
    charts = [m for m in bot.standin.messages.values() if m["channel"] == "C0BUTTONS"
              and any(bot.standin.files[f]["filename"].endswith(".png") for f in m.get("files") or [])]
    assert [m["ts"] for m in charts] == [message["ts"]]  # Refresh left no second chart (the CSV is in the thread)


def test_rate_limited_post_is_retried_and_delivered(bot, answerer):
    bot.standin.fail("chat.postMessage", status=429, times=1, retry_after=1)
    bot.standin.fail("chat.update", status=503, times=1)
    bot.send.command("invites yesterday", channel="C0LIMIT")
    [message] = bot.answered("C0LIMIT")
    check_answer_message(message, expect(answerer, "invites yesterday"))
    assert bot.standin.calls_of("chat.postMessage#429") and bot.standin.calls_of("chat.update#503")


def test_not_in_channel_tells_the_user_to_invite(bot):
    bot.standin.not_in_channels.add("C0PRIVATE")
    bot.send.command("dau", channel="C0PRIVATE")
    [reply] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url") if "/invite" in c.args.get("text", "")])
    assert reply.args["response_type"] == "ephemeral"


def test_warehouse_down_is_a_clear_message(tmp_path):
    from ..conftest import DATASETS, make_answerer

    down = make_answerer("postgresql+psycopg://postgres@127.0.0.1:1/nope", DATASETS[DATASET])
    running = Bot(down, f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        running.send.command("invites yesterday", channel="C0DOWN")
        [reply] = running.standin.wait_for(lambda s: s.calls_of("response_url"))
        text = json.dumps(reply.args)
        assert "not reachable" in text and "Traceback" not in text and reply.args["response_type"] == "ephemeral"
    finally:
        running.stop()


def test_slow_warehouse_does_not_delay_other_acks(answerer, tmp_path):
    """Ordering, not timing: while one answer is stuck in the warehouse, other commands are acked."""
    gate, entered = threading.Event(), threading.Event()

    class SlowAnswerer(Answerer):
        def answer(self, request, refresh=False):
            entered.set()
            assert gate.wait(60)
            return super().answer(request, refresh=refresh)

    slow = SlowAnswerer(answerer.config, answerer.warehouses, answerer.library, clock=answerer._clock)
    running = Bot(slow, f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        assert running.send.command("invites last 7 days", channel="C0SLOW", user="U0A").status == 200
        assert entered.wait(60)  # the first question is now inside the (stuck) warehouse
        acks = [running.send.command("dau", channel="C0SLOW2", user=f"U0{i}") for i in range(3)]
        assert all(a.status == 200 for a in acks)
        assert not [c for c in running.standin.calls_of("chat.update")]  # nothing answered yet, yet all acked
        gate.set()
        running.answered("C0SLOW")
        running.answered("C0SLOW2", 3)
    finally:
        gate.set()
        running.stop()


def test_policy_refusal_runs_nothing(answerer, tmp_path):
    """The access check sits before the warehouse: a refused question posts nothing and runs nothing."""
    policies = parse_policies({"rules": [{"name": "retention in #product", "playbooks": ["retention"],
                                          "only": {"channels": ["C0PRODUCT"]}}]})
    running = Bot(answerer, f"sqlite:///{tmp_path / 'state.sqlite'}", policies=policies)
    try:
        running.send.command("weekly", command="/retention", channel="C0GENERAL")
        [reply] = running.standin.wait_for(lambda s: s.calls_of("response_url"))
        assert "<#C0PRODUCT>" in json.dumps(reply.args) and reply.args["response_type"] == "ephemeral"
        assert not running.standin.calls_of("chat.postMessage")  # refused before anything ran or was posted
        [entry] = running.audit.entries()
        assert (entry.user_id, entry.channel, entry.team, entry.playbook, entry.outcome) == (
            "U0ALICE", "C0GENERAL", "T0TEST", "retention", "refused")
        running.send.command("dau", channel="C0GENERAL")
        running.answered("C0GENERAL")
    finally:
        running.stop()


def test_healthz(bot):
    with urllib.request.urlopen(bot.base + "/healthz", timeout=10) as resp:
        assert resp.status == 200 and json.loads(resp.read()) == {"ok": True}


def test_manifest_lists_every_command_and_scope():
    from handlers.slack.manifest import manifest

    config = SlackConfig(command="/data")
    socket = manifest(config)
    assert [c["command"] for c in socket["features"]["slash_commands"]] == list(command_names(config))
    assert socket["settings"]["socket_mode_enabled"] is True and socket["settings"]["interactivity"]["is_enabled"]
    assert {"app_mention", "message.im", "message.channels"} <= set(socket["settings"]["event_subscriptions"]["bot_events"])
    assert {"chat:write", "commands", "files:write", "app_mentions:read", "im:history"} <= set(
        socket["oauth_config"]["scopes"]["bot"])
    assert "app_home_opened" in socket["settings"]["event_subscriptions"]["bot_events"]
    assert socket["features"]["app_home"]["home_tab_enabled"] and socket["features"]["agent_view"]["agent_description"]
    assert socket["features"]["shortcuts"] == [{"name": "Ask Playbot", "type": "message", "callback_id": "playbot_ask",
                                                "description": "Answer this message as a data question"}]
    optional = set(socket["oauth_config"]["scopes"]["bot_optional"])
    assert {"assistant:write", "users:read", "usergroups:read"} == optional
    assert not optional & set(socket["oauth_config"]["scopes"]["bot"])
    http = manifest(config, socket_mode=False, request_url="https://bot.example.org/")
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == "https://bot.example.org/slack/events"
    assert all(c["url"] == "https://bot.example.org/slack/events" for c in http["features"]["slash_commands"])


def test_socket_mode(answerer, tmp_path):
    """Socket Mode: the handler opens a connection (apps.connections.open with the app token), gets
    a slash command over the WebSocket, acks its envelope, and answers through the Web API."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from ..slack_standin import APP_TOKEN, SocketModeStandIn

    standin = SlackStandIn().start()
    sockets = SocketModeStandIn(standin)
    state = SlackState(open_state(f"sqlite:///{tmp_path / 'state.sqlite'}"))
    app, replier = create_app(AnswerService(answerer), state, make_client(BOT_TOKEN, standin.url), SlackConfig(),
                              signing_secret=None)
    handler = SocketModeHandler(app, APP_TOKEN)
    try:
        handler.connect()
        assert sockets.connected.wait(30)
        assert standin.calls_of("apps.connections.open")
        envelope = sockets.send("slash_commands", {
            "command": "/playbot", "text": "invites last 7 days", "channel_id": "C0SOCKET", "channel_name": "analytics",
            "user_id": "U0ALICE", "team_id": "T0TEST", "response_url": standin.response_url(), "trigger_id": "1.t"})
        sockets.wait_ack(envelope)
        [message] = standin.wait_for(lambda s: [m for (c, _), m in s.messages.items()
                                                if c == "C0SOCKET" and _has_buttons(m)])
        check_answer_message(message, expect(answerer, "invites last 7 days"))
    finally:
        handler.close()
        sockets.stop()
        replier.close()
        standin.stop()
        state.db.dispose()


def test_bot_py_serves_http_mode(built, tmp_path):
    """The real entry point: `python bot.py` with a bot token and signing secret serves HTTP mode,
    answers a signed slash command through the stand-in, and never logs a secret."""
    import os
    import shutil
    import socket
    import subprocess
    import sys
    import time

    from config import load_config
    from service.build import build_answerer

    from ..slack_standin import ROOT_DIR

    warehouse = tmp_path / "segment.duckdb"
    shutil.copyfile(built[DATASET], warehouse)
    standin = SlackStandIn().start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": standin.url,
           "PORT": str(port), "PLAYBOT_WAREHOUSE_URL": f"duckdb:///{warehouse}", "PLAYBOT_SOURCES": "messenger_web,messenger_ios",
           "PLAYBOT_TIMEZONE": "America/New_York", "PLAYBOT_STATE_DB": f"sqlite:///{tmp_path / 'state.sqlite'}"}
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("PLAYBOT_CONFIG", None)
    with open(tmp_path / "bot.log", "w") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT_DIR / "bot.py"), "-v"], cwd=tmp_path, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "bot.log").read_text()
                time.sleep(0.3)
        send = SlackSender(base + "/slack/events", standin)
        assert send.command("invites last 30 days", channel="C0PROC").status == 200
        assert send.command("invites last 30 days", channel="C0PROC", secret="forged").status == 401
        [message] = standin.wait_for(lambda s: [m for (c, _), m in s.messages.items() if c == "C0PROC" and _has_buttons(m)])
        config = load_config(None, env=env)
        check_answer_message(message, expect(build_answerer(config), "invites last 30 days"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        standin.stop()
    output = (tmp_path / "bot.log").read_text()
    assert "listening on port" in output
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output


SLOW_PLAYBOOK = """/* playbook
id: slow_probe
title: Slow probe
question: Does a slow warehouse get a clear message?
params:
  start: {type: date}
  end: {type: date}
words: [slow probe]
examples: [slow probe last 7 days]
*/
SELECT CAST(pg_sleep(30) AS TEXT) AS slept, CAST(:start AS DATE) AS since
"""


def test_warehouse_timeout_replaces_the_working_message(pg_url, tmp_path):
    """A query that times out on PostgreSQL: the "working on it" message becomes a clear failure with what to try."""
    from dataclasses import replace

    from playbooks import load_library
    from warehouse import Warehouse

    from ..conftest import DATASETS, make_config

    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "slow_probe.sql").write_text(SLOW_PLAYBOOK)
    base = make_config(pg_url.replace("postgresql://", "postgresql+psycopg://"), DATASETS[DATASET])
    config = replace(base, warehouses={"segment": replace(base.warehouses["segment"], timeout_seconds=3)})
    warehouse = Warehouse(config.warehouses["segment"])
    slow = Answerer(config, {"segment": warehouse}, load_library([tmp_path / "playbooks"]),
                    clock=lambda: DATASETS[DATASET].clock)
    running = Bot(slow, f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        running.send.command("slow probe last 7 days", channel="C0TIMEOUT")
        [post] = running.standin.wait_calls("chat.postMessage")
        ts = post.args["_result"]["ts"]
        failed = running.standin.wait_for(lambda s: "Working on" not in s.messages[("C0TIMEOUT", ts)]["text"]
                                          and s.messages[("C0TIMEOUT", ts)])
        text = _text(failed)
        assert ":stopwatch:" in text and "took longer than 3 s" in text and "shorter time range" in text
        assert "Traceback" not in text
        assert not _has_buttons(failed)
        assert len(running.standin.calls_of("chat.postMessage")) == 1  # the same message, replaced
    finally:
        running.stop()
        warehouse.close()


def _choices(call) -> dict[str, str]:
    """The choice buttons of a question asked back: label -> value (the stored request's id)."""
    blocks = call.args.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    actions = [b for b in blocks if b["type"] == "actions"]
    return {e["text"]["text"]: e["value"] for a in actions for e in a["elements"] if e["action_id"] == ACTION_CHOICE}


def test_a_choice_asked_back_is_a_button_and_a_reply(bot, answerer):
    """"sent last week" is asked back (which event?): each choice is a button answering the whole question
    read with it; in a thread, typing the choice's name (or its number) answers the same way."""
    asked = answerer.parse("sent last week")
    assert isinstance(asked, Clarification) and "Invite Sent" in [o.label for o in asked.options]
    # a slash command: the question only the asker sees, one button per choice
    assert bot.send.command("sent last week", channel="C0CHOICE").status == 200
    [told] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url") if _choices(c)])
    assert told.args["response_type"] == "ephemeral"
    buttons = _choices(told)
    assert list(buttons) == [o.label for o in asked.options]
    assert bot.send.click(ACTION_CHOICE, buttons["Invite Sent"], "C0CHOICE", "1764299000.000001").status == 200
    [message] = bot.answered("C0CHOICE")
    picked = next(o.request for o in asked.options if o.label == "Invite Sent")
    expected = answerer.answer(picked)
    check_answer_message(message, expected)
    assert expected.request.params["event"] == "Invite Sent" and "thread_ts" not in message
    # a mention: asked back in its thread; the reply "Message Sent" there is the choice
    _, ts = bot.send.mention("sent last week", channel="C0CHOICE2")
    bot.standin.wait_for(lambda s: [c for c in s.calls_of("chat.postEphemeral")
                                    if c.args.get("channel") == "C0CHOICE2" and _choices(c)])
    assert bot.send.message("Message Sent", channel="C0CHOICE2", thread_ts=ts).status == 200
    [answer] = bot.answered("C0CHOICE2")
    assert answer["thread_ts"] == ts
    check_answer_message(answer, answerer.answer(next(o.request for o in asked.options if o.label == "Message Sent")))
    # the choice is used up: "2" in the thread now is a follow-up of the answer, not the second choice
    assert bot.send.message("2", channel="C0CHOICE2", thread_ts=ts).status == 200
    settle(bot.replier)
    answers = [m for (c, _), m in bot.standin.messages.items() if c == "C0CHOICE2" and _has_buttons(m)]
    assert len(answers) == 1 and not bot.replier.state.has_pending_choices("C0CHOICE2", ts)


def test_a_choice_typed_as_a_word_only_it_has_is_that_choice(bot, answerer):
    """"inbox views last week" asks page or screen (web or the app); "the web one" in the thread is the page."""
    asked = answerer.parse("inbox views last week")
    labels = [o.label for o in asked.options]
    assert isinstance(asked, Clarification) and labels == ["Viewed Inbox Page", "Viewed Inbox Screen"]
    _, ts = bot.send.mention("inbox views last week", channel="C0CHOICE3")
    bot.standin.wait_for(lambda s: [c for c in s.calls_of("chat.postEphemeral")
                                    if c.args.get("channel") == "C0CHOICE3" and _choices(c)])
    assert bot.send.message("the web one", channel="C0CHOICE3", thread_ts=ts).status == 200
    [answer] = bot.answered("C0CHOICE3")
    picked = next(o.request for o in asked.options if o.label == "Viewed Inbox Page")
    check_answer_message(answer, answerer.answer(picked))
    assert answer["thread_ts"] == ts and picked.params["event"] == "Viewed Inbox Page"
