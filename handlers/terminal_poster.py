"""A scheduler Poster for the terminal: `bot.py schedules run ID` prints what Slack would get."""

from __future__ import annotations

from answers import Answer

from .terminal import format_answer


class TerminalPoster:
    def __init__(self, out=print):
        self.out = out
        self.count = 0

    def post_text(self, channel: str, text: str, thread_ts: str | None = None) -> str:
        self.count += 1
        self.out(f"[to {channel}{' thread ' + thread_ts if thread_ts else ''}]\n{text}\n")
        return str(self.count)

    def post_answer(self, channel: str, answer: Answer, thread_ts: str | None = None) -> str:
        return self.post_text(channel, format_answer(answer, None), thread_ts)

    def notify_owner(self, owner: str, text: str) -> None:
        self.out(f"[direct message to {owner or 'the owner'}]\n{text}\n")
