"""Playbooks are data: custom folders, validation naming file and line, and the same safety."""


import pytest

from answers import Answer, Failure
from answers.answerer import Answerer
from playbooks import load_library

from ..conftest import DATASETS, make_config
from ..fast.test_library import GOOD
from ..helpers import ask


@pytest.fixture
def answerer_on_demo(built):
    """Answerers on the messenger test dataset (DuckDB) for a given library, closed after the test
    (an open DuckDB file blocks a later connection with other settings in the same process)."""
    from warehouse import Warehouse

    made = []

    def make(library):
        ds = DATASETS["messenger"]
        config = make_config(f"duckdb:///{built['messenger']}", ds)
        made.append(Answerer(config, {"segment": Warehouse(config.warehouses["segment"])}, library,
                             clock=lambda: ds.clock))
        return made[-1]

    yield make
    for answerer in made:
        for warehouse in answerer.warehouses.values():
            warehouse.close()


def test_custom_folder_playbook_is_asked_and_answered(tmp_path, answerer_on_demo):
    (tmp_path / "signups_by_source.sql").write_text(GOOD)
    library = load_library([tmp_path])
    assert "signups_by_source" in library
    answerer = answerer_on_demo(library)
    answer = ask(answerer, "signups by source last 30 days")
    assert isinstance(answer, Answer), answer
    assert answer.columns == ["source", "signups"]
    assert {r[0] for r in answer.rows} <= set(DATASETS["messenger"].sources)
    assert answer.chart is not None


def test_custom_playbook_cannot_write(tmp_path, answerer_on_demo):
    (tmp_path / "evil.sql").write_text(GOOD.replace("signups_by_source", "evil").replace(
        "SELECT source, COUNT(*) AS signups", "DELETE FROM events --"))
    library = load_library([tmp_path])
    answerer = answerer_on_demo(library)
    outcome = ask(answerer, "evil start=2026-11-01 end=2026-11-10")
    assert isinstance(outcome, Failure) and outcome.kind == "refused"


def test_a_playbook_body_may_open_with_comments_before_its_with(tmp_path, answerer_on_demo):
    """The relations are merged into the body's own WITH, also when comments come before it."""
    body = GOOD[GOOD.index("SELECT source"):]
    commented = GOOD[:GOOD.index("SELECT source")].replace("signups_by_source", "commented_signups").replace(
        "signups by source", "commented signups") + (
        "-- why this playbook exists\n/* reviewed by\n   the analytics team */\n"
        "WITH signups AS (\n  SELECT source FROM events\n"
        "  WHERE event_name = 'Signed Up' AND occurred_at >= :start AND occurred_at < :end\n)\n"
        "SELECT source, COUNT(*) AS signups FROM signups GROUP BY source ORDER BY signups DESC\n")
    # a comment, then a long indent, then a body without WITH: rendered at once (no backtracking blow-up)
    indented = GOOD.replace("signups_by_source", "indented_signups").replace(
        "signups by source", "indented signups").replace("SELECT source", "-- plain\n" + " " * 40 + "SELECT source")
    (tmp_path / "signups_by_source.sql").write_text(GOOD)
    (tmp_path / "commented_signups.sql").write_text(commented)
    (tmp_path / "indented_signups.sql").write_text(indented)
    assert "FROM events" in body
    library = load_library([tmp_path])
    answerer = answerer_on_demo(library)
    plain, with_comments = ask(answerer, "signups by source last 30 days"), ask(answerer, "commented signups last 30 days")
    assert isinstance(with_comments, Answer), with_comments
    assert with_comments.playbook.id == "commented_signups" and plain.playbook.id == "signups_by_source"
    assert with_comments.rows == plain.rows and sum(r[1] for r in plain.rows) > 0
    assert ask(answerer, "indented signups last 30 days").rows == plain.rows
    sql = with_comments.queries[0].sql  # (translated for DuckDB: the comments become /* ... */)
    assert sql.index("why this playbook exists") < sql.index("reviewed by") < sql.index("WITH")
