"""Scheduled digests and alerts: durable, exactly once per (schedule, slot), led by one process.

    cron.py            cron evaluated as cron does it (every field explicit, the day-of-month/weekday OR rule)
    triggers.py        "every monday 9:00" / cron -> the five cron fields; slots in IANA time; minimum interval
    store.py           schedules, run log (unique per slot), alert state, leader lease (state DB)
    alerts.py          "daily signups drop below 100" -> question + rule; checking an Answer
    runner.py          one slot: claim, answer through the AnswerService, post via a Poster, retry, tell the owner
    service.py         APScheduler + SQLAlchemy job store, lease, catch-up, stuck-run timeouts
    yaml_schedules.py  schedules declared in playbot.yaml, validated and synced at start
No Slack types in here: handlers/ implements the Poster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from state.db import open_state

from .alerts import AlertError, parse_alert
from .runner import Poster, PostError, RunOutcome, RunPolicy, ScheduleRunner, utc_now
from .service import SchedulerService
from .store import AlertRule, Run, Schedule, ScheduleStore
from .triggers import When, WhenError, next_fire_time, parse_when, set_minimum_interval
from .yaml_schedules import sync_yaml_schedules, yaml_schedules

__all__ = [
    "AlertError", "AlertRule", "PostError", "Poster", "Run", "RunOutcome", "RunPolicy", "Schedule",
    "ScheduleListing", "ScheduleRunner", "ScheduleStore", "SchedulerService", "When", "WhenError",
    "can_change", "list_schedules", "open_store", "parse_alert", "parse_when", "policy_from_config", "sync_yaml_schedules",
    "yaml_schedules",
]


@dataclass(frozen=True)
class ScheduleListing:
    schedule: Schedule
    next_run: datetime | None  # local time in the schedule's timezone
    last: Run | None


def list_schedules(store: ScheduleStore, now: datetime | None = None, channel: str | None = None) -> list[ScheduleListing]:
    now = now or utc_now()
    out = []
    for schedule in store.all(channel):
        upcoming = None if schedule.paused else next_fire_time(schedule.when, schedule.timezone, now)
        out.append(ScheduleListing(schedule, upcoming.astimezone(ZoneInfo(schedule.timezone)) if upcoming else None,
                                   store.last_run(schedule.id)))
    return out


def can_change(schedule: Schedule, user: str, admins: tuple[str, ...]) -> bool:
    """Only the owner and configured admins may pause, resume, run, edit or delete a schedule."""
    return bool(user) and (user == schedule.owner or user in admins)


def policy_from_config(config) -> RunPolicy:
    sc = config.scheduler
    return RunPolicy(max_attempts=sc.max_attempts, backoff_seconds=float(sc.retry_seconds),
                     grace=timedelta(minutes=sc.grace_minutes), run_timeout=timedelta(minutes=sc.run_timeout_minutes))


def open_store(config, now: datetime | None = None) -> tuple[ScheduleStore, dict[str, list[str]]]:
    """Open the state DB, create the tables and sync the YAML schedules (ConfigError on a bad one). Sets
    the minimum interval every new schedule is checked against (scheduler.min_interval_minutes)."""
    set_minimum_interval(config.scheduler.min_interval_minutes)
    declared = yaml_schedules(config)
    store = ScheduleStore(open_state(config.state_db))
    return store, sync_yaml_schedules(store, declared, now or utc_now())

