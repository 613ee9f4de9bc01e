"""Finding 5, the check itself: each of the 81 kinds of hostile custom playbook (files, admin and session
functions, SQL from a string, other databases, secrets, DuckDB's file readers) is refused before it could
reach a warehouse, with a message that names what is refused and the next step. 80 of them passed."""

from __future__ import annotations

import pytest

from warehouse.dialects import SQLRefused, check_read_only, translate
from warehouse.forbidden import forbidden_function

from ..hostile import HOSTILE, body


@pytest.mark.parametrize("kind, fragment, where", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_refused_with_a_clear_message(kind, fragment, where):
    with pytest.raises(SQLRefused) as refused:
        check_read_only(body(fragment, where))
    message, next_step = str(refused.value), refused.value.next_step
    assert "is not allowed: it " in message, message
    assert next_step.startswith("Playbooks may use ordinary SQL functions") and "remove " in next_step


@pytest.mark.parametrize("dialect", ["duckdb", "redshift"])
def test_refused_after_translation_too(dialect):
    """What a warehouse is handed is checked again in its own dialect."""
    for _kind, fragment, where in HOSTILE:
        try:
            translated = translate(body(fragment, where), dialect)
        except ValueError:
            continue  # not even writable for this engine
        with pytest.raises(SQLRefused):
            check_read_only(translated, dialect)


@pytest.mark.parametrize("sql", [
    "SELECT COUNT(*) FROM generate_series(1, 3)", "SELECT date_trunc('day', now()), current_setting('TimeZone')",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t", "SELECT pg_sleep(0)", "SELECT lower(name) FROM t",
    "SELECT * FROM messenger_web.tracks", "SELECT read_count, lo, query_text FROM t",  # columns with such names
    "SELECT regexp_replace(a, 'x', 'y'), string_agg(b, ',') FROM t", "SELECT * FROM range(10)",
])
def test_ordinary_sql_is_not_refused(sql):
    check_read_only(sql)


def test_the_lists_name_what_they_refuse():
    for name in ("pg_read_file", "PG_LS_DIR", "lo_import", "set_config", "pg_advisory_lock", "read_csv", "glob",
                 "query_to_xml", "dblink", "sqlite_scan", "duckdb_secrets"):
        assert forbidden_function(name), name
    for name in ("count", "date_trunc", "generate_series", "coalesce", "pg_sleep", "current_setting", "range"):
        assert forbidden_function(name) is None, name
