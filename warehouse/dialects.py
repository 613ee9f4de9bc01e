"""SQL written once (PostgreSQL/Redshift dialect), translated per engine with sqlglot.

Placeholders (`:name`) survive translation untouched so SQLAlchemy binds every value:
sqlglot would otherwise rewrite them into each driver's own style.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp

from .forbidden import forbidden_function, forbidden_relation

SOURCE_DIALECT = "postgres"

# SQLAlchemy dialect name -> sqlglot dialect name
SQLGLOT_DIALECTS = {
    "duckdb": "duckdb",
    "postgresql": "postgres",
    "redshift": "redshift",
    "redshift_connector": "redshift",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}
SUPPORTED_DIALECTS = ("duckdb", "postgres", "redshift", "snowflake", "bigquery")

_WRITE_NODES = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
    exp.Command, exp.TruncateTable, exp.Grant, exp.Copy, exp.Set, exp.Use, exp.Transaction,
    exp.Commit, exp.Rollback,
)


class SQLRefused(ValueError):
    """The SQL is not a single read-only query, or calls what no playbook may (`next_step` says what to do)."""

    def __init__(self, message: str, next_step: str = ""):
        super().__init__(message)
        self.next_step = next_step


class SQLUntranslatable(ValueError):
    """The SQL could not be parsed or written for the target engine."""


def sqlglot_dialect(sqlalchemy_dialect: str) -> str:
    return SQLGLOT_DIALECTS.get(sqlalchemy_dialect, "postgres")


@lru_cache(maxsize=512)
def translate(sql: str, dialect: str) -> str:
    """Translate PostgreSQL-dialect SQL with `:name` placeholders into `dialect`."""
    if dialect == SOURCE_DIALECT:
        return sql
    try:
        tree = _parsed(sql).transform(_keep_placeholder)  # transform copies: the cached tree stays as parsed
        if dialect == "redshift" and tree.find(exp.GenerateSeries, exp.ExplodingGenerateSeries):
            # Redshift runs generate_series on the leader node only: joined to a table it fails
            raise SQLUntranslatable("cannot translate to redshift: generate_series does not work with tables on "
                                    "Redshift; join the `numbers` relation (column n = 0, 1, 2, ...) instead")
        return tree.sql(dialect=dialect, pretty=True, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as exc:
        raise SQLUntranslatable(f"cannot translate to {dialect}: {str(exc).splitlines()[0]}") from exc


@lru_cache(maxsize=256)
def _parsed(sql: str) -> exp.Expression:
    """One parse per statement, whatever the dialects it is written for (parsing is most of the cost)."""
    return sqlglot.parse_one(sql, read=SOURCE_DIALECT)


def _keep_placeholder(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Placeholder) and node.name:
        return exp.Var(this=f":{node.name}")
    return node


@lru_cache(maxsize=512)
def check_read_only(sql: str, dialect: str = SOURCE_DIALECT) -> None:
    """Refuse anything but exactly one read-only query that calls no forbidden function or relation
    (warehouse/forbidden.py), before it reaches the warehouse."""
    _check_calls(sql, dialect)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise SQLRefused(f"the SQL does not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise SQLRefused(f"expected one query, found {len(statements)} statements")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise SQLRefused(f"only SELECT queries may run, not {statement.key.upper()}")
    for node in statement.walk():
        if isinstance(node, _WRITE_NODES):
            raise SQLRefused(f"only read-only queries may run; found {node.key.upper()}")
        if isinstance(node, exp.Into):
            raise SQLRefused("SELECT ... INTO writes a table; only read-only queries may run")
        _check_names(node)


NEXT_STEP = ("Playbooks may use ordinary SQL functions on the warehouse's tables only: remove {name} from the "
             "playbook (docs/reliability.md, \"Custom playbooks\").")


def _check_names(node: exp.Expression) -> None:
    """Refuse a file, admin, session, dynamic-SQL or remote function, or a relation that holds secrets
    or names a file (warehouse/forbidden.py), whatever the engine: a playbook runs on every engine."""
    if isinstance(node, exp.Func):
        for name in _function_names(node):
            reason = forbidden_function(name)
            if reason:
                raise SQLRefused(f"the function {name.lower()} is not allowed: it {reason}",
                                 NEXT_STEP.format(name=name.lower()))
    elif isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
        reason = forbidden_relation(node.name)
        if reason:
            raise SQLRefused(f"the table {node.name!r} is not allowed: it {reason}", NEXT_STEP.format(name=node.name))


def _check_calls(sql: str, dialect: str) -> None:
    """Every name followed by `(`, from the tokens: a forbidden call is refused with its name also where
    the parser would fail on it (GLOB is an operator to PostgreSQL's grammar, a table function to DuckDB)."""
    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return  # the parse says why
    for token, following in zip(tokens, tokens[1:]):
        if following.token_type == sqlglot.TokenType.L_PAREN and forbidden_function(token.text):
            raise SQLRefused(f"the function {token.text.lower()} is not allowed: it {forbidden_function(token.text)}",
                             NEXT_STEP.format(name=token.text.lower()))


def _function_names(node: exp.Func) -> list[str]:
    if isinstance(node, exp.Anonymous):
        return [node.name]
    return [node.sql_name(), *getattr(type(node), "_sql_names", ())]


@lru_cache(maxsize=512)
def with_row_limit(sql: str, dialect: str, limit: int) -> str:
    """The query to send for at most `limit` rows: with a LIMIT appended when its outermost query has none
    (and the result still parses as one query with that limit), so the warehouse stops producing rows and
    no driver buffers more than the cap. (Server-side cursors would hide the query from pg_stat_activity
    behind FETCH and split its statement timeout between fetches; redshift_connector has none.) The limit
    is Playbot's own row cap, an int, never a value from a question. A query with its own LIMIT is sent
    as it is: the fetch stops at the cap."""
    try:
        statement = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return sql
    if not isinstance(statement, exp.Query) or any(statement.args.get(k) for k in ("limit", "offset", "fetch")):
        return sql
    body = sql.rstrip()
    body = body[:-1] if body.endswith(";") else body
    capped = f"{body}\nLIMIT {int(limit)}"  # on its own line: a trailing -- comment ends before it
    try:
        parsed = [s for s in sqlglot.parse(capped, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError:
        return sql
    return capped if len(parsed) == 1 and parsed[0].args.get("limit") is not None else sql
