"""Playbooks are data: one .sql file each, with a YAML header in the file's first comment.

    /* playbook
    id: event_volume
    title: Event volume
    ...
    */
    SELECT ... FROM events WHERE event_name = :event ...

The built-in ones live in playbooks/sql/; users add folders in playbot.yaml (`playbooks.dirs`).
A mistake is a PlaybookError naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from errors import Kind, PlaybotError
from segment.dimensions import DIMENSIONS

from .params import INTERVALS, PARAM_TYPES, ParamSpec

BUILTIN_DIR = Path(__file__).resolve().parent / "sql"
HEADER_RE = re.compile(r"\A\s*/\*\s*playbook\s*\n(?P<yaml>.*?)\n\s*\*/\s*\n?", re.DOTALL)
ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_KEYS = {"id", "title", "question", "description", "presenter", "chart", "params", "words", "examples", "tags",
         "events_between", "lookback_days", "definitions", "default_range", "warehouse", "summary", "scope",
         "dimensions", "lookups", "lookahead", "breakdown_of", "rollup", "weak_words"}
_PARAM_KEYS = {"type", "required", "default", "choices", "min", "max", "help", "words", "applies", "of_range", "returning"}
_LOOKUP_KEYS = {"warehouse", "sql", "max_rows"}
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
# what `presenter:` may name (answers/presenters registers one function under each; a test checks both lists)
PRESENTER_NAMES = ("table", "volume", "active_users", "active_by_lookup", "retention", "nday_retention",
                   "growth_accounting", "feature_adoption", "retention_drivers", "slipping_away", "intervention_impact",
                   "funnel", "user_path", "session_flows", "sessions", "top_events", "ecommerce", "ltv")
# what `chart:` may name: the kind the presenter draws (charts.spec), `auto` (the table presenter picks a
# line for dates and numbers, bars for labels and numbers) or `none` (no chart)
CHART_KINDS = ("auto", "none", "line", "bar", "heatmap", "funnel", "paths")


@dataclass(frozen=True)
class Lookup:
    """Rows a playbook reads from another named warehouse (rendering/lookups.py), joined in by name."""

    name: str  # the relation the playbook's SQL reads (FROM plans)
    warehouse: str  # a warehouse name from playbot.yaml
    sql: str  # one read-only query in the PostgreSQL dialect, run on that warehouse
    max_rows: int = 10_000  # more rows than this is an error, never a silent cut


class PlaybookError(PlaybotError):
    """A mistake in a playbook file, at a line: the playbook is not loaded."""

    kind = Kind.CONFIG

    def __init__(self, path: Path | str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}", f"fix {path}")
        self.path, self.line, self.problem = str(path), line, message


@dataclass(frozen=True)
class Playbook:
    id: str
    title: str
    question: str
    sql: str  # the Jinja/SQL body, PostgreSQL dialect
    params: tuple[ParamSpec, ...]
    presenter: str = "table"
    chart: str = "auto"
    words: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    description: str = ""
    events_between: tuple[str, str] = ("start", "end")
    lookback_days: int = 0
    lookahead: str = ""  # an int parameter: days the events relation runs past the range's end
    default_range: dict[str, int] = field(default_factory=dict)  # interval -> number of periods
    definitions: tuple[str, ...] = ()
    warehouse: str | None = None
    path: str = ""
    builtin: bool = True
    meta: dict[str, Any] = field(default_factory=dict)
    lookups: tuple[Lookup, ...] = ()

    @property
    def warehouses_read(self) -> tuple[str, ...]:
        """Warehouses answering this playbook reads besides its own: its lookups' (for access policies)."""
        return tuple(dict.fromkeys(lk.warehouse for lk in self.lookups))

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def reads_events_by_day(self, params: dict[str, Any]) -> bool:
        """The header says the SQL reads events only by day (`rollup: true`, or a mapping `unless: {param:
        [values]}` naming the parameter values that read finer), so the activity rollup can answer it."""
        declared = self.meta.get("rollup")
        if not declared:
            return False
        unless = declared.get("unless", {}) if isinstance(declared, dict) else {}
        return not any(params.get(name) in list(values or ()) for name, values in unless.items())

    @property
    def rollup_days(self) -> bool:
        """`rollup: {days: true}`: whenever the rendered SQL names no event, source or dimension, every read of
        events filters on counts_as_activity, so one row per person and day answers it."""
        declared = self.meta.get("rollup")
        return isinstance(declared, dict) and bool(declared.get("days"))

    def rollup_option(self, name: str) -> bool:
        """`rollup: {<name>: true}`, e.g. `event_days` (segment/rollup_event_days.py)."""
        declared = self.meta.get("rollup")
        return isinstance(declared, dict) and bool(declared.get(name))

    @property
    def rollup_tables(self) -> tuple[str, ...]:
        """`rollup: {tables: [rollup_early]}`: the SQL's rollup branch (`{% if rollup %}`) reads these derived
        tables of the embedded rollup; a rollup without them (a warehouse-side one, an older build) is not read."""
        declared = self.meta.get("rollup")
        return tuple(declared.get("tables") or ()) if isinstance(declared, dict) else ()

    def rollup_times(self, params: dict[str, Any]) -> bool:
        """`rollup: {times: true}`: the SQL reads times within a day, but only as MIN/MAX per person and day
        (or coarser): the rollup's first and last moment of each row give them exactly. `times: {unless:
        {periods: [calendar]}}`: not for those parameter values (calendar periods read whole days: one row each)."""
        declared = self.meta.get("rollup")
        times = declared.get("times") if isinstance(declared, dict) else None
        if isinstance(times, dict):
            return not any(params.get(name) in list(values or ()) for name, values in (times.get("unless") or {}).items())
        return bool(times)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


