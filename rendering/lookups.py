"""Cross-database questions: rows from another named warehouse, joined into a playbook's query.

A playbook header declares a lookup (`lookups: {plans: {warehouse: product, sql: ...}}`). Before
the main query runs, the lookup's query runs read-only on its own warehouse (any engine); its rows
(at most `max_rows`, otherwise a clear error) become a relation of the same name in the main query,
a VALUES list whose every value is a bound parameter. So the join happens inside the main
warehouse whatever the two engines are, and the answer says how many rows moved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from config import IDENTIFIER_RE
from errors import Kind, PlaybotError
from playbooks import Lookup, Playbook
from warehouse import RepeatedRows, Warehouse


class LookupFailed(PlaybotError):
    """A lookup that cannot be read or joined as declared (an admin's or author's fix)."""

    kind = Kind.CONFIG


@dataclass(frozen=True)
class LookupRows:
    lookup: Lookup
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    backend: str  # the engine the rows came from (duckdb, postgresql, ...)
    sql: str  # as it ran there
    elapsed_ms: float

    def note(self, into: str) -> str:
        return (f"Cross-database: {len(self.rows):,} rows of {self.lookup.name} ({', '.join(self.columns)}) were read from "
                f"the {self.lookup.warehouse} warehouse ({self.backend}) and joined inside the {into} warehouse's "
                f"query (cap {self.lookup.max_rows:,} rows).")


# bound values kept free for the playbook's own parameters when a lookup is sized to the bind limit
OWN_PARAMS_RESERVE = 500


def fetch_lookups(playbook: Playbook, warehouses: dict[str, Warehouse],
                  into: Warehouse | None = None, refresh: bool = False) -> dict[str, LookupRows]:
    """Run each lookup of `playbook` on its warehouse; raises RenderError with the next step. `into`
    is the warehouse the rows go to: every value becomes a bound parameter there, and its driver
    takes at most `max_bind_values` in one statement (PostgreSQL 65,535; Redshift 32,767). Lookup
    results are cached for the lookup warehouse's `cache_ttl_seconds`; `refresh` reads them again."""
    out: dict[str, LookupRows] = {}
    bound = 0
    for lk in playbook.lookups:
        warehouse = warehouses.get(lk.warehouse)
        if warehouse is None:
            raise LookupFailed(f"{playbook.title} reads {lk.name} from the {lk.warehouse} warehouse, which is not "
                              "configured.", f"Add warehouses.{lk.warehouse}.url to playbot.yaml.")
        started = time.perf_counter()
        sql = warehouse.translate(lk.sql)
        # cached like answers (the lookup warehouse's TTL); "Refresh" reads it again
        result = warehouse.run(sql, {}, row_cap=lk.max_rows, cache=True, refresh=refresh)
        if result.truncated:
            raise LookupFailed(f"{lk.name} in the {lk.warehouse} warehouse has more than {lk.max_rows:,} rows, the most "
                              f"{playbook.id} may move between warehouses.",
                              "Narrow the lookup's SQL (only the columns and rows needed) or raise its max_rows.")
        bad = [c for c in result.columns if not IDENTIFIER_RE.match(c)]
        if bad:
            raise LookupFailed(f"lookup {lk.name}: column {bad[0]!r} is not a plain name.",
                              f"Alias it in the lookup's SQL in {playbook.path}.")
        bound += len(result.rows) * len(result.columns)
        limit = into.max_bind_values if into is not None else None
        if limit is not None and bound > limit - OWN_PARAMS_RESERVE:
            raise LookupFailed(
                f"{lk.name} from the {lk.warehouse} warehouse is {len(result.rows):,} rows of {len(result.columns)} "
                f"columns: more values than the {into.name} warehouse ({into.backend}) takes in one query "
                f"({limit - OWN_PARAMS_RESERVE:,} with the playbook's own).",
                f"Narrow the lookup's SQL in {playbook.path} (fewer columns, only the rows needed), or copy "
                f"{lk.name} into the {into.name} warehouse and read it there.")
        out[lk.name] = LookupRows(lk, tuple(result.columns), tuple(tuple(r) for r in result.rows), warehouse.backend,
                                  sql, (time.perf_counter() - started) * 1000)
    return out


def lookup_cte(rows: LookupRows) -> tuple[str, dict[str, Any], RepeatedRows | None]:
    """`name(col, ...) AS (VALUES (:_lk_name_0_0, ...), (:_lk_name_1_0, ...))`, every row's bound values,
    and the rows past the second, which the text leaves out until the query runs (warehouse/rows.py)."""
    name, cols = rows.lookup.name, rows.columns
    if not rows.rows:  # an empty relation with the right columns
        nulls = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in cols)
        return f"{name} AS (SELECT {nulls} WHERE 1 = 0)", {}, None
    prefix = f"_lk_{name}"
    binds = {f"{prefix}_{i}_{j}": value for i, row in enumerate(rows.rows) for j, value in enumerate(row)}
    tuples = [f"({', '.join(f':{prefix}_{i}_{j}' for j in range(len(cols)))})" for i in range(min(2, len(rows.rows)))]
    repeat = RepeatedRows(prefix, len(rows.rows), len(cols)) if len(rows.rows) > 2 else None
    return f"{name}({', '.join(cols)}) AS (VALUES {', '.join(tuples)})", binds, repeat
