"""Schedules declared in playbot.yaml: validated into Schedules (ConfigError naming the key) and synced
into the schedules table at start: added, updated and removed by name, touching only source=yaml ones."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config import Config, ConfigError

from .alerts import AlertError, parse_alert
from .store import Schedule, ScheduleStore
from .triggers import WhenError, parse_when

_KEYS = {"name", "cron", "when", "timezone", "channel", "questions", "question", "kind", "alert", "owner",
         "skip_when_empty", "notify_recovery", "paused"}
CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def yaml_schedules(config: Config) -> list[Schedule]:
    out: list[Schedule] = []
    names: set[str] = set()
    owner_default = config.scheduler.admins[0] if config.scheduler.admins else ""
    minimum = timedelta(minutes=config.scheduler.min_interval_minutes)
    for i, raw in enumerate(config.schedules):
        key = f"schedules[{i}]"
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise ConfigError(f"{key}.{unknown[0]}", "unknown key", f"allowed: {', '.join(sorted(_KEYS))}")
        name = str(raw.get("name") or "").strip()
        if not name:
            raise ConfigError(f"{key}.name", "missing", "give each schedule a unique name")
        if name in names:
            raise ConfigError(f"{key}.name", f"{name!r} is used twice", "names identify YAML schedules; make them unique")
        names.add(name)
        when_text = raw.get("cron") or raw.get("when")
        if not when_text:
            raise ConfigError(f"{key}.cron", "missing", "e.g. cron: \"0 9 * * 1\" or cron: every monday 9:00")
        try:
            when = parse_when(str(when_text), minimum)
        except WhenError as exc:
            raise ConfigError(f"{key}.cron", str(exc)) from None
        timezone = str(raw.get("timezone") or config.timezone)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{key}.timezone", f"unknown timezone {timezone!r}",
                              "use an IANA name such as Europe/Berlin") from None
        channel = str(raw.get("channel") or "")
        if not CHANNEL_ID_RE.match(channel):
            raise ConfigError(f"{key}.channel", f"{channel!r} is not a Slack channel ID",
                              "use the ID (C0123ABCD) from the channel's details, not its name")
        kind = str(raw.get("kind") or ("alert" if raw.get("alert") else "digest"))
        if kind not in ("digest", "alert"):
            raise ConfigError(f"{key}.kind", f"must be digest or alert, got {kind!r}")
        questions = raw.get("questions") or ([raw["question"]] if raw.get("question") else [])
        if isinstance(questions, str):
            questions = [questions]
        alert = None
        if kind == "alert":
            if not raw.get("alert"):
                raise ConfigError(f"{key}.alert", "missing", "e.g. alert: daily signups drop below 100")
            try:
                question, alert = parse_alert(str(raw["alert"]))
            except AlertError as exc:
                raise ConfigError(f"{key}.alert", str(exc)) from None
            questions = questions[:1] or [question]
        if not questions:
            raise ConfigError(f"{key}.questions", "missing", "list the questions, e.g. questions: [signups last week]")
        out.append(Schedule(
            id=f"yaml-{_slug(name)}", name=name, questions=tuple(str(q) for q in questions), when=when,
            timezone=timezone, channel=channel, owner=str(raw.get("owner") or owner_default), kind=kind, alert=alert,
            skip_when_empty=bool(raw.get("skip_when_empty", False)),
            notify_recovery=bool(raw.get("notify_recovery", False)), paused=bool(raw.get("paused", False)),
            source="yaml"))
    return out


def sync_yaml_schedules(store: ScheduleStore, declared: list[Schedule], now: datetime) -> dict[str, list[str]]:
    """Make the table's YAML schedules match the file. Returns {"added": [...], "updated": [...], "removed": [...]}."""
    existing = {s.id: s for s in store.all() if s.source == "yaml"}
    report: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
    for schedule in declared:
        current = existing.pop(schedule.id, None)
        if current is None:
            report["added"].append(schedule.name)
        elif current.same_definition(schedule) and current.paused == schedule.paused:
            continue
        else:
            report["updated"].append(schedule.name)
        store.save(schedule, now)
    for schedule in existing.values():
        store.delete(schedule.id)
        report["removed"].append(schedule.name)
    return report


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "schedule"
