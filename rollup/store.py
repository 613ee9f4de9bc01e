"""Where the embedded activity rollup lives: DuckDB files in the bot's cache folder (var/cache by default),
one folder per warehouse and definition (sources, timezone, excluded events, stitching, dimensions), one
file per build. A build writes a new file and then points `current.json` at it (an atomic rename), so
an answer never reads a half-written rollup and a refresh never waits for readers: the previous file is
removed at the build after next (a reader that still has it open keeps reading it).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from config import Config

META_FILE = "current.json"


@dataclass(frozen=True)
class RollupMeta:
    """What a build read and when: the answer path compares `version` and `as_of` with the data's now."""

    file: str  # the DuckDB file's name in the store's folder
    built_at: str  # UTC, ISO, by the bot's clock
    as_of: str  # local, ISO: the moment of the data it was cut at (the answers' timeline.as_of)
    version: list  # [[source, latest received_at ISO or None], ...]: the freshness token at the build
    first_day: str  # local date of its first day
    days_read: int  # days read from the warehouse by this build
    activity_rows: int
    people_rows: int
    seconds: float  # wall time of the build
    kind: str  # full | refresh
    dimensions: list[str] = field(default_factory=list)
    previous_file: str | None = None
    # lookups synced into it: {name: {"warehouse": ..., "rows": n, "synced_at": UTC ISO}}
    lookups: dict = field(default_factory=dict)
    # the derived tables it holds besides the activity, people and person-day rows (rollup/derive.py's
    # DERIVED_TABLES); a build made before one existed lacks it, and its answers read without it
    tables: list[str] = field(default_factory=list)

    @property
    def built(self) -> datetime:
        return datetime.fromisoformat(self.built_at)


def fingerprint(config: Config) -> str:
    """Changes whenever the definition of the rollup's rows would: a new definition is a new folder."""
    seg = config.segment
    warehouse = config.warehouses.get(seg.warehouse)
    parts = [_same_file(warehouse.safe_url) if warehouse else seg.warehouse, list(seg.sources), config.timezone,
             list(seg.activity_exclude_events), seg.activation_event, seg.stitch_identities,
             list(config.rollup.dimensions), seg.late_arrival_hours, 3]  # the last: the layout's version
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:12]


def _same_file(url: str) -> str:
    """A DuckDB file named relative to where the bot runs is the file it opens: "duckdb:///var/demo/x.duckdb"
    and the same file's absolute path are one warehouse, one rollup folder."""
    prefix = "duckdb:///"
    if not url.startswith(prefix) or url[len(prefix):].startswith((":memory:", "/")):
        return url
    path, sep, query = url[len(prefix):].partition("?")
    return prefix + str(Path(path).resolve()) + sep + query


def _upgraded(data: dict) -> dict:
    """current.json as this layout reads it: a build published before its derived tables were recorded in one
    list (`tables`) kept the retention and event-days tables in a second record, `derived` ({relation: table})."""
    derived = data.pop("derived", None) or {}
    tables = list(data.get("tables") or [])
    data["tables"] = tables + [t for t in derived.values() if t not in tables]
    return data


class RollupStore:
    def __init__(self, folder: Path):
        self.folder = folder
        self._cached: tuple[int, RollupMeta | None] | None = None

    @classmethod
    def for_config(cls, config: Config) -> RollupStore:
        return cls(Path(config.rollup.dir) / f"rollup-{fingerprint(config)}")

    def current(self) -> RollupMeta | None:
        """The last published build (re-read only when current.json changed), or None."""
        path = self.folder / META_FILE
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if self._cached is not None and self._cached[0] == stamp:
            return self._cached[1]
        try:
            meta = RollupMeta(**_upgraded(json.loads(path.read_text())))
        except (OSError, ValueError, TypeError, AttributeError):
            meta = None  # unreadable or from an older layout: as if none were built
        if meta is not None and not (self.folder / meta.file).exists():
            meta = None
        self._cached = (stamp, meta)
        return meta

    def path(self, meta: RollupMeta) -> Path:
        return self.folder / meta.file

    def new_file(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"activity-{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}.duckdb"

    def publish(self, meta: RollupMeta) -> None:
        """Point current.json at the new file; remove files older than the one it replaces."""
        tmp = self.folder / f".{META_FILE}.{uuid.uuid4().hex[:6]}"
        tmp.write_text(json.dumps(asdict(meta), indent=1))
        os.replace(tmp, self.folder / META_FILE)
        keep = {meta.file, meta.previous_file}
        for old in self.folder.glob("activity-*.duckdb*"):
            if old.name.split(".wal")[0] not in keep:
                old.unlink(missing_ok=True)
