"""A refresh's derivation of the per-person tables (rollup/derive.py) when people changed under it: a rollup
built from the messenger dataset, then in its file one person's signup moment moved, one person gone, one
come, and the early rows of the last days deleted and written again with other counts (what a refresh
re-reads): the early-action tables derived for the touched people only equal an independent computation in
Python over the file's rows, and the retention tables derived from the re-read days equal a whole derivation
of the same file (itself checked against the oracle in test_rollup_returns.py)."""

from __future__ import annotations

import dataclasses
import shutil
from collections import defaultdict
from datetime import datetime, timedelta

import duckdb
import pytest

from answers.answerer import Answerer
from config import RollupConfig
from playbooks import load_library
from rollup.early import EARLY_COUNTS, EARLY_PEOPLE, EARLY_STEPS, derive_early, forget_early
from rollup.paths import comparable_sql
from rollup.returns import LAST_SEEN_TABLE, RETURNS_TABLE, build_returns
from warehouse import Warehouse

from ..conftest import DATASETS, make_config
from .test_rollup import Clock, _url


@pytest.fixture(scope="module")
def rollup_file(built, tmp_path_factory):
    ds = DATASETS["messenger"]
    folder = tmp_path_factory.mktemp("derive")
    config = dataclasses.replace(make_config(_url("duckdb", "messenger", built, ""), ds),
                                 rollup=RollupConfig(dir=folder))
    answerer = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, load_library(),
                        clock=Clock(ds.clock))
    try:
        meta = answerer.build_rollup(full=True)
        return answerer.rollup.store.path(meta)
    finally:
        answerer.rollup.close()
        answerer.segment.close()


def _rows(con, table: str) -> list[tuple]:
    return sorted(con.execute(comparable_sql(table)).fetchall(), key=repr)


def _early_oracle(con) -> tuple[list[tuple], list[tuple]]:
    """rollup_early_people and rollup_early_counts from the file's early rows and people, in Python."""
    people = [(u, a) for u, a in con.execute("SELECT user_id, activated_at FROM rollup_people").fetchall()
              if a is not None]
    early = con.execute("SELECT user_id, activated_at, event_name, step, n FROM rollup_early").fetchall()
    retained = {(u, a) for u, a, _, step, _ in early if step == EARLY_STEPS}
    flags = {(u, a): int((u, a) in retained) for u, a in people}
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0] * EARLY_STEPS)
    for u, a, event, step, n in early:
        if step < EARLY_STEPS and (u, a) in flags:
            firsts = counts[(u, a, flags[(u, a)], event)]
            for k in range(step + 1, EARLY_STEPS + 1):  # first_k counts the steps before k
                firsts[k - 1] += n
    return (sorted(((u, a, f) for (u, a), f in flags.items()), key=repr),
            sorted(((*key, *firsts) for key, firsts in counts.items()), key=repr))


