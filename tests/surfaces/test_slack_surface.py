"""Slack-native answers end to end (real Bolt over HTTP, signed requests, the Slack stand-in): text that
survives Slack both ways, tables that page, Slack's own charts, a chart Slack refuses, the assistant
status, App Home and the DM's prompts, the "Ask Playbot" shortcut, feedback in the audit log."""

from __future__ import annotations

import html
import json
import re
import threading

import pytest

from answers.answerer import Answerer
from config import SlackConfig
from handlers.slack.blocks import ACTION_FEEDBACK, ACTION_REFRESH

from ..slack_standin import BOT_USER
from .test_slack import Bot, _blocks, _button_value, _image, _table, check_answer_message, check_chart, expect, settle, with_chart

ENGINE, DATASET = "duckdb", "messenger"
BROADCAST = re.compile(r"<!(here|channel|everyone)")


@pytest.fixture(scope="module")
def answerer(answerers) -> Answerer:
    return answerers[(ENGINE, DATASET)]


@pytest.fixture(scope="module")
def bot(answerer, tmp_path_factory):
    running = Bot(answerer, f"sqlite:///{tmp_path_factory.mktemp('surface') / 'state.sqlite'}")
    yield running
    running.stop()


def rendered(mrkdwn: str) -> str:
    """What a person sees for a mrkdwn text: Slack decodes &amp; &lt; &gt; once."""
    return html.unescape(mrkdwn)


def everything_sent(bot, channel: str) -> str:
    """Every text and block the bot sent to `channel` (messages, ephemeral replies, status), as JSON."""
    calls = [c for c in bot.standin.calls if c.args.get("channel") == channel or c.args.get("channel_id") == channel
             or c.method == "response_url"]
    return json.dumps([{k: v for k, v in c.args.items() if k != "_result"} for c in calls], ensure_ascii=False)


def test_broadcasts_and_entities_come_back_as_text(bot, answerer):
    """`<!here>` and `&lt;` in a question: decoded once on the way in (the parser reads "@here" and "<"),
    escaped once on the way out: never a live broadcast, never `&amp;lt;`; the bot's own mention is gone."""
    _, ts = bot.send.mention("invites last 7 days <!here> &lt;3 &amp; <@U0DAN|dan> <#C0X|general>", channel="C0TEXT")
    [message] = bot.answered("C0TEXT")
    question = "invites last 7 days @here <3 & @dan #general"
    check_answer_message(message, expect(answerer, question))
    reading = next(e["text"] for b in _blocks(message) if b["type"] == "context" for e in b["elements"]
                   if e["text"].startswith("How I read this"))
    assert "invites" in reading and "&amp;lt;" not in reading
    bot.send.command("invites last 7 days <!channel> &lt;3", channel="C0TEXT2")
    [placeholder] = bot.standin.wait_for(lambda s: [c for c in s.calls_of("chat.postMessage")
                                                    if c.args.get("channel") == "C0TEXT2"][:1])
    shown = placeholder.args["blocks"][0]["text"]["text"]
    assert "<3" in rendered(shown) and "&amp;lt;" not in shown and "&lt;3" in placeholder.args["text"]
    bot.answered("C0TEXT2")
    for channel in ("C0TEXT", "C0TEXT2"):
        sent = everything_sent(bot, channel)
        assert not BROADCAST.search(sent) and "&amp;lt;" not in sent and f"<@{BOT_USER}>" not in sent
        assert not re.search(r"@(here|channel)\b", sent)  # a broadcast word is defused (a word joiner after @)


def test_unreadable_question_echo_is_escaped(bot):
    """A question the parser can't read is told back to the asker: every echo of it escaped, the text
    fallback included (Slack builds the notification from it)."""
    before = len(bot.standin.calls_of("response_url"))
    bot.send.command("zzqx flurbs <!here> <b>bold</b> &lt;script&gt;", channel="C0ECHO")
    [reply] = bot.standin.wait_for(lambda s: s.calls_of("response_url")[before:])
    sent = json.dumps(reply.args)
    assert "flurbs" in sent and reply.args["response_type"] == "ephemeral"
    assert not BROADCAST.search(sent) and "<script>" not in sent and "<b>" not in sent


def test_sixty_rows_page_in_a_data_table(bot, answerer):
    bot.send.command("messages sent last 60 days", channel="C0PAGES")
    [message] = bot.answered("C0PAGES")
    expected = expect(answerer, "messages sent last 60 days")
    assert len(expected.table.rows) >= 60
    [table] = [b for b in _blocks(message) if b["type"] in ("table", "data_table")]
    assert table["type"] == "data_table" and table["page_size"] == 25 < len(table["rows"]) - 1
    check_answer_message(message, expected)  # every row, exactly as the Answer formats it
    assert _table(message)[1:] == [list(r) for r in expected.table.rows]
    assert not any("more rows" in json.dumps(b) for b in _blocks(message))


