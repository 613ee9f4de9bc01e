"""A derived table of the embedded activity rollup: one row per signed-in person, local day and event of
their activity (docs/rollup.md "Derived tables").

  rollup_event_days(user_id, day, event_name)
      the rollup_activity rows with counts_as_activity and not is_anonymous, without the Segment source,
      the event-level dimensions and the counts: each (person, day, event) once, ordered by day.

Built inside the rollup file from its own activity rows at every build, only for the days a refresh
re-read (the rows before them are kept: rollup/derive.py), so a refresh stays as cheap as the activity rows' own.

A playbook opts in with `rollup: {event_days: true}` when every read of events keeps only signed-in
people's qualifying activity (`NOT is_anonymous AND counts_as_activity`) and reads no column but
`user_id`, `event_name` and `occurred_at`: its events relation then reads this table, with the same
rows for every (person, day, event) it can see, so its numbers are the same as from the activity rows
(and from raw events). A question with a breakdown or a filter (a dimension to carry) reads the
activity rows as before.
"""

from __future__ import annotations

import re

EVENT_DAYS_TABLE = "rollup_event_days"
# the event-day rows of the activity rows from day ? on
EVENT_DAYS_SELECT = """SELECT DISTINCT user_id, day, event_name
FROM rollup_activity
WHERE counts_as_activity AND NOT is_anonymous AND day >= ?"""


_OTHER_COLUMNS = re.compile(r"\b(source|n|is_anonymous|counts_as_activity)\b")


def reads_only_signed_in_activity(body: str) -> bool:
    """A rendered body whose every read of events filters `NOT is_anonymous AND counts_as_activity` (said once
    each, beside each other) and which names none of the columns the table leaves out (source, n)."""
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", body, flags=re.DOTALL)
    reads = len(re.findall(r"\bFROM events\b", text))
    guarded = len(re.findall(r"\bNOT is_anonymous\s+AND counts_as_activity\b", text))
    rest = re.sub(r"\bNOT is_anonymous\s+AND counts_as_activity\b", " ", text)
    return reads >= 1 and reads == guarded and _OTHER_COLUMNS.search(rest) is None


def event_days_events(table: str) -> str:
    """The events relation over the table, for local days [:_lo, :_hi)."""
    return (f"events AS (\n  SELECT r.user_id, FALSE AS is_anonymous, TRUE AS counts_as_activity, r.event_name, "
            f"r.day AS occurred_at\n  FROM {table} r\n  WHERE r.day >= :_lo AND r.day < :_hi\n)")
