"""A local Slack Web API stand-in (a real HTTP server on 127.0.0.1) and a client that sends Slack's
signed requests to the bot. The stand-in records every call and checks arguments the way Slack does
(auth, required fields, Block Kit limits, upload flow order), so a test fails where Slack would."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BOT_TOKEN = "xoxb-test-1234-abcdefghijkl"
APP_TOKEN = "xapp-1-test-abcdefghijkl"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "UPLAYBOT"
ROOT_DIR = Path(__file__).resolve().parents[1]


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class SlackError(Exception):
    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


def _check_blocks(blocks: Any) -> None:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list) or len(blocks) > 50:
        raise SlackError("invalid_blocks")
    tables = 0
    for block in blocks:
        kind = block.get("type")
        if kind == "header" and (block["text"]["type"] != "plain_text" or len(block["text"]["text"]) > 150):
            raise SlackError("invalid_blocks")
        if kind == "section" and len(block["text"]["text"]) > 3000:
            raise SlackError("invalid_blocks")
        if kind == "context" and (not block["elements"] or len(block["elements"]) > 10):
            raise SlackError("invalid_blocks")
        if kind == "actions" and (len(block["elements"]) > 25 or any(
                len(e["text"]["text"]) > 75 or len(e.get("value", "")) > 2000 for e in block["elements"])):
            raise SlackError("invalid_blocks")
        if kind == "table":
            tables += 1
            rows = block["rows"]
            if len(rows) > 100 or any(len(r) > 20 for r in rows) or any(not c.get("text") for r in rows for c in r):
                raise SlackError("invalid_blocks")
    if tables > 1:
        raise SlackError("invalid_blocks")  # only one table per message


class SlackStandIn:
    """Start with `start()`; `url` is the Web API base URL to give the bot (SLACK_API_URL)."""

    def __init__(self, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN):
        self.bot_token, self.app_token = bot_token, app_token
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict] = {}  # (channel, ts) -> latest message
        self.files: dict[str, dict] = {}
        self.not_in_channels: set[str] = set()
        self.usergroups: dict[str, list[str]] = {}  # user-group ID -> member user IDs
        self.socket_url: str | None = None
        self._faults: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._refusals: dict[str, list[str]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                standin._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.url = self.base + "/api/"

    # ---- control ----
    def start(self) -> SlackStandIn:
        threading.Thread(target=self.server.serve_forever, daemon=True, name="slack-standin").start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, status: int = 429, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` answer with HTTP `status` (429 carries Retry-After)."""
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        self._faults.setdefault(method, []).extend([(status, headers)] * times)

    def refuse(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer `{"ok": false, "error": error}` (HTTP 200), as Slack does
        for file_uploads_disabled, missing_scope and the like."""
        self._refusals.setdefault(method, []).extend([error] * times)

    def response_url(self) -> str:
        return f"{self.base}/response/{next(self._ids)}"

    def user_message(self, channel: str, ts: str, text: str, user: str) -> None:
        """A message a person wrote (so the bot may answer in its thread)."""
        with self._cond:
            self.messages[(channel, ts)] = {"channel": channel, "ts": ts, "text": text, "user": user}

    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate, timeout: float = 60.0):
        """Wait until predicate(self) is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
                self._cond.wait(min(left, 0.5))

    def wait_calls(self, method: str, n: int = 1, timeout: float = 60.0) -> list[Call]:
        return self.wait_for(lambda s: len(s.calls_of(method)) >= n and s.calls_of(method), timeout)

    # ---- HTTP ----
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        path = urllib.parse.urlparse(h.path).path
        if path.startswith("/upload/"):
            return self._upload(h, path.rsplit("/", 1)[1], raw)
        if path.startswith("/response/"):
            self._record("response_url", {**json.loads(raw or b"{}"), "_url": path})
            return self._reply(h, 200, b"ok", "text/plain")
        method = path.removeprefix("/api/")
        if h.headers.get("Content-Type", "").startswith("application/json"):
            args = json.loads(raw or b"{}")
        else:
            args = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        faults = self._faults.get(method)
        if faults:
            status, headers = faults.pop(0)
            self._record(f"{method}#{status}", args)
            return self._reply(h, status, b'{"ok": false, "error": "ratelimited"}', headers=headers)
        refusals = self._refusals.get(method)
        if refusals:
            body = {"ok": False, "error": refusals.pop(0)}
            self._record(method, args, body)
            return self._reply(h, 200, json.dumps(body).encode())
        token = (h.headers.get("Authorization") or "").removeprefix("Bearer ")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        try:
            if token != expected:
                raise SlackError("invalid_auth")
            body = {"ok": True, **getattr(self, "_m_" + method.replace(".", "_"), self._unknown)(args)}
        except SlackError as exc:
            body = {"ok": False, "error": exc.error}
        self._record(method, args, body)
        self._reply(h, 200, json.dumps(body).encode())

    def _record(self, method: str, args: dict, result: dict | None = None) -> None:
        with self._cond:
            self.calls.append(Call(method, {**args, "_result": result}))
            self._cond.notify_all()

    @staticmethod
    def _reply(h, status: int, body: bytes, content_type: str = "application/json", headers: dict | None = None):
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _upload(self, h, file_id: str, raw: bytes) -> None:
        with self._cond:
            if file_id not in self.files:
                return self._reply(h, 404, b"no such upload", "text/plain")
            self.files[file_id]["bytes"] = raw
        self._record("upload", {"file_id": file_id, "length": len(raw)})
        self._reply(h, 200, f"OK - {len(raw)}".encode(), "text/plain")

    # ---- Web API methods ----
    def _unknown(self, args):
        raise SlackError("unknown_method")

    def _next_ts(self) -> str:
        return f"1764300000.{next(self._ts):06d}"

    def _channel(self, args) -> str:
        channel = args.get("channel") or args.get("channel_id")
        if not channel:
            raise SlackError("channel_not_found")
        if channel in self.not_in_channels:
            raise SlackError("not_in_channel")
        return channel

    def _message_args(self, args) -> None:
        if not args.get("text") and not args.get("blocks"):
            raise SlackError("no_text")
        if len(args.get("text") or "") > 40000:
            raise SlackError("msg_too_long")
        if args.get("blocks"):
            _check_blocks(args["blocks"])

    def _m_auth_test(self, args):
        return {"url": "https://playbot-test.slack.com/", "team": "Test", "user": "playbot", "team_id": "T0TEST",
                "user_id": BOT_USER, "bot_id": "B0PLAYBOT"}

    def _m_chat_postMessage(self, args):
        channel = self._channel(args)
        self._message_args(args)
        thread = args.get("thread_ts")
        if thread and (channel, thread) not in self.messages:
            raise SlackError("thread_not_found")
        ts = self._next_ts()
        self.messages[(channel, ts)] = {**args, "ts": ts}
        return {"channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def _m_chat_update(self, args):
        channel = self._channel(args)
        self._message_args(args)
        key = (channel, args.get("ts"))
        if key not in self.messages:
            raise SlackError("message_not_found")
        self.messages[key] = {**self.messages[key], **args}
        return {"channel": channel, "ts": args["ts"], "text": args.get("text")}

    def _m_chat_postEphemeral(self, args):
        self._channel(args)
        if not args.get("user"):
            raise SlackError("user_not_in_channel")
        self._message_args(args)
        return {"message_ts": self._next_ts()}

    def _m_conversations_open(self, args):
        if not args.get("users"):
            raise SlackError("users_list_not_supplied")
        return {"channel": {"id": "D" + str(args["users"]).upper()[:10]}}

    def _m_usergroups_users_list(self, args):
        if args.get("usergroup") not in self.usergroups:
            raise SlackError("no_such_subteam")
        return {"users": list(self.usergroups[args["usergroup"]])}

    def _m_users_info(self, args):
        return {"user": {"id": args.get("user"), "name": "someone", "tz": "America/New_York"}}

    def _m_views_open(self, args):
        if not args.get("trigger_id") or not args.get("view"):
            raise SlackError("invalid_arguments")
        return {"view": {"id": f"V{next(self._ids)}"}}

    _m_views_update = _m_views_open

    def _m_files_getUploadURLExternal(self, args):
        if not args.get("filename") or int(args.get("length") or 0) <= 0:
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {"filename": args["filename"], "length": int(args["length"]), "bytes": None}
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args):
        files = args["files"] if isinstance(args.get("files"), list) else json.loads(args.get("files") or "[]")
        args["files"] = files
        channel = args.get("channel_id")
        if channel:
            self._channel({"channel": channel})
        out = []
        for f in files:
            stored = self.files.get(f["id"])
            if stored is None or stored["bytes"] is None or len(stored["bytes"]) != stored["length"]:
                raise SlackError("file_not_found")  # completed before the bytes were uploaded
            stored.update(title=f.get("title"), channel=channel, thread_ts=args.get("thread_ts"))
            out.append({"id": f["id"], "title": f.get("title"), "name": stored["filename"]})
        return {"files": out}

    def _m_apps_connections_open(self, args):
        if not self.socket_url:
            raise SlackError("not_allowed")
        return {"url": self.socket_url}


# ---- the sending side: requests signed as Slack signs them ----

def sign(body: bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Sent:
    status: int
    body: bytes
    elapsed: float
    done_at: float

    def json(self):
        return json.loads(self.body) if self.body else None


class SlackSender:
    """Sends slash commands, events and button clicks to the bot's /slack/events, signed."""

    def __init__(self, url: str, standin: SlackStandIn, secret: str = SIGNING_SECRET):
        self.url, self.standin, self.secret = url, standin, secret
        self._ids = itertools.count(1)

    def post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None, secret: str | None = None,
             timestamp: int | None = None) -> Sent:
        all_headers = {"Content-Type": content_type, **sign(body, secret or self.secret, timestamp), **(headers or {})}
        started = time.monotonic()
        req = urllib.request.Request(self.url, data=body, headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, data = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
        return Sent(status, data, time.monotonic() - started, time.monotonic())

    def command(self, text: str, command: str = "/playbot", channel: str = "C0ANALYTICS", user: str = "U0ALICE",
                team: str = "T0TEST", **kw) -> Sent:
        form = {"token": "legacy", "team_id": team, "team_domain": "test", "channel_id": channel,
                "channel_name": "directmessage" if channel.startswith("D") else "analytics", "user_id": user,
                "user_name": "alice", "command": command, "text": text, "api_app_id": "A0PLAYBOT",
                "response_url": self.standin.response_url(), "trigger_id": f"{next(self._ids)}.trigger"}
        return self.post(urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict, event_id: str | None = None, retry: int | None = None, **kw) -> Sent:
        envelope = {"token": "legacy", "team_id": "T0TEST", "api_app_id": "A0PLAYBOT", "event": event,
                    "type": "event_callback", "event_id": event_id or f"Ev{next(self._ids):08d}",
                    "event_time": int(time.time()), "authorizations": [{"team_id": "T0TEST", "user_id": BOT_USER,
                                                                        "is_bot": True}]}
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return self.post(json.dumps(envelope).encode(), "application/json", headers=headers, **kw)

    def mention(self, text: str, channel: str = "C0ANALYTICS", user: str = "U0ALICE", ts: str | None = None,
                thread_ts: str | None = None, **kw) -> tuple[Sent, str]:
        ts = ts or f"1764299{next(self._ids):03d}.000100"
        event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel,
                 "event_ts": ts, **({"thread_ts": thread_ts} if thread_ts else {})}
        self.standin.user_message(channel, ts, event["text"], user)
        return self.event(event, **kw), ts

    def message(self, text: str, channel: str, user: str = "U0ALICE", thread_ts: str | None = None,
                channel_type: str = "channel", **kw) -> Sent:
        ts = f"1764299{next(self._ids):03d}.000200"
        event = {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
                 "channel_type": channel_type, **({"thread_ts": thread_ts} if thread_ts else {})}
        self.standin.user_message(channel, ts, text, user)
        return self.event(event, **kw)

    def click(self, action_id: str, value: str, channel: str, message_ts: str, user: str = "U0BOB") -> Sent:
        payload = {"type": "block_actions", "user": {"id": user, "username": "bob", "team_id": "T0TEST"},
                   "api_app_id": "A0PLAYBOT", "token": "legacy", "team": {"id": "T0TEST", "domain": "test"},
                   "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                   "channel": {"id": channel, "name": "analytics"}, "trigger_id": f"{next(self._ids)}.trigger",
                   "response_url": self.standin.response_url(), "message": {"ts": message_ts, "type": "message"},
                   "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                                "action_ts": str(time.time())}]}
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")


class SocketModeStandIn:
    """Slack's Socket Mode side: a local WebSocket server. `apps.connections.open` on the Web API
    stand-in hands out its URL; `send(type, payload)` pushes an envelope; `acks` collects replies."""

    def __init__(self, standin: SlackStandIn):
        from websockets.sync.server import serve

        self.acks: list[dict] = []
        self.connected = threading.Event()
        self._socket = None
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self.server = serve(self._session, "127.0.0.1", 0)
        port = self.server.socket.getsockname()[1]
        standin.socket_url = f"ws://127.0.0.1:{port}/link/?ticket=test"
        threading.Thread(target=self.server.serve_forever, daemon=True, name="socket-standin").start()

    def _session(self, websocket) -> None:
        websocket.send(json.dumps({"type": "hello", "num_connections": 1,
                                   "connection_info": {"app_id": "A0PLAYBOT"}, "debug_info": {"host": "standin"}}))
        self._socket = websocket
        self.connected.set()
        for raw in websocket:
            with self._cond:
                self.acks.append(json.loads(raw))
                self._cond.notify_all()

    def send(self, kind: str, payload: dict) -> str:
        envelope_id = f"env-{next(self._ids)}"
        self._socket.send(json.dumps({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                      "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
                                      "retry_reason": ""}))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [a for a in self.acks if a.get("envelope_id") == envelope_id]
                if found:
                    return found[0]
                if time.monotonic() > deadline:
                    raise AssertionError(f"no ack for {envelope_id}: {self.acks}")
                self._cond.wait(0.5)

    def stop(self) -> None:
        self.server.shutdown()