def parse_playbook(text: str, path: Path | str = "<string>", builtin: bool = False) -> Playbook:
    match = HEADER_RE.match(text)
    if not match:
        raise PlaybookError(path, 1, "missing header: the file must start with a '/* playbook' comment holding YAML")
    header_line = text[: match.start("yaml")].count("\n") + 1
    try:
        meta = yaml.safe_load(match.group("yaml")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = header_line + (mark.line if mark else 0)
        raise PlaybookError(path, line, f"header is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(meta, dict):
        raise PlaybookError(path, header_line, "header must be a YAML mapping of keys")
    header_lines = match.group("yaml").splitlines()

    def line_of(key: str) -> int:
        for i, line in enumerate(header_lines):
            if re.match(rf"\s*{re.escape(key)}\s*:", line):
                return header_line + i
        return header_line

    for key in meta:
        if key not in _KEYS:
            raise PlaybookError(path, line_of(str(key)), f"unknown key {key!r}; allowed: {', '.join(sorted(_KEYS))}")
    for key in ("id", "title", "question"):
        if not meta.get(key):
            raise PlaybookError(path, header_line, f"missing {key!r}")
    pid = str(meta["id"])
    if not ID_RE.match(pid):
        raise PlaybookError(path, line_of("id"), f"id {pid!r} must be lowercase letters, digits and underscores")
    params = []
    raw_params = meta.get("params") or {}
    if not isinstance(raw_params, dict):
        raise PlaybookError(path, line_of("params"), "params must be a mapping of name: {type: ...}")
    for name, spec in raw_params.items():
        spec = {"type": spec} if isinstance(spec, str) else (spec or {})
        where = line_of(str(name))
        if not isinstance(spec, dict):
            raise PlaybookError(path, where, f"parameter {name!r} must be a mapping")
        for key in spec:
            if key not in _PARAM_KEYS:
                raise PlaybookError(path, where, f"parameter {name!r}: unknown key {key!r}")
        ptype = str(spec.get("type", "text"))
        if ptype not in PARAM_TYPES:
            raise PlaybookError(path, where, f"parameter {name!r}: unknown type {ptype!r}; use one of {', '.join(PARAM_TYPES)}")
        choices = tuple(str(c) for c in (spec.get("choices") or (INTERVALS[1:4] if ptype == "interval" else ())))
        if ptype == "enum" and not choices:
            raise PlaybookError(path, where, f"parameter {name!r}: enum needs choices")
        words = spec.get("words") or {}
        allowed = choices + (("true", "false") if ptype == "bool" else ())
        # an events parameter's words name whole lists of steps: {"A, B, C": [phrases]}
        if not isinstance(words, dict) or (ptype != "events" and any(str(k).lower() not in allowed for k in words)):
            raise PlaybookError(path, where, f"parameter {name!r}: words must map each choice to phrases")
        applies = str(spec.get("applies", "template"))
        if applies not in ("template", "events", "users") or (applies == "events" and ptype != "filters"):
            raise PlaybookError(path, where, f"parameter {name!r}: applies: events is for filters only "
                                             "(they then narrow the whole events relation)")
        if applies == "users" and ptype not in ("filters", "dimension"):
            raise PlaybookError(path, where, f"parameter {name!r}: applies: users is for dimensions and filters "
                                             "(read from the users relation only; events do not carry them)")
        if spec.get("of_range") is not None and (ptype != "interval" or not isinstance(spec["of_range"], bool)):
            raise PlaybookError(path, where, f"parameter {name!r}: of_range: true is for an interval only (a range "
                                             "that is one named period, \"last week\", counts as that period)")
        if spec.get("returning") is not None and (ptype != "event" or not isinstance(spec["returning"], bool)):
            raise PlaybookError(path, where, f"parameter {name!r}: returning: true is for an event only (what counts "
                                             "as coming back; the activation event said is then the cohort)")
        params.append(ParamSpec(name=str(name), type=ptype, required=bool(spec.get("required", False)),
                                default=spec.get("default"), choices=choices, minimum=spec.get("min"),
                                maximum=spec.get("max"), help=str(spec.get("help", "")),
                                extra={"words": {str(k).lower(): [str(w).lower() for w in (v or [])] for k, v in words.items()},
                                       "applies": applies, "of_range": bool(spec.get("of_range", False)),
                                       "returning": bool(spec.get("returning", False))}))
    body = text[match.end():]
    if not body.strip():
        raise PlaybookError(path, text[: match.end()].count("\n") + 1, "the SQL body is empty")
    used = set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", _strip_sql_comments(body)))
    declared = {p.name for p in params} | _RUNTIME_PARAMS
    undeclared = sorted(used - declared)
    if undeclared:
        body_start = text[: match.end()].count("\n") + 1
        name = undeclared[0]
        line = body_start + next((i for i, ln in enumerate(body.splitlines()) if f":{name}" in ln), 0)
        raise PlaybookError(path, line, f"the SQL uses :{name}, which is not a declared parameter")
    lookups = _parse_lookups(meta.get("lookups"), path, line_of)
    unknown_dims = [d for d in meta.get("dimensions") or () if d not in DIMENSIONS]
    if unknown_dims:
        raise PlaybookError(path, line_of("dimensions"), f"unknown dimension {unknown_dims[0]!r}; "
                                                         f"known: {', '.join(DIMENSIONS)}")
    _read_weak_words(meta, path, line_of)
    of = meta.get("breakdown_of")
    if of is not None and not (isinstance(of, dict) and {"playbook", "dimension"} <= set(of)
                               <= {"playbook", "dimension", "note"} and of["dimension"] in DIMENSIONS):
        raise PlaybookError(path, line_of("breakdown_of"), "breakdown_of must be {playbook: <id>, dimension: <one of "
                                                           f"{', '.join(DIMENSIONS)}>, note: <what the answer says>}}")
    rollup = meta.get("rollup")
    valid = isinstance(rollup, bool) or (isinstance(rollup, dict)
                                         and set(rollup) <= {"unless", "times", "days", "event_days", "tables"}
                                         and isinstance(rollup.get("unless", {}), dict)
                                         and isinstance(rollup.get("times", False), bool | dict)
                                         and isinstance(rollup.get("tables", []), list))
    if rollup is not None and not valid:
        raise PlaybookError(path, line_of("rollup"),
                            "rollup must be true, false or {times: true, days: true, event_days: true, tables: [names], "
                            "unless: {param: [values]}}")
    between = meta.get("events_between") or ["start", "end"]
    if not (isinstance(between, list) and len(between) == 2):
        raise PlaybookError(path, line_of("events_between"), "events_between must be [first_param, last_param]")
    return Playbook(
        id=pid, title=str(meta["title"]), question=str(meta["question"]), sql=body, params=tuple(params),
        presenter=str(meta.get("presenter", "table")), chart=str(meta.get("chart", "auto")),
        words=tuple(str(w).lower() for w in meta.get("words") or ()),
        examples=tuple(str(e) for e in meta.get("examples") or ()),
        tags=tuple(str(t) for t in meta.get("tags") or ()), description=str(meta.get("description", "")),
        events_between=(str(between[0]), str(between[1])), lookback_days=int(meta.get("lookback_days", 0)),
        lookahead=_lookahead(meta, params, path, line_of("lookahead")),
        default_range={str(k): int(v) for k, v in (meta.get("default_range") or {}).items()},
        definitions=tuple(str(d) for d in meta.get("definitions") or ()),
        warehouse=meta.get("warehouse"), path=str(path), builtin=builtin, meta=meta, lookups=lookups,
    )



def _read_weak_words(meta: dict, path, line_of) -> None:
    """`weak_words`: phrases of the header's own words that weigh less (questions/steps.py), as a set."""
    weak = meta.get("weak_words") or []
    words = {str(w).lower() for w in meta.get("words") or ()}
    if not isinstance(weak, list) or any(str(w).lower() not in words for w in weak):
        raise PlaybookError(path, line_of("weak_words"), "weak_words must list phrases of the playbook's own words")
    if weak:
        meta["weak_words"] = frozenset(str(w).lower() for w in weak)

def _parse_lookups(raw: Any, path: Path | str, line_of) -> tuple[Lookup, ...]:
    """`lookups: {plans: {warehouse: product, sql: "SELECT id AS user_id, payment_plan FROM users"}}`."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise PlaybookError(path, line_of("lookups"), "lookups must be a mapping of name: {warehouse, sql}")
    out = []
    for name, spec in raw.items():
        where = line_of(str(name))
        if not NAME_RE.match(str(name)) or str(name) in ("events", "users", "identity"):
            raise PlaybookError(path, where, f"lookup name {name!r} must be lowercase letters, digits and underscores "
                                             "(and not events, users or identity)")
        if not isinstance(spec, dict) or not spec.get("warehouse") or not spec.get("sql"):
            raise PlaybookError(path, where, f"lookup {name!r} needs warehouse: and sql:")
        unknown = set(spec) - _LOOKUP_KEYS
        if unknown:
            raise PlaybookError(path, where, f"lookup {name!r}: unknown key {sorted(unknown)[0]!r}")
        try:
            max_rows = int(spec.get("max_rows", 10_000))
        except (TypeError, ValueError):
            raise PlaybookError(path, where, f"lookup {name!r}: max_rows must be a whole number") from None
        if not 1 <= max_rows <= 100_000:
            raise PlaybookError(path, where, f"lookup {name!r}: max_rows must be between 1 and 100000")
        out.append(Lookup(str(name), str(spec["warehouse"]), str(spec["sql"]).strip().rstrip(";"), max_rows))
    return tuple(out)


def _lookahead(meta: dict, params: list[ParamSpec], path, line: int) -> str:
    name = str(meta.get("lookahead") or "")
    if name and not any(p.name == name and p.type == "int" for p in params):
        raise PlaybookError(path, line, f"lookahead must name an int parameter, not {name!r}")
    return name


# Bound by the runtime in every playbook: time bounds of the events relation, today, the timezone.
_RUNTIME_PARAMS = {"today", "now", "tomorrow", "_tz", "_ts_now", "_ts_lo", "_ts_hi", "_recv_lo", "_recv_hi", "_lo", "_hi"}


def _strip_sql_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)  # string literals can hold colons


class Library:
    """All playbooks by id, built-ins first, then user folders (a user playbook may not shadow one)."""

    def __init__(self, playbooks: list[Playbook]):
        self._by_id: dict[str, Playbook] = {}
        for pb in playbooks:
            if pb.id in self._by_id:
                raise PlaybookError(pb.path, 1, f"id {pb.id!r} is already used by {self._by_id[pb.id].path}")
            self._by_id[pb.id] = pb

    def __getitem__(self, pid: str) -> Playbook:
        return self._by_id[pid]

    def __contains__(self, pid: str) -> bool:
        return pid in self._by_id

    def get(self, pid: str) -> Playbook | None:
        return self._by_id.get(pid)

    def all(self) -> list[Playbook]:
        return list(self._by_id.values())

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)


def load_library(extra_dirs: tuple[Path, ...] | list[Path] = ()) -> Library:
    playbooks = [parse_playbook(p.read_text(), p, builtin=True) for p in sorted(BUILTIN_DIR.glob("*.sql"))]
    for folder in extra_dirs:
        for p in sorted(Path(folder).glob("*.sql")):
            playbooks.append(parse_playbook(p.read_text(), p, builtin=False))
    return Library(playbooks)
