"""Helpers for scheduler tests: a Poster that records what would be posted, state databases, and a
scheduling loop on whole seconds (real schedules run at most once a minute; the multi-process tests
would take minutes)."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from apscheduler.triggers.cron import CronTrigger

from answers import Answer
from scheduler import PostError, SchedulerService
from scheduler.triggers import Slots
from state.db import open_state

from .conftest import PG_ADMIN


@dataclass(frozen=True)
class Post:
    channel: str
    text: str
    thread_ts: str | None
    answer: Answer | None
    ts: str


class RecordingPoster:
    """Implements scheduler.Poster by keeping every message; can fail the first N posts."""

    def __init__(self, fail_posts: int = 0, retryable: bool = True):
        self.posts: list[Post] = []
        self.dms: list[tuple[str, str]] = []
        self.fail_posts = fail_posts
        self.retryable = retryable
        self._lock = threading.Lock()

    def _add(self, channel, text, thread_ts, answer) -> str:
        with self._lock:
            if self.fail_posts > 0:
                self.fail_posts -= 1
                raise PostError("ratelimited", retryable=self.retryable)
            ts = f"{len(self.posts) + 1}.000"
            self.posts.append(Post(channel, text, thread_ts, answer, ts))
            return ts

    def post_text(self, channel, text, thread_ts=None):
        return self._add(channel, text, thread_ts, None)

    def post_answer(self, channel, answer, thread_ts=None):
        return self._add(channel, answer.summary, thread_ts, answer)

    def notify_owner(self, owner, text):
        with self._lock:
            self.dms.append((owner, text))

    @property
    def parents(self) -> list[Post]:
        return [p for p in self.posts if p.thread_ts is None]


@contextmanager
def postgres_state():
    """A fresh PostgreSQL state database (created here, dropped after): yields its SQLAlchemy URL."""
    name = f"playbot_state_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    open_state(url).dispose()
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class EverySecond(Slots):
    """A test-only slot rule: every whole second (APScheduler's own cron trigger on the seconds field)."""

    def __init__(self, timezone: str = "UTC"):
        self.timezone = timezone

    def trigger(self):
        return CronTrigger(second="*", timezone=self.timezone)

    def recent(self, after: datetime, until: datetime, count: int) -> list[datetime]:
        last = until.replace(microsecond=0)
        times = [last - timedelta(seconds=i) for i in range(count)]
        return sorted(t for t in times if t > after)

    def next(self, now: datetime) -> datetime | None:
        return now.replace(microsecond=0) + timedelta(seconds=1)


class PerSecondScheduler(SchedulerService):
    """The real scheduling loop (lease, APScheduler, job store, catch-up) with every schedule on whole seconds."""

    def slots(self, schedule) -> Slots:
        return EverySecond(schedule.timezone)
