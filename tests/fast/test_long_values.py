"""Long VALUES lists are written short for every check and translation and filled in before they run
(warehouse/rows.py): the expanded SQL equals the SQL written in full, in every dialect's own form."""

from __future__ import annotations

import pytest

from warehouse import RepeatedRows, expand
from warehouse.dialects import check_read_only, translate
from warehouse.errors import QueryFailed


def _values(rows: int, cols: int) -> str:
    tuples = ", ".join("(" + ", ".join(f":_lk_p_{i}_{j}" for j in range(cols)) + ")" for i in range(rows))
    names = ", ".join(f"c{j}" for j in range(cols))
    return f"WITH p({names}) AS (VALUES {tuples}) SELECT c0, COUNT(*) AS n FROM p GROUP BY 1"


@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "redshift"])
@pytest.mark.parametrize("rows,cols", [(3, 1), (12, 2), (101, 3)])
def test_expanded_sql_equals_the_sql_written_in_full(dialect, rows, cols):
    short = translate(_values(2, cols), dialect)
    got = expand(short, (RepeatedRows("_lk_p", rows, cols),))
    assert got == translate(_values(rows, cols), dialect)
    check_read_only(got, dialect)


def test_two_rows_or_fewer_are_left_as_they_are():
    sql = translate(_values(2, 2), "postgres")
    assert expand(sql, (RepeatedRows("_lk_p", 2, 2),)) == sql


def test_row_ten_is_not_mistaken_for_row_one():
    sql = "SELECT * FROM (VALUES (:_lk_p_0_0, :_lk_p_0_1), (:_lk_p_1_0, :_lk_p_1_1)) AS t(a, b) WHERE :_lk_p_1_10 = 1"
    got = expand(sql, (RepeatedRows("_lk_p", 4, 2),))
    assert "(:_lk_p_3_0, :_lk_p_3_1)) AS t" in got and got.endswith(":_lk_p_1_10 = 1")


@pytest.mark.parametrize("sql", [
    "SELECT (:_lk_p_0_0), 'x'; DROP TABLE t; SELECT (:_lk_p_1_0)",  # something other than a separator between rows
    "SELECT (:_lk_p_0_0), (upper(:_lk_p_1_0))",  # row 1 holds more than placeholders
    "SELECT 1",  # the rows are not there
])
def test_anything_but_placeholders_between_rows_is_refused(sql):
    with pytest.raises(QueryFailed):
        expand(sql, (RepeatedRows("_lk_p", 5, 1),))
