"""Reading questions: no input raises, parses are stable, nothing from a question reaches SQL text,
the generic parameter phrases, and the explanation of a reading."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions import Clarification, Request
from questions.explain import describe_reading, explain_lines, reading_items
from questions.kinds import find_kinds, split_sequence
from questions.parser import ParseContext
from questions.parser import read as read_question
from rendering.render import RenderContext, render

from ..conftest import DATASETS, make_config
from ..corpus import SYNONYMS, TODAY, WEEK_START, load_corpus

WORDS = sorted({w for e in load_corpus() for w in (e["q"] or "").split()} | {
    "->", "→", "=", "event=", "top", "by", "vs", "within", "'", '"', ";", "--", "/*", "*/", "{{", "}}", "{%", "%}",
    "DROP", "TABLE", "users;", "pg_sleep(10)", "UNION", "SELECT", ":start", "$1", "%s", "\\", "\x00", "🙂", "日本語"})
QUESTIONS = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join))


def _quote(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def read(env, text, previous=None):
    library, catalog = env
    return read_question(text, ParseContext(library, catalog, TODAY, WEEK_START, SYNONYMS, previous))  # no catch-all


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUESTIONS, st.sampled_from([None, "invites last 7 days", "retention weekly", "signup -> invite -> message"]))
def test_no_question_raises_and_every_reading_is_stable(corpus_env, text, before):
    previous = read(corpus_env, before) if before else None
    outcome = read(corpus_env, text, previous)
    assert isinstance(outcome, (Request, Clarification))
    assert outcome == read(corpus_env, text, previous)
    if isinstance(outcome, Clarification):
        assert outcome.message and len(outcome.suggestions) <= 3
    else:
        assert outcome.playbook in corpus_env[0]
        describe_reading(outcome)


INJECTIONS = ["x'; DROP TABLE users; --", "1) OR (1=1", "pg_sleep(10)", "{{ config }}", "{% raw %}", "/* evil */",
              "users; DELETE FROM tracks", "\"; SELECT 1; --", "UNION SELECT password"]


@pytest.mark.parametrize("injection", INJECTIONS)
@pytest.mark.parametrize("template", [
    "invites yesterday {x}", "{x} invites last week by platform", "event_volume event='{x}'",
    "event_volume event='Invite Sent' filters='plan:{x}'", "messages for {x} users", "signup -> {x} -> message",
    "invites group_by='{x}'", "dau interval='{x}'", "retention weekly {x}",
])
def test_nothing_from_a_question_reaches_sql_text(corpus_env, injection, template):
    library, catalog = corpus_env
    outcome = read(corpus_env, template.format(x=injection))
    if isinstance(outcome, Clarification):
        return
    playbook = library[outcome.playbook]
    if not playbook.builtin:
        return  # the corpus' header-only sketches are never rendered
    ds = DATASETS["messenger"]
    config = make_config("duckdb:///unused.duckdb", ds)
    ctx = RenderContext(segment=config.segment, catalog=catalog, quote=_quote, timezone=ds.timezone,
                        week_start=ds.week_start, today=TODAY, now=datetime(2026, 11, 20, 11, 0))
    rendered = render(playbook, outcome.params, ctx)
    for fragment in ("DROP", "DELETE", "pg_sleep", "evil", "password", "config", "raw", "1=1"):
        if fragment.lower() in injection.lower():
            assert fragment.lower() not in rendered.sql.lower(), rendered.sql


@pytest.mark.parametrize("text,expected", [
    ("messages vs last week", {"compare": "week"}),
    ("signups year over year", {"compare": "year"}),
    ("signups yoy", {"compare": "year"}),
    ("invites compared to the previous period", {"compare": "previous"}),
    ("orders this month vs the same month last year", {"compare": "year"}),
    ("sent at least 3 messages", {"threshold": 3}),
    ("did it 5 or more times", {"threshold": 5}),
    ("more than 2 times", {"threshold": 3}),
    ("in their first 14 days", {"first_days": 14}),
    ("during the first week", {"first_days": 7}),
    ("within 7 days", {"window_days": 7}),
    ("within 2 weeks", {"window_days": 14}),
    ("in under 3 days", {"window_days": 3}),
    ("with a 10-day window", {"window_days": 10}),
    ("the 3 steps before", {"steps": 3}),
    ("last 5 events before checkout", {"steps": 5}),
    ("4-step paths", {"steps": 4}),
    ("with 10 minute sessions", {"session_gap_minutes": 10}),
    ("signups last 30 days", {}),
    ("at least 3 days ago", {}),
])
def test_generic_phrases(text, expected):
    found, _ = find_kinds(text)
    assert {f.name: f.value for f in found} == expected


@pytest.mark.parametrize("text,parts", [
    ("signup -> invite -> message", ["signup", "invite", "message"]),
    ("signup → invite", ["signup", "invite"]),
    ("from product viewed to product added to order completed", ["product viewed", "product added", "order completed"]),
    ("store page then product viewed", ["store page", "product viewed"]),
    ("photos, stickers and invites", ["photos", "stickers", "invites"]),
    ("invites", None),
])
def test_sequences(text, parts):
    found = split_sequence(text)
    assert (found[0] if found else None) == parts


def test_explain_names_the_words_behind_every_value(corpus_env):
    request = read(corpus_env, "invites from google last week by platform vs last year")
    lines = "\n".join(explain_lines(request))
    for words in ("“invites”", "“from google”", "“last week”", "“by platform”", "“vs last year”"):
        assert words in lines, lines
    line = describe_reading(request)
    assert line.startswith("How I read this: event_volume") and "compare year ← “vs last year”" in line
    assert "\n" not in line


def test_a_follow_up_says_what_it_kept(corpus_env):
    first = read(corpus_env, "invites last 7 days")
    second = read(corpus_env, "by plan", previous=first)
    items = {what: source for what, _, source in reading_items(second)}
    assert items["group_by"] == "“by plan”"
    assert items["event"] == items["range"] == items["playbook"] == "(previous question)"


def test_i_dont_know_that_offers_the_closest_playbooks_and_events(corpus_env):
    typo = read(corpus_env, "growht accounting")  # one typo in a header word: read, and said back
    assert typo.playbook == "growth_accounting" and "Read “growht” as “growth”." in typo.notes
    outcome = read(corpus_env, "gruuth akkountinng")
    assert isinstance(outcome, Clarification) and outcome.message.startswith("I don't know that")
    assert outcome.suggestions[0].startswith("Growth accounting (e.g. “growth accounting”)")
    outcome = read(corpus_env, "checkins flux")
    assert isinstance(outcome, Clarification) and outcome.example
    assert "Checkout Started" in outcome.suggestions, outcome


def test_weeks_follow_the_configured_week_start(corpus_env):
    library, catalog = corpus_env
    outcome = read_question("invites this week", ParseContext(library, catalog, TODAY, "sunday", SYNONYMS))
    assert outcome.params["start"].isoformat() == "2026-11-15"  # the Sunday before Friday 20 Nov
    outcome = read_question("invites weekly", ParseContext(library, catalog, TODAY, "sunday", SYNONYMS))
    assert outcome.params["end"].isoformat() == "2026-11-15" and outcome.params["start"].weekday() == 6


@pytest.mark.parametrize("text,when", [("launched on oct 6", "2026-10-06"), ("since the launch on 2026-09-01", "2026-09-01"),
                                       ("since it launched nov 2", "2026-11-02"), ("launched in october", None)])
def test_launch_dates(text, when):
    found, _ = find_kinds(text, TODAY)
    assert {f.name: f.value.isoformat() for f in found}.get("launch_date") == when


def test_a_playbook_that_takes_no_event_is_not_asked_about_one(corpus_env):
    from playbooks import Library
    from playbooks.library import parse_playbook

    library, catalog = corpus_env
    flows = parse_playbook("/* playbook\nid: sketch_flows\ntitle: Flows\nquestion: How do people move?\n"
                           "params:\n  start: {type: date}\n  end: {type: date}\n  steps: {type: int, default: 5}\n"
                           "words: [move through, first events of sessions]\n*/\n"
                           "SELECT 1 FROM events WHERE occurred_at >= :start AND occurred_at < :end\n", "sketch.sql")
    # the built-in session_flows (when present) has these words itself; else a header-only sketch stands in
    pid = "session_flows" if "session_flows" in library else "sketch_flows"
    both = (library, catalog) if pid in library else (Library(library.all() + [flows]), catalog)
    assert read(both, "how do users move through the product").playbook == pid
    outcome = read(both, "first 4 events of sessions")  # "first 4 events" picks the playbook that takes steps
    assert outcome.playbook == pid and outcome.params["steps"] == 4