def test_the_touched_people_are_derived_again_as_a_whole_derivation_would(rollup_file, tmp_path):
    path = tmp_path / "refreshed.duckdb"
    shutil.copyfile(rollup_file, path)
    con = duckdb.connect(str(path))
    try:
        since = con.execute("SELECT MAX(day) FROM rollup_early").fetchone()[0] - timedelta(days=4)
        # two people with early rows only before the re-read days (not re-read: only their change tells), one
        # moved and one gone, and one with early rows before and in them
        moved, gone = (r[0] for r in con.execute(
            "SELECT user_id FROM rollup_early GROUP BY 1 HAVING MAX(day) < ? ORDER BY 1 LIMIT 2", [since]).fetchall())
        kept = con.execute("SELECT user_id FROM rollup_early GROUP BY 1 HAVING MIN(day) < ? AND MAX(day) >= ? "
                           "ORDER BY 1 LIMIT 1", [since, since]).fetchone()[0]
        con.execute("UPDATE rollup_people SET activated_at = activated_at - INTERVAL 2 HOUR WHERE user_id = ?", [moved])
        con.execute("DELETE FROM rollup_people WHERE user_id = ?", [gone])
        con.execute("INSERT INTO rollup_people SELECT 'newcomer' AS user_id, * EXCLUDE (user_id) FROM rollup_people "
                    "WHERE user_id = ?", [kept])  # signed up, nothing done yet
        reread = con.execute("SELECT * FROM rollup_early WHERE day >= ?", [since]).fetchall()
        forget_early(con, since)
        con.executemany("INSERT INTO rollup_early VALUES (?, ?, ?, ?, ?, ?)",
                        [(u, a, d, e, s, n + (1 if u == kept else 0)) for u, a, d, e, s, n in reread
                         if not (u == kept and s == EARLY_STEPS)])  # kept: more events, its month-later ones gone
        derive_early(con, since)
        people, counts = _early_oracle(con)
        assert _rows(con, EARLY_PEOPLE) == people and _rows(con, EARLY_COUNTS) == counts
        flags = {u: f for u, _, f in people}
        assert "newcomer" in flags and gone not in flags and moved in flags
        counted = {r[0] for r in counts}  # the moved person's rows are under the moment it had: counted no more
        assert kept in counted and moved not in counted and gone not in counted
        assert con.execute("SELECT COUNT(*) FROM early_touched").fetchone()[0] < len(people) / 2  # not everyone

        # the retention tables, from the re-read days of the person-day rows, against a whole derivation
        build_returns(con, datetime.combine(since.date(), datetime.min.time()))
        incremental = [_rows(con, t) for t in (RETURNS_TABLE, LAST_SEEN_TABLE)]
        build_returns(con, None)
        assert incremental == [_rows(con, t) for t in (RETURNS_TABLE, LAST_SEEN_TABLE)]
        assert any(r[0] == moved for r in incremental[1]) and not any(r[0] == gone for r in incremental[1])
    finally:
        con.close()



def _build_file(config, folder):
    config = dataclasses.replace(config, rollup=RollupConfig(dir=folder))
    answerer = Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, load_library(),
                        clock=Clock(DATASETS["messenger"].clock))
    try:
        return answerer.rollup.store.path(answerer.build_rollup(full=True))
    finally:
        answerer.rollup.close()
        answerer.segment.close()


