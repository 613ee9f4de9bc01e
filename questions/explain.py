"""How a question was read, in words: the playbook, each parameter, and the words it came from.

One function for every front end: `bot.py ask --explain` prints `explain_lines`, and the Slack
answer shows `describe_reading` as its "How I read this" context line. Plain text, no Slack.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .request import Reading, Request
from .timerange import describe

DEFAULT = "default"


def _value_text(name: str, value: Any) -> str:
    if isinstance(value, (list, tuple)) and name == "filters":
        return ", ".join(f"{d}={v}" for d, v in value)
    if isinstance(value, (list, tuple)):
        return " → ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sources(request: Request) -> dict[str, list[str]]:
    """Parameter -> the words it came from (in question order, without repeats)."""
    out: dict[str, list[str]] = {}
    for r in request.readings:
        name = "range" if r.name in ("start", "end") else r.name
        if r.words and r.words not in out.setdefault(name, []):
            out[name].append(r.words)
    return out


def reading_items(request: Request) -> list[tuple[str, str, str]]:
    """[(what, value, source)]: source is the words of the question, `default`, or the previous question."""
    p, sources = request.params, _sources(request)
    items: list[tuple[str, str, str]] = []

    def source_of(name: str) -> str:
        words = sources.get(name)
        if not words:
            return DEFAULT
        return "; ".join(w if w.startswith("(") else f"“{w}”" for w in words)

    items.append(("playbook", request.playbook, source_of("playbook")))
    if isinstance(p.get("start"), date) and isinstance(p.get("end"), date):
        label = request.range_label or describe(p["start"], p["end"])
        items.append(("range", f"{label} [{p['start'].isoformat()} – {p['end'].isoformat()})", source_of("range")))
    for name, value in p.items():
        if name in ("start", "end") or value in (None, "", ()):
            continue
        source = source_of(name)
        if source == DEFAULT and name not in ("interval", "event", "metric"):
            continue  # untouched defaults (top=5, include_anonymous=false) are noise
        items.append((name, _value_text(name, value), source))
    for r in request.readings:
        if r.name == "ignored":
            items.append(("ignored", "", f"“{r.words}”"))
    return items


def explain_lines(request: Request) -> list[str]:
    """For `--explain`: one line per thing understood."""
    width = max(len(what) for what, _, _ in reading_items(request))
    return [f"{what.ljust(width)}  {value}  ← {source}" if value else f"{what.ljust(width)}  ← {source}"
            for what, value, source in reading_items(request)]


def describe_reading(request: Request) -> str:
    """One line: "How I read this: event_volume ← “invites” · event Invite Sent ← “invites” · ..."."""
    parts = []
    for what, value, source in reading_items(request):
        shown = value if what == "playbook" else f"{what} {value}".strip()
        parts.append(shown if source == DEFAULT else f"{shown} ← {source}")
    return "How I read this: " + " · ".join(parts)


__all__ = ["Reading", "describe_reading", "explain_lines", "reading_items"]
