"""Playbot configuration: a YAML file, overridden by environment variables, validated at start.

Nearly a leaf: imports only errors.py and policy/settings.py (which validates the `policies:`
section and itself imports only errors.py), so every package may use it.
A mistake is a `ConfigError` naming the key and the fix, printed as one line by `bot.py`.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from errors import ConfigError
from policy.settings import parse_policies

PROJECT_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_FILE = "playbot.yaml"
DEMO_SOURCES = ("messenger_web", "messenger_ios")
DEMO_WAREHOUSE = "segment"
DEMO_PRODUCT_WAREHOUSE = "product"
DEMO_NON_ACTIVITY_EVENTS = ("Email Sent",)
# The demo's data ends when it was built and is rebuilt at start when it does not reach today, so at
# start it is up to 24 h old: the demo warns only once the bot has run a day or more without a restart.
DEMO_STALE_AFTER_HOURS = 48.0
IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")

# ---- secrets in URLs and connection strings, masked wherever one is shown (errors, logs) ----
MASKED = "***"
_SECRET_KEYS = (r"password|passwd|pwd|pass|sslpassword|secret|client_secret|secret_access_key|"
                r"aws_secret_access_key|session_token|aws_session_token|access_token|token|api_key|apikey|"
                r"private_key|private_key_passphrase|credentials|credentials_base64")
# user:password@ in a URL, with or without a scheme, with or without a user; the password runs to the
# last @ of the word (it may hold @, : and /)
_URL_PASSWORD = re.compile(r"(?<![\w@:/.%+-])(?P<head>(?:[A-Za-z][\w+.-]*://)?[^\s:/@'\"<>]*):(?!//)"
                           r"(?P<secret>[^\s'\"<>]*)@(?=[^\s@'\"<>]*(?:[\s'\"<>]|$))")
# ?password=..., &secret_access_key=..., password=... in a DSN, "password": "..." in JSON or a repr
_KEY_VALUE = re.compile(rf"(?i)(?P<head>(?<![\w-])(?:{_SECRET_KEYS})(?:['\"]?\s*[=:]\s*|=))"
                        r"(?P<secret>'[^']*'|\"[^\"]*\"|(?![\[*])[^\s&;,'\")}\]]+)")  # not one masked already


def mask_secrets(text: str) -> str:
    """`text` with every password or secret of a URL or connection string replaced by ***: scheme://user:pw@,
    user:pw@host without a scheme, :pw@ without a user, ?password=, &secret_access_key=, password=... in a
    DSN. (SQLAlchemy's own URL repr already shows ***; tokens are masked by handlers/redact.py.)"""
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:{MASKED}@", text)
    return _KEY_VALUE.sub(lambda m: m.group("head") + _masked_value(m.group("secret")), text)


def _masked_value(value: str) -> str:
    if value[:1] in "'\"" and value[-1:] == value[:1] and len(value) > 1:
        return value[0] + MASKED + value[0]
    return MASKED


@dataclass(frozen=True)
class WarehouseConfig:
    name: str
    url: str
    timeout_seconds: float = 60.0
    row_cap: int = 50_000
    max_concurrent_queries: int = 4
    connect_timeout_seconds: float = 5.0  # a warehouse that is down is reported within this
    # what one question may hold in memory: the rows fetched (and DuckDB's working memory); over it the
    # question is refused with the next step
    memory_budget_mb: int = 1024
    # how many periods (range / interval; a retention triangle counts its cells) one question may ask for
    max_buckets: int = 10_000
    cache_ttl_seconds: float = 300.0  # identical questions reuse a result this long (0: no cache)
    # answers reading a Segment source whose latest received_at is older than this carry a warning
    stale_after_hours: float = 6.0

    @property
    def safe_url(self) -> str:
        """The URL with any password masked, for logs and messages."""
        return mask_secrets(self.url)


@dataclass(frozen=True)
class SegmentConfig:
    warehouse: str = DEMO_WAREHOUSE
    sources: tuple[str, ...] = DEMO_SOURCES
    activation_event: str | None = "Signed Up"
    stitch_identities: bool = True
    # Custom relations for data that is not in Segment's schema. Each must return the
    # documented columns; see README "Non-Segment data".
    events_sql: str | None = None
    users_sql: str | None = None
    # How far received_at may trail the event's timestamp (mobile batching, offline devices).
    # Queries bound received_at to [start, end + this] so Redshift can use its sort key.
    late_arrival_hours: int = 72
    catalog_days: int = 90
    # Events that are not something the user did (emails the server sent, ...): they never make
    # anyone "active" in active users and retention.
    activity_exclude_events: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoConfig:
    data_dir: Path = PROJECT_DIR / "var" / "demo"
    seed: int = 7
    events: int = 250_000
    days: int = 180


@dataclass(frozen=True)
class SlackConfig:
    """Slack settings that are not secrets (tokens come only from the environment)."""

    command: str = "/playbot"  # the main slash command
    playbook_commands: bool = True  # also /retention, /active-users, /volume
    workers: int = 4  # answers computed at once; more questions wait in the queue, acks never do
    max_table_rows: int = 25  # rows a page of the answer's table shows (it pages up to 100; CSV has them all)
    native_charts: bool = False  # draw trends, bars and shares with Slack's own chart block (the PNG otherwise)


@dataclass(frozen=True)
class SchedulerConfig:
    # Slack user IDs that may change anyone's schedule (owners can always change their own).
    admins: tuple[str, ...] = ()
    grace_minutes: int = 60  # a slot missed while the bot was down runs on start if this recent
    max_attempts: int = 3
    retry_seconds: int = 60  # first retry delay, doubled each time
    run_timeout_minutes: int = 30  # a run still "running" after this is recorded as timed out
    min_interval_minutes: int = 1  # no schedule may run more often than this (cron has no seconds field)


@dataclass(frozen=True)
class RollupConfig:
    """The activity rollup (docs/rollup.md): one row per person, local day, dimensions and event."""

    enabled: bool = True  # answers read the rollup when it is fresh (built from the data as it is now)
    dir: Path = PROJECT_DIR / "var" / "cache"  # the bot's embedded DuckDB cache files live here
    late_days: int = 3  # a refresh re-reads the days since the last build minus this many (late events)
    dimensions: tuple[str, ...] = ("platform", "os", "device")  # event-level breakdowns it keeps per row
    chunk_days: int = 14  # days read from the warehouse per query while building
    warehouse_table: str | None = None  # schema.table of a rollup the data team keeps in the warehouse


@dataclass(frozen=True)
class Config:
    warehouses: dict[str, WarehouseConfig]
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    timezone: str = "UTC"
    week_start: str = "monday"
    demo: DemoConfig | None = field(default_factory=DemoConfig)
    chart_dir: Path = PROJECT_DIR / "var" / "charts"
    playbook_dirs: tuple[Path, ...] = ()
    event_synonyms: dict[str, str] = field(default_factory=dict)
    # The bot's own small database (Slack threads, schedules, run log, audit): SQLite by default,
    # PostgreSQL when several bot processes share it. Never the warehouse.
    state_db: str = f"sqlite:///{PROJECT_DIR / 'var' / 'state.sqlite'}"
    # Who may ask what, where (policy/settings.py PolicySettings); None: the defaults.
    policies: Any = None
    slack: SlackConfig = field(default_factory=SlackConfig)
    source_file: Path | None = None
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    # Schedules declared in the file (validated and synced by scheduler.yaml_schedules at start).
    schedules: tuple[dict, ...] = ()
    rollup: RollupConfig = field(default_factory=RollupConfig)

    @property
    def is_demo(self) -> bool:
        return self.demo is not None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# ---- schema of the YAML file: key -> (type, default). Nested dicts validated separately. ----
_TOP_KEYS = {"timezone", "week_start", "warehouses", "segment", "demo", "charts", "playbooks", "synonyms", "slack", "state_db",
              "policies", "scheduler", "schedules", "rollup"}
# the event-level dimensions of segment/dimensions.py a rollup may keep per row (not imported: config is below segment)
ROLLUP_DIMENSIONS = ("platform", "os", "device", "locale", "app_version")
_ROLLUP_KEYS = {"enabled", "dir", "late_days", "dimensions", "chunk_days", "warehouse_table"}
_WAREHOUSE_KEYS = {"url", "timeout_seconds", "row_cap", "max_concurrent_queries", "connect_timeout_seconds",
                   "cache_ttl_seconds", "stale_after", "memory_budget_mb", "max_buckets"}
_SEGMENT_KEYS = {
    "warehouse", "sources", "activation_event", "stitch_identities", "events_sql", "users_sql",
    "late_arrival_hours", "catalog_days", "activity_exclude_events",
}
_DEMO_KEYS = {"data_dir", "seed", "events", "days"}
_CHARTS_KEYS = {"dir"}
_PLAYBOOKS_KEYS = {"dirs"}
_SLACK_KEYS = {"command", "playbook_commands", "workers", "max_table_rows", "native_charts"}
_SCHEDULER_KEYS = {"admins", "grace_minutes", "max_attempts", "retry_seconds", "run_timeout_minutes",
                   "min_interval_minutes"}


def _check_keys(section: str, data: dict, allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(sorted(allowed))}"
            raise ConfigError(f"{section}{key}", "unknown key", hint)


def _as_mapping(key: str, value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(key, f"expected a mapping, got {type(value).__name__}", "indent the keys below it")
    return value


def _as_int(key: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(key, f"expected a whole number, got {value!r}")
    try:
        number = int(str(value).replace("_", ""))
    except ValueError:
        raise ConfigError(key, f"expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(key, f"must be at least {minimum}, got {number}")
    return number


def _parse_events_count(key: str, value: Any) -> int:
    """Accept 250000, '250k', '10M'."""
    text = str(value).strip().lower().replace("_", "").replace(",", "")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text)
    if not match:
        raise ConfigError(key, f"expected an event count such as 250000, 250k or 10M, got {value!r}")
    number = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    if number < 1_000:
        raise ConfigError(key, "the demo needs at least 1000 events")
    return int(number)


def parse_events_count(value: Any) -> int:
    return _parse_events_count("demo.events", value)


def _check_timezone(key: str, name: str) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(str(name), _zone_names(), n=1)
        raise ConfigError(key, f"unknown timezone {name!r}",
                          f"use an IANA name such as {close[0] if close else 'Europe/Berlin'}") from None
    return str(name)


def _zone_names() -> list[str]:
    return sorted(available_timezones())


def _resolve_path(base: Path, value: Any) -> Path:
    path = Path(os.path.expanduser(str(value)))
    return path if path.is_absolute() else (base / path).resolve()


def load_config(path: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the YAML file (if any) and the environment; validate; return a Config.

    Search order for the file: `path`, $PLAYBOT_CONFIG, ./playbot.yaml. No file at all is fine:
    the bot runs on the embedded demo warehouse.
    """
    env = dict(os.environ if env is None else env)
    file: Path | None = None
    if path is not None:
        file = Path(path)
        if not file.exists():
            raise ConfigError("--config", f"file {file} not found", "check the path")
    elif env.get("PLAYBOT_CONFIG"):
        file = Path(env["PLAYBOT_CONFIG"])
        if not file.exists():
            raise ConfigError("PLAYBOT_CONFIG", f"file {file} not found", "check the path")
    elif Path(DEFAULT_CONFIG_FILE).exists():
        file = Path(DEFAULT_CONFIG_FILE)

    data: dict = {}
    base = Path.cwd()
    if file is not None:
        base = file.resolve().parent
        try:
            loaded = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "the file"
            raise ConfigError(str(file), f"not valid YAML at {where}", "check indentation and quotes") from None
        data = _as_mapping(str(file), loaded)
    return _build(data, env, base, file)


def _build(data: dict, env: dict[str, str], base: Path, file: Path | None) -> Config:
    _check_keys("", data, _TOP_KEYS)
    timezone = _check_timezone("timezone", env.get("PLAYBOT_TIMEZONE") or data.get("timezone") or "UTC")
    week_start = str(env.get("PLAYBOT_WEEK_START") or data.get("week_start") or "monday").lower()
    if week_start not in ("monday", "sunday"):
        raise ConfigError("week_start", f"must be monday or sunday, got {week_start!r}")

    # ---- warehouses ----
    raw_warehouses = _as_mapping("warehouses", data.get("warehouses"))
    warehouses: dict[str, WarehouseConfig] = {}
    for name, raw in raw_warehouses.items():
        if not IDENTIFIER_RE.match(str(name)):
            raise ConfigError(f"warehouses.{name}", "names are letters, digits and underscores")
        raw = {"url": raw} if isinstance(raw, str) else _as_mapping(f"warehouses.{name}", raw)
        _check_keys(f"warehouses.{name}.", raw, _WAREHOUSE_KEYS)
        if not raw.get("url"):
            raise ConfigError(f"warehouses.{name}.url", "missing", "give a SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db")
        warehouses[str(name)] = _warehouse(str(name), raw)
    env_url = env.get("PLAYBOT_WAREHOUSE_URL")

    # ---- segment (the events/users relations) ----
    raw_segment = _as_mapping("segment", data.get("segment"))
    _check_keys("segment.", raw_segment, _SEGMENT_KEYS)
    sources = raw_segment.get("sources", None)
    if env.get("PLAYBOT_SOURCES"):
        sources = [s.strip() for s in env["PLAYBOT_SOURCES"].split(",") if s.strip()]
    demo_data = _as_mapping("demo", data.get("demo"))
    _check_keys("demo.", demo_data, _DEMO_KEYS)

    is_demo = not warehouses and not env_url
    segment_warehouse = str(raw_segment.get("warehouse") or DEMO_WAREHOUSE)
    if env_url:
        existing = raw_warehouses.get(segment_warehouse)
        settings = dict(existing) if isinstance(existing, dict) else {}
        warehouses[segment_warehouse] = _warehouse(segment_warehouse, {**settings, "url": env_url})
    demo: DemoConfig | None = None
    if is_demo:
        demo = DemoConfig(
            data_dir=_resolve_path(base, env.get("PLAYBOT_DEMO_DIR") or demo_data.get("data_dir")
                                   or DemoConfig.data_dir),
            seed=_as_int("demo.seed", demo_data.get("seed", DemoConfig.seed)),
            events=_parse_events_count("demo.events", env.get("PLAYBOT_DEMO_EVENTS")
                                       or demo_data.get("events", DemoConfig.events)),
            days=_as_int("demo.days", demo_data.get("days", DemoConfig.days), minimum=35),
        )
        warehouses = {
            DEMO_WAREHOUSE: WarehouseConfig(DEMO_WAREHOUSE, f"duckdb:///{demo.data_dir / 'segment.duckdb'}",
                                            stale_after_hours=DEMO_STALE_AFTER_HOURS),
            DEMO_PRODUCT_WAREHOUSE: WarehouseConfig(DEMO_PRODUCT_WAREHOUSE, f"duckdb:///{demo.data_dir / 'product.duckdb'}"),
        }
        segment_warehouse = DEMO_WAREHOUSE
        if sources is None:
            sources = list(DEMO_SOURCES)
    if segment_warehouse not in warehouses:
        raise ConfigError("segment.warehouse", f"names warehouse {segment_warehouse!r}, which is not configured",
                          f"add it under warehouses: or use one of {', '.join(sorted(warehouses))}")
    events_sql = raw_segment.get("events_sql")
    if sources is None and not events_sql:
        raise ConfigError("segment.sources", "missing",
                          "list the Segment source schemas, e.g. sources: [ios_production, web_prod]")
    sources = [str(s) for s in (sources or [])]
    for i, schema in enumerate(sources):
        if not IDENTIFIER_RE.match(schema):
            raise ConfigError(f"segment.sources[{i}]", f"{schema!r} is not a schema name")
    activation = raw_segment.get("activation_event", SegmentConfig.activation_event)
    segment = SegmentConfig(
        warehouse=segment_warehouse,
        sources=tuple(sources),
        activation_event=str(activation) if activation else None,
        stitch_identities=bool(raw_segment.get("stitch_identities", True)),
        events_sql=str(events_sql) if events_sql else None,
        users_sql=str(raw_segment["users_sql"]) if raw_segment.get("users_sql") else None,
        late_arrival_hours=_as_int("segment.late_arrival_hours", raw_segment.get("late_arrival_hours", 72)),
        catalog_days=_as_int("segment.catalog_days", raw_segment.get("catalog_days", 90), minimum=1),
        activity_exclude_events=tuple(str(e) for e in (
            raw_segment.get("activity_exclude_events",
                            DEMO_NON_ACTIVITY_EVENTS if is_demo else ()) or ())),
    )

    charts = _as_mapping("charts", data.get("charts"))
    _check_keys("charts.", charts, _CHARTS_KEYS)
    chart_dir = _resolve_path(base, env.get("PLAYBOT_CHART_DIR") or charts.get("dir") or Config.chart_dir)
    playbooks = _as_mapping("playbooks", data.get("playbooks"))
    _check_keys("playbooks.", playbooks, _PLAYBOOKS_KEYS)
    dirs = playbooks.get("dirs") or []
    if isinstance(dirs, str):
        dirs = [dirs]
    playbook_dirs = tuple(_resolve_path(base, d) for d in dirs)
    for i, d in enumerate(playbook_dirs):
        if not d.is_dir():
            raise ConfigError(f"playbooks.dirs[{i}]", f"folder {d} does not exist", "create it or fix the path")
    synonyms = _as_mapping("synonyms", data.get("synonyms"))
    state_db = str(env.get("PLAYBOT_STATE_DB") or data.get("state_db") or Config.state_db)
    if "://" not in state_db:
        raise ConfigError("state_db", f"{mask_secrets(repr(state_db))} is not a SQLAlchemy URL",
                          "e.g. sqlite:///var/state.sqlite or postgresql+psycopg://bot@db:5432/playbot")
    return Config(
        warehouses=warehouses, segment=segment, timezone=timezone, week_start=week_start, demo=demo,
        chart_dir=chart_dir, playbook_dirs=playbook_dirs,
        event_synonyms={str(k).lower(): str(v) for k, v in synonyms.items()}, state_db=state_db,
        policies=parse_policies(data.get("policies"), set(warehouses)),
        slack=_slack(_as_mapping("slack", data.get("slack")), env), source_file=file,
        scheduler=_scheduler(data), schedules=_schedules(data),
        rollup=_rollup(_as_mapping("rollup", data.get("rollup")), base),
    )


def _rollup(raw: dict, base: Path) -> RollupConfig:
    _check_keys("rollup.", raw, _ROLLUP_KEYS)
    dims = raw.get("dimensions", list(RollupConfig.dimensions))
    if isinstance(dims, str):
        dims = [dims]
    for i, name in enumerate(dims):
        if name not in ROLLUP_DIMENSIONS:
            raise ConfigError(f"rollup.dimensions[{i}]", f"{name!r} is not an event dimension the rollup can keep",
                              f"use some of {', '.join(ROLLUP_DIMENSIONS)} (person-level ones come with every rollup)")
    table = raw.get("warehouse_table")
    if table is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?", str(table)):
        raise ConfigError("rollup.warehouse_table", f"{table!r} is not a table name",
                          "write schema.table, e.g. playbot.activity_rollup")
    return RollupConfig(
        enabled=_as_flag("rollup.enabled", raw.get("enabled", True)),
        dir=_resolve_path(base, raw.get("dir") or RollupConfig.dir),
        late_days=_as_int("rollup.late_days", raw.get("late_days", RollupConfig.late_days), minimum=0),
        dimensions=tuple(str(d) for d in dims),
        chunk_days=_as_int("rollup.chunk_days", raw.get("chunk_days", RollupConfig.chunk_days), minimum=1),
        warehouse_table=str(table) if table else None)


def _slack(raw: dict, env: dict[str, str]) -> SlackConfig:
    _check_keys("slack.", raw, _SLACK_KEYS)
    command = str(env.get("PLAYBOT_SLACK_COMMAND") or raw.get("command") or SlackConfig.command)
    command = command if command.startswith("/") else "/" + command
    if not re.fullmatch(r"/[a-z0-9_-]{1,31}", command):
        raise ConfigError("slack.command", f"{command!r} is not a slash command name",
                          "use lowercase letters, digits, - and _, e.g. /playbot")
    return SlackConfig(command=command, playbook_commands=bool(raw.get("playbook_commands", True)),
                       workers=_as_int("slack.workers", raw.get("workers", SlackConfig.workers), minimum=1),
                       max_table_rows=_as_int("slack.max_table_rows", raw.get("max_table_rows", 25), minimum=1),
                       native_charts=_as_flag("slack.native_charts", raw.get("native_charts", False)))


def _as_flag(key: str, value) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(key, f"{value!r} is not true or false", "write true or false")


def _scheduler(data: dict) -> SchedulerConfig:
    raw = _as_mapping("scheduler", data.get("scheduler"))
    _check_keys("scheduler.", raw, _SCHEDULER_KEYS)
    admins = raw.get("admins") or []
    if isinstance(admins, str):
        admins = [admins]
    numbers = {key: _as_int(f"scheduler.{key}", raw.get(key, getattr(SchedulerConfig, key)), minimum=1)
               for key in _SCHEDULER_KEYS - {"admins"}}
    if numbers["min_interval_minutes"] > 1440:
        raise ConfigError("scheduler.min_interval_minutes",
                          f"must be at most 1440 (a day), got {numbers['min_interval_minutes']}")
    return SchedulerConfig(admins=tuple(str(a) for a in admins), **numbers)


def _schedules(data: dict) -> tuple[dict, ...]:
    raw = data.get("schedules") or []
    if not isinstance(raw, list):
        raise ConfigError("schedules", "expected a list of schedules", "start each schedule with '- name: ...'")
    return tuple(_as_mapping(f"schedules[{i}]", item) for i, item in enumerate(raw))


def _warehouse(name: str, raw: dict) -> WarehouseConfig:
    key = f"warehouses.{name}"
    url = str(raw["url"])
    if "://" not in url:
        raise ConfigError(f"{key}.url", f"{mask_secrets(repr(url))} is not a SQLAlchemy URL",
                          "e.g. postgresql+psycopg://user@host:5432/db or duckdb:///path/file.duckdb")
    timeout = _seconds(f"{key}.timeout_seconds", raw.get("timeout_seconds", 60), positive=True)
    connect_timeout = _seconds(f"{key}.connect_timeout_seconds", raw.get("connect_timeout_seconds", 5), positive=True)
    cache_ttl = _seconds(f"{key}.cache_ttl_seconds", raw.get("cache_ttl_seconds", 300), positive=False)
    return WarehouseConfig(
        name=name, url=url, timeout_seconds=timeout, connect_timeout_seconds=connect_timeout,
        cache_ttl_seconds=cache_ttl,
        stale_after_hours=parse_hours(f"{key}.stale_after", raw.get("stale_after", "6h")),
        row_cap=_as_int(f"{key}.row_cap", raw.get("row_cap", 50_000), minimum=1),
        max_concurrent_queries=_as_int(f"{key}.max_concurrent_queries", raw.get("max_concurrent_queries", 4), minimum=1),
        memory_budget_mb=_as_int(f"{key}.memory_budget_mb", raw.get("memory_budget_mb", WarehouseConfig.memory_budget_mb),
                                 minimum=16),
        max_buckets=_as_int(f"{key}.max_buckets", raw.get("max_buckets", WarehouseConfig.max_buckets), minimum=10),
    )


def parse_hours(key: str, value: Any) -> float:
    """A duration as hours: 6h, 90m, 2d, 1.5h, or a bare number of hours."""
    text = str(value).strip().lower().replace(" ", "")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(m|min|h|d)?", text) if not isinstance(value, bool) else None
    if not match:
        raise ConfigError(key, f"expected a duration such as 6h, 90m or 2d, got {value!r}")
    hours = float(match.group(1)) * {"m": 1 / 60, "min": 1 / 60, "h": 1, "d": 24, None: 1}[match.group(2)]
    if hours <= 0:
        raise ConfigError(key, "must be more than 0")
    return hours


def _seconds(key: str, value: Any, positive: bool) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(key, f"expected seconds, got {value!r}") from None
    if number < 0 or (positive and number == 0):
        raise ConfigError(key, "must be positive" if positive else "must be 0 or more")
    return number
