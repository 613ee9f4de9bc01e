"""Durable schedule state in the bot's state database: definitions, the run log, alert state, the lease.

The run log's unique key (schedule_id, slot) is what makes a slot run exactly once: whoever inserts
the row first runs it; everyone else gets an IntegrityError and stays quiet. Times are stored as naive
UTC, except `slot`, which is the slot's naive local wall time in the schedule's timezone.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from state.db import StateDB, metadata

from .triggers import When, stored_when

schedules = Table(
    "schedules", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(10), nullable=False),  # digest | alert
    Column("questions", Text, nullable=False),  # JSON list of questions
    Column("when_text", String(200), nullable=False),
    Column("trigger", Text, nullable=False),  # JSON: the five cron fields (scheduler/cron.py)
    Column("timezone", String(64), nullable=False),
    Column("channel", String(64), nullable=False),  # Slack channel ID
    Column("owner", String(64), nullable=False),  # Slack user ID (or "yaml")
    Column("paused", Boolean, nullable=False, default=False),
    Column("options", Text, nullable=False, default="{}"),  # JSON: skip_when_empty, notify_recovery, alert rule
    Column("source", String(10), nullable=False),  # yaml | slack | cli
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

schedule_runs = Table(
    "schedule_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule_id", String(64), nullable=False, index=True),
    Column("slot", DateTime, nullable=False),  # local wall time of the slot
    Column("due_at", DateTime, nullable=False),  # UTC
    Column("trigger", String(12), nullable=False),  # schedule | catch-up | manual
    Column("status", String(12), nullable=False),  # running | ok | skipped | failed | missed | timeout
    Column("attempts", Integer, nullable=False, default=0),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    Column("detail", Text),
    Column("runner", String(64)),
    UniqueConstraint("schedule_id", "slot", name="uq_schedule_runs_slot"),
)

# every message a run posted (its parent, each answer): a retry posts only what is not here
schedule_run_posts = Table(
    "schedule_run_posts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule_id", String(64), nullable=False, index=True),
    Column("slot", DateTime, nullable=False),  # the run's slot (local wall time)
    Column("item", String(32), nullable=False),  # parent | answer 1 | answer 2 ...
    Column("ts", String(64)),  # the message's id (Slack ts)
    Column("posted_at", DateTime, nullable=False),  # UTC
    Column("detail", Text),  # what failed after the message was posted (its chart, say)
    UniqueConstraint("schedule_id", "slot", "item", name="uq_schedule_run_posts_item"),
)

schedule_alerts = Table(
    "schedule_alerts", metadata,
    Column("schedule_id", String(64), primary_key=True),
    Column("firing", Boolean, nullable=False),
    Column("value", Float),
    Column("reason", Text),
    Column("changed_at", DateTime, nullable=False),
)

scheduler_lease = Table(
    "scheduler_lease", metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

FINAL = ("ok", "skipped", "failed", "missed", "timeout")


@dataclass(frozen=True)
class AlertRule:
    """Fire when the key number is below/above a threshold, or its change vs the previous period
    is more than `threshold` percent (change: either way; drop/rise: one way)."""

    op: str  # below | above | change | drop | rise
    threshold: float
    text: str = ""  # the condition as the user wrote it

    def to_json(self) -> dict:
        return {"op": self.op, "threshold": self.threshold, "text": self.text}


@dataclass(frozen=True)
class Schedule:
    name: str
    questions: tuple[str, ...]
    when: When
    timezone: str
    channel: str
    owner: str
    kind: str = "digest"
    alert: AlertRule | None = None
    skip_when_empty: bool = False
    notify_recovery: bool = False
    paused: bool = False
    source: str = "slack"
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    created_at: datetime | None = None

    def options_json(self) -> str:
        return json.dumps({"skip_when_empty": self.skip_when_empty, "notify_recovery": self.notify_recovery,
                           "alert": self.alert.to_json() if self.alert else None}, sort_keys=True)

    def same_definition(self, other: Schedule) -> bool:
        return self._definition() == other._definition()

    def _definition(self) -> tuple:
        return (self.name, self.questions, self.when, self.timezone, self.channel, self.owner, self.kind,
                self.options_json())


@dataclass(frozen=True)
class PostRecord:
    item: str
    ts: str | None
    posted_at: datetime
    detail: str | None = None


@dataclass(frozen=True)
class Run:
    schedule_id: str
    slot: datetime
    due_at: datetime
    trigger: str
    status: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    detail: str | None


def utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class ScheduleStore:
    def __init__(self, state: StateDB):
        self.state = state
        self.engine = state.engine

    # ---- definitions ----
    def save(self, schedule: Schedule, now: datetime) -> Schedule:
        """Insert or update (by id). Returns the schedule with its created_at."""
        now = utc_naive(now)
        row = {"name": schedule.name, "kind": schedule.kind, "questions": json.dumps(list(schedule.questions)),
               "when_text": schedule.when.text, "trigger": json.dumps(schedule.when.fields, sort_keys=True),
               "timezone": schedule.timezone, "channel": schedule.channel, "owner": schedule.owner,
               "paused": schedule.paused, "options": schedule.options_json(), "source": schedule.source,
               "updated_at": now}
        for _ in range(2):  # two processes syncing the same YAML at start: the loser updates instead
            try:
                with self.engine.begin() as conn:
                    done = conn.execute(update(schedules).where(schedules.c.id == schedule.id).values(**row)).rowcount
                    if not done:
                        conn.execute(insert(schedules).values(id=schedule.id, created_at=now, **row))
                break
            except IntegrityError:
                continue
        return self.get(schedule.id)  # type: ignore[return-value]

    def get(self, schedule_id: str) -> Schedule | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schedules).where(schedules.c.id == schedule_id)).mappings().first()
        return _schedule(row) if row else None

    def all(self, channel: str | None = None) -> list[Schedule]:
        query = select(schedules).order_by(schedules.c.created_at, schedules.c.id)
        if channel is not None:
            query = query.where(schedules.c.channel == channel)
        with self.engine.connect() as conn:
            return [_schedule(r) for r in conn.execute(query).mappings()]

    def set_paused(self, schedule_id: str, paused: bool, now: datetime) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(update(schedules).where(schedules.c.id == schedule_id)
                                     .values(paused=paused, updated_at=utc_naive(now))).rowcount)

    def delete(self, schedule_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(schedule_alerts).where(schedule_alerts.c.schedule_id == schedule_id))
            conn.execute(delete(schedule_run_posts).where(schedule_run_posts.c.schedule_id == schedule_id))
            conn.execute(delete(schedule_runs).where(schedule_runs.c.schedule_id == schedule_id))
            return bool(conn.execute(delete(schedules).where(schedules.c.id == schedule_id)).rowcount)

    def fingerprint(self) -> tuple:
        """Changes whenever a schedule is added, edited, paused or removed (cheap to poll)."""
        with self.engine.connect() as conn:
            return tuple(conn.execute(select(func.count(), func.max(schedules.c.updated_at))).one())

    # ---- run log ----
    def claim(self, schedule_id: str, slot: datetime, due_at: datetime, trigger: str, runner: str,
              now: datetime, status: str = "running", detail: str | None = None) -> bool:
        """Insert the run row for this slot. False if any process already has one: the slot is taken."""
        final = status != "running"
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(schedule_runs).values(
                    schedule_id=schedule_id, slot=slot, due_at=utc_naive(due_at), trigger=trigger, status=status,
                    attempts=0, started_at=utc_naive(now), finished_at=utc_naive(now) if final else None,
                    detail=detail, runner=runner))
            return True
        except IntegrityError:
            return False

    def attempt(self, schedule_id: str, slot: datetime, attempts: int, detail: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(schedule_runs).where(schedule_runs.c.schedule_id == schedule_id,
                                                     schedule_runs.c.slot == slot)
                         .values(attempts=attempts, detail=detail))

    def finish(self, schedule_id: str, slot: datetime, status: str, detail: str | None, now: datetime) -> bool:
        """Record the outcome; only a still-running row changes (a timed-out run stays timed out)."""
        with self.engine.begin() as conn:
            return bool(conn.execute(
                update(schedule_runs).where(schedule_runs.c.schedule_id == schedule_id, schedule_runs.c.slot == slot,
                                            schedule_runs.c.status == "running")
                .values(status=status, detail=detail, finished_at=utc_naive(now))).rowcount)

    def record_post(self, schedule_id: str, slot: datetime, item: str, ts: str | None, now: datetime,
                    detail: str | None = None) -> None:
        """A message of this run is in the channel (recorded once; a second record of the same item is ignored)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(schedule_run_posts).values(schedule_id=schedule_id, slot=slot, item=item, ts=ts,
                                                               posted_at=utc_naive(now), detail=detail))
        except IntegrityError:
            pass

    def posts(self, schedule_id: str, slot: datetime) -> dict[str, PostRecord]:
        """{item: PostRecord} of what this run has posted so far."""
        query = (select(schedule_run_posts).where(schedule_run_posts.c.schedule_id == schedule_id,
                                                  schedule_run_posts.c.slot == slot)
                 .order_by(schedule_run_posts.c.id))
        with self.engine.connect() as conn:
            return {r["item"]: PostRecord(r["item"], r["ts"], r["posted_at"], r["detail"])
                    for r in conn.execute(query).mappings()}

    def runs(self, schedule_id: str, limit: int = 50) -> list[Run]:
        query = (select(schedule_runs).where(schedule_runs.c.schedule_id == schedule_id)
                 .order_by(schedule_runs.c.due_at.desc(), schedule_runs.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [_run(r) for r in conn.execute(query).mappings()]

    def last_run(self, schedule_id: str) -> Run | None:
        runs = self.runs(schedule_id, limit=1)
        return runs[0] if runs else None

    def last_scheduled_due(self, schedule_id: str) -> datetime | None:
        """UTC due time of the latest slot the schedule has a row for (not counting manual runs)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(schedule_runs.c.due_at)).where(
                schedule_runs.c.schedule_id == schedule_id, schedule_runs.c.trigger != "manual")).scalar()
        return value.replace(tzinfo=UTC) if value else None

    def time_out_stuck(self, older_than: datetime, now: datetime) -> list[Run]:
        """Mark runs still 'running' since before `older_than` as timed out; return them."""
        cutoff = utc_naive(older_than)
        with self.engine.begin() as conn:
            rows = conn.execute(select(schedule_runs).where(schedule_runs.c.status == "running",
                                                            schedule_runs.c.started_at < cutoff)).mappings().all()
            stuck = []
            for r in rows:
                changed = conn.execute(update(schedule_runs).where(schedule_runs.c.id == r["id"],
                                                                   schedule_runs.c.status == "running")
                                       .values(status="timeout", finished_at=utc_naive(now),
                                               detail=f"still running after {r['started_at']:%H:%M} UTC: timed out "
                                                      f"(the process running it stopped or hung)")).rowcount
                if changed:
                    stuck.append(_run(r))
        return stuck

    # ---- alert state ----
    def alert_state(self, schedule_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(schedule_alerts.c.firing)
                                     .where(schedule_alerts.c.schedule_id == schedule_id)).scalar())

    def set_alert_state(self, schedule_id: str, firing: bool, value: float | None, reason: str, now: datetime) -> None:
        row = {"firing": firing, "value": value, "reason": reason, "changed_at": utc_naive(now)}
        with self.engine.begin() as conn:
            if not conn.execute(update(schedule_alerts).where(schedule_alerts.c.schedule_id == schedule_id)
                                .values(**row)).rowcount:
                conn.execute(insert(schedule_alerts).values(schedule_id=schedule_id, **row))

    # ---- leader lease ----
    def acquire_lease(self, holder: str, now: datetime, until: datetime, name: str = "scheduler") -> bool:
        """Take or renew the lease: ours if free, expired, or already ours. One row; atomic per statement."""
        now, until = utc_naive(now), utc_naive(until)
        with self.engine.begin() as conn:
            taken = conn.execute(update(scheduler_lease).where(
                scheduler_lease.c.name == name,
                (scheduler_lease.c.holder == holder) | (scheduler_lease.c.expires_at < now),
            ).values(holder=holder, expires_at=until)).rowcount
        if taken:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(scheduler_lease).values(name=name, holder=holder, expires_at=until))
            return True
        except IntegrityError:
            return False

    def release_lease(self, holder: str, name: str = "scheduler") -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(scheduler_lease).where(scheduler_lease.c.name == name, scheduler_lease.c.holder == holder))

    def lease_holder(self, name: str = "scheduler") -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(scheduler_lease.c.holder).where(scheduler_lease.c.name == name)).scalar()


def _schedule(row) -> Schedule:
    options = json.loads(row["options"] or "{}")
    alert = options.get("alert")
    created = row["created_at"]
    return Schedule(
        id=row["id"], name=row["name"], kind=row["kind"], questions=tuple(json.loads(row["questions"])),
        when=stored_when(row["when_text"], json.loads(row["trigger"])), timezone=row["timezone"], channel=row["channel"],
        owner=row["owner"], paused=bool(row["paused"]), source=row["source"],
        skip_when_empty=bool(options.get("skip_when_empty")), notify_recovery=bool(options.get("notify_recovery")),
        alert=AlertRule(alert["op"], float(alert["threshold"]), alert.get("text", "")) if alert else None,
        created_at=created.replace(tzinfo=UTC) if created else None,
    )


def _run(row) -> Run:
    return Run(schedule_id=row["schedule_id"], slot=row["slot"], due_at=row["due_at"], trigger=row["trigger"],
               status=row["status"], attempts=row["attempts"], started_at=row["started_at"],
               finished_at=row["finished_at"], detail=row["detail"])


__all__ = ["AlertRule", "FINAL", "PostRecord", "Run", "Schedule", "ScheduleStore", "utc_naive"]
