"""Every phrasing of tests/corpus/questions.yaml reads as the playbook and parameters it lists
(or asks back, or says "I don't know that"), against the live catalog of a real DuckDB warehouse."""

from __future__ import annotations

import pytest

from ..corpus import corpus_library, load_corpus, problems, run_entry

CORPUS = load_corpus()


# the playbooks the corpus was written for; a playbook added later is held to its own examples below
COVERED = {"event_volume", "active_users", "retention", "nday_retention", "growth_accounting", "funnel", "user_path",
           "retention_drivers", "feature_adoption", "intervention_impact", "slipping_away", "active_by_payment_plan",
           "sessions", "session_flows", "top_events",
           "ecommerce", "ltv_by_channel"}
LIBRARY = corpus_library()


def test_the_corpus_is_big_and_covers_every_playbook():
    assert len(CORPUS) >= 200
    named = {e["playbook"] for e in CORPUS if "playbook" in e}
    assert named == COVERED and named <= set(LIBRARY.ids)
    assert sum(1 for e in CORPUS if e.get("after")) >= 15
    assert len({e["q"] for e in CORPUS if not e.get("after")}) == sum(1 for e in CORPUS if not e.get("after"))


@pytest.mark.parametrize("entry", CORPUS, ids=[(e["q"] or "<empty>")[:60] for e in CORPUS])
def test_corpus(corpus_env, entry):
    library, catalog = corpus_env
    found = problems(entry, run_entry(entry, library, catalog))
    if entry.get("xfail"):
        assert found, "this known miss now reads right: remove its xfail"
        pytest.xfail(entry["xfail"])
    assert not found, f"{entry['q']!r}: " + "; ".join(found)


@pytest.mark.parametrize("playbook,example", [(pb.id, ex) for pb in LIBRARY.all() for ex in pb.examples])
def test_every_playbook_example_reads_as_its_playbook(corpus_env, playbook, example):
    """A new playbook needs no parser change: the phrasings in its own header must find it."""
    library, catalog = corpus_env
    outcome = run_entry({"q": example}, library, catalog)
    assert getattr(outcome, "playbook", None) == playbook, (
        f"{playbook}'s example {example!r} reads as {outcome}: add words to its header")
