"""One module per engine; adding one touches one file and this registry."""

from __future__ import annotations

from .base import Engine
from .duckdb import DuckDB
from .postgres import PostgreSQL
from .redshift import Redshift

ENGINES: dict[str, type[Engine]] = {"duckdb": DuckDB, "postgresql": PostgreSQL, "redshift": Redshift}


def engine_for(backend: str) -> Engine:
    """The Engine for a SQLAlchemy backend name (make_url(...).get_backend_name())."""
    return ENGINES.get(backend, Engine)()


__all__ = ["ENGINES", "Engine", "engine_for"]
