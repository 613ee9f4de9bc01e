"""Plans that do not depend on statistics: the activity playbooks on a PostgreSQL copy of the messenger
dataset whose tables were never analysed (pg_statistic emptied, autovacuum off), as a warehouse loaded
by a tool that never runs ANALYZE. Asserted on the PLAN, not on time (timings live in bench/ and
docs/warehouses.md): EXPLAIN (FORMAT JSON) of each example's query has no nested loop whose two sides
both read tables (tests/plan_shapes.py), and the answers' numbers equal those on the analysed copy."""

from __future__ import annotations

import shutil
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from answers import Answer
from questions import Request
from rendering.render import RenderContext, render
from warehouse.loader import copy_to_postgres

from .. import helpers
from ..conftest import DATASETS, PG_ADMIN, make_answerer
from ..plan_shapes import risky_nested_loops

# the playbooks over raw events and people (issue 17); each is checked through every example question
ACTIVITY = ("growth_accounting", "nday_retention", "active_users", "retention", "retention_drivers",
            "feature_adoption", "slipping_away", "intervention_impact", "sessions", "user_path", "session_flows")
# the variants the examples do not reach
MORE = ["monthly retention by channel since signup", "n-day retention since signup",
        "7 day retention or later since signup", "7 day retention or later", "daily growth accounting",
        "monthly growth accounting event='Message Sent'", "retention weekly by channel on ios"]


@pytest.fixture(scope="module")
def unanalysed_url(built, tmp_path_factory):
    """The messenger dataset on a database of its own, then every statistic deleted."""
    # read from a byte copy: the bot's own connections may hold the file open with other settings
    source = tmp_path_factory.mktemp("unanalysed") / "segment.duckdb"
    shutil.copyfile(built["messenger"], source)
    name = f"playbot_unanalysed_{uuid.uuid4().hex[:10]}"
    schemas = list(DATASETS["messenger"].sources)
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    try:
        copy_to_postgres(source, dsn, schemas=schemas)  # it runs ANALYZE: undone below
        with psycopg.connect(dsn, autocommit=True) as pg:
            tables = pg.execute("SELECT schemaname, relname FROM pg_stat_user_tables WHERE schemaname = ANY(%s)",
                                [schemas]).fetchall()
            for schema, table in tables:
                pg.execute(f'ALTER TABLE "{schema}"."{table}" SET (autovacuum_enabled = false)')
            pg.execute("DELETE FROM pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n "
                       "ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s))", [schemas])
            assert pg.execute("SELECT COUNT(*) FROM pg_stats WHERE schemaname = ANY(%s)", [schemas]).fetchone()[0] == 0
        yield dsn.replace("postgresql://", "postgresql+psycopg://")
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def unanalysed(unanalysed_url):
    answerer = make_answerer(unanalysed_url, DATASETS["messenger"])
    yield answerer
    for w in answerer.warehouses.values():
        w.close()


def _examples(playbook_id: str) -> tuple[str, ...]:
    return helpers.builtin_library().get(playbook_id).examples


def _questions() -> list[str]:
    return [e for pid in ACTIVITY for e in _examples(pid)] + MORE


def _plan(answerer, request: Request):
    """EXPLAIN (FORMAT JSON) of the question's main query, rendered as the answer would be."""
    warehouse = answerer.warehouses["segment"]
    ctx = RenderContext(answerer.config.segment, answerer.catalog(), warehouse.quote, answerer.config.timezone,
                        answerer.config.week_start, answerer.today(), answerer.now())
    rendered = render(answerer.library.get(request.playbook), request.params, ctx)
    with warehouse.engine.connect() as conn:
        return conn.execute(sa.text("EXPLAIN (FORMAT JSON) " + warehouse.translate(rendered.sql)),
                            rendered.params).scalar()


def _cells(answer: Answer) -> list[list[tuple]]:
    """Every query's rows, floats to 9 significant digits (sums of doubles in another order)."""
    def cell(v):
        return float(f"{v:.9g}") if isinstance(v, float) else v
    return [[tuple(cell(v) for v in row) for row in q.result.rows] for q in answer.queries]


@pytest.mark.parametrize("question", _questions())
def test_no_nested_loop_between_two_table_fed_sides(unanalysed, question):
    request = unanalysed.parse(question)
    assert isinstance(request, Request), f"{question!r} -> {request}"
    assert request.playbook in ACTIVITY, f"{question!r} -> {request.playbook}"
    risky = risky_nested_loops(_plan(unanalysed, request))
    assert not risky, f"{question!r} ({request.playbook}) on tables never analysed: {risky}"


# the numbers: each playbook's first example and the variants (running every example twice would
# double the tier's time for little: the plans above are what differs between the copies)
@pytest.mark.parametrize("question", [e for pid in ACTIVITY for e in _examples(pid)[:1]] + MORE)
def test_same_numbers_as_the_analysed_copy(unanalysed, answerers, question):
    got = helpers.ask(unanalysed, question)
    expected = helpers.ask(answerers[("postgres", "messenger")], question)
    assert isinstance(got, Answer) and isinstance(expected, Answer), (got, expected)
    assert got.playbook.id == expected.playbook.id
    assert _cells(got) == _cells(expected), question


def test_the_check_sees_the_nested_loop_it_forbids():
    """The shape the old growth accounting had on such tables: events x a CTE scan of identity."""
    scan = {"Node Type": "Bitmap Heap Scan", "Relation Name": "tracks", "Schema": "web", "Parent Relationship": "Outer"}
    cte = {"Node Type": "Append", "Subplan Name": "CTE identity", "Parent Relationship": "InitPlan",
           "Plans": [{"Node Type": "Seq Scan", "Relation Name": "identifies", "Parent Relationship": "Member"}]}
    loop = {"Node Type": "Nested Loop", "Join Type": "Left", "Plans": [
        scan, {"Node Type": "CTE Scan", "CTE Name": "identity", "Parent Relationship": "Inner"}]}
    plan = [{"Plan": {"Node Type": "Aggregate", "Strategy": "Hashed", "Plans": [cte, loop]}}]
    assert risky_nested_loops(plan) == ["Nested Loop (Left) over Bitmap Heap Scan on web.tracks x CTE identity"]
    constants = {"Node Type": "CTE Scan", "CTE Name": "windows", "Parent Relationship": "Inner"}
    windows = {"Node Type": "Append", "Subplan Name": "CTE windows", "Parent Relationship": "InitPlan",
               "Plans": [{"Node Type": "Result", "Parent Relationship": "Member"}]}
    over_constants = [{"Plan": {"Node Type": "Nested Loop", "Join Type": "Inner", "Plans": [windows, scan, constants]}}]
    assert risky_nested_loops(over_constants) == []
