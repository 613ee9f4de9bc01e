"""Shared fixtures: two generated Segment datasets, on DuckDB files and on a real PostgreSQL
database created for this test session (and dropped after it), built only when a test asks for
them; the fast tier reads the datasets' catalog snapshots instead (tests/fixtures)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import psycopg
import pytest
from hypothesis import settings

from answers.answerer import Answerer
from config import Config, SegmentConfig, WarehouseConfig
from segment.demo import DemoSpec, build_demo, event_name
from state.db import open_state
from warehouse import Warehouse
from warehouse.loader import copy_to_postgres

from .fixtures import catalog as snapshot_catalog
from .helpers import builtin_library
from .oracle import Oracle

# Property tests draw the same examples on every run, so CI passes or fails the same way twice;
# PLAYBOT_HYPOTHESIS=explore draws new ones (docs/testing.md), for a hunt before a release.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("PLAYBOT_HYPOTHESIS", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]

PG_ADMIN = os.environ.get("PLAYBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class Dataset:
    """A generated warehouse and the settings the bot should read it with."""

    name: str
    spec: DemoSpec
    timezone: str
    week_start: str
    clock: datetime  # the bot's "now", aware

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self.spec.sources.values())

    def event(self, name: str) -> str:
        """An e-commerce spec v2 event name as this dataset calls it ("Order Completed" -> "Completed Order" on v1)."""
        return event_name(name, self.spec.ecommerce_spec)


DATASETS = {
    # the demo's own schema names, New York time (DST ended on 1 Nov 2026, inside the data)
    "messenger": Dataset("messenger", DemoSpec(end=datetime(2026, 11, 20, 16, 30), seed=11, events=60_000, days=120),
                         "America/New_York", "monday",
                         datetime(2026, 11, 20, 11, 0, tzinfo=ZoneInfo("America/New_York"))),
    # other schema names, another seed, Berlin time (DST ended 25 Oct), weeks starting on Sunday
    # and the e-commerce events under Segment's spec v1 names (Completed Order, table completed_order)
    "acme": Dataset("acme", DemoSpec(end=datetime(2026, 11, 5, 9, 0), seed=23, events=50_000, days=100,
                                     sources={"web": "acme_web", "ios": "acme_app"}, ecommerce_spec="v1"),
                    "Europe/Berlin", "sunday", datetime(2026, 11, 5, 9, 45, tzinfo=ZoneInfo("Europe/Berlin"))),
}


# Two more, for the rules about time (answers/periods.py), with schema names of their own (one PostgreSQL
# database holds every dataset):
EDGE_DATASETS = {
    # a warehouse whose data starts mid-range: 45 days up to 20 Nov (the first event 6 Oct, UTC), so a year
    # of months or a comparison window before 5 Oct finds no data; Los Angeles time (DST ended 1 Nov)
    "late_start": Dataset("late_start", DemoSpec(end=datetime(2026, 11, 20, 16, 30), seed=19, events=30_000, days=45,
                                                 sources={"web": "late_web", "ios": "late_app"}),
                          "America/Los_Angeles", "monday",
                          datetime(2026, 11, 20, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))),
    # a warehouse holding events after now: the bot's clock 10 h before the data ends, and a server whose
    # clock runs 30 h ahead (its Email Sent events are timestamped up to 40 h after now); UTC
    "future": Dataset("future", DemoSpec(end=datetime(2026, 11, 20, 16, 30), seed=29, events=30_000, days=60,
                                         sources={"web": "future_web", "ios": "future_app"},
                                         server_clock_ahead_hours=30),
                      "UTC", "monday", datetime(2026, 11, 20, 6, 30, tzinfo=ZoneInfo("UTC"))),
}
ALL_DATASETS = {**DATASETS, **EDGE_DATASETS}


@contextmanager
def _shared(tmp_path_factory, lock: str = ".lock"):
    """A folder shared by the pytest-xdist workers of one run (the session's own folder without xdist),
    held under an exclusive lock (one per name): what one worker builds there, the others reuse."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "shared"
    folder.mkdir(exist_ok=True)
    with open(folder / lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield folder


def _worker_order(names) -> list[str]:
    """`names` rotated by this xdist worker's index, so each worker starts on a different one and the
    workers build (or copy) the datasets side by side, each under its own lock, instead of one by one."""
    names = list(names)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    start = (index * len(names) // max(count, 1)) % len(names)
    return names[start:] + names[:start]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """Each dataset built once into its own DuckDB file (once per run: the workers share the files, which
    every warehouse opens read-only and every test that writes copies first)."""
    for name in _worker_order(ALL_DATASETS):
        with _shared(tmp_path_factory, f".lock-demo-{name}") as shared:
            folder = shared / f"demo-{name}"
            if not (folder / "built").exists():
                folder.mkdir(exist_ok=True)
                build_demo(folder / "segment.duckdb", folder / "product.duckdb", ALL_DATASETS[name].spec)
                (folder / "built").touch()
    with _shared(tmp_path_factory) as shared:
        return {name: shared / f"demo-{name}" / "segment.duckdb" for name in ALL_DATASETS}


@pytest.fixture(scope="session")
def pg_url(built, tmp_path_factory) -> str:
    """A fresh PostgreSQL database holding every dataset, shared by the workers of the run (which copy the
    datasets into it side by side) and dropped by the last one to finish."""
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # pragma: no cover - CI starts PostgreSQL
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")
    base = PG_ADMIN.rsplit("/", 1)[0]
    with _shared(tmp_path_factory) as shared:
        marker = shared / "postgres.json"
        held = json.loads(marker.read_text()) if marker.exists() else {"users": 0}
        if held["users"] == 0:  # none yet, or dropped by a worker that finished before this one started
            held["db"] = f"playbot_test_{uuid.uuid4().hex[:10]}"
            admin.execute(f'CREATE DATABASE "{held["db"]}"')
        held["users"] += 1
        marker.write_text(json.dumps(held))
    url = f"{base}/{held['db']}"
    try:
        for name in _worker_order(ALL_DATASETS):
            with _shared(tmp_path_factory, f".lock-pg-{name}") as shared:
                copied = shared / f"{held['db']}-{name}.copied"
                if not copied.exists():
                    copy_to_postgres(built[name], url, schemas=list(ALL_DATASETS[name].sources))
                    copied.touch()
        yield url
    finally:
        with _shared(tmp_path_factory) as shared:
            held = json.loads(marker.read_text())
            held["users"] -= 1
            if held["users"] == 0:
                admin.execute(f'DROP DATABASE IF EXISTS "{held["db"]}" WITH (FORCE)')
            marker.write_text(json.dumps(held))
        admin.close()


def make_config(url: str, ds: Dataset, **segment) -> Config:
    return Config(
        warehouses={"segment": WarehouseConfig("segment", url)},
        segment=SegmentConfig(warehouse="segment", sources=ds.sources, activity_exclude_events=("Email Sent",),
                              **segment),
        timezone=ds.timezone, week_start=ds.week_start, demo=None, chart_dir=ROOT / "var" / "test-charts",
    )


def make_answerer(url: str, ds: Dataset, **segment) -> Answerer:
    config = make_config(url, ds, **segment)
    warehouses = {"segment": Warehouse(config.warehouses["segment"])}
    return Answerer(config, warehouses, builtin_library(), clock=lambda: ds.clock)


ENGINES = ("duckdb", "postgres")


@dataclass(frozen=True)
class LateClock:
    """The messenger dataset read `hours` after its data ends: the stale-data warnings to expect."""
    dataset: Dataset
    url: str
    latest: dict  # source -> latest received_at (the oracle's)
    now_utc: datetime

    def warning(self, source: str) -> str:
        hours = (self.now_utc - self.latest[source]).total_seconds() / 3600
        return (f"Data from source `{source}` is {hours:.0f} h behind "
                f"(last event received {self.latest[source]:%Y-%m-%d %H:%M} UTC).")


def late_clock(engine: str, built, pg_url: str, oracles, hours: int = 36) -> LateClock:
    from dataclasses import replace
    from datetime import UTC, timedelta

    ds = DATASETS["messenger"]
    late = replace(ds, clock=ds.clock + timedelta(hours=hours))
    url = f"duckdb:///{built['messenger']}" if engine == "duckdb" else pg_url.replace("postgresql://",
                                                                                       "postgresql+psycopg://")
    return LateClock(late, url, oracles[(engine, "messenger")].latest_received,
                     late.clock.astimezone(UTC).replace(tzinfo=None))


@pytest.fixture(scope="session")
def answerers(built, pg_url):
    """{(engine, dataset): Answerer} for every engine and dataset."""
    out = {}
    for name, ds in ALL_DATASETS.items():
        out[("duckdb", name)] = make_answerer(f"duckdb:///{built[name]}", ds)
        out[("postgres", name)] = make_answerer(pg_url.replace("postgresql://", "postgresql+psycopg://"), ds)
    yield out
    for a in out.values():
        for w in a.warehouses.values():
            w.close()


class _Oracles(dict):
    """{(engine, dataset): Oracle}, each built the first time a test asks for it (a worker builds only
    those its tests read, and its first test does not wait for all eight)."""

    def __init__(self, build):
        super().__init__()
        self._build = build

    def __missing__(self, key):
        engine, name = key
        if engine not in ENGINES or name not in ALL_DATASETS:
            raise KeyError(key)
        self[key] = oracle = self._build(engine, ALL_DATASETS[name])
        return oracle


@pytest.fixture(scope="session")
def oracles(built, pg_url, tmp_path_factory):
    """{(engine, dataset): Oracle} built from each engine's own raw rows."""

    def build(engine: str, ds: Dataset) -> Oracle:
        settings = dict(exclude_activity=("Email Sent",), now=ds.clock)
        if engine == "postgres":
            with psycopg.connect(pg_url, autocommit=True) as pg:
                return Oracle(lambda q: pg.execute(q).fetchall(), list(ds.sources), ds.timezone, ds.week_start,
                              **settings)
        # a byte copy of the file, opened by plain duckdb: nothing shared with the bot's connections
        copy = tmp_path_factory.mktemp(f"oracle-{ds.name}") / "segment.duckdb"
        shutil.copyfile(built[ds.name], copy)
        con = duckdb.connect(str(copy), read_only=True)
        try:
            return Oracle(lambda q: con.execute(q).fetchall(), list(ds.sources), ds.timezone, ds.week_start, **settings)
        finally:
            con.close()

    return _Oracles(build)


def snapshot_answerer(name: str) -> Answerer:
    """An Answerer for test dataset `name` that reads questions and renders SQL against the dataset's
    catalog snapshot (tests/fixtures) and never connects to a warehouse: for the fast tier."""
    ds = DATASETS[name]
    config = make_config("duckdb:///:memory:", ds)
    return Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, builtin_library(),
                    clock=lambda: ds.clock, catalog_loader=lambda: snapshot_catalog(name))


@pytest.fixture(scope="session")
def corpus_env():
    """(library, catalog) the question corpus is read with (tests/corpus): the messenger dataset's
    catalog snapshot, so reading questions needs no warehouse."""
    from .corpus import corpus_library

    return corpus_library(), snapshot_catalog("messenger")


@pytest.fixture()
def state(tmp_path):
    db = open_state(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def pg_state_url():
    """A PostgreSQL database of its own for the state tables, dropped afterwards."""
    name = f"playbot_state_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://")
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
