"""The derived tables of the embedded activity rollup, worked out inside the rollup file from the tables read
from the warehouse (docs/rollup.md "Building and refreshing"): whole on a first build, and on a refresh only
from the days it re-read, each table as far as its definition allows:

  rollup_days, rollup_event_days, rollup_sessions_<gap>, rollup_session_pieces_<gap>   rows of one day (or one
      session start) each: the rows from the re-read day on are deleted and derived again from the re-read rows.
  rollup_paths_<gap> (rollup/paths.py)   views of the paths rows (read from the warehouse, each chunk's
      neighbours worked out in the file as it is read), one gap's counts each.
  rollup_returns, rollup_last_seen (rollup/returns.py)    a person's periods since signup: the re-read days'
      people, and whoever's signup moment changed, worked out again.
  rollup_early_people, rollup_early_counts (rollup/early.py)   one row per person (and event) over their first
      35 days: only the people with early rows in the re-read days (people who signed up in the 35 days before
      them or since, and were active in them), and whoever's signup moment changed (or who came or went), are
      derived again.

A file copied from a build made before one of these tables existed gets it whole. The build records every
derived table it holds in its meta (`tables`), which the reader turns into the layout the answers read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from segment.rollup import DAYS_SELECT, DAYS_TABLE
from segment.rollup_event_days import EVENT_DAYS_SELECT, EVENT_DAYS_TABLE

from .early import EARLY_TABLES, derive_early
from .paths import PATH_TABLES, create_views
from .pieces import PIECE_TABLES, derive_pieces
from .returns import LAST_SEEN_TABLE, RETURNS_TABLE, build_returns
from .sessions import SESSION_TABLES, derive_sessions
from .tables import by_day

# every derived table a build makes, as recorded in its meta (besides the activity, people and person-day rows)
DERIVED_TABLES = (EVENT_DAYS_TABLE, RETURNS_TABLE, LAST_SEEN_TABLE, *EARLY_TABLES, *SESSION_TABLES, *PIECE_TABLES,
                  *PATH_TABLES)


@dataclass(frozen=True)
class Reread:
    """The local midnights from which a build read each warehouse-read table (all of them on a first build)."""

    activity: datetime  # rollup_activity (and the people table, always whole)
    early: datetime  # rollup_early
    sessions: datetime  # rollup_sessions
    pieces: datetime  # rollup_session_pieces
    paths: datetime  # rollup_paths


def derive_tables(con, reread: Reread, first: bool) -> list[str]:
    """Every derived table, once the tables read from the warehouse are up to date; `first`: a first (or full)
    build. Returns the tables now held, for the meta."""
    by_day(con, DAYS_TABLE, DAYS_SELECT, reread.activity)
    build_returns(con, None if first else reread.activity)
    by_day(con, EVENT_DAYS_TABLE, EVENT_DAYS_SELECT, reread.activity)
    derive_early(con, None if first else reread.early)
    derive_sessions(con, reread.sessions)
    derive_pieces(con, reread.pieces)
    create_views(con)
    return list(DERIVED_TABLES)
