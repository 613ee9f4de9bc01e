"""What an answer is, as plain data: the Answer a surface renders, the Failure it tells, and what a
presenter gets (PresentEnv) and gives back (Presentation). No SQL, no Slack, no matplotlib here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from charts.spec import ChartSpec
from playbooks import Library, Playbook
from playbooks.params import json_safe
from questions import Clarification, Request
from segment import Catalog
from warehouse import Result

from .formatting import fmt_number
from .periods import Timeline


@dataclass(frozen=True)
class Change:
    """One comparison of a key number (answers/periods.py decides which): made, or said why not."""

    label: str  # "vs the day before (Wed 25 Nov)"
    other: float | None  # the number compared with
    text: str  # "▲ 8.1%"; "Not compared" when `note` says why
    pct: float | None = None  # relative change (or points for rates)
    window: tuple[datetime, datetime] | None = None  # the other window [start, end), local time
    note: str = ""  # why it was not compared ("it has no data (the data starts …)")

    @property
    def compared(self) -> bool:
        return not self.note

    def phrase(self, fmt: str = "int") -> str:
        """The one wording of a change, in answers, digest lines and alerts alike:
        '▲ 8.1% vs the day before (Wed 25 Nov): 1,203' or 'Not compared with the month before (…): it has no data …'."""
        if self.note:
            return f"{self.text} with {self.label.removeprefix('vs ')}: {self.note}"
        return f"{self.text} {self.label}: {fmt_number(self.other, fmt)}"


@dataclass(frozen=True)
class KeyNumber:
    label: str
    value: float | None
    fmt: str = "int"  # int | pct | money | float
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # formatted for display
    numeric: tuple[bool, ...] = ()  # right-align these columns


@dataclass(frozen=True)
class QueryRun:
    label: str
    sql: str
    params: dict[str, Any]
    result: Result


@dataclass
class Answer:
    request: Request
    playbook: Playbook
    title: str
    headline: str
    summary: str  # the text answer: headline and changes, plain text
    key: KeyNumber | None
    table: Table
    chart: ChartSpec | None
    definitions: list[str]
    warnings: list[str]
    queries: list[QueryRun]
    elapsed_ms: float
    answered_at: datetime = field(default_factory=datetime.now)
    # the Segment sources this answer read -> their latest received_at (UTC, naive; None: nothing recent)
    freshness: dict[str, datetime | None] = field(default_factory=dict)
    # the warnings (also in `warnings`) that a source this answer read is behind: digests repeat them
    stale: list[str] = field(default_factory=list)

    @property
    def main(self) -> QueryRun:
        """The query whose rows the answer shows: the first run, or the last one labelled "main" when the
        presenter ran the playbook again in the shape the question needs (rolling WAU for one day)."""
        return next((q for q in reversed(self.queries) if q.label == "main"), self.queries[0])

    @property
    def sql(self) -> str:
        return self.main.sql

    @property
    def columns(self) -> list[str]:
        return self.main.result.columns

    @property
    def rows(self) -> list[tuple]:
        return self.main.result.rows

    def to_json(self, chart_path: str | None = None) -> dict[str, Any]:
        return {
            "playbook": self.playbook.id,
            "title": self.title,
            "params": json_safe(self.request.params),
            "sql": self.sql,
            "bound": json_safe(self.main.params),
            "columns": list(self.columns),
            "rows": json_safe([list(r) for r in self.rows]),
            "truncated": self.main.result.truncated,
            "summary": self.summary,
            "key": None if self.key is None else {
                "label": self.key.label, "value": json_safe(self.key.value),
                "changes": [{"label": c.label, "other": json_safe(c.other), "change": c.text,
                             "pct": json_safe(c.pct), "window": json_safe(list(c.window) if c.window else None),
                             "note": c.note or None} for c in self.key.changes]},
            "definitions": self.definitions,
            "warnings": self.warnings,
            "freshness": {source: json_safe(latest) for source, latest in self.freshness.items()},
            "chart": chart_path,
            "warehouse": self.main.result.warehouse,
            "cached": self.main.result.cached,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


@dataclass(frozen=True)
class Failure:
    """The question was understood but could not be answered now (warehouse down, timeout...)."""

    question: str
    message: str
    next_step: str = ""
    kind: str = "failed"  # unavailable | timeout | refused | failed | config
    request: Request | None = None


Outcome = Answer | Clarification | Failure


@dataclass
class PresentEnv:
    """What a presenter gets: the request, the main result, and a way to run the same playbook
    with other parameters (comparison windows, chart context)."""

    request: Request
    playbook: Playbook
    result: Result
    run: Callable[[dict[str, Any], str], Result]
    today: date
    now: datetime
    timezone: str
    week_start: str
    catalog: Catalog
    freshness: dict[str, datetime | None] = field(default_factory=dict)  # latest received_at per source (UTC)
    library: Library | None = None
    now_utc: datetime | None = None
    timeline: Timeline | None = None  # the moment of the question and the first data (answers/periods.py)

    @property
    def clock(self) -> Timeline:
        return self.timeline or Timeline(as_of=self.now, week_start=self.week_start)


@dataclass
class Presentation:
    title: str
    headline: str
    key: KeyNumber | None
    table: Table
    chart: ChartSpec | None
    lines: list[str] = field(default_factory=list)  # further summary lines (changes, notes)
    definitions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
