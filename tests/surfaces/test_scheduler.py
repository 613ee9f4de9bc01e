"""Schedules end to end below Slack: real APScheduler with its SQLAlchemy job store on SQLite and on a
PostgreSQL state database created for the test, real Answerers on DuckDB and PostgreSQL, numbers
checked against the oracle. Time is given as explicit slot datetimes; only the APScheduler tests wait
(on a per-second trigger) for real."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from answers.formatting import fmt_change
from config import ConfigError, load_config
from scheduler import (
    RunPolicy,
    Schedule,
    SchedulerService,
    ScheduleRunner,
    ScheduleStore,
    can_change,
    list_schedules,
    parse_alert,
    parse_when,
    sync_yaml_schedules,
    yaml_schedules,
)
from scheduler.service import JOB_FUNC, JOBS_TABLE
from scheduler.store import schedule_runs
from state.db import open_state

from ..conftest import DATASETS, ENGINES, late_clock, make_answerer
from ..helpers import ask, service_for
from ..scheduling import PerSecondScheduler, RecordingPoster, postgres_state

FAST = RunPolicy(max_attempts=3, backoff_seconds=0.01, grace=timedelta(hours=1), run_timeout=timedelta(minutes=30))
MONDAY_9_BERLIN = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # Mon 16 Nov 2026 09:00 CET
CREATED = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    state = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield ScheduleStore(state)
    state.dispose()


@pytest.fixture(scope="module")
def answerer(built):
    return make_answerer(f"duckdb:///{built['messenger']}", DATASETS["messenger"])


def add(store: ScheduleStore, questions=("invites yesterday",), when="every monday 9:00", created=CREATED, **kw) -> Schedule:
    schedule = Schedule(name=kw.pop("name", "Weekly KPIs"), questions=tuple(questions), when=parse_when(when)
                        if isinstance(when, str) else when, timezone=kw.pop("timezone", "Europe/Berlin"),
                        channel=kw.pop("channel", "C0DIGEST"), owner=kw.pop("owner", "U0OWNER"), **kw)
    return store.save(schedule, created)


def runner(store, answerer, poster, name="runner", service=None, **kw) -> ScheduleRunner:
    return ScheduleRunner(store, service or service_for(answerer), poster, policy=kw.pop("policy", FAST), name=name,
                          sleep=lambda s: None, **kw)


# ---- digests: content from the one answer function, numbers equal to the oracle's ----

@pytest.mark.parametrize("engine", ENGINES)
def test_digest_numbers_equal_the_oracle(store, answerers, oracles, engine):
    answerer, oracle = answerers[(engine, "messenger")], oracles[(engine, "messenger")]
    questions = ("invites yesterday", "signups last week")
    schedule = add(store, questions)
    poster = RecordingPoster()
    outcome = runner(store, answerer, poster).run_slot(schedule.id, MONDAY_9_BERLIN)
    assert outcome.status == "ok", outcome
    parent, *thread = poster.posts
    assert parent.thread_ts is None and parent.channel == "C0DIGEST"
    assert [p.thread_ts for p in thread] == [parent.ts] * 2  # charts and tables go in the parent's thread
    assert [p.answer.request.question for p in thread] == list(questions)
    lines = parent.text.splitlines()
    assert lines[0] == "*Weekly KPIs*"
    for line, post in zip(lines[1:3], thread):
        params = post.answer.request.params
        event, start, end = params["event"], params["start"], params["end"]
        _, (total, _) = oracle.volume(event, start, end, params["interval"])
        _, (before, _) = oracle.volume(event, start - (end - start), start, params["interval"])
        assert f": *{total:,}* " in line
        assert f"({fmt_change(total, before)} vs the " in line


@pytest.mark.parametrize("engine", ENGINES)
def test_a_digest_from_behind_data_says_so_once(store, built, pg_url, oracles, engine):
    """36 h after the data ends (an injected clock), the digest's own message carries each source's
    stale-data warning once, whatever the number of questions, and the answers in its thread too."""
    ds = DATASETS["messenger"]
    clock = late_clock(engine, built, pg_url, oracles)
    late, url = clock.dataset, clock.url
    expected = [f":warning: {clock.warning(s)}" for s in ds.sources]
    answerer = make_answerer(url, late)
    try:
        schedule = add(store, ("invites yesterday", "signups last week"))
        poster = RecordingPoster()
        slot = late.clock.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        assert runner(store, answerer, poster).run_slot(schedule.id, slot).status == "ok"
        parent, *thread = poster.posts
        lines = parent.text.splitlines()
        assert [line for line in lines if line.startswith(":warning:")] == expected  # once, not per question
        assert all(p.answer.stale == [w.removeprefix(":warning: ") for w in expected] for p in thread)
    finally:
        answerer.segment.close()
    # the same digest from fresh data has no warning
    poster, on_time = RecordingPoster(), make_answerer(url, ds)
    try:
        fresh = runner(store, on_time, poster).run_slot(schedule.id, MONDAY_9_BERLIN)
    finally:
        on_time.segment.close()
    assert fresh.status == "ok" and ":warning:" not in poster.posts[0].text


def test_each_slot_runs_once_and_run_log_records_it(store, answerer):
    schedule = add(store)
    poster = RecordingPoster()
    first = runner(store, answerer, poster)
    assert first.run_slot(schedule.id, MONDAY_9_BERLIN).status == "ok"
    posted = len(poster.posts)
    again = runner(store, answerer, poster, name="other-process")
    assert again.run_slot(schedule.id, MONDAY_9_BERLIN).status == "duplicate"
    assert again.run_slot(schedule.id, MONDAY_9_BERLIN + timedelta(minutes=30)).status == "ok"  # another slot
    assert len(poster.posts) == 2 * posted
    runs = store.runs(schedule.id)
    assert [(r.slot, r.status, r.attempts) for r in runs] == [
        (datetime(2026, 11, 16, 9, 30), "ok", 0), (datetime(2026, 11, 16, 9, 0), "ok", 0)]


def test_skip_when_empty(store, answerer):
    quiet = add(store, ["invites between 2020-01-01 and 2020-01-31"], skip_when_empty=True)
    loud = add(store, ["invites between 2020-01-01 and 2020-01-31"], name="Loud")
    poster = RecordingPoster()
    run = runner(store, answerer, poster)
    assert run.run_slot(quiet.id, MONDAY_9_BERLIN) .status == "skipped"
    assert poster.posts == []
    assert run.run_slot(loud.id, MONDAY_9_BERLIN).status == "ok"
    assert len(poster.parents) == 1


def test_paused_schedule_does_not_run_but_run_now_does(store, answerer):
    schedule = add(store, paused=True)
    poster = RecordingPoster()
    run = runner(store, answerer, poster)
    assert run.run_slot(schedule.id, MONDAY_9_BERLIN).status == "paused"
    assert run.run_slot(schedule.id, datetime.now(UTC), trigger="manual").status == "ok"
    assert run.run_slot(schedule.id, datetime.now(UTC), trigger="manual").status == "ok"  # each click is a run
    assert len(poster.parents) == 2


# ---- failures: retried with backoff, then the owner is told why ----

def test_warehouse_failure_is_retried_then_reported_to_owner(store, built):
    down = make_answerer("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", DATASETS["messenger"])
    schedule = add(store)
    poster, waits = RecordingPoster(), []
    run = ScheduleRunner(store, service_for(down), poster, policy=RunPolicy(max_attempts=3, backoff_seconds=2),
                         sleep=waits.append)
    outcome = run.run_slot(schedule.id, MONDAY_9_BERLIN)
    assert outcome.status == "failed" and "after 3 attempts" in outcome.detail
    assert waits == [2, 4]  # backoff doubles
    assert poster.posts == []
    [(owner, text)] = poster.dms
    assert owner == "U0OWNER"
    assert "Weekly KPIs" in text and "not reachable" in text and "Next step" in text
    [logged] = store.runs(schedule.id)
    assert (logged.status, logged.attempts) == ("failed", 3)


def test_posting_error_is_retried_without_posting_twice(store, answerer):
    schedule = add(store, ["invites yesterday", "signups last week"])
    poster = RecordingPoster(fail_posts=1)
    assert runner(store, answerer, poster).run_slot(schedule.id, MONDAY_9_BERLIN).status == "ok"
    assert len(poster.parents) == 1 and len(poster.posts) == 3
    assert store.runs(schedule.id)[0].attempts == 1  # one failed attempt recorded before the success


class _ChartFails(RecordingPoster):
    """Posts each answer, then (for the answers named) fails after it is out, as an upload failure would."""

    def __init__(self, after: set[int], retryable: bool = True, before: dict[int, int] | None = None):
        super().__init__()
        self.after, self.retryable_after, self.before = after, retryable, dict(before or {})
        self.answers = 0

    def post_answer(self, channel, answer, thread_ts=None):
        from scheduler import PostError

        self.answers += 1
        index = int(answer.request.question.split("#")[-1]) if "#" in answer.request.question else self.answers
        if self.before.get(index, 0) > 0:  # fails before anything is posted: worth a retry of this one
            self.before[index] -= 1
            raise PostError("503 from Slack", retryable=True)
        ts = super().post_answer(channel, answer, thread_ts)
        if index in self.after:
            raise PostError("its chart could not be uploaded: Slack answered 503", retryable=self.retryable_after,
                            posted=ts)
        return ts


def test_each_message_posts_once_and_a_retry_posts_only_what_failed(store, answerer):
    """Exactly once per message: a message that went out before its chart failed is never posted again;
    an answer that failed before it went out is the only thing the retry posts. Each is recorded."""
    schedule = add(store, ["invites yesterday", "signups last week", "messages yesterday"])
    poster = _ChartFails(after={1})
    poster.before = {3: 1}  # the third answer fails once before it is posted (the third call)
    outcome = runner(store, answerer, poster).run_slot(schedule.id, MONDAY_9_BERLIN)
    assert outcome.status == "ok", outcome
    assert "answer 1: its chart could not be uploaded" in outcome.detail
    [parent] = poster.parents
    thread = [p for p in poster.posts if p.thread_ts == parent.ts]
    assert [p.answer.request.question for p in thread] == ["invites yesterday", "signups last week", "messages yesterday"]
    posts = store.posts(schedule.id, datetime(2026, 11, 16, 9, 0))
    assert list(posts) == ["parent", "answer 1", "answer 2", "answer 3"]
    assert posts["answer 1"].detail.startswith("its chart") and posts["answer 2"].detail is None
    assert [p.ts for p in posts.values()] == [parent.ts, *[p.ts for p in thread]]
    assert store.runs(schedule.id)[0].attempts == 1  # the one failed attempt before the retry


def test_question_no_longer_understood_fails_at_once(store, answerer):
    schedule = add(store, ["sent yesterday"])  # ambiguous: a clarification, not a retryable failure
    poster = RecordingPoster()
    outcome = runner(store, answerer, poster).run_slot(schedule.id, MONDAY_9_BERLIN)
    assert outcome.status == "failed" and "after 1 attempt)" in outcome.detail
    assert "not clear any more" in poster.dms[0][1]


def test_stuck_running_row_times_out_and_owner_is_told(store, answerer):
    schedule = add(store)
    started = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert store.claim(schedule.id, datetime(2026, 11, 16, 9, 0), started, "schedule", "dead-process", started)
    poster = RecordingPoster()
    service = SchedulerService(store, runner(store, answerer, poster))
    service.time_out_stuck(started + timedelta(minutes=29))
    assert store.runs(schedule.id)[0].status == "running"
    service.time_out_stuck(started + timedelta(minutes=31))
    assert store.runs(schedule.id)[0].status == "timeout"
    assert "timed out" in poster.dms[0][1]
    # the slot stays taken: a late finish by the dead process does not overwrite the record
    assert not store.finish(schedule.id, datetime(2026, 11, 16, 9, 0), "ok", "", started)


# ---- alerts: fire on the crossing, not on every check; recovery optional ----

@pytest.mark.parametrize("engine", ENGINES)
def test_alert_fires_once_on_crossing(store, answerers, oracles, engine):
    answerer, oracle = answerers[(engine, "messenger")], oracles[(engine, "messenger")]
    answer = ask(answerer, "invites yesterday")
    p = answer.request.params
    _, (invites, _) = oracle.volume("Invite Sent", p["start"], p["end"], "day")
    question, rule = parse_alert(f"alert me when daily invites drop below {invites + 1}")
    schedule = add(store, [question], when="daily 9:00", kind="alert", alert=rule, notify_recovery=True)
    poster = RecordingPoster()
    run = runner(store, answerer, poster)
    day = timedelta(days=1)
    assert run.run_slot(schedule.id, MONDAY_9_BERLIN).detail.startswith("fired")
    assert len(poster.parents) == 1
    assert f": {invites:,}, below {invites + 1:,}" in poster.parents[0].text  # says why, with the oracle's number
    assert run.run_slot(schedule.id, MONDAY_9_BERLIN + day).detail.startswith("still firing")
    assert len(poster.parents) == 1  # no repeat while it stays true
    store.save(Schedule(**{**_fields(schedule), "alert": parse_alert(f"daily invites drop below {invites}")[1]}), CREATED)
    assert run.run_slot(schedule.id, MONDAY_9_BERLIN + 2 * day).detail.startswith("recovered")
    assert "recovered" in poster.parents[-1].text and f"not below {invites:,}" in poster.parents[-1].text
    assert run.run_slot(schedule.id, MONDAY_9_BERLIN + 3 * day).detail.startswith("quiet")
    assert len(poster.parents) == 2


def test_alert_without_recovery_notice_stays_quiet_on_recovery(store, answerer):
    value = ask(answerer, "invites yesterday").key.value
    schedule = add(store, ["invites yesterday"], kind="alert", alert=parse_alert(f"invites yesterday above {value - 1}")[1])
    poster = RecordingPoster()
    run = runner(store, answerer, poster)
    run.run_slot(schedule.id, MONDAY_9_BERLIN)
    store.save(Schedule(**{**_fields(schedule), "alert": parse_alert(f"invites yesterday above {value}")[1]}), CREATED)
    assert run.run_slot(schedule.id, MONDAY_9_BERLIN + timedelta(days=1)).detail.startswith("recovered")
    assert len(poster.parents) == 1 and not store.alert_state(schedule.id)


def test_week_over_week_change_alert(store, answerers, oracles):
    answerer, oracle = answerers[("duckdb", "messenger")], oracles[("duckdb", "messenger")]
    question, rule = parse_alert("when messages change more than 1% week over week")
    schedule = add(store, [question], kind="alert", alert=rule)
    poster = RecordingPoster()
    runner(store, answerer, poster).run_slot(schedule.id, MONDAY_9_BERLIN)
    answer = poster.posts[-1].answer
    p = answer.request.params
    _, (now, _) = oracle.volume("Message Sent", p["start"], p["end"], "week")
    _, (before, _) = oracle.volume("Message Sent", p["start"] - timedelta(days=7), p["start"], "week")
    moved = abs(now - before) / before * 100
    assert (len(poster.parents) == 1) == (moved > 1)
    if poster.parents:
        assert f"{fmt_change(now, before)} vs the week before" in poster.parents[0].text


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("question", ["weekly active users this week", "mau this month", "weekly active users yesterday"])
def test_digest_and_alert_show_the_answers_own_comparison(store, answerers, oracles, engine, question):
    """A digest line and an alert on WAU say the comparison the answer says: the same window, cut at the
    same point ("vs the same point last week (…): 374"), never the whole week before."""
    answerer = answerers[(engine, "messenger")]
    answer = ask(answerer, question)
    change = answer.key.changes[0]
    assert "same point" in change.label or "day before" in change.label
    digest = add(store, [question])
    poster = RecordingPoster()
    assert runner(store, answerer, poster).run_slot(digest.id, MONDAY_9_BERLIN).status == "ok"
    assert f"({change.phrase()})" in poster.parents[0].text and change.phrase() in answer.summary
    text, rule = parse_alert(f"when {question} change more than 0.01%")
    alert = add(store, [question], kind="alert", alert=rule, name="WAU watch")
    alerts = RecordingPoster()
    outcome = runner(store, answerer, alerts).run_slot(alert.id, MONDAY_9_BERLIN)
    assert outcome.status == "ok" and change.phrase() in outcome.detail
    if alerts.parents:
        assert change.phrase() in alerts.parents[0].text


def _fields(schedule: Schedule) -> dict:
    return {k: getattr(schedule, k) for k in Schedule.__dataclass_fields__}


# ---- missed slots: within grace run once, outside recorded as missed, never a burst ----

def test_missed_slot_within_grace_runs_once(store, answerer):
    schedule = add(store, when="daily 9:00")
    poster = RecordingPoster()
    service = SchedulerService(store, runner(store, answerer, poster))
    due = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    service.catch_up(due + timedelta(minutes=40))
    service.catch_up(due + timedelta(minutes=50))  # a second restart does not post again
    assert len(poster.parents) == 1
    runs = store.runs(schedule.id)
    assert [(r.trigger, r.status) for r in runs][0] == ("catch-up", "ok")
    # the 15 days between creation and then: recorded as missed, not posted
    assert [r.status for r in runs[1:]] == ["missed"] * 15


def test_missed_slot_outside_grace_is_recorded_not_run(store, answerer):
    schedule = add(store, when="daily 9:00", created=datetime(2026, 11, 15, 12, tzinfo=UTC))
    poster = RecordingPoster()
    service = SchedulerService(store, runner(store, answerer, poster))
    service.catch_up(datetime(2026, 11, 16, 9, 30, tzinfo=UTC))  # 90 min after the 09:00 CET slot
    assert poster.posts == []
    [run] = store.runs(schedule.id)
    assert (run.status, run.slot) == ("missed", datetime(2026, 11, 16, 9, 0))
    assert "outside the 60 min grace period" in run.detail


# ---- several processes: exactly once per slot ----

def test_two_runners_race_for_the_same_slots_on_postgres(answerer):
    with postgres_state() as url:
        states = [open_state(url), open_state(url)]
        stores = [ScheduleStore(s) for s in states]
        schedule = add(stores[0], when=parse_when("* * * * *"), timezone="UTC")
        poster = RecordingPoster()
        runners = [runner(s, answerer, poster, name=f"p{i}") for i, s in enumerate(stores)]
        slots = [datetime(2026, 11, 16, 9, m, tzinfo=UTC) for m in range(6)]
        results: list[str] = []
        barrier = threading.Barrier(4)

        def race(r):
            barrier.wait()
            for due in slots:
                results.append(r.run_slot(schedule.id, due).status)

        threads = [threading.Thread(target=race, args=(r,)) for r in runners * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["duplicate"] * 18 + ["ok"] * 6
        assert len(poster.parents) == 6
        with states[0].engine.connect() as conn:
            assert conn.execute(select(schedule_runs.c.slot)).scalars().all().__len__() == 6
        for s in states:
            s.dispose()


def test_two_services_on_postgres_one_leader_takeover_no_duplicates(answerer):
    """Real APScheduler on a real PostgreSQL job store, slots every second (tests.scheduling), two bot
    processes: one leads; when it dies without releasing the lease the other takes over; every slot posts once."""
    with postgres_state() as url:
        states = [open_state(url), open_state(url)]
        stores = [ScheduleStore(s) for s in states]
        schedule = add(stores[0], ["invites yesterday"], when="* * * * *", timezone="UTC", created=datetime.now(UTC))
        poster = RecordingPoster()
        services = [PerSecondScheduler(s, runner(s, answerer, poster, name=f"bot{i}"), holder=f"bot{i}",
                                     lease_seconds=3, heartbeat_seconds=0.3) for i, s in enumerate(stores)]
        for service in services:
            service.start()
        try:
            deadline = time.monotonic() + 20
            while len(_posted_slots(stores[0], schedule.id)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            leaders = [s for s in services if s.is_leader]
            assert len(leaders) == 1
            first, other = leaders[0], next(s for s in services if s is not leaders[0])
            with states[0].engine.connect() as conn:  # the job lives in the SQLAlchemy job store, by name
                jobs = conn.execute(select(_jobs_table(states[0]))).all()
            assert len(jobs) == 1
            first.stop(release=False)  # dies: the lease runs out instead of being released
            deadline = time.monotonic() + 20
            while not other.is_leader and time.monotonic() < deadline:
                time.sleep(0.1)
            assert other.is_leader
            before = len(_posted_slots(stores[0], schedule.id))
            while len(_posted_slots(stores[0], schedule.id)) < before + 2 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            for service in services:
                service.stop()
        runs = stores[0].runs(schedule.id, limit=500)
        by_status = {r.status for r in runs}
        assert by_status <= {"ok", "missed"}
        ran = [r for r in runs if r.status == "ok"]
        runners_seen = {r.runner for r in _raw_runs(states[0])}
        assert runners_seen == {"bot0", "bot1"}
        assert len(ran) >= 3
        assert len(poster.parents) == len(ran)  # one post per slot that ran, none twice
        assert len({r.slot for r in runs}) == len(runs)
        for s in states:
            s.dispose()


def test_every_minute_cron_fires_once_a_minute_in_real_apscheduler(store, answerer):
    """Finding 2 end to end: `* * * * *` in the real loop (APScheduler, SQLAlchemy job store) for 3.5 s
    runs at most once, on a whole minute; it used to post a digest every second."""
    schedule = add(store, when="* * * * *", timezone="UTC", created=datetime.now(UTC))
    poster = RecordingPoster()
    service = SchedulerService(store, runner(store, answerer, poster), heartbeat_seconds=0.2)
    service.start()
    try:
        time.sleep(3.5)
    finally:
        service.stop()
    ran = [r for r in store.runs(schedule.id) if r.status == "ok"]
    assert len(ran) <= 1 and len(poster.parents) == len(ran)
    assert all(r.slot.second == 0 for r in ran)


def _posted_slots(store: ScheduleStore, schedule_id: str) -> list:
    return [r for r in store.runs(schedule_id, limit=500) if r.status == "ok"]


def _jobs_table(state):
    from sqlalchemy import MetaData, Table

    return Table(JOBS_TABLE, MetaData(), autoload_with=state.engine)


def _raw_runs(state):
    with state.engine.connect() as conn:
        return conn.execute(select(schedule_runs)).all()


def test_schedules_and_jobs_survive_a_restart(tmp_path, answerer):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    state = open_state(url)
    store = ScheduleStore(state)
    schedule = add(store)
    service = SchedulerService(store, runner(store, answerer, RecordingPoster()), holder="first")
    service.tick()
    assert service.is_leader
    service.stop(release=False)
    state.dispose()
    # a new process: same database, new objects
    state = open_state(url)
    store = ScheduleStore(state)
    assert store.get(schedule.id) == schedule
    with state.engine.connect() as conn:
        jobs = _jobs_table(state)
        [(job_id, state_blob)] = conn.execute(select(jobs.c.id, jobs.c.job_state)).all()
    assert job_id == f"playbot-schedule:{schedule.id}"
    import pickle

    assert pickle.loads(state_blob)["func"] == JOB_FUNC  # a textual reference, rebuilt at every start
    listing = list_schedules(store, datetime(2026, 11, 17, tzinfo=UTC))
    assert listing[0].next_run.isoformat() == "2026-11-23T09:00:00+01:00"
    state.dispose()


# ---- YAML schedules and permissions ----

def test_yaml_schedules_sync(tmp_path, store):
    def config(body):
        path = tmp_path / "playbot.yaml"
        path.write_text(body)
        return load_config(path, env={})

    first = config("""
