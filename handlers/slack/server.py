"""HTTP mode: POST /slack/events (every Slack request: commands, events, actions) and GET /healthz,
served by waitress (a production WSGI server, pure Python). Bolt verifies every request's signature."""

from __future__ import annotations

import json
import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

log = logging.getLogger("playbot.slack")

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App, health=lambda: True):
    """The WSGI app: /healthz answers 200 while `health()` is true (503 otherwise); the rest goes to Bolt."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ok = bool(health())
            body = json.dumps({"ok": ok}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return bolt(environ, start_response)

    return application


class HttpServer:
    """waitress in a background thread (tests) or in the foreground (`serve_forever`)."""

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000, threads: int = 8, health=lambda: True):
        self.server = create_server(wsgi_app(app, health), host=host, port=port, threads=threads, ident="playbot")
        self.port = self.server.effective_port
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        log.warning("Playbot listening on port %s: POST %s, GET /healthz", self.port, EVENTS_PATH)
        self.server.run()

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self.server.run, name="playbot-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
