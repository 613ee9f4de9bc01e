"""The one path from a question to an Answer. The CLI, every Slack listener and every scheduled
job call `Answerer.ask` (or `Answerer.answer` with a Request they already hold).

question --parse--> Request --render--> SQL --warehouse--> Result --presenter--> Answer
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from charts.spec import ChartSpec
from config import Config
from warehouse import Catalog, CatalogCache, CatalogError, Result, Warehouse, WarehouseError, discover

from .federation import fetch_lookups
from .library import Library, Playbook
from .params import json_safe
from .parser import Clarification, ParseContext, Request, parse
from .relations import RelationError, freshness_sql
from .render import RenderContext, RenderError, render

log = logging.getLogger("playbot.answer")


@dataclass(frozen=True)
class Change:
    label: str  # "vs the day before (Wed 25 Nov)"
    other: float | None  # the number compared with
    text: str  # "▲ 8.1%"
    pct: float | None = None  # relative change (or points for rates)


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
        return self.queries[0]

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
                             "pct": json_safe(c.pct)} for c in self.key.changes]},
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


class Answerer:
    """Holds the warehouses, catalog and playbooks; turns questions into Answers. Thread-safe."""

    def __init__(self, config: Config, warehouses: dict[str, Warehouse], library: Library,
                 clock: Callable[[], datetime] | None = None, catalog_ttl: float = 300.0):
        self.config = config
        self.warehouses = warehouses
        self.library = library
        self._clock = clock or (lambda: datetime.now(config.tz))
        self.segment = warehouses[config.segment.warehouse]
        self._catalogs = CatalogCache(self._discover, ttl_seconds=catalog_ttl)
        self._lock = threading.Lock()
        # the latest received_at per source (the result cache's freshness token, the stale-data
        # warning's input) is re-read at most this often
        self.freshness_check_seconds = 10.0
        self._freshness: tuple[float, dict[str, datetime | None]] | None = None
        self._freshness_lock = threading.Lock()

    # ---- time ----
    def now(self) -> datetime:
        """Local wall time in the configured timezone, naive."""
        current = self._clock()
        if current.tzinfo is not None:
            current = current.astimezone(self.config.tz).replace(tzinfo=None)
        return current

    def today(self) -> date:
        return self.now().date()

    def _discover(self) -> Catalog:
        now_utc = self._utc_now()
        from .dimensions import PROFILED_CONTEXT_COLUMNS, TRAIT_COLUMNS

        return discover(self.segment, self.config.segment.sources, now_utc, self.config.segment.catalog_days,
                        profile_columns=PROFILED_CONTEXT_COLUMNS, trait_columns=TRAIT_COLUMNS)

    def _utc_now(self) -> datetime:
        from .render import to_utc

        return to_utc(self.now(), self.config.timezone)

    def catalog(self, refresh: bool = False) -> Catalog:
        return self._catalogs.get(refresh=refresh)

    def warehouse_for(self, playbook: Playbook) -> Warehouse:
        """The warehouse a playbook reads: its header's `warehouse:`, else the Segment warehouse."""
        name = playbook.warehouse or self.config.segment.warehouse
        if name not in self.warehouses:
            raise RenderError(f"Playbook {playbook.id} reads the {name!r} warehouse, which is not configured.",
                              f"Add {name} under warehouses: in playbot.yaml, or fix `warehouse:` in {playbook.path}.")
        return self.warehouses[name]

    def data_version(self, catalog: Catalog, refresh: bool = False) -> Any:
        """The freshness token for cached results: the latest received_at of each Segment source
        (changes when new data lands, so cached answers are not served past it)."""
        return tuple(sorted(self.source_freshness(catalog, refresh).items()))

    def source_freshness(self, catalog: Catalog, refresh: bool = False) -> dict[str, datetime | None]:
        """{source: latest received_at (UTC, naive) since catalog_days ago, or None}: one small query on
        Segment's sort key for all sources, re-read at most every `freshness_check_seconds`."""
        with self._freshness_lock:
            if not refresh and self._freshness and time.monotonic() - self._freshness[0] < self.freshness_check_seconds:
                return self._freshness[1]
            sql = freshness_sql(self.config.segment, catalog, self.segment.quote)
            latest: dict[str, datetime | None] = {}
            if sql is not None:
                since = self._utc_now() - timedelta(days=self.config.segment.catalog_days)
                rows = self.segment.run(self.segment.translate(sql), {"since": since}).rows
                latest = {str(source): _naive_utc(value) for source, value in rows}
            self._freshness = (time.monotonic(), latest)
            return latest

    def sources_read(self, playbook: Playbook, request: Request, catalog: Catalog) -> tuple[str, ...]:
        """The Segment sources an answer reads: all configured ones, or only those holding the events
        a playbook's `scope:` narrows the events relation to; none for a playbook on another warehouse."""
        if self.config.segment.events_sql or playbook.warehouse not in (None, self.config.segment.warehouse):
            return ()
        from .render import event_scope

        scoped = event_scope(playbook, request.params, catalog)
        sources = self.config.segment.sources
        if scoped is not None:
            sources = tuple(s for s in sources if any(s in info.sources for info in scoped))
        return sources

    # ---- the path ----
    def parse(self, question: str, previous: Request | None = None) -> Request | Clarification | Failure:
        try:
            catalog = self.catalog()
        except (WarehouseError, CatalogError) as exc:
            return Failure(question, exc.message, exc.next_step, _kind(exc))
        ctx = ParseContext(library=self.library, catalog=catalog, today=self.today(),
                           week_start=self.config.week_start, synonyms=self.config.event_synonyms, previous=previous)
        return parse(question, ctx)

    def ask(self, question: str, previous: Request | None = None, refresh: bool = False) -> Outcome:
        parsed = self.parse(question, previous)
        if not isinstance(parsed, Request):
            return parsed
        return self.answer(parsed, refresh=refresh)

    def answer(self, request: Request, refresh: bool = False) -> Answer | Failure:
        from .presenters import PRESENTERS

        started = time.perf_counter()
        playbook = self.library.get(request.playbook)
        if playbook is None:
            return Failure(request.question, f"There is no playbook {request.playbook!r}.", "Try /playbot help.",
                           "config", request)
        try:
            catalog = self.catalog(refresh=refresh)
            warehouse = self.warehouse_for(playbook)
            today, now = self.today(), self.now()
            ctx = RenderContext(segment=self.config.segment, catalog=catalog, quote=warehouse.quote,
                                timezone=self.config.timezone, week_start=self.config.week_start,
                                today=today, now=now)
            queries: list[QueryRun] = []
            lookups = fetch_lookups(playbook, self.warehouses, warehouse, refresh) if playbook.lookups else {}
            latest = self.source_freshness(catalog, refresh=refresh)
            version = tuple(sorted(latest.items()))

            def run(overrides: dict[str, Any], label: str) -> Result:
                params = {**request.params, **overrides}
                rendered = render(playbook, params, ctx, lookups)
                sql = warehouse.translate(rendered.sql)
                result = warehouse.run(sql, rendered.params, cache=True, refresh=refresh, freshness=version)
                queries.append(QueryRun(label, sql, rendered.params, result))
                return result

            main = run({}, "main")
            presenter = PRESENTERS.get(playbook.presenter, PRESENTERS["table"])
            env = PresentEnv(request=request, playbook=playbook, result=main, run=run, today=today, now=now,
                             timezone=self.config.timezone, week_start=self.config.week_start, catalog=catalog,
                             freshness=latest, library=self.library, now_utc=self._utc_now())
            shown = presenter(env)
        except (WarehouseError, CatalogError, RenderError, RelationError) as exc:
            log.warning("answer failed playbook=%s kind=%s: %s", request.playbook, _kind(exc), exc.message)
            return Failure(request.question, exc.message, exc.next_step, _kind(exc), request)
        definitions = list(shown.definitions) + list(playbook.definitions) + self._footer(request, playbook)
        definitions += [rows.note(warehouse.name) for rows in lookups.values()]
        read = {source: latest.get(source) for source in self.sources_read(playbook, request, catalog)}
        stale = self.stale_warnings(read)
        warnings = stale + list(shown.warnings)
        if main.truncated:
            warnings.append(f"Only the first {len(main.rows):,} rows were read (row cap).")
        summary = "\n".join([shown.headline, *shown.lines])
        return Answer(request=request, playbook=playbook, title=shown.title, headline=shown.headline,
                      summary=summary, key=shown.key, table=shown.table, chart=shown.chart,
                      definitions=definitions, warnings=warnings, queries=queries,
                      elapsed_ms=(time.perf_counter() - started) * 1000, answered_at=self.now(), freshness=read,
                      stale=stale)

    # ---- footer and warnings ----
    def _footer(self, request: Request, playbook: Playbook) -> list[str]:
        parts = []
        p = request.params
        if isinstance(p.get("start"), date) and isinstance(p.get("end"), date):
            last = p["end"] - timedelta(days=1)
            parts.append(f"Range: {p['start'].isoformat()} to {last.isoformat()} (inclusive), {self.config.timezone}")
        sources = ", ".join(self.config.segment.sources) if not self.config.segment.events_sql else "custom events SQL"
        parts.append(f"Source: {sources} on {self.config.segment.warehouse}")
        parts.append(f"Playbook: {playbook.id}")
        return [" · ".join(parts)]

    @property
    def stale_after(self) -> timedelta:
        """How far behind a source may be before answers say so (`stale_after` of the Segment warehouse)."""
        settings = self.config.warehouses.get(self.config.segment.warehouse)
        return timedelta(hours=settings.stale_after_hours if settings else 6.0)

    def stale_warnings(self, latest: dict[str, datetime | None]) -> list[str]:
        """One line per source read that is more than `stale_after` behind (now - its latest received_at)."""
        out = []
        now_utc = self._utc_now()
        for source, received in latest.items():
            if received is None:
                out.append(f"No data from source `{source}` in the last {self.config.segment.catalog_days} days: "
                           "answers from it are empty.")
            elif now_utc - received > self.stale_after:
                out.append(f"Data from source `{source}` is {behind(now_utc - received)} behind "
                           f"(last event received {received:%Y-%m-%d %H:%M} UTC).")
        return out


def behind(delta: timedelta) -> str:
    """A lag in words: '45 min', '9 h', '3.2 days'."""
    hours = delta.total_seconds() / 3600
    if hours < 2:
        return f"{max(0, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def _naive_utc(value: Any) -> datetime | None:
    """A timestamp from the warehouse as naive UTC (drivers may return aware values or strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _kind(exc: Exception) -> str:
    from warehouse import QueryRefused, QueryTimeout, WarehouseUnavailable

    if isinstance(exc, WarehouseUnavailable):
        return "unavailable"
    if isinstance(exc, QueryTimeout):
        return "timeout"
    if isinstance(exc, QueryRefused):
        return "refused"
    if isinstance(exc, (CatalogError, RelationError, RenderError)):
        return "config"
    return "failed"