scheduler: {admins: [U0ADMIN]}
schedules:
  - name: Monday KPIs
    cron: "0 9 * * 1"
    timezone: Europe/Berlin
    channel: C0KPIS01
    questions: [invites last week, signups last week]
  - name: Signups alert
    cron: daily 8:00
    channel: C0ALERT1
    alert: daily signups drop below 100
""")
    slack_made = add(store, source="slack")
    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert sync_yaml_schedules(store, yaml_schedules(first), now) == {
        "added": ["Monday KPIs", "Signups alert"], "updated": [], "removed": []}
    alert = store.get("yaml-signups-alert")
    assert (alert.kind, alert.questions, alert.alert.op, alert.owner) == ("alert", ("signups yesterday",), "below", "U0ADMIN")
    assert sync_yaml_schedules(store, yaml_schedules(first), now) == {"added": [], "updated": [], "removed": []}
    second = config("""
schedules:
  - name: Monday KPIs
    cron: every monday 10:00
    channel: C0KPIS01
    questions: [invites last week]
""")
    assert sync_yaml_schedules(store, yaml_schedules(second), now) == {
        "added": [], "updated": ["Monday KPIs"], "removed": ["Signups alert"]}
    assert {s.id for s in store.all()} == {"yaml-monday-kpis", slack_made.id}  # Slack schedules untouched


@pytest.mark.parametrize("entry, key, says", [
    ("{name: a, cron: every blursday, channel: C0AAAAAA, questions: [dau]}", "schedules[0].cron", "could not read"),
    ("{name: a, cron: daily, channel: '#general', questions: [dau]}", "schedules[0].channel", "not a Slack channel ID"),
    ("{name: a, cron: daily, channel: C0AAAAAA}", "schedules[0].questions", "missing"),
    ("{name: a, cron: daily, channel: C0AAAAAA, questions: [dau], timezone: Berlin}", "schedules[0].timezone",
     "unknown timezone"),
    ("{name: a, cron: daily, channel: C0AAAAAA, questions: [dau], kind: report}", "schedules[0].kind", "digest or alert"),
    ("{name: a, crn: daily, channel: C0AAAAAA, questions: [dau]}", "schedules[0].crn", "unknown key"),
    ("{name: a, cron: daily, channel: C0AAAAAA, kind: alert, alert: signups are nice}", "schedules[0].alert",
     "could not read the alert"),
])
def test_yaml_schedule_errors_name_the_key(tmp_path, entry, key, says):
    path = tmp_path / "playbot.yaml"
    path.write_text(f"schedules:\n  - {entry}\n")
    with pytest.raises(ConfigError) as err:
        yaml_schedules(load_config(path, env={}))
    assert err.value.key == key and says in str(err.value)


def test_only_owner_and_admins_may_change(store):
    schedule = add(store, owner="U0OWNER")
    assert can_change(schedule, "U0OWNER", ())
    assert can_change(schedule, "U0ADMIN", ("U0ADMIN",))
    assert not can_change(schedule, "U0SOMEONE", ("U0ADMIN",))
    assert not can_change(schedule, "", ())


# ---- the CLI ----

def test_cli_lists_and_runs_schedules(tmp_path, built):
    import os
    import subprocess
    import sys

    from ..conftest import ROOT

    config = tmp_path / "playbot.yaml"
    config.write_text(f"""
