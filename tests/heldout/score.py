"""Scoring a held-out question set: did the bot read each question as the person who wrote it meant?

The sets (set_a.yaml, set_b.yaml) were written blind by writers who saw only `bot.py playbooks`, two
catalogs and a date context (tests/heldout/FORMAT.md), never the parser or its corpus. An entry is
right when the reading has the playbook and every field the writer filled in (event or events, start,
end, interval, breakdown, filters), or, for `ask_back: true`, when the bot asks back instead of answering.

    python -m tests.heldout.score tests/heldout/set_a.yaml [--misses]
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import yaml

# the writers' date context (FORMAT.md): the test datasets' own "today"
CONTEXT = {"messenger": (date(2026, 11, 20), "monday"), "acme": (date(2026, 11, 5), "sunday")}
SAME_VALUE = {("platform", "ios"): ("os", "ios"), ("os", "ios"): ("platform", "ios")}


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _param_of(playbook, ptype: str) -> str | None:
    return next((s.name for s in playbook.params if s.type == ptype), None)


def problems(entry: dict, outcome, library) -> list[str]:
    """What differs between the reading and what the writer meant (empty: right)."""
    kind = type(outcome).__name__
    if entry.get("ask_back"):
        return [] if kind == "Clarification" else [f"answered as {getattr(outcome, 'playbook', kind)} instead of asking"]
    if kind != "Request":
        return [f"asked back instead ({getattr(outcome, 'message', kind)})"]
    out = []
    if outcome.playbook != entry["playbook"]:
        return [f"playbook {outcome.playbook}, meant {entry['playbook']}"]
    pb, params = library[outcome.playbook], outcome.params
    wanted = list(entry.get("events") or ([entry["event"]] if entry.get("event") else []))
    if wanted:
        got: list[str] = []
        for ptype in ("event", "events"):
            name = _param_of(pb, ptype)
            value = params.get(name) if name else None
            got += list(value) if isinstance(value, (list, tuple)) else ([value] if value else [])
        if len(wanted) == 1 and wanted[0] not in got or len(wanted) > 1 and got != wanted and not set(wanted) <= set(got):
            out.append(f"events {got}, meant {wanted}")
    for key in ("start", "end"):
        if key in entry and _day(params.get(key)) != _day(entry[key]):
            out.append(f"{key} {params.get(key)}, meant {entry[key]}")
    if "interval" in entry and pb.param("interval") is not None and params.get("interval") != entry["interval"]:
        out.append(f"interval {params.get('interval')}, meant {entry['interval']}")
    if "breakdown" in entry:
        name = _param_of(pb, "dimension")
        if (params.get(name) if name else None) != entry["breakdown"]:
            out.append(f"breakdown {params.get(name) if name else None}, meant {entry['breakdown']}")
    if entry.get("filters"):
        name = _param_of(pb, "filters")
        got = {(d, str(v).lower()) for d, v in (params.get(name) or ())} if name else set()
        for dim, value in entry["filters"]:
            key = (dim, str(value).lower())
            if key not in got and SAME_VALUE.get(key) not in got:
                out.append(f"filters {sorted(got)}, meant {dim}={value}")
    return out


def score(entries: list[dict], read: Callable[[str, str, list[str]], Any], library) -> tuple[int, list[tuple]]:
    """(right, misses); `read(question, dataset, earlier)` returns the Request or Clarification."""
    right, misses = 0, []
    for entry in entries:
        try:
            outcome = read(entry["q"], entry["dataset"], list(entry.get("after") or []))
            found = problems(entry, outcome, library)
        except Exception as exc:  # noqa: BLE001 - an exception is a miss, counted and shown
            found = [f"raised {type(exc).__name__}: {exc}"]
        if found:
            misses.append((entry, found))
        else:
            right += 1
    return right, misses


def report(name: str, entries: list[dict], right: int, misses: list[tuple], show: bool = False) -> str:
    lines = [f"{name}: {right}/{len(entries)} right ({100 * right / max(len(entries), 1):.1f}%)"]
    by_playbook = Counter(e.get("playbook", "ask_back") for e, _ in misses)
    lines.append("misses by meant playbook: " + ", ".join(f"{k} {v}" for k, v in by_playbook.most_common()))
    if show:
        for entry, found in misses:
            after = f" (after {entry['after']})" if entry.get("after") else ""
            lines.append(f"- [{entry['dataset']}] {entry['q']!r}{after}: {'; '.join(found)}")
    return "\n".join(lines)


def load(path: str) -> list[dict]:
    return yaml.safe_load(open(path))


def main(argv: list[str]) -> int:
    from tests.heldout.reader import library_and_reader

    library, read = library_and_reader()
    for path in [a for a in argv if not a.startswith("--")]:
        entries = load(path)
        right, misses = score(entries, read, library)
        print(report(path, entries, right, misses, "--misses" in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
