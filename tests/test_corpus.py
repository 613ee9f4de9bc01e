"""Every phrasing of tests/corpus/questions.yaml reads as the playbook and parameters it lists
(or asks back, or says "I don't know that"), against the live catalog of a real DuckDB warehouse."""

from __future__ import annotations

import pytest

from .corpus import corpus_library, load_corpus, problems, run_entry

CORPUS = load_corpus()


def test_the_corpus_is_big_and_covers_every_playbook():
    library = corpus_library()
    assert len(CORPUS) >= 200
    assert {e["playbook"] for e in CORPUS if "playbook" in e} >= set(library.ids)
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