timezone: America/New_York
state_db: sqlite:///{tmp_path / 'state.sqlite'}
warehouses: {{segment: "duckdb:///{built['messenger']}"}}
segment: {{sources: [messenger_web, messenger_ios]}}
schedules:
  - {{name: Monday KPIs, cron: "0 9 * * 1", timezone: Europe/Berlin, channel: C0KPIS001, questions: [invites last week]}}
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYBOT_", "SLACK_"))}

    def bot(*args):
        return subprocess.run([sys.executable, "bot.py", "--config", str(config), "schedules", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)

    listed = bot()
    assert listed.returncode == 0, listed.stderr
    assert "added Monday KPIs" in listed.stderr
    row = listed.stdout.splitlines()[2]
    assert row.split()[:4] == ["yaml-monday-kpis", "Monday", "KPIs", "digest"]
    assert "every" not in row and "0 9 * * 1 Europe/Berlin" in row and "Mon" in row and "09:00 CET" in row
    ran = bot("run", "yaml-monday-kpis")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("[to C0KPIS001]\n*Monday KPIs*\n• Invite Sent")
    assert ran.stdout.rstrip().endswith("ok: posted 1 item")
    assert "ok: posted 1 item" in bot().stdout
    missing = bot("run", "nope")
    assert missing.returncode == 2 and "bot.py schedules` lists the IDs" in missing.stderr


# ---- policies: a schedule posts only what its channel may see ----

def test_scheduled_run_goes_through_the_answer_service_and_is_audited(store, answerer):
    from policy.audit import AuditLog
    from policy.settings import parse_policies
    from service import AnswerService

    policies = parse_policies({"rules": [{"name": "retention stays in product", "playbooks": ["retention"],
                                          "only": {"channels": ["C0PRODUCT"]}}]})
    store.state.create_all()  # the audit table is declared when policy.audit is imported
    service = AnswerService(answerer, policies, AuditLog(store.state))
    general = add(store, ["retention weekly"], channel="C0GENERAL")
    product = add(store, ["retention weekly"], channel="C0PRODUCT", name="Product retention")
    poster = RecordingPoster()
    run = runner(store, answerer, poster, service=service)
    refused = run.run_slot(general.id, MONDAY_9_BERLIN)
    assert refused.status == "stopped" and store.get(general.id).paused  # not retried: stopped until fixed
    assert "only available in certain places" in refused.detail and "C0PRODUCT" in refused.detail
    assert poster.posts == [] and "retention stays in product" in poster.dms[0][1]
    assert run.run_slot(product.id, MONDAY_9_BERLIN).status == "ok"
    entries = AuditLog(store.state).entries()
    assert sorted((e.source, e.channel, e.outcome) for e in entries) == [
        ("schedule", "C0GENERAL", "refused"), ("schedule", "C0PRODUCT", "answered")]


def test_killed_process_loses_no_schedule_and_posts_no_duplicate(built, tmp_path):
    """Two real bot processes one after the other on a PostgreSQL state DB: the first is killed (-9)
    while scheduling a digest (on whole seconds, tests.scheduling); the second takes over from the same tables."""
    import json
    import os
    import signal
    import subprocess
    import sys

    from ..conftest import ROOT

    out = tmp_path / "posts.jsonl"

    def parents(holder=None):
        lines = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        return [p for p in lines if "dm" not in p and p["thread_ts"] is None and holder in (None, p["holder"])]

    def start(holder):
        return subprocess.Popen([sys.executable, "-m", "tests.schedule_process", url, str(built["messenger"]), str(out),
                                 holder], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def wait(predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.1)

    with postgres_state() as url:
        state = open_state(url)
        store = ScheduleStore(state)
        schedule = add(store, ["invites yesterday"], when="* * * * *", timezone="UTC", created=datetime.now(UTC))
        first = start("first")
        try:
            wait(lambda: len(parents("first")) >= 2)
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        second = start("second")
        try:
            wait(lambda: len(parents("second")) >= 2)
        finally:
            second.terminate()
            second.wait()
        assert store.get(schedule.id) == schedule  # the schedule survived the kill
        runs = store.runs(schedule.id, limit=1000)
        claimed = [r for r in runs if r.status in ("ok", "running", "timeout")]  # a slot that may have posted
        ok = [r for r in runs if r.status == "ok"]
        # each post belongs to one claimed slot (the run log's unique key): no slot posted twice
        assert len(ok) <= len(parents()) <= len(claimed)
        assert len({r.slot for r in runs}) == len(runs)
        assert {p["holder"] for p in parents()} == {"first", "second"}
        state.dispose()


def test_dst_slots_in_the_run_log_with_an_injected_clock(store, answerer):
    """Daily 9:00 Berlin across the spring change (Sun 29 Mar 2026): every slot is 09:00 local; its UTC
    due time moves from 08:00 to 07:00; the slot due 30 min before the injected 'now' runs once."""
    schedule = add(store, when="daily 9:00", created=datetime(2026, 3, 26, 12, tzinfo=UTC))
    poster = RecordingPoster()
    clock = datetime(2026, 3, 30, 7, 30, tzinfo=UTC)
    service = SchedulerService(store, runner(store, answerer, poster, clock=lambda: clock), clock=lambda: clock)
    service.catch_up(clock)
    runs = sorted(store.runs(schedule.id), key=lambda r: r.slot)
    assert [(r.slot.strftime("%a %d %H:%M"), r.due_at.strftime("%H:%M"), r.status) for r in runs] == [
        ("Fri 27 09:00", "08:00", "missed"), ("Sat 28 09:00", "08:00", "missed"),
        ("Sun 29 09:00", "07:00", "missed"), ("Mon 30 09:00", "07:00", "ok")]
    assert len(poster.parents) == 1
    assert service.next_run(schedule).astimezone(UTC) == datetime(2026, 3, 31, 7, 0, tzinfo=UTC)


def test_the_documented_example_schedules_are_valid():
    from ..conftest import ROOT

    config = load_config(ROOT / "playbot.example.yaml", env={})
    declared = {s.name: s for s in yaml_schedules(config)}
    assert declared["Monday KPIs"].when.fields == {"day_of_week": "mon", "hour": "9", "minute": "0", "day": "*",
                                                   "month": "*"}
    assert declared["Signups alert"].alert.threshold == 100 and declared["Signups alert"].owner == "U01OWNER0"
    assert config.scheduler.admins == ("U01ADMIN0",)
