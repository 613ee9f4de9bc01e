"""Long VALUES lists, written short. A cross-database lookup joins up to 50,000 rows into a query as a
VALUES list of bound parameters; parsing that text (the read-only check, the dialect translation, the
row cap) takes sqlglot half a minute at 40,000 rows. So the SQL text carries rows 0 and 1 only, every
check and translation runs on that, and the other rows are written back in just before execution,
each a copy of row 1's own translated text with its row number changed (a VALUES tuple on PostgreSQL
and DuckDB, a UNION ALL SELECT on Redshift). Only placeholders are repeated: never a value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QueryFailed

_SEPARATOR = re.compile(r"[\s,()]*(?:UNION\s+ALL\s+SELECT)?[\s,()]*", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[\s,()]*")


@dataclass(frozen=True)
class RepeatedRows:
    """Rows 2 to `rows - 1` of a VALUES list whose placeholders are `:{prefix}_{row}_{column}`."""

    prefix: str
    rows: int
    columns: int

    def placeholder(self, row: int, column: int) -> re.Pattern:
        return re.compile(rf":{re.escape(self.prefix)}_{row}_{column}(?!\w)")


def expand(sql: str, repeats: tuple[RepeatedRows, ...]) -> str:
    for repeat in repeats:
        if repeat.rows > 2:
            sql = _expand_one(sql, repeat)
    return sql


def _expand_one(sql: str, r: RepeatedRows) -> str:
    last0, first1, last1 = (r.placeholder(0, r.columns - 1).search(sql), r.placeholder(1, 0).search(sql),
                            r.placeholder(1, r.columns - 1).search(sql))
    if not (last0 and first1 and last1) or not last0.end() <= first1.start() <= last1.start():
        raise QueryFailed(f"The rows of {r.prefix} could not be joined into the query.", "Report this to your admin.")
    separator, row = sql[last0.end():first1.start()], sql[first1.start():last1.end()]
    bare = re.sub(rf":{re.escape(r.prefix)}_1_\d+(?!\w)", "", row)
    if not _SEPARATOR.fullmatch(separator) or not _PUNCTUATION.fullmatch(bare):
        raise QueryFailed(f"The rows of {r.prefix} could not be joined into the query.", "Report this to your admin.")
    # row 1 split once at its placeholders (text, column, text, ...): each row is that text with its own
    # number (a regex substitution per row compiled its template 40,000 times: 9 s of a 25 s answer)
    parts = re.split(rf":{re.escape(r.prefix)}_1_(\d+)(?!\w)", row)
    more = "".join(separator + "".join(p if k % 2 == 0 else f":{r.prefix}_{i}_{p}" for k, p in enumerate(parts))
                   for i in range(2, r.rows))
    return sql[:last1.end()] + more + sql[last1.end():]