def test_native_charts_option(answerer, tmp_path):
    """slack.native_charts: trends and bars in Slack's own chart block (nothing uploaded); a heatmap
    stays the PNG, in the message."""
    running = Bot(answerer, f"sqlite:///{tmp_path / 'state.sqlite'}", config=SlackConfig(native_charts=True))
    try:
        running.send.command("dau last 14 days", channel="C0NATIVE")
        [message] = running.answered("C0NATIVE")
        [chart] = [b for b in _blocks(message) if b["type"] == "data_visualization"]
        expected = expect(answerer, "dau last 14 days")
        assert chart["chart"]["type"] == "line" and chart["title"] == expected.title[:50]
        points = chart["chart"]["series"][0]["data"]
        assert [p["value"] for p in points] == [float(v) for v in expected.chart.series[0].values]
        assert not running.standin.calls_of("files.getUploadURLExternal") and _image(message) is None
        running.send.command("retention weekly", channel="C0HEAT")
        [heat] = running.answered("C0HEAT")
        check_chart(running.standin, with_chart(running.standin, "C0HEAT", heat["ts"]))
        assert not [b for b in _blocks(heat) if b["type"] == "data_visualization"]
    finally:
        running.stop()


@pytest.mark.parametrize("error", ["file_uploads_disabled", "missing_scope", "file_upload_size_restricted"])
def test_a_chart_slack_refuses_leaves_the_answer_saying_why(bot, answerer, error):
    channel = "C0NOPIC" + error.replace("_", "").upper()[-8:]
    settle(bot.replier)  # no chart of an earlier test is still uploading
    bot.standin.error("files.getUploadURLExternal", error)
    bot.send.command("invites last 7 days", channel=channel)
    [message] = bot.answered(channel)
    message = bot.standin.wait_for(lambda s: "isn't shown" in json.dumps(s.messages[(channel, message["ts"])])
                                   and s.messages[(channel, message["ts"])])
    check_answer_message(message, expect(answerer, "invites last 7 days"))
    note = json.dumps(_blocks(message))
    assert f"Slack said `{error}`" in note and "The numbers above are complete" in note and _image(message) is None
    bot.replier.pool.submit(lambda: None).result()
    assert len([c for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == channel]) == 1
    assert not [c for c in bot.standin.calls_of("response_url") if "Something went wrong" in json.dumps(c.args)]


def test_upload_5xx_past_retries_in_a_thread_answer(bot, answerer):
    """The upload POST fails three times (5xx): the mention's answer is posted once, without the chart,
    saying so; Refresh then brings the chart."""
    settle(bot.replier)
    bot.standin.fail("upload", status=503, times=3)
    _, ts = bot.send.mention("invites last 7 days", channel="C0FLAKY")
    [message] = bot.answered("C0FLAKY")
    message = bot.standin.wait_for(lambda s: "isn't shown" in json.dumps(s.messages[("C0FLAKY", message["ts"])])
                                   and s.messages[("C0FLAKY", message["ts"])])
    assert "didn't take it after several tries" in json.dumps(_blocks(message)) and message["thread_ts"] == ts
    assert len(bot.standin.calls_of("upload#503")) == 3
    bot.send.click(ACTION_REFRESH, _button_value(message, ACTION_REFRESH), "C0FLAKY", message["ts"])
    check_chart(bot.standin, with_chart(bot.standin, "C0FLAKY", message["ts"]))


def test_status_is_set_again_while_a_long_query_runs_and_cleared(answerer, tmp_path):
    gate, entered = threading.Event(), threading.Event()

    class SlowAnswerer(Answerer):
        def answer(self, request, refresh=False):
            entered.set()
            assert gate.wait(60)
            return super().answer(request, refresh=refresh)

    slow = SlowAnswerer(answerer.config, answerer.warehouses, answerer.library, clock=answerer._clock)
    running = Bot(slow, f"sqlite:///{tmp_path / 'state.sqlite'}", status_every=0.2)
    try:
        _, ts = running.send.mention("invites last 7 days", channel="C0LONG")
        assert entered.wait(60)
        running.standin.wait_for(lambda s: len(s.calls_of("assistant.threads.setStatus")) >= 3)
        assert running.standin.statuses[("C0LONG", ts)]  # shown while the warehouse works
        gate.set()
        [message] = running.answered("C0LONG")
        assert message["thread_ts"] == ts
        running.replier.pool.submit(lambda: None).result()
        assert ("C0LONG", ts) not in running.standin.statuses
        assert not [c for c in running.standin.calls_of("chat.postMessage") if "Working on" in c.args.get("text", "")]
    finally:
        gate.set()
        running.stop()


