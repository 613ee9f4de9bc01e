"""SQL written once (PostgreSQL/Redshift dialect), translated per engine with sqlglot.

Placeholders (`:name`) survive translation untouched so SQLAlchemy binds every value:
sqlglot would otherwise rewrite them into each driver's own style.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp

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
    """The SQL is not a single read-only query."""


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
    """Refuse anything but exactly one read-only query, before it reaches the warehouse."""
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
