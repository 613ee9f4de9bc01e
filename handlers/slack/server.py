"""HTTP mode: POST /slack/events (every Slack request: commands, events, actions) and GET /healthz,
served by waitress (a production WSGI server, pure Python).

Every request to /slack/events passes a gate before Bolt sees it (Bolt parses a body before verifying
it, so a malformed one was a 500 with a traceback, and it logged the body of a forged request):
  - a body over 1 MB is refused with 413 without being read (waitress is capped at the same size);
  - the signature and its timestamp are verified first; a request that fails is answered 400 (malformed
    headers) or 401 and never logged beyond one line without its body;
  - a body that does not parse (JSON, `payload=` JSON, an interaction with no actions) is answered 400;
  - a signed slash command or interaction replayed with the same trigger_id is answered once: the copy
    gets an empty 200 (the Events API's retries are deduplicated by event_id in the listeners).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

log = logging.getLogger("playbot.slack")

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1 << 20  # 1 MB: Slack's own payloads are a few kB
REPLAY_WINDOW_SECONDS = 600  # signatures are accepted for 5 minutes; a trigger_id is remembered for 10


class Rejected(Exception):
    """A request refused at the gate: an HTTP status and a short reason (never its body)."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class RecentTriggers:
    """trigger_ids seen in the last REPLAY_WINDOW_SECONDS, in this process (thread-safe). With several
    replicas behind a load balancer, pass `claim` from the state database instead (bot.py does)."""

    def __init__(self, window: float = REPLAY_WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.window, self.clock = window, clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - self.window:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


def wsgi_app(app: App, health=lambda: True, *, signing_secret: str | None = None,
             claim: Callable[[str], bool] | None = None):
    """The WSGI app: /healthz answers 200 while `health()` is true (503 otherwise); /slack/events passes the
    gate (size, signature, parse, replay), then goes to Bolt. `claim(key)` is True the first time a key is seen."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = signing_secret if signing_secret is not None else getattr(app, "_signing_secret", "")
    verifier = SignatureVerifier(secret) if secret else None
    claim = claim or RecentTriggers().claim

    def application(environ, start_response):
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = bool(health())
            return _answer(start_response, "200 OK" if ok else "503 Service Unavailable", {"ok": ok})
        if path != EVENTS_PATH or method != "POST":
            return _answer(start_response, "404 Not Found", {"error": "not found"})
        try:
            body = _read_body(environ)
            if verifier is not None:
                _verify(verifier, environ, body)
            trigger = _trigger_id(environ.get("CONTENT_TYPE") or "", body)
        except Rejected as rejected:
            log.warning("slack request refused status=%s: %s (%d bytes from %s)", rejected.status.split()[0],
                        rejected.reason, int(environ.get("CONTENT_LENGTH") or 0), environ.get("REMOTE_ADDR", "?"))
            return _answer(start_response, rejected.status, {"error": rejected.reason})
        if trigger and not claim(f"trigger:{trigger}"):
            log.info("slack request replayed (trigger_id seen before): answered once, ignored now")
            return _answer(start_response, "200 OK", None)
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return bolt(environ, start_response)

    return application


def _answer(start_response, status: str, payload: dict | None):
    body = b"" if payload is None else json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _read_body(environ) -> bytes:
    raw_length = environ.get("CONTENT_LENGTH") or "0"
    if not raw_length.isdigit():
        raise Rejected("400 Bad Request", "the Content-Length is not a number")
    length = int(raw_length)
    if length > MAX_BODY_BYTES:
        raise Rejected("413 Request Entity Too Large", f"the body is over {MAX_BODY_BYTES:,} bytes")
    body = environ["wsgi.input"].read(length) if length else b""
    if len(body) != length:
        raise Rejected("400 Bad Request", "the body is shorter than its Content-Length")
    try:
        body.decode("utf-8")  # the signature is computed over the decoded text
    except UnicodeDecodeError:
        raise Rejected("400 Bad Request", "the body is not UTF-8") from None
    return body


def _verify(verifier: SignatureVerifier, environ, body: bytes) -> None:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
    signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
    if not timestamp or not signature:
        raise Rejected("401 Unauthorized", "no Slack signature")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Rejected("400 Bad Request", "the request timestamp is not a number")
    if not verifier.is_valid(body, timestamp, signature):
        raise Rejected("401 Unauthorized", "invalid or expired Slack signature")


def _trigger_id(content_type: str, body: bytes) -> str | None:
    """Check that the body is what Slack sends and return its trigger_id (commands and interactions)."""
    text = body.decode("utf-8")
    if content_type.startswith("application/json"):
        _json_object(text, "the JSON body")
        return None
    form = urllib.parse.parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        payload = _json_object(form["payload"][0], "the payload")
        actions = payload.get("actions")
        if payload.get("type") == "block_actions" and (not isinstance(actions, list) or not actions
                                                         or not all(isinstance(a, dict) for a in actions)):
            raise Rejected("400 Bad Request", "a block_actions payload without actions")
        trigger = payload.get("trigger_id")
        return trigger if isinstance(trigger, str) else None
    return (form.get("trigger_id") or [None])[0] if form.get("command") else None


def _json_object(text: str, what: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        raise Rejected("400 Bad Request", f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Rejected("400 Bad Request", f"{what} is not a JSON object")
    return value


class HttpServer:
    """waitress in a background thread (tests) or in the foreground (`serve_forever`)."""

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000, threads: int = 8, health=lambda: True,
                 claim: Callable[[str], bool] | None = None):
        self.server = create_server(wsgi_app(app, health, claim=claim), host=host, port=port, threads=threads,
                                    ident="playbot", max_request_body_size=MAX_BODY_BYTES + 1)  # waitress refuses >= its limit
        self.port = self.server.effective_port
        self._thread: threading.Thread | None = None
        self._stopped = False

    def serve_forever(self) -> None:
        log.warning("Playbot listening on port %s: POST %s, GET /healthz", self.port, EVENTS_PATH)
        self.server.run()

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self.server.run, name="playbot-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the server from its own loop (closing its sockets from another thread while the loop
        selects on them ended the loop thread with EBADF), then wait for the loop to end. Once: a second
        call does nothing. When the loop cannot be woken (its trigger pipe is already closed), the
        server is closed from here instead, and that is logged."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None and self._thread.is_alive():
            try:
                self.server.trigger.pull_trigger(self._close_everything)
            except OSError as exc:
                log.warning("the HTTP server's loop could not be woken to close (%s): closing it from here", exc)
                with contextlib.suppress(OSError):
                    self._close_everything()
            self._thread.join(timeout=5)
            if self._thread.is_alive():
                log.warning("the HTTP server's loop did not end within 5 s of closing")
        else:
            self.server.close()
        self.server.task_dispatcher.shutdown()

    def _close_everything(self) -> None:
        for channel in list(self.server._map.values()):
            if channel is not self.server.trigger and channel is not self.server:
                channel.close()
        self.server.close()  # the listening socket and the trigger: the loop's map is empty, so it ends