def test_placeholder_where_status_cannot_be_used(bot, answerer):
    settle(bot.replier)
    bot.standin.error("assistant.threads.setStatus", "not_allowed_token_type")
    _, ts = bot.send.mention("invites last 7 days", channel="C0NOSTATUS")
    [message] = bot.answered("C0NOSTATUS")
    [post] = [c for c in bot.standin.calls_of("chat.postMessage") if c.args.get("channel") == "C0NOSTATUS"]
    assert "Working on" in post.args["text"] and post.args["thread_ts"] == ts and post.args["_result"]["ts"] == message["ts"]
    check_answer_message(message, expect(answerer, "invites last 7 days"))


def test_failure_after_the_status_is_said_in_the_thread(answerer, tmp_path):
    """Allowed and started, then the warehouse fails: the failure is said in the thread (which clears
    the status), never only in a log."""
    from answers import Failure
    from errors import Kind

    class Down(Answerer):
        def answer(self, request, refresh=False):
            return Failure(request.question, "The warehouse is not reachable.", "Try again in a few minutes.",
                           Kind.UNAVAILABLE, request)

    running = Bot(Down(answerer.config, answerer.warehouses, answerer.library, clock=answerer._clock),
                  f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        _, ts = running.send.mention("invites last 7 days", channel="C0FAILS")
        [post] = running.standin.wait_calls("chat.postMessage")
        assert post.args["thread_ts"] == ts and "not reachable" in post.args["text"]
        running.replier.pool.submit(lambda: None).result()
        assert ("C0FAILS", ts) not in running.standin.statuses and running.standin.calls_of("assistant.threads.setStatus")
    finally:
        running.stop()


def test_app_home_and_the_dms_suggested_prompts(bot, answerer):
    bot.send.command("invites last 7 days", channel="C0HOMEQ", user="U0HOMER")
    bot.answered("C0HOMEQ")
    bot.send.home_opened("U0HOMER")
    home = bot.standin.wait_for(lambda s: s.homes.get("U0HOMER"))
    text = json.dumps(home["blocks"])
    for pb in answerer.library.all():
        assert pb.title in text and (not pb.examples or pb.examples[0] in text)
    assert "My schedules" in text and "Recent answers" in text and "`invites last 7 days` in <#C0HOMEQ>" in text
    bot.send.home_opened("U0HOMER", tab="messages", channel="D0HOMER")
    prompts = bot.standin.wait_for(lambda s: s.prompts.get("D0HOMER"))
    [call] = bot.standin.calls_of("assistant.threads.setSuggestedPrompts")
    assert "thread_ts" not in call.args  # agent view: prompts belong to the DM, not a thread
    assert len(prompts["prompts"]) == 4 and prompts["prompts"][0]["message"] == "invites last 7 days"
    assert {p["message"] for p in prompts["prompts"][1:]} <= {pb.examples[0] for pb in answerer.library.all()}


def test_ask_playbot_shortcut_answers_in_the_messages_thread(bot, answerer):
    bot.standin.user_message("C0SHORT", "1764299900.000100", "how many invites last 7 days?", "U0CAROL")
    assert bot.send.shortcut("invites last 7 days", "C0SHORT", "1764299900.000100", user="U0BOB").status == 200
    [message] = bot.answered("C0SHORT")
    assert message["thread_ts"] == "1764299900.000100"
    check_answer_message(message, expect(answerer, "invites last 7 days"))
    check_chart(bot.standin, with_chart(bot.standin, "C0SHORT", message["ts"]))


def test_feedback_is_recorded_in_the_audit_log(bot):
    bot.send.command("dau", channel="C0FEEDBACK", user="U0ALICE")
    [message] = bot.answered("C0FEEDBACK")
    feedback = next(b for b in _blocks(message) if b["type"] == "context_actions")["elements"][0]
    assert feedback["action_id"] == ACTION_FEEDBACK
    bad = feedback["negative_button"]["value"]
    assert bot.send.feedback(bad, "C0FEEDBACK", message["ts"], user="U0BOB").status == 200
    bot.standin.wait_for(lambda s: [c for c in s.calls_of("response_url") if "Thanks, noted" in json.dumps(c.args)])
    [entry] = [e for e in bot.audit.entries(outcome="feedback")]
    assert (entry.user_id, entry.channel, entry.playbook, entry.reason, entry.question) == (
        "U0BOB", "C0FEEDBACK", "active_users", "bad", "(feedback bad) dau")
    assert bot.state.feedback(bad.split(":", 1)[1]) == {"U0BOB": "bad"}
