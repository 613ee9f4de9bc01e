"""The scheduling loop: APScheduler 3 with its job store on the state DB, led by one process at a time.

Every bot process runs a SchedulerService. Each heartbeat it tries to take (or renew) the lease row;
the holder runs APScheduler, the others wait and take over when the lease expires (the holder died).
On becoming leader it rebuilds the jobs from the `schedules` table (jobs point at the module-level
function `scheduler.service:fire` by name, so renaming code never loses a schedule), records slots
missed while no one was leading, and runs the latest one if it is within the grace period.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from .runner import ScheduleRunner, failure_message, utc_now
from .store import Schedule, ScheduleStore
from .triggers import Slots, local_slot

log = logging.getLogger("playbot.scheduler")

JOB_FUNC = "scheduler.service:fire"  # stable textual reference stored with every job
JOBS_TABLE = "apscheduler_jobs"
MAX_MISSED_RECORDED = 50  # older missed slots of a long outage are summarised, not listed
CATCH_UP_HORIZON = timedelta(days=31)

_SERVICES: dict[str, SchedulerService] = {}


def fire(holder: str, schedule_id: str) -> None:
    """APScheduler's job function: run the slot that is due now for this schedule."""
    service = _SERVICES.get(holder)
    if service is None:  # a job of a process that is gone; the current leader rebuilt its own
        log.warning("no scheduler %s in this process for schedule %s", holder, schedule_id)
        return
    service.fire(schedule_id)


def job_id(schedule_id: str) -> str:
    return f"playbot-schedule:{schedule_id}"


