"""The read-only, non-superuser PostgreSQL role docs/reliability.md recommends, created from the SQL block in
that page: Playbot answers through it, and what the check refuses the server refuses too (the third fence,
for SQL that got past the other two)."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from answers import Answer

from ..conftest import DATASETS, ROOT, make_answerer
from ..helpers import ask


def role_sql(role: str, database: str, schemas: tuple[str, ...]) -> list[str]:
    """The documented statements with the names replaced; a schema line once per schema."""
    page = (ROOT / "docs" / "reliability.md").read_text()
    block = re.search(r"<!-- reader-role-sql -->\s*```sql\n(.*?)```", page, re.DOTALL).group(1)
    lines = []
    for line in block.splitlines():
        if line.startswith("--"):
            continue
        line = line.replace("playbot_reader", role).replace("analytics", f'"{database}"')
        lines += [line.replace("segment_source", f'"{s}"') for s in schemas] if "segment_source" in line else [line]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@pytest.fixture(scope="module")
def reader(pg_url):
    role = f"playbot_reader_{uuid.uuid4().hex[:8]}"
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        for statement in role_sql(role, database, DATASETS["messenger"].sources):
            admin.execute(statement)
    yield role, pg_url.rsplit("/", 1)[0].replace("postgres@", f"{role}@") + f"/{database}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')


def test_playbot_answers_through_the_reader_role(reader):
    _role, url = reader
    answerer = make_answerer(url.replace("postgresql://", "postgresql+psycopg://"), DATASETS["messenger"])
    try:
        answer = ask(answerer, "invites yesterday")
        assert isinstance(answer, Answer), answer
        assert answer.key.value > 0
    finally:
        answerer.segment.close()


@pytest.mark.parametrize("sql, refused", [
    ("SELECT pg_read_file('/etc/passwd')", "permission denied"),
    ("SELECT * FROM pg_ls_dir('/')", "permission denied"),
    ("SELECT lo_import('/etc/passwd')", "read-only transaction|permission denied"),
    ("SELECT pg_reload_conf()", "permission denied"),
    ("SELECT * FROM pg_authid", "permission denied"),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'postgres' LIMIT 1",
     "permission denied|must be a (superuser|member)"),
    ('CREATE TABLE "messenger_web".playbot_probe (a int)', "read-only transaction|permission denied"),
])
def test_the_server_refuses_what_the_check_refuses(reader, sql, refused):
    _role, url = reader
    with psycopg.connect(url) as conn, pytest.raises(psycopg.Error, match=refused):
        conn.execute(sql).fetchall()
