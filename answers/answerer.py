"""The answer function: a Request -> SQL -> warehouse -> presenter -> Answer, and the reading of a
question against the live catalog. Only the answer service (service/) calls it: a surface that
calls it directly would skip the policies and the audit log.

question --parse--> Request --render--> SQL --warehouse--> Result --presenter--> Answer
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from config import Config
from errors import Kind, PlaybotError
from playbooks import Library, Playbook
from questions import Clarification, ParseContext, Request, parse
from rendering import RenderContext, RenderError, render
from rendering.bounds import check_work
from rendering.lookups import fetch_lookups
from rendering.render import event_scope, hours_in_utc, to_utc
from rollup import BuildInput, RollupMeta, RollupReader, RollupView, build_rollup
from rollup.warehouse_table import rollup_sql
from segment import Catalog, CatalogCache, discover
from segment.dimensions import PROFILED_CONTEXT_COLUMNS, TRAIT_COLUMNS
from segment.relations import freshness_sql
from segment.rollup import NotCoverable
from warehouse import Result, Warehouse, expand

from .formatting import behind
from .model import Answer, Failure, PresentEnv, QueryRun
from .periods import Timeline, asked_window, local_hours
from .presenters import PRESENTERS

log = logging.getLogger("playbot.answer")

# data this far ahead of now is a clock problem worth saying (less is batching and drift between clocks)
CLOCK_TOLERANCE = timedelta(hours=1)


class Answerer:
    """Holds the warehouses, catalog and playbooks; turns questions into Answers. Thread-safe."""

    def __init__(self, config: Config, warehouses: dict[str, Warehouse], library: Library,
                 clock: Callable[[], datetime] | None = None, catalog_ttl: float = 300.0,
                 catalog_loader: Callable[[], Catalog] | None = None):
        """`catalog_loader`: where the catalog comes from (default: discovered in the Segment warehouse)."""
        self.config = config
        self.warehouses = warehouses
        self.library = library
        self._clock = clock or (lambda: datetime.now(config.tz))
        self.segment = warehouses[config.segment.warehouse]
        self._catalogs = CatalogCache(catalog_loader or self._discover, ttl_seconds=catalog_ttl)
        self._lock = threading.Lock()
        # the latest received_at per source (the result cache's freshness token, the stale-data
        # warning's input) is re-read at most this often, in the background once there is one to serve
        self.freshness_check_seconds = 10.0
        self._freshness: tuple[float, dict[str, datetime | None]] | None = None
        self._freshness_lock = threading.Lock()  # guards the two fields below, never held across a query
        self._freshness_reading: threading.Thread | None = None
        self._freshness_error: PlaybotError | None = None
        self.freshness_wait_seconds = 2.0  # a question waits this long for a new reading, then uses the last
        self.rollup = RollupReader(config)  # the embedded activity rollup (docs/rollup.md)
        self._rollup_building = threading.Lock()

    # ---- time ----
    def now(self) -> datetime:
        """Local wall time in the configured timezone, naive."""
        current = self._clock()
        if current.tzinfo is not None:
            current = current.astimezone(self.config.tz).replace(tzinfo=None)
        return current

    def _local_now(self) -> datetime:
        """Now in the configured timezone, naive, to the minute (what "the last 6 hours" counts back from)."""
        return self.now().replace(second=0, microsecond=0)

    def today(self) -> date:
        return self.now().date()

    def _discover(self) -> Catalog:
        now_utc = self._utc_now()
        return discover(self.segment, self.config.segment.sources, now_utc, self.config.segment.catalog_days,
                        profile_columns=PROFILED_CONTEXT_COLUMNS, trait_columns=TRAIT_COLUMNS)

    def _utc_now(self) -> datetime:
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
        Segment's sort key for all sources, re-read at most every `freshness_check_seconds`. The reading
        runs in a thread of its own (one at a time) and a question waits for it at most
        `freshness_wait_seconds` before using the last reading: a silent warehouse held every asker,
        cached answers included, behind this lock. No lock is held while the query runs."""
        with self._freshness_lock:
            known = self._freshness
            if not refresh and known and time.monotonic() - known[0] < self.freshness_check_seconds:
                return known[1]
            reading = self._freshness_reading
            if reading is None:
                reading = threading.Thread(target=self._read_freshness_in_background, args=(catalog,),
                                           name="freshness", daemon=True)
                self._freshness_reading = reading
                reading.start()
        reading.join(None if known is None else self.freshness_wait_seconds)
        with self._freshness_lock:
            if self._freshness is None:  # the first reading failed: say why, as the warehouse did
                raise self._freshness_error or PlaybotError("The sources' freshness could not be read.")
            if refresh and not reading.is_alive() and self._freshness_error is not None:
                raise self._freshness_error  # "Refresh" says the warehouse could not be read
            return self._freshness[1]

    def _read_freshness(self, catalog: Catalog) -> dict[str, datetime | None]:
        sql = freshness_sql(self.config.segment, catalog, self.segment.quote)
        latest: dict[str, datetime | None] = {}
        if sql is not None:
            since = self._utc_now() - timedelta(days=self.config.segment.catalog_days)
            rows = self.segment.run(self.segment.translate(sql), {"since": since}).rows
            latest = {str(source): _naive_utc(value) for source, value in rows}
        return latest

    def _read_freshness_in_background(self, catalog: Catalog) -> None:
        latest, error = None, None
        try:
            latest = self._read_freshness(catalog)
        except PlaybotError as exc:  # the last reading is kept; the next question tries again
            log.warning("could not read the sources' freshness, keeping the last reading: %s", exc.message)
            error = exc
        except Exception:  # noqa: BLE001 - told to the waiting question as an internal failure
            log.exception("reading the sources' freshness failed")
            error = PlaybotError("The sources' freshness could not be read.", "Try again in a minute.", Kind.INTERNAL)
        with self._freshness_lock:
            if latest is not None:
                self._freshness = (time.monotonic(), latest)
            self._freshness_error = error
            self._freshness_reading = None

    def wait_for_freshness(self, timeout: float = 30.0) -> None:
        """Until a background freshness reading in progress has finished (tests, shutdown)."""
        reading = self._freshness_reading
        if reading is not None:
            reading.join(timeout)

    def sources_read(self, playbook: Playbook, request: Request, catalog: Catalog) -> tuple[str, ...]:
        """The Segment sources an answer reads: all configured ones, or only those holding the events
        a playbook's `scope:` narrows the events relation to; none for a playbook on another warehouse."""
        if self.config.segment.events_sql or playbook.warehouse not in (None, self.config.segment.warehouse):
            return ()
        scoped = event_scope(playbook, request.params, catalog)
        sources = self.config.segment.sources
        if scoped is not None:
            sources = tuple(s for s in sources if any(s in info.sources for info in scoped))
        return sources

    # ---- the path ----
    def parse(self, question: str, previous: Request | None = None) -> Request | Clarification | Failure:
        try:
            catalog = self.catalog()
        except PlaybotError as exc:
            return Failure(question, exc.message, exc.next_step, exc.kind)
        ctx = ParseContext(library=self.library, catalog=catalog, today=self.today(), now=self._local_now(),
                           activation_event=self.config.segment.activation_event,
                           week_start=self.config.week_start, synonyms=self.config.event_synonyms, previous=previous)
        return parse(question, ctx)

    def answer(self, request: Request, refresh: bool = False) -> Answer | Failure:
        started = time.perf_counter()
        playbook = self.library.get(request.playbook)
        if playbook is None:
            return Failure(request.question, f"There is no playbook {request.playbook!r}.", "Ask “help” for the list.",
                           Kind.CONFIG, request)
        try:
            catalog = self.catalog(refresh=refresh)
            warehouse = self.warehouse_for(playbook)
            check_work(playbook, request.params, warehouse.config.max_buckets)  # before any SQL runs
            today = self.today()
            queries: list[QueryRun] = []
            lookups: dict = {}  # read only when a query reads raw events (the rollup may hold them synced)

            def fetched() -> dict:
                if playbook.lookups and not lookups:
                    lookups.update(fetch_lookups(playbook, self.warehouses, warehouse, refresh))
                return lookups
            latest = self.source_freshness(catalog, refresh=refresh)
            version = tuple(sorted(latest.items()))
            read = {source: latest.get(source) for source in self.sources_read(playbook, request, catalog)}
            timeline = self.timeline(catalog, read)
            ctx = RenderContext(segment=self.config.segment, catalog=catalog, quote=warehouse.quote,
                                timezone=self.config.timezone, week_start=self.config.week_start,
                                today=today, now=timeline.as_of)
            view, build = self._rollup_view(playbook, version, timeline.as_of)
            on_rollup: list[bool] = []

            def run(overrides: dict[str, Any], label: str) -> Result:
                params = {**request.params, **overrides}
                target, rendered = self._render(playbook, params, ctx, fetched, warehouse, view, on_rollup)
                sql = target.translate(rendered.sql)
                result = target.run(sql, rendered.params, cache=True, refresh=refresh, freshness=version,
                                    repeats=rendered.repeats)
                if hours_in_utc(playbook, params.get("interval"), self.config.timezone):
                    result = local_hours(result, self.config.timezone)
                queries.append(QueryRun(label, expand(sql, rendered.repeats), rendered.params, result))
                return result

            main = run({}, "main")
            presenter = PRESENTERS[playbook.presenter]  # the header's presenter is checked when the playbook loads
            env = PresentEnv(request=request, playbook=playbook, result=main, run=run, today=today,
                             now=timeline.as_of, timezone=self.config.timezone, week_start=self.config.week_start,
                             catalog=catalog, freshness=latest, library=self.library, now_utc=self._utc_now(),
                             timeline=timeline)
            shown = presenter(env)
        except PlaybotError as exc:
            log.warning("answer failed playbook=%s kind=%s: %s", request.playbook, exc.kind, exc.message)
            return Failure(request.question, exc.message, exc.next_step, exc.kind, request)
        definitions = list(shown.definitions) + list(playbook.definitions) + self._footer(request, playbook)
        definitions += self._rollup_note(playbook, on_rollup, view, build, request.params.get("interval") == "hour")
        definitions += [rows.note(warehouse.name) for rows in lookups.values()]
        stale = self.stale_warnings(read) + self.clock_warnings(read, catalog)
        warnings = list(request.notes) + stale + self.before_data_warnings(request, timeline) + list(shown.warnings)
        shown_rows = next(q for q in reversed(queries) if q.label == "main").result
        if shown_rows.truncated:
            warnings.append(f"Only the first {len(shown_rows.rows):,} rows were read (row cap).")
        summary = "\n".join([shown.headline, *shown.lines])
        chart = None if playbook.chart == "none" else shown.chart
        return Answer(request=request, playbook=playbook, title=shown.title, headline=shown.headline,
                      summary=summary, key=shown.key, table=shown.table, chart=chart,
                      definitions=definitions, warnings=warnings, queries=queries,
                      elapsed_ms=(time.perf_counter() - started) * 1000, answered_at=self.now(), freshness=read,
                      stale=stale)

    # ---- the activity rollup ----
    def _rollup_view(self, playbook: Playbook, version: tuple, as_of: datetime) -> tuple[RollupView | None,
                                                                                          RollupMeta | None]:
        """(a fresh rollup to read, the embedded build): the embedded one, else a table in the warehouse."""
        if not playbook.meta.get("rollup") or playbook.warehouse not in (None, self.config.segment.warehouse):
            return None, None
        view, build = self.rollup.view(version, as_of)
        if view is None:
            view = self.rollup.warehouse_view(self.segment, version, as_of)
        return view, build

    def _render(self, playbook: Playbook, params: dict[str, Any], ctx: RenderContext, lookups: Callable[[], dict],
                warehouse: Warehouse, view: RollupView | None, on_rollup: list[bool]):
        """(the warehouse to run on, the query): the rollup's when it is fresh and keeps what this query
        reads (whole days, its dimensions, the lookups synced in), else the Segment warehouse's raw events."""
        synced = view is not None and all(lk.name in view.layout.lookups for lk in playbook.lookups)
        if view is not None and synced and playbook.reads_events_by_day(params) and _whole_days(params):
            try:
                layout = dataclasses.replace(view.layout, times=playbook.rollup_times(params), use_days=playbook.rollup_days,
                                             use_event_days=playbook.rollup_option("event_days"))
                rollup_ctx = dataclasses.replace(ctx, rollup=layout, quote=view.warehouse.quote)
                rendered = render(playbook, params, rollup_ctx, {})
                on_rollup.append(True)
                return view.warehouse, rendered
            except NotCoverable as exc:
                log.info("rollup not used playbook=%s: %s", playbook.id, exc.message)
        on_rollup.append(False)
        return warehouse, render(playbook, params, ctx, lookups())

    def _rollup_note(self, playbook: Playbook, on_rollup: list[bool], view: RollupView | None,
                     build: RollupMeta | None, hourly: bool = False) -> list[str]:
        """The footer's word on which data was read, for the playbooks the rollup can answer."""
        if not playbook.meta.get("rollup") or not self.config.rollup.enabled or self.config.segment.events_sql:
            return []
        if view is not None and any(on_rollup):
            rows = f"{view.meta.activity_rows:,} rows, " if view.meta is not None else ""
            synced = [f"{lk.name} ({view.meta.lookups[lk.name]['rows']:,} rows) synced from the {lk.warehouse} warehouse "
                      f"{self._built_ago(datetime.fromisoformat(view.meta.lookups[lk.name]['synced_at']))} ago"
                      for lk in playbook.lookups if view.meta is not None and lk.name in view.meta.lookups]
            return [f"From {view.label}, built {self._built_ago(view.built_at)} ago ({rows}data up to "
                    f"{view.as_of:%Y-%m-%d %H:%M})" + (f"; {', '.join(synced)}." if synced else ".")]
        if view is not None and hourly:
            return ["From raw events: the activity rollup keeps days, and this counts per hour."]
        if view is not None:
            return ["From raw events: this question reads more than the activity rollup keeps (times within a day, "
                    "a dimension it does not keep, or a session gap it does not cut)."]
        if build is None:
            return ["From raw events (no activity rollup built)."]
        return [f"From raw events: the activity rollup (built {self._built_ago(build.built)} ago) is older than the data."]

    def _built_ago(self, built_at: datetime) -> str:
        return behind(self._utc_now() - built_at)

    def build_rollup(self, full: bool = False) -> RollupMeta:
        """Build (or refresh: only the days since the last build minus rollup.late_days) the embedded
        activity rollup from the Segment warehouse as it is now. One build at a time per process."""
        with self._rollup_building:
            catalog = self.catalog(refresh=True)
            latest = self.source_freshness(catalog, refresh=True)
            read = {source: latest.get(source) for source in self.config.segment.sources}
            timeline = self.timeline(catalog, read)
            synced = tuple((lk, self.warehouses[lk.warehouse]) for pb in self.library.all() if pb.meta.get("rollup")
                           for lk in pb.lookups if lk.warehouse in self.warehouses)
            given = BuildInput(self.config, self.segment, catalog, timeline.as_of, tuple(sorted(latest.items())),
                               self._utc_now(), synced)
            return build_rollup(self.rollup.store, given, full=full)

    def rollup_sql(self, engine: str | None = None, table: str | None = None) -> str:
        """The script that builds the rollup as tables in the team's warehouse (rollup/warehouse_table.py)."""
        engine = engine or {"postgresql": "postgres"}.get(self.segment.backend, self.segment.backend)
        table = table or self.config.rollup.warehouse_table or "playbot.activity_rollup"
        return rollup_sql(self.config, self.catalog(), engine, table)

    def rollup_status(self) -> dict[str, Any]:
        """The current build and whether answers read it now."""
        build = self.rollup.current()
        if build is None:
            return {"built": False, "enabled": self.config.rollup.enabled, "folder": str(self.rollup.store.folder)}
        catalog = self.catalog()
        latest = self.source_freshness(catalog)
        timeline = self.timeline(catalog, {s: latest.get(s) for s in self.config.segment.sources})
        view, _ = self.rollup.view(tuple(sorted(latest.items())), timeline.as_of)
        return {"built": True, "enabled": self.config.rollup.enabled, "fresh": view is not None,
                "built_ago": self._built_ago(build.built), "file": str(self.rollup.store.path(build)),
                **{k: v for k, v in dataclasses.asdict(build).items() if k not in ("file", "version")}}

    # ---- the moment of the question, and where the data starts ----
    def local(self, utc: datetime) -> datetime:
        """A naive UTC moment as naive local wall time in the configured timezone."""
        return utc.replace(tzinfo=UTC).astimezone(self.config.tz).replace(tzinfo=None)

    def timeline(self, catalog: Catalog, latest: dict[str, datetime | None]) -> Timeline:
        """What an answer's windows are measured against (answers/periods.py): the moment of the question,
        to the minute (never past the latest data of the sources read, so a warehouse that is behind is not
        compared with complete earlier windows), and the first event of those sources."""
        now = self.now().replace(second=0, microsecond=0)
        received = [self.local(t) for t in latest.values() if t is not None]
        as_of = min(now, max(received).replace(second=0, microsecond=0)) if received else now
        first = catalog.first_data(tuple(latest))
        return Timeline(as_of=as_of, first_data=None if first is None else self.local(first),
                        week_start=self.config.week_start, behind=as_of < now)

    def clock_warnings(self, latest: dict[str, datetime | None], catalog: Catalog) -> list[str]:
        """A source read whose latest event (received, or timestamped) is more than CLOCK_TOLERANCE after
        now: a clock is off somewhere. Those events are never counted (the answer stops at now)."""
        now_utc = self._utc_now()
        out = []
        for source, received in latest.items():
            ahead = max((t for t in (received, catalog.latest_timestamp.get(source)) if t is not None), default=None)
            if ahead is not None and ahead - now_utc > CLOCK_TOLERANCE:
                out.append(f"Source `{source}` holds events timestamped up to {ahead:%Y-%m-%d %H:%M} UTC, "
                           f"{behind(ahead - now_utc)} after now: a clock is off (the source's, a device's or this "
                           "server's). Events after now are not counted.")
        return out

    @staticmethod
    def before_data_warnings(request: Request, timeline: Timeline) -> list[str]:
        """A range wholly or partly before the first event of the sources read: said, so an empty or small
        number is not read as a real one."""
        p = request.params
        if timeline.first_data is None or not isinstance(p.get("start"), date) or not isinstance(p.get("end"), date):
            return []
        window = asked_window(p["start"], p["end"], timeline)
        coverage = timeline.coverage(window.start, window.end)
        if coverage == "none":
            return [f"No data for this range: the data starts {timeline.data_start_words()}."]
        if coverage == "partial":
            return [f"The range starts before the data (first event {timeline.data_start_words()}): its first "
                    "part has no data."]
        return []

    # ---- footer and warnings ----
    def _footer(self, request: Request, playbook: Playbook) -> list[str]:
        parts = []
        p = request.params
        if isinstance(p.get("start"), datetime) and isinstance(p.get("end"), datetime):  # hours: "the last 6 hours"
            parts.append(f"Range: {p['start']:%Y-%m-%d %H:%M} to {p['end']:%Y-%m-%d %H:%M} (exclusive), "
                         f"{self.config.timezone}")
        elif isinstance(p.get("start"), date) and isinstance(p.get("end"), date):
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


def _whole_days(params: dict[str, Any]) -> bool:
    """Every time parameter falls on midnight (a day rollup cannot answer "since 14:00")."""
    return all(v.time() == datetime.min.time() for v in params.values() if isinstance(v, datetime))


def _naive_utc(value: Any) -> datetime | None:
    """A timestamp from the warehouse as naive UTC (drivers may return aware values or strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