class SchedulerService:
    def __init__(self, store: ScheduleStore, runner: ScheduleRunner, *, holder: str | None = None,
                 lease_seconds: float = 30.0, heartbeat_seconds: float | None = None, workers: int = 4,
                 clock: Callable[[], datetime] = utc_now):
        self.store = store
        self.runner = runner
        self.holder = holder or f"{runner.name}-{uuid.uuid4().hex[:6]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.heartbeat = heartbeat_seconds if heartbeat_seconds is not None else lease_seconds / 3
        self.workers = workers
        self.clock = clock
        self.policy = runner.policy
        self._scheduler: BackgroundScheduler | None = None
        self._jobs: dict[str, tuple] = {}  # schedule id -> definition the job was built from
        self._fingerprint: tuple | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        _SERVICES[self.holder] = self

    @property
    def is_leader(self) -> bool:
        return self._scheduler is not None

    # ---- lifecycle ----
    def start(self) -> None:
        self.tick()
        self._thread = threading.Thread(target=self._loop, name=f"scheduler-{self.holder}", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.heartbeat):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - the state DB may be briefly unreachable; try again next beat
                log.exception("scheduler heartbeat failed holder=%s", self.holder)

    def stop(self, release: bool = True) -> None:
        """Stop scheduling. `release=False` leaves the lease to expire, as a crashed process would."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            self._step_down()
        if release:
            self.store.release_lease(self.holder)
        _SERVICES.pop(self.holder, None)

    def tick(self) -> None:
        """One heartbeat: take or renew the lease, lead or follow, keep jobs in step with the table."""
        with self._lock:
            now = self.clock()
            leader = self.store.acquire_lease(self.holder, now, now + self.lease)
            if leader and self._scheduler is None:
                self._lead(now)
            elif not leader and self._scheduler is not None:
                log.warning("lost the scheduler lease holder=%s", self.holder)
                self._step_down()
            if self._scheduler is not None:
                self._reconcile()
                self.time_out_stuck(now)

    def _lead(self, now: datetime) -> None:
        log.info("scheduler leader holder=%s", self.holder)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.store.engine, tablename=JOBS_TABLE),
                       "volatile": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(self.workers)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(self.policy.grace.total_seconds())},
            timezone=UTC)
        scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        # paused: jobs left in the store by an earlier leader must not fire before they are rebuilt
        scheduler.start(paused=True)
        self._scheduler = scheduler
        self._jobs, self._fingerprint = {}, None
        for job in scheduler.get_jobs(jobstore="default"):
            scheduler.remove_job(job.id, jobstore="default")
        self._reconcile()
        self.catch_up(now)
        scheduler.resume()

    def _step_down(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            self._jobs = {}

    # ---- jobs ----
    def _reconcile(self) -> None:
        """Make APScheduler's jobs match the schedules table (another process may have changed it)."""
        fingerprint = self.store.fingerprint()
        if fingerprint == self._fingerprint:
            return
        self._fingerprint = fingerprint
        scheduler = self._scheduler
        assert scheduler is not None
        wanted = {s.id: s for s in self.store.all() if not s.paused}
        for schedule_id in list(self._jobs):
            if schedule_id not in wanted:
                scheduler.remove_job(job_id(schedule_id))
                del self._jobs[schedule_id]
        for schedule in wanted.values():
            definition = (tuple(sorted(schedule.when.fields.items())), schedule.timezone)
            if self._jobs.get(schedule.id) == definition:
                continue
            scheduler.add_job(JOB_FUNC, trigger=self.slots(schedule).trigger(), id=job_id(schedule.id),
                              name=schedule.name, kwargs={"holder": self.holder, "schedule_id": schedule.id},
                              replace_existing=True)
            self._jobs[schedule.id] = definition

    def fire(self, schedule_id: str) -> None:
        schedule = self.store.get(schedule_id)
        if schedule is None:
            return
        now = self.clock()
        # the job runs a moment after its fire time (up to the grace period when the pool was busy)
        until = now + timedelta(seconds=1)
        due = self.slots(schedule).recent(until - self.policy.grace - timedelta(minutes=1), until, 1)
        if due:
            self.runner.run_slot(schedule.id, due[-1])

    def _missed(self, event: JobExecutionEvent) -> None:
        schedule_id = event.job_id.removeprefix("playbot-schedule:")
        schedule = self.store.get(schedule_id)
        if schedule is not None:
            due = event.scheduled_run_time
            self.store.claim(schedule.id, local_slot(due, schedule.timezone), due, "schedule", self.holder,
                             self.clock(), status="missed", detail="started too late (the bot was overloaded)")

    # ---- missed slots and stuck runs ----
    def catch_up(self, now: datetime) -> None:
        """Slots that passed while no process was leading: the latest runs once if within the grace
        period, all others are recorded as missed. Never a burst of catch-up posts."""
        for schedule in self.store.all():
            if schedule.paused:
                continue
            since = max(filter(None, (self.store.last_scheduled_due(schedule.id), schedule.created_at,
                                      now - CATCH_UP_HORIZON)))
            slots = self.slots(schedule).recent(since, now, MAX_MISSED_RECORDED + 1)
            if not slots:
                continue
            *older, latest = slots
            for due in older:
                self._record_missed(schedule, due, now)
            if now - latest <= self.policy.grace:
                if self._scheduler is not None:
                    self._scheduler.add_job(self.runner.run_slot, args=(schedule.id, latest, "catch-up"),
                                            jobstore="volatile", misfire_grace_time=None)
                else:
                    self.runner.run_slot(schedule.id, latest, "catch-up")
            else:
                self._record_missed(schedule, latest, now)

    def _record_missed(self, schedule: Schedule, due: datetime, now: datetime) -> None:
        late = now - due
        self.store.claim(schedule.id, local_slot(due, schedule.timezone), due, "catch-up", self.holder, now,
                         status="missed", detail=f"the bot was not running; {_duration(late)} late is outside "
                                                 f"the {_duration(self.policy.grace)} grace period")

    def time_out_stuck(self, now: datetime) -> None:
        for run in self.store.time_out_stuck(now - self.policy.run_timeout, now):
            schedule = self.store.get(run.schedule_id)
            if schedule is not None:
                self.runner.poster.notify_owner(schedule.owner, failure_message(schedule, run.slot, "it timed out"))

    def next_run(self, schedule: Schedule) -> datetime | None:
        return None if schedule.paused else self.slots(schedule).next(self.clock())

    def slots(self, schedule: Schedule) -> Slots:
        """When a schedule's slots are (its cron in its timezone)."""
        return Slots(schedule.when, schedule.timezone)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"
