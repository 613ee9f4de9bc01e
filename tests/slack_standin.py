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

from .block_limits import IMAGE_NAME, length, problems

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
    def __init__(self, error: str, messages: list[str] | None = None):
        super().__init__(error)
        self.error, self.messages = error, messages or []


def _check_blocks(blocks: Any, surface: str = "message", file_ok=None) -> None:
    """Slack's answer to blocks it rejects: invalid_blocks (tests/block_limits.py has the limits)."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    found = problems(blocks, surface, file_ok)
    if found:
        raise SlackError("invalid_blocks", found)


def _listed(value) -> list[str]:
    """A list argument as Slack takes it: a JSON array (JSON body) or comma-separated text (a form)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value)
    return [str(v) for v in json.loads(text)] if text.startswith("[") else [v for v in text.split(",") if v]


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
        self.statuses: dict[tuple[str, str], str] = {}  # (channel, thread_ts) -> the assistant status shown
        self.prompts: dict[str, dict] = {}  # DM channel -> its suggested prompts (agent view)
        self.titles: dict[tuple[str, str], str] = {}  # (channel, thread_ts) -> thread title
        self.homes: dict[str, dict] = {}  # user -> published App Home view
        self.views: dict[str, dict] = {}  # view id -> open modal
        self.user_timezones: dict[str, str] = {}  # users.info: tz per user (default America/New_York)
        self.delays: dict[str, float] = {}  # method -> seconds Slack takes to answer it
        self.trigger_seconds = 3.0  # a trigger_id expires this long after Slack sent it
        self._triggers: dict[str, float] = {}
        self._faults: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._errors: dict[str, list[str]] = {}
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

    def error(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 200 with {"ok": false, "error": error}."""
        self._errors.setdefault(method, []).extend([error] * times)

    def trigger(self) -> str:
        """A trigger_id as Slack sends one with an interaction (valid for `trigger_seconds`)."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.trigger"
        self._triggers[trigger_id] = time.monotonic()
        return trigger_id

    def shares(self, file_id: str) -> list[tuple[str, str]]:
        """Where a file is shown: (channel, ts) of each message it is attached to."""
        with self._cond:
            return [(c, ts) for (c, ts), m in self.messages.items() if file_id in (m.get("files") or [])]

    def refuse(self, method: str, error: str, times: int = 1) -> None:
        """The same as `error`: Slack's {"ok": false} answers (file_uploads_disabled, missing_scope, ...)."""
        self.error(method, error, times)

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
        if self.delays.get(method):
            time.sleep(self.delays[method])
        token = (h.headers.get("Authorization") or "").removeprefix("Bearer ")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        try:
            with self._cond:
                if token != expected:
                    raise SlackError("invalid_auth")
                if self._errors.get(method):
                    raise SlackError(self._errors[method].pop(0))
                body = {"ok": True, **getattr(self, "_m_" + method.replace(".", "_"), self._unknown)(args)}
        except SlackError as exc:
            body = {"ok": False, "error": exc.error}
            if exc.messages:
                body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in exc.messages]}
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
            faults = self._faults.get("upload")
            if faults:
                status, _ = faults.pop(0)
                self.calls.append(Call(f"upload#{status}", {"file_id": file_id}))
                return self._reply(h, status, b"upstream error", "text/plain")
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

    def _message_args(self, args, channel: str, attaching: list[str] | None = None) -> None:
        if not args.get("text") and not args.get("blocks"):
            raise SlackError("no_text")
        if length(args.get("text") or "") > 40000:
            raise SlackError("msg_too_long")
        if args.get("blocks"):
            _check_blocks(args["blocks"], "message", lambda fid: self._file_visible(fid, channel, attaching or []))

    def _file_visible(self, file_id: str, channel: str, attaching: list[str]) -> bool:
        """An image block may show a Slack file that is an image, fully uploaded, not deleted, and either
        shared in this channel or attached to this very message (file_ids): a file uploaded without a
        channel is the uploader's alone (Slack answers invalid_blocks, "invalid slack file")."""
        f = self.files.get(file_id)
        if f is None or f.get("deleted") or not f.get("completed") or not IMAGE_NAME.search(f["filename"]):
            return False
        return file_id in attaching or any(c == channel for c, _ in self.shares(file_id))

    def _m_auth_test(self, args):
        return {"url": "https://playbot-test.slack.com/", "team": "Test", "user": "playbot", "team_id": "T0TEST",
                "user_id": BOT_USER, "bot_id": "B0PLAYBOT"}

    def _m_chat_postMessage(self, args):
        channel = self._channel(args)
        self._message_args(args, channel)
        thread = args.get("thread_ts")
        if thread and (channel, thread) not in self.messages:
            raise SlackError("thread_not_found")
        ts = self._next_ts()
        self.messages[(channel, ts)] = {**args, "ts": ts}
        if thread:
            self.statuses.pop((channel, thread), None)  # the app replied: Slack clears its status
        return {"channel": channel, "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def _m_chat_update(self, args):
        """file_ids: "new file ids that will be sent with this message": the message's files become these."""
        channel = self._channel(args)
        key = (channel, args.get("ts"))
        if key not in self.messages:
            raise SlackError("message_not_found")
        file_ids = _listed(args.get("file_ids"))
        for file_id in file_ids:
            f = self.files.get(file_id)
            if f is None or f.get("deleted") or not f.get("completed"):
                raise SlackError("file_not_found")
        self._message_args(args, channel, file_ids)
        updated = {**self.messages[key], **{k: v for k, v in args.items() if k != "file_ids"}}
        if "file_ids" in args:
            updated["files"] = file_ids
        self.messages[key] = updated
        return {"channel": channel, "ts": args["ts"], "text": args.get("text")}

    def _m_chat_postEphemeral(self, args):
        channel = self._channel(args)
        if not args.get("user"):
            raise SlackError("user_not_in_channel")
        self._message_args(args, channel)
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
        user = args.get("user")
        return {"user": {"id": user, "name": "someone", "tz": self.user_timezones.get(user, "America/New_York")}}

    # ---- the assistant surface ----
    def _m_assistant_threads_setStatus(self, args):
        """Required: channel_id, thread_ts, status ("" clears it); loading_messages at most 10."""
        channel = self._channel({"channel": args.get("channel_id")})
        thread = args.get("thread_ts")
        if not thread or "status" not in args:
            raise SlackError("invalid_arguments")
        if (channel, thread) not in self.messages:
            raise SlackError("invalid_thread_ts")
        if len(_listed(args.get("loading_messages"))) > 10:
            raise SlackError("invalid_arguments")
        if args["status"]:
            self.statuses[(channel, thread)] = args["status"]
        else:
            self.statuses.pop((channel, thread), None)
        return {}

    def _m_assistant_threads_setSuggestedPrompts(self, args):
        """Up to four prompts, each a title and a message. An agent app that passes thread_ts is ignored
        without an error (Slack: "will cause the call to silently fail")."""
        channel = self._channel({"channel": args.get("channel_id")})
        prompts = args.get("prompts")
        prompts = json.loads(prompts) if isinstance(prompts, str) else prompts
        if not prompts or len(prompts) > 4 or any(not p.get("title") or not p.get("message") for p in prompts):
            raise SlackError("invalid_arguments")
        if not args.get("thread_ts"):
            self.prompts[channel] = {"title": args.get("title"), "prompts": prompts}
        return {}

    def _m_assistant_threads_setTitle(self, args):
        channel = self._channel({"channel": args.get("channel_id")})
        if not args.get("thread_ts") or not args.get("title"):
            raise SlackError("invalid_arguments")
        self.titles[(channel, args["thread_ts"])] = args["title"]
        return {}

    # ---- views: modals and App Home ----
    def _check_view(self, view, surface: str) -> dict:
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict) or view.get("type") != surface:
            raise SlackError("invalid_arguments", [f"view type must be {surface}"])
        found = []
        if length(view.get("private_metadata", "")) > 3000:
            found.append("failed to match all allowed schemas [json-pointer:/view/private_metadata] "
                         "must be less than 3001 characters")
        for key in ("title", "submit", "close") if surface == "modal" else ():
            if key in view and length(view[key].get("text", "")) > 24:
                found.append(f"{key} must be at most 24 characters")
        found += problems(view.get("blocks") or [], surface)
        if found:
            raise SlackError("invalid_arguments", found)
        return view

    def _m_views_open(self, args):
        issued = self._triggers.get(args.get("trigger_id") or "")
        if issued is None:
            raise SlackError("invalid_trigger_id")
        if time.monotonic() - issued > self.trigger_seconds:
            raise SlackError("expired_trigger_id")
        view = self._check_view(args.get("view"), "modal")
        view_id = f"V{next(self._ids):08d}"
        self.views[view_id] = view
        return {"view": {"id": view_id, **view}}

    def _m_views_update(self, args):
        if args.get("view_id") not in self.views:
            raise SlackError("not_found")
        self.views[args["view_id"]] = self._check_view(args.get("view"), "modal")
        return {"view": {"id": args["view_id"], **self.views[args["view_id"]]}}

    def _m_views_publish(self, args):
        if not args.get("user_id"):
            raise SlackError("invalid_arguments")
        self.homes[args["user_id"]] = self._check_view(args.get("view"), "home")
        return {"view": {"id": f"V{next(self._ids):08d}"}}

    # ---- files ----
    def _m_files_getUploadURLExternal(self, args):
        if not args.get("filename") or int(args.get("length") or 0) <= 0:
            raise SlackError("invalid_arguments")
        if length(args.get("alt_txt") or "") > 1000:
            raise SlackError("alt_txt_too_large")
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {"filename": args["filename"], "length": int(args["length"]), "bytes": None,
                               "completed": False, "deleted": False, "alt_txt": args.get("alt_txt")}
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args):
        """With channel_id the file is shared there by a message of its own (in thread_ts, if given);
        without, "the file will be private": shown nowhere until a message attaches it."""
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
            stored.update(title=f.get("title"), channel=channel, thread_ts=args.get("thread_ts"), completed=True)
            out.append({"id": f["id"], "title": f.get("title"), "name": stored["filename"]})
        if channel:
            ts = self._next_ts()
            self.messages[(channel, ts)] = {"channel": channel, "ts": ts, "subtype": "file_share", "text": "",
                                            "thread_ts": args.get("thread_ts"), "files": [f["id"] for f in files]}
        return {"files": out}

    def _m_files_delete(self, args):
        f = self.files.get(args.get("file") or "")
        if f is None or f.get("deleted"):
            raise SlackError("file_not_found")
        f["deleted"] = True
        for message in self.messages.values():
            if args["file"] in (message.get("files") or []):
                message["files"] = [x for x in message["files"] if x != args["file"]]
        return {}

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
                "response_url": self.standin.response_url(), "trigger_id": self.standin.trigger()}
        return self.post(urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict, event_id: str | None = None, retry: int | None = None, team: str = "T0TEST",
              **kw) -> Sent:
        envelope = {"token": "legacy", "team_id": team, "api_app_id": "A0PLAYBOT", "event": event,
                    "type": "event_callback", "event_id": event_id or f"Ev{next(self._ids):08d}",
                    "event_time": int(time.time()), "authorizations": [{"team_id": team, "user_id": BOT_USER,
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

    def click(self, action_id: str, value: str, channel: str, message_ts: str, user: str = "U0BOB",
              team: str = "T0TEST") -> Sent:
        payload = {"type": "block_actions", "user": {"id": user, "username": "bob", "team_id": team},
                   "api_app_id": "A0PLAYBOT", "token": "legacy", "team": {"id": team, "domain": "test"},
                   "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                   "channel": {"id": channel, "name": "analytics"}, "trigger_id": self.standin.trigger(),
                   "response_url": self.standin.response_url(), "message": {"ts": message_ts, "type": "message"},
                   "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                                "action_ts": str(time.time())}]}
        return self.interaction(payload)

    def interaction(self, payload: dict) -> Sent:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def feedback(self, value: str, channel: str, message_ts: str, user: str = "U0BOB") -> Sent:
        """A click on a feedback_buttons element (positive or negative: its value says which)."""
        payload = {"type": "block_actions", "user": {"id": user, "username": "bob", "team_id": "T0TEST"},
                   "api_app_id": "A0PLAYBOT", "token": "legacy", "team": {"id": "T0TEST", "domain": "test"},
                   "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                   "channel": {"id": channel, "name": "analytics"}, "trigger_id": self.standin.trigger(),
                   "response_url": self.standin.response_url(), "message": {"ts": message_ts, "type": "message"},
                   "actions": [{"action_id": "playbot_feedback", "block_id": "f", "value": value,
                                "type": "feedback_buttons", "action_ts": str(time.time())}]}
        return self.interaction(payload)

    def shortcut(self, text: str, channel: str, message_ts: str, user: str = "U0BOB",
                 thread_ts: str | None = None) -> Sent:
        """The message shortcut "Ask Playbot" on a message someone wrote."""
        message = {"type": "message", "user": "U0CAROL", "ts": message_ts, "text": text,
                   **({"thread_ts": thread_ts} if thread_ts else {})}
        payload = {"type": "message_action", "callback_id": "playbot_ask", "trigger_id": self.standin.trigger(),
                   "team": {"id": "T0TEST", "domain": "test"}, "user": {"id": user, "name": "bob"},
                   "channel": {"id": channel, "name": "analytics"}, "message_ts": message_ts, "message": message,
                   "response_url": self.standin.response_url(), "token": "legacy", "action_ts": str(time.time())}
        return self.interaction(payload)

    def home_opened(self, user: str, tab: str = "home", channel: str = "D0HOME") -> Sent:
        return self.event({"type": "app_home_opened", "user": user, "channel": channel, "tab": tab,
                           "event_ts": str(time.time())})


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
