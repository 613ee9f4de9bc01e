"""Finding 8, HTTP mode against a real waitress server: malformed or oversized requests are answered
400/413 without a traceback (Bolt parsed bodies before verifying them: 500s with tracebacks), waitress
takes at most 1 MB (it took 1 GiB), the body of an unverified request is never logged (Bolt logged it
at INFO, which `-v` shows), and a signed slash command replayed with the same trigger_id is answered once."""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.parse

import pytest

from handlers.slack.server import MAX_BODY_BYTES

from ..conftest import DATASETS, make_answerer
from ..slack_standin import sign
from .test_slack import Bot

FORM = "application/x-www-form-urlencoded"
MARKER = "FORGED-BODY-MARKER"


@pytest.fixture(scope="module")
def answerer(built):
    return make_answerer(f"duckdb:///{built['messenger']}", DATASETS["messenger"])


@pytest.fixture
def verbose(caplog):
    """Logging as `bot.py -v` sets it up, before the app exists (Bolt's logger takes the level it starts with)."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def bot(answerer, tmp_path):
    running = Bot(answerer, f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield running
    running.stop()


def _payload(payload) -> bytes:
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


BUTTON_WITHOUT_ACTIONS = {"type": "block_actions", "user": {"id": "U0BOB"}, "team": {"id": "T0TEST"},
                          "channel": {"id": "C0ANALYTICS"}, "trigger_id": "1.trigger", "actions": []}
MALFORMED = [
    ("a timestamp that is not a number", b"command=/playbot&text=dau", FORM, {"X-Slack-Request-Timestamp": "abc"}, 400),
    ("payload that is not JSON", b"payload={not json", FORM, {}, 400),
    ("payload that is not an object", _payload([1, 2]), FORM, {}, 400),
    ("an interaction with no actions", _payload(BUTTON_WITHOUT_ACTIONS), FORM, {}, 400),
    ("a JSON body cut short", b'{"type": "event_callback", "event": ', "application/json", {}, 400),
    ("a body that is not UTF-8", b"command=/playbot&text=\xff\xfe", FORM, {}, 400),
    ("a forged signature", f"command=/playbot&text={MARKER}".encode(), FORM, {"X-Slack-Signature": "v0=" + "0" * 64}, 401),
    ("an expired signature", f"command=/playbot&text={MARKER}".encode(), FORM, {"stale": "1"}, 401),
    ("no signature", f"command=/playbot&text={MARKER}".encode(), FORM, {"X-Slack-Signature": ""}, 401),
]


@pytest.mark.parametrize("what, body, content_type, headers, status", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_requests_are_refused_without_a_traceback(verbose, bot, what, body, content_type, headers, status):
    caplog = verbose
    stale = headers.pop("stale", None)
    signed = sign(body, timestamp=int(time.time()) - 600 if stale else None)
    sent = bot.send.post(body, content_type, headers={**signed, **headers})
    assert sent.status == status, (what, sent.body)
    assert json.loads(sent.body)["error"]
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert MARKER not in caplog.text  # the body of an unverified request is never logged
    assert not bot.standin.calls_of("chat.postMessage")


def _raw_post(port: int, length: int, sent: bytes) -> bytes:
    """Headers announcing `length` bytes and only `sent` of them: the answer must not wait for the rest."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
                     f"Content-Length: {length}\r\n\r\n".encode() + sent)
        return conn.recv(4096)


def test_a_body_over_1_mb_is_answered_413_unread(bot, caplog):
    caplog.set_level(logging.INFO)
    assert bot.server.server.adj.max_request_body_size == MAX_BODY_BYTES + 1 == (1 << 20) + 1  # it refuses >= this
    for length in (10 * 1024 * 1024, 1 << 30, MAX_BODY_BYTES + 1):
        reply = _raw_post(bot.server.port, length, b"x" * 1024)
        assert reply.startswith(b"HTTP/1.1 413"), reply[:80]
    assert not [r for r in caplog.records if r.exc_info]
    # a body of exactly the limit is read and judged on its signature
    body = b"command=/playbot&text=" + b"a" * (MAX_BODY_BYTES - 22)
    assert len(body) == MAX_BODY_BYTES
    assert bot.send.post(body, FORM, headers={"X-Slack-Signature": "v0=" + "0" * 64}).status == 401


def test_a_replayed_slash_command_is_answered_once(bot, caplog):
    caplog.set_level(logging.INFO)
    form = {"token": "legacy", "team_id": "T0TEST", "channel_id": "C0ANALYTICS", "channel_name": "analytics",
            "user_id": "U0ALICE", "command": "/playbot", "text": "invites yesterday", "api_app_id": "A0PLAYBOT",
            "response_url": bot.standin.response_url(), "trigger_id": "4242.replayed"}
    body = urllib.parse.urlencode(form).encode()
    headers = sign(body)  # the same signed request, sent twice a second apart
    first = bot.send.post(body, FORM, headers=headers)
    time.sleep(1)
    second = bot.send.post(body, FORM, headers=headers)
    assert first.status == second.status == 200 and second.body == b""
    bot.answered("C0ANALYTICS")
    time.sleep(1)  # time for a second answer, were there one
    working = [c for c in bot.standin.calls_of("chat.postMessage") if c.args["channel"] == "C0ANALYTICS"]
    assert len(working) == 1
    assert "replayed" in caplog.text
    # a new trigger_id is a new command
    assert bot.send.command("invites yesterday").status == 200
    bot.answered("C0ANALYTICS", 2)


def test_a_replayed_button_click_is_handled_once(bot):
    payload = {**BUTTON_WITHOUT_ACTIONS, "trigger_id": "77.replayed", "response_url": bot.standin.response_url(),
               "actions": [{"action_id": "playbot_sql", "block_id": "b", "value": "nope", "type": "button"}]}
    body = _payload(payload)
    headers = sign(body)
    assert bot.send.post(body, FORM, headers=headers).status == 200
    assert bot.send.post(body, FORM, headers=headers).status == 200
    bot.standin.wait_calls("response_url", 1)
    time.sleep(1)
    assert len(bot.standin.calls_of("response_url")) == 1  # "I no longer have the SQL" told once
