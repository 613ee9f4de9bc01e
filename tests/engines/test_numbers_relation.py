"""The SQL is written once and translated per engine: every playbook in the library (built-in and
whatever is added later: the library is iterated, not listed), through each of its example
questions, must translate to every supported dialect; for Redshift, also its rules."""

from __future__ import annotations

from segment.relations import NUMBERS_CTE


def test_numbers_relation_runs_on_duckdb_and_postgres(answerers):
    sql = f"WITH {NUMBERS_CTE}\nSELECT COUNT(*) AS n, MIN(n) AS lo, MAX(n) AS hi, COUNT(DISTINCT n) AS d FROM numbers"
    for engine in ("duckdb", "postgres"):
        wh = answerers[(engine, "messenger")].segment
        assert wh.run(wh.translate(sql)).rows == [(10_000, 0, 9_999, 10_000)]
