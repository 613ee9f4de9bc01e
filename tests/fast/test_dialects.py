"""The SQL is written once and translated per engine: every playbook in the library (built-in and
whatever is added later: the library is iterated, not listed), through each of its example
questions, must translate to every supported dialect; for Redshift, also its rules."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from questions import Request
from rendering.render import RenderContext, render
from warehouse.dialects import SUPPORTED_DIALECTS, SQLUntranslatable, translate

from ..conftest import snapshot_answerer

# CTEs that need all history by definition (a person's first activation ever, the last identify()
# for an anonymous id); they read small tables and are documented in README "Warehouses".
FULL_HISTORY_CTES = {"identify_calls", "activation_events", "trait_rows"}
EVENT_TABLE_NAMES_EXCLUDED = {"users", "identifies"}
# dialects whose translated SQL the engines tier runs on a real warehouse (DuckDB files, PostgreSQL): a
# parse-back check adds nothing to that
EXECUTED = ("duckdb", "postgres")


def rendered_examples(answerer):
    """(playbook id, example, rendered query) for every example of every playbook, each distinct SQL
    text once (examples that render the same statement translate the same way)."""
    catalog = answerer.catalog()
    ctx = RenderContext(answerer.config.segment, catalog, answerer.segment.quote, answerer.config.timezone,
                        answerer.config.week_start, answerer.today(), answerer.now())
    out, covered, seen = [], set(), set()
    for playbook in answerer.library.all():
        for example in playbook.examples:
            request = answerer.parse(example)
            if isinstance(request, Request):
                rendered = render(answerer.library.get(request.playbook), request.params, ctx)
                covered.add(request.playbook)
                if rendered.sql not in seen:
                    seen.add(rendered.sql)
                    out.append((playbook.id, example, rendered))
    missing = {p.id for p in answerer.library.all()} - covered
    assert not missing, f"playbooks with no example that parses: {missing}"
    return out


@pytest.fixture(scope="module")
def acme():
    return snapshot_answerer("acme")  # Berlin time: the time-zone branches too


@pytest.fixture(scope="module")
def examples(acme):
    return rendered_examples(acme)


@pytest.mark.parametrize("dialect", SUPPORTED_DIALECTS)
def test_every_playbook_translates_to_every_dialect(examples, dialect):
    for playbook_id, example, rendered in examples:
        try:
            out = translate(rendered.sql, dialect)
        except SQLUntranslatable as exc:
            pytest.fail(f"{playbook_id} / {example!r} cannot be written for {dialect}: {exc}")
        if dialect not in EXECUTED:  # and what we wrote parses back in that dialect (the others run for real)
            parsed = sqlglot.parse_one(out, read=dialect)
            assert isinstance(parsed, exp.Query), f"{playbook_id} / {example!r}"
        for name in rendered.params:  # every bound value is still a placeholder
            assert f":{name}" in out, f"{playbook_id} / {example!r}: :{name} lost in {dialect}"


def test_redshift_rules(examples, acme):
    """No NOW() (GETDATE()), no generate_series, every event-table scan bounded on received_at
    (the sort key) as well as timestamp."""
    sources = set(acme.config.segment.sources)
    for playbook_id, example, rendered in examples:
        out = translate(rendered.sql, "redshift")
        where = f"{playbook_id} / {example!r}"
        assert "NOW()" not in out.upper() and "GENERATE_SERIES" not in out.upper(), where
        tree = sqlglot.parse_one(out, read="redshift")
        scans = 0
        for table in tree.find_all(exp.Table):
            if table.db not in sources or table.name in EVENT_TABLE_NAMES_EXCLUDED:
                continue
            cte = table.find_ancestor(exp.CTE)
            if cte is not None and cte.alias in FULL_HISTORY_CTES:
                continue
            select = table.find_ancestor(exp.Select)
            condition = select.args.get("where")
            text = condition.sql("redshift") if condition is not None else ""
            assert "received_at >=" in text and "received_at <" in text, f"{where}: {table.sql()} not bounded on received_at"
            assert '"timestamp" >=' in text and '"timestamp" <' in text, f"{where}: {table.sql()} not bounded on timestamp"
            scans += 1
        assert scans or "events" not in rendered.sql, where


def test_generate_series_is_refused_for_redshift_with_the_fix():
    sql = "SELECT d.day, COUNT(*) FROM generate_series(1, 7) AS d(day) JOIN events e ON TRUE GROUP BY 1"
    with pytest.raises(SQLUntranslatable, match="numbers"):
        translate(sql, "redshift")
    assert "GENERATE_SERIES" in translate(sql, "duckdb").upper()
