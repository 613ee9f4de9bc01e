"""Playbooks whose rollup branch reads derived tables of the embedded rollup (`rollup: {tables: [...]}`:
retention_drivers, session_flows; docs/rollup.md): rendered on a rollup that holds them they read those
tables and no raw events; on one that lacks them (a warehouse-side rollup, an older build, a session gap
not cut), or with a filter on events, rendering refuses the rollup so the answer reads raw events. A filter on
the signup (retention_drivers') is read from the rollup's people when they keep its column."""

from __future__ import annotations

import dataclasses

import pytest

from playbooks import PlaybookError, parse_playbook
from questions import Request
from rendering.render import RenderContext, render
from rollup.early import EARLY_TABLES
from rollup.sessions import SESSION_GAPS, SESSION_TABLES
from segment.rollup import NotCoverable, RollupLayout

from ..conftest import snapshot_answerer

HELD = RollupLayout(("platform", "os", "device"), tables=(*EARLY_TABLES, *SESSION_TABLES))


@pytest.fixture(scope="module")
def messenger():
    return snapshot_answerer("messenger")


def _render(answerer, question: str, layout: RollupLayout | None):
    request = answerer.parse(question)
    assert isinstance(request, Request), question
    ctx = RenderContext(answerer.config.segment, answerer.catalog(), answerer.segment.quote,
                        answerer.config.timezone, answerer.config.week_start, answerer.today(), answerer.now(),
                        rollup=layout)
    return request, render(answerer.library.get(request.playbook), request.params, ctx)


@pytest.mark.parametrize("question,table", [
    ("retention drivers", "rollup_early_counts"),
    ("users who sent at least 3 messages in their first 14 days", "rollup_early_counts"),
    ("how do users move through the product", "rollup_sessions_30"),
    ("session flows last 7 days steps=3 session_gap_minutes=10", "rollup_sessions_10"),
])
def test_the_rollup_branch_reads_only_derived_tables(messenger, question, table):
    request, rendered = _render(messenger, question, HELD)
    assert f"FROM {table}" in rendered.sql
    assert "rollup_activity" not in rendered.sql and "tracks" not in rendered.sql
    # values are bound, never in the text
    assert all(f":{name}" in rendered.sql for name in ("start", "end"))
    if request.playbook == "retention_drivers":
        assert f"first_{request.params['first_days']}" in rendered.sql
        for i, event in enumerate(request.params["events"] or ()):
            assert rendered.params[f"events_{i}"] == event and event not in rendered.sql
    else:
        assert ":_hi" in rendered.sql and "_hi" in rendered.params  # the raw query's end cuts the steps


@pytest.mark.parametrize("question", [
    "retention drivers", "how do users move through the product",
])
def test_a_rollup_without_the_tables_is_not_read(messenger, question):
    bare = dataclasses.replace(HELD, tables=())  # a warehouse-side rollup, or a build before these tables
    with pytest.raises(NotCoverable):
        _render(messenger, question, bare)


@pytest.mark.parametrize("question", [
    "session flows last 7 days session_gap_minutes=15",  # a gap the rollup does not cut
    "how do ios users move through the product",  # a filter: the derived tables keep no dimensions
])
def test_what_the_session_tables_do_not_hold_is_not_read_from_them(messenger, question):
    with pytest.raises(NotCoverable):
        _render(messenger, question, HELD)
    _, raw = _render(messenger, question, None)
    assert "rollup_sessions" not in raw.sql and "session_neighbours" in raw.sql


@pytest.mark.parametrize("question,column,value", [
    ("what drives retention on android", "os", "Android"),
    ("retention drivers for pro users first_days=14", "plan", "pro"),
])
def test_a_filter_on_the_signup_reads_the_rollups_people(messenger, question, column, value):
    request, rendered = _render(messenger, question, HELD)
    assert "FROM rollup_early_counts" in rendered.sql and "FROM rollup_people" in rendered.sql
    assert "rollup_activity" not in rendered.sql and "tracks" not in rendered.sql
    assert f"{column} = :_filters0" in rendered.sql and rendered.params["_filters0"] == value
    assert f"'{value}'" not in rendered.sql  # bound, never in the text


def test_a_filter_the_rollups_people_do_not_keep_reads_raw_events(messenger):
    question = "retention drivers for en-GB users"  # locale: not a rollup dimension
    with pytest.raises(NotCoverable):
        _render(messenger, question, HELD)
    _, raw = _render(messenger, question, None)
    assert "rollup_early" not in raw.sql and "locale = :_filters0" in raw.sql


def test_the_gaps_cut_include_the_playbook_default_and_modes(messenger):
    spec = messenger.library.get("session_flows").param("session_gap_minutes")
    assert spec.default in SESSION_GAPS and 10 in SESSION_GAPS


def test_rollup_tables_must_be_a_list():
    text = ("/* playbook\nid: custom_drivers\ntitle: Custom\nquestion: which?\nrollup: {tables: rollup_early_counts}\n*/\n"
            "SELECT 1 AS one")
    with pytest.raises(PlaybookError, match="rollup must be"):
        parse_playbook(text)
