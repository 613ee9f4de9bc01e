"""The audit log: one row per question, in the bot's state database.

Who asked, where, the question, the playbook and its parameters, the SQL's hash, how many rows came
back, how long it took and the outcome (answered / allowed / refused and why / failed / unclear;
"allowed": an action that shows no rows was checked and let through, e.g. Show SQL or a new schedule;
"feedback": a person's verdict on an answer, good or bad, as the reason).
Never result rows, never secrets: parameters are the parsed, typed values; SQL only as a hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, String, Table, Text, select

from state.db import StateDB, metadata, storable

OUTCOMES = ("answered", "allowed", "refused", "failed", "unclear", "feedback", "changed")

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),  # UTC
    Column("source", String(16), nullable=False),  # slack | cli | schedule
    Column("team", String(32)),
    Column("user_id", String(64), nullable=False),
    Column("channel", String(64)),
    Column("private", Boolean, nullable=False, default=False),
    Column("question", Text, nullable=False),
    Column("playbook", String(64)),
    Column("params", Text),  # JSON of the typed parameters
    Column("sql_hash", String(64)),  # sha256 of the main query as it ran
    Column("rows", Integer),
    Column("duration_ms", Float),
    Column("outcome", String(16), nullable=False, index=True),
    Column("reason", Text),
)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    source: str
    user_id: str
    question: str
    outcome: str
    team: str | None = None
    channel: str | None = None
    private: bool = False
    playbook: str | None = None
    params: str | None = None
    sql_hash: str | None = None
    rows: int | None = None
    duration_ms: float | None = None
    reason: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["at"] = self.at.replace(tzinfo=UTC).isoformat()
        data["params"] = json.loads(self.params) if self.params else None
        return data


def sql_hash(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


class AuditLog:
    def __init__(self, state: StateDB):
        self.state = state

    def record(self, entry: AuditEntry) -> None:
        """One row, whatever characters the question holds (NUL and lone surrogates become U+FFFD)."""
        values = {k: storable(v) if isinstance(v, str) else v for k, v in asdict(entry).items()}
        with self.state.engine.begin() as conn:
            conn.execute(audit_log.insert().values(**values))

    def entries(self, since: datetime | None = None, user: str | None = None, outcome: str | None = None,
                limit: int = 1000) -> list[AuditEntry]:
        """Newest first. `since` is UTC (naive or aware)."""
        query = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(audit_log.c.at >= _naive_utc(since))
        if user:
            query = query.where(audit_log.c.user_id == user)
        if outcome:
            query = query.where(audit_log.c.outcome == outcome)
        with self.state.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [AuditEntry(**{k: v for k, v in row.items() if k != "id"}) for row in rows]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """'7d', '12h', '30m', '2w' or an ISO date -> a naive UTC datetime."""
    now = now or utc_now()
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text.lower())
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
        return now - timedelta(**{unit: int(match.group(1))})
    try:
        return _naive_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise ValueError(f"--since takes a duration like 7d, 12h, 30m, 2w or a date like 2026-11-01, not {text!r}") \
            from None


def format_entries(entries: list[AuditEntry]) -> str:
    """A terminal table, newest first."""
    if not entries:
        return "No audit entries in that period."
    header = ("when (UTC)", "source", "user", "where", "outcome", "playbook", "rows", "ms", "sql", "question / reason")
    lines = []
    for e in entries:
        where = "terminal" if e.source == "cli" else ("DM" if e.private else (e.channel or "-"))
        detail = e.question if e.outcome in ("answered", "allowed") else f"{e.question} — {e.reason or ''}"
        lines.append((f"{e.at:%Y-%m-%d %H:%M:%S}", e.source, e.user_id, where, e.outcome, e.playbook or "-",
                      "-" if e.rows is None else f"{e.rows:,}",
                      "-" if e.duration_ms is None else f"{e.duration_ms:.0f}",
                      (e.sql_hash or "-")[:12], _clip(detail, 90)))
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header) - 1)]
    out = []
    for row in [header, tuple("-" * len(h) for h in header), *lines]:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return "\n".join(line.rstrip() for line in out)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
