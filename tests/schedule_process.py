"""A bot process that only schedules, for the kill/restart test:
    python -m tests.schedule_process STATE_URL SEGMENT_DUCKDB OUT_FILE HOLDER
Posts go to OUT_FILE as JSON lines (one per message, flushed at once), so they survive a kill -9."""

from __future__ import annotations

import json
import os
import sys
import threading

from scheduler import RunPolicy, ScheduleRunner, ScheduleStore
from service import AnswerService
from state.db import open_state

from .conftest import DATASETS, make_answerer
from .scheduling import PerSecondScheduler


class FilePoster:
    def __init__(self, path: str, holder: str):
        self.path, self.holder, self.lock = path, holder, threading.Lock()

    def _write(self, record: dict) -> str:
        with self.lock, open(self.path, "a") as out:
            out.write(json.dumps({"holder": self.holder, **record}) + "\n")
            out.flush()
            os.fsync(out.fileno())
        return "ts"

    def post_text(self, channel, text, thread_ts=None):
        return self._write({"channel": channel, "text": text, "thread_ts": thread_ts})

    def post_answer(self, channel, answer, thread_ts=None):
        return self._write({"channel": channel, "text": answer.headline, "thread_ts": thread_ts})

    def notify_owner(self, owner, text):
        self._write({"dm": owner, "text": text})


def main(state_url: str, segment: str, out: str, holder: str) -> None:
    store = ScheduleStore(open_state(state_url))
    answerer = make_answerer(f"duckdb:///{segment}", DATASETS["messenger"])
    runner = ScheduleRunner(store, AnswerService(answerer), FilePoster(out, holder), policy=RunPolicy(max_attempts=1),
                            name=holder)
    PerSecondScheduler(store, runner, holder=holder, lease_seconds=1.5, heartbeat_seconds=0.2).start()
    print("started", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(*sys.argv[1:5])
