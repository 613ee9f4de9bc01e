"""Slack timings for bench/run.py: the real app (bot.build_slack: Bolt, policies, replier, schedule
commands) behind the real HTTP server, talking to the Slack Web API stand-in of the tests
(tests/slack_standin.py), with signed slash commands sent over HTTP like tests/test_slack.py.

- question to answer: from sending `/playbot <question>` to the answer message (chat.update with
  its buttons) and to its chart in it (the chat.update attaching the uploaded PNG), in the stand-in's
  own clock;
- ack latency: the HTTP response time of each of N signed slash commands sent at once.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.slack_standin import BOT_TOKEN, SIGNING_SECRET, SlackSender, SlackStandIn  # noqa: E402


def _has_buttons(args: dict) -> bool:
    blocks = args.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return any(b.get("type") == "actions" for b in blocks)


class SlackBench:
    """One running bot (HTTP mode) on `answerer`, with its own stand-in and state database."""

    def __init__(self, answerer, state_dir: Path):
        from bot import build_slack
        from handlers.slack.server import HttpServer
        from service import AnswerService

        self.standin = SlackStandIn().start()
        state_dir.mkdir(parents=True, exist_ok=True)
        state = state_dir / f"slack-state-{time.time_ns()}.sqlite"
        config = replace(answerer.config, state_db=f"sqlite:///{state}")
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": self.standin.url}
        # scheduler not started; the one service in front of this answerer (build_slack takes a service)
        self.app, self.replier, _scheduler = build_slack(config, env, service=AnswerService(answerer))
        self.server = HttpServer(self.app, host="127.0.0.1", port=0).start()  # production's thread count
        self.send = SlackSender(f"http://127.0.0.1:{self.server.port}/slack/events", self.standin)
        self._channels = iter(range(10**6))

    def close(self) -> None:
        self.server.stop()
        self.replier.close()
        self.standin.stop()

    def _wait(self, method: str, channel: str, since: int, want=lambda args: True, timeout: float = 300):
        def found(s):
            return next((c for c in s.calls[since:] if c.method == method
                         and channel in (c.args.get("channel"), c.args.get("channel_id")) and want(c.args)), None)
        return self.standin.wait_for(found, timeout=timeout)

    def ask(self, question: str, user: str = "U0BENCH") -> dict[str, float]:
        """One slash command: {ack, answer, chart} in ms from sending it."""
        channel = f"C0BENCH{next(self._channels)}"
        since = len(self.standin.calls)
        started = time.monotonic()
        sent = self.send.command(question, channel=channel, user=user)
        if sent.status != 200:
            raise RuntimeError(f"slash command refused: HTTP {sent.status} {sent.body[:200]!r}")
        answered = self._wait("chat.update", channel, since, _has_buttons)
        out = {"ack": sent.elapsed * 1000, "answer": (answered.at - started) * 1000}
        try:
            chart = self._wait("chat.update", channel, since, lambda args: bool(args.get("file_ids")), timeout=60)
            out["chart"] = (chart.at - started) * 1000
        except AssertionError:  # an answer without a chart
            pass
        return out

    def burst(self, questions: list[str], n: int = 50) -> dict[str, float]:
        """n signed slash commands at once (n people, a few channels): each one's HTTP ack time,
        and how long until all n answers were in Slack."""
        barrier = threading.Barrier(n)
        acks: list[float] = [0.0] * n
        statuses: list[int] = [0] * n
        channels = [f"C0BURST{next(self._channels)}" for _ in range(5)]
        since = len(self.standin.calls)

        def one(i: int) -> None:
            barrier.wait()
            sent = self.send.command(questions[i % len(questions)], channel=channels[i % len(channels)],
                                     user=f"U0BURST{i:02d}")
            acks[i], statuses[i] = sent.elapsed * 1000, sent.status

        started = time.monotonic()
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        def all_answered(s):
            done = [c for c in s.calls[since:] if c.method == "chat.update" and c.args.get("channel") in channels
                    and _has_buttons(c.args)]
            return len(done) >= n and done

        done = self.standin.wait_for(all_answered, timeout=900)
        ordered = sorted(acks)
        return {"n": n, "ok": sum(1 for s in statuses if s == 200), "median": statistics.median(acks),
                "p95": ordered[min(n - 1, math.ceil(0.95 * n) - 1)], "max": ordered[-1],
                "all_answered_s": max(c.at for c in done) - started}
