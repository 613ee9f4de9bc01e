"""Finding 4, the work bound: a question whose range holds more periods than the warehouse's max_buckets is
refused before any SQL runs, with what would fit. `invites hourly between 1000-01-01 and 2026-11-30`
asked for 9 million hours and used 2.36 GB before failing."""

from __future__ import annotations

import resource
import time
from dataclasses import replace

import pytest

from answers import Answer, Failure
from questions import Request
from rendering.bounds import buckets

from ..conftest import snapshot_answerer


@pytest.fixture(scope="module")
def answerer():
    made = snapshot_answerer("messenger")
    yield made
    made.segment.close()


@pytest.mark.parametrize("question, asked, says, next_step", [
    # the reading bounds dates to 2000-01-01 .. today (and says so): still far over the bound. (Hourly
    # questions are cut to 7 days when read: these are stored requests asking for hours, "daily" -> hourly.)
    ("invites daily between 1000-01-01 and 2026-11-30 hourly", 235_704, "235,704 hours from 2000-01-01 to 2026-11-20",
     "at most 10,000 hours (about 417 days)"),
    ("invites daily since 2025-01-01 hourly", 16_536, "16,536 hours", "at most 10,000 hours"),
    ("retention daily since 2010-01-01", 19_025_196, "6,168 daily cohorts (19,025,196 cells)", "at most 140 days"),
])
def test_a_question_over_the_bound_is_refused_before_any_sql(answerer, question, asked, says, next_step):
    request = answerer.parse(question.removesuffix(" hourly"))
    assert isinstance(request, Request), request
    if question.endswith(" hourly"):
        request = replace(request, params={**request.params, "interval": "hour"})
    assert buckets(answerer.library[request.playbook], request.params) == asked
    before, started = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
    executed = answerer.segment.executions
    outcome = answerer.answer(request)
    assert isinstance(outcome, Failure) and outcome.kind == "too_big", outcome
    assert says in outcome.message and "at most 10,000" in outcome.message and next_step in outcome.next_step
    assert answerer.segment.executions == executed  # no SQL ran, not even the catalog's or freshness's
    assert time.perf_counter() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kB: nothing was built


@pytest.mark.parametrize("question", ["invites hourly last 30 days", "invites daily since 2000-01-01",
                                      "retention weekly since 2026-01-01", "funnel signed up then invite sent last 90 days"])
def test_questions_within_the_bound_are_not_refused(answerer, question):
    request = answerer.parse(question)
    assert isinstance(request, Request), request
    count = buckets(answerer.library[request.playbook], request.params)
    assert count is None or count <= 10_000
    outcome = answerer.answer(request)  # the snapshot answerer has no data: it fails later, not on the bound
    assert isinstance(outcome, Answer) or outcome.kind != "too_big", outcome