def test_a_build_over_the_memory_budget_writes_smaller_batches_and_holds_the_same_rows(pg_url, tmp_path, monkeypatch):
    """A PostgreSQL warehouse whose 1 MB memory budget a read of rollup.chunk_days (14) overflows: each read's
    rows are written into the file in batches within the budget as they arrive (more batches than reads), and
    the file holds exactly the rows of a build whose reads each fit in one batch."""
    import rollup.build as build

    config = make_config(_url("postgres", "messenger", None, pg_url), DATASETS["messenger"])
    batches: list[int] = []
    real = build._insert
    monkeypatch.setattr(build, "_insert", lambda con, table, columns, rows: batches.append(len(rows)) or real(
        con, table, columns, rows))
    want_path = _build_file(config, tmp_path / "whole")
    whole = len(batches)
    small = dataclasses.replace(config.warehouses["segment"], memory_budget_mb=1)
    got_path = _build_file(dataclasses.replace(config, warehouses={**config.warehouses, "segment": small}),
                           tmp_path / "small")
    assert len(batches) - whole > whole and max(batches[whole:]) < max(batches[:whole])
    with duckdb.connect(str(got_path), read_only=True) as got, duckdb.connect(str(want_path), read_only=True) as want:
        tables = [t for (t,) in want.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        assert "rollup_activity" in tables and "rollup_sessions" in tables
        for table in tables:
            assert _rows(got, table) == _rows(want, table), table


def test_a_read_cut_by_the_timeout_after_some_rows_is_read_again_in_fewer_days_and_holds_the_same_rows(
        pg_url, tmp_path, monkeypatch):
    """A read of more than 3 days that the warehouse's timeout cuts after its first batch was already written:
    that chunk's rows are deleted and it is read again in half the days, down to what fits; the file holds
    exactly the rows of a build that was never cut (no row twice, none lost)."""
    from warehouse import QueryTimeout

    config = make_config(_url("postgres", "messenger", None, pg_url), DATASETS["messenger"])
    want_path = _build_file(config, tmp_path / "whole")
    real, cut = Warehouse.stream, []

    def slow_for_long_reads(self, sql, params, consume, **kwargs):
        # every read names its days (_lo, _hi; the sessions' and paths' widened by at most 3 hours either side)
        span = params.get("_hi") and params["_hi"] - params["_lo"]
        if span and span > timedelta(days=3, hours=6):
            def first_batch_then_timeout(batch):
                consume(batch)
                cut.append(len(batch[0]))  # the paths' staged events: 3 columns
                raise QueryTimeout("The query took longer than 60 s and was cancelled on the segment warehouse.")
            return real(self, sql, params, first_batch_then_timeout, **{**kwargs, "batch_rows": 50})
        return real(self, sql, params, consume, **kwargs)

    monkeypatch.setattr(Warehouse, "stream", slow_for_long_reads)
    got_path = _build_file(config, tmp_path / "cut")
    assert cut  # some reads were cut after writing rows
    with duckdb.connect(str(got_path), read_only=True) as got, duckdb.connect(str(want_path), read_only=True) as want:
        tables = [t for (t,) in want.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        assert "rollup_session_pieces" in tables and "rollup_paths" in tables
        assert 3 in cut and len(set(cut)) > 1  # the paths' staged reads were cut too, and others
        for table in tables:
            assert _rows(got, table) == _rows(want, table), table


def test_paths_keep_events_without_a_name_or_a_person_in_their_place(tmp_path):
    """A screen call without a name and a call without any id are events of the raw relation (their name or
    person NULL): the paths rows keep them, so the neighbours of the events around them are the raw ones. Each
    row's steps against a Python walk over the same staged events (ties at one moment ordered by name, NULL
    first), at both gaps."""
    from rollup import paths

    t0 = datetime(2026, 11, 2, 10, 0)
    staged = [("u1", t0, "A"), ("u1", t0 + timedelta(minutes=5), None), ("u1", t0 + timedelta(minutes=10), "X"),
              ("u1", t0 + timedelta(minutes=25), "B"), ("u1", t0 + timedelta(minutes=70), "X"),
              (None, t0, "A"), (None, t0 + timedelta(minutes=1), "X"),
              ("u2", t0, "X"), ("u2", t0, "A"), ("u2", t0 + timedelta(minutes=8), None)]
    con = duckdb.connect(str(tmp_path / "paths.duckdb"))
    paths.create_tables(con)
    con.executemany(f"INSERT INTO {paths.STAGING_TABLE} VALUES (?, ?, ?)", staged)
    paths.derive_chunk(con, datetime(2026, 11, 2), datetime(2026, 11, 3))
    got = sorted(con.execute(paths.comparable_sql(paths.PATHS_TABLE)).fetchall(), key=repr)
    con.close()

    def key(e):
        return (e[1], e[2] is not None, e[2] or "")

    expected = []
    for person in {e[0] for e in staged}:
        events = sorted((e for e in staged if e[0] == person), key=key)
        for i, (_, at, name) in enumerate(events):
            before, after = events[max(0, i - paths.PATH_STEPS):i][::-1], events[i + 1:i + 1 + paths.PATH_STEPS]

            def within(chain, gap, backwards, at=at):
                n, last = 0, at
                for _, t, _ in chain:
                    if (last - t if backwards else t - last) > timedelta(minutes=gap):
                        break
                    n, last = n + 1, t
                return n

            b = {g: within(before, g, True) for g in paths.PATH_GAPS}
            a = {g: within(after, g, False) for g in paths.PATH_GAPS}
            widest = max(paths.PATH_GAPS)
            steps_b = [e[2] if k < b[widest] else None for k, e in enumerate(before)] + [None] * (6 - len(before))
            steps_a = [e[2] if k < a[widest] else None for k, e in enumerate(after)] + [None] * (6 - len(after))
            in_day = sum(1 for _, t, _ in after if t < datetime(2026, 11, 3))
            expected.append((datetime(2026, 11, 2), person, name, *steps_b, *steps_a,
                             *(b[g] for g in paths.PATH_GAPS), *(a[g] for g in paths.PATH_GAPS), in_day))
    assert got == sorted(expected, key=repr)
    assert len(got) == len(staged)
