"""The question corpus (questions.yaml) and how to check one entry; shared by tests/test_corpus.py
and bench/parse_bench.py so that the accuracy in the README is the tests' own verdict."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from playbooks import Library
from questions import Clarification, Request
from questions.parser import ParseContext, parse

from ..helpers import builtin_library

HERE = Path(__file__).resolve().parent
TODAY = date(2026, 11, 20)  # a Friday; the messenger test dataset's "today"
NOW = datetime(2026, 11, 20, 11, 0)  # its moment ("the last 6 hours"), local time
WEEK_START = "monday"
SYNONYMS = {"dms": "Message Sent", "dm": "Message Sent", "snaps": "Photo Shared"}


def load_corpus() -> list[dict[str, Any]]:
    return yaml.safe_load((HERE / "questions.yaml").read_text())


def corpus_library() -> Library:
    """The playbooks the corpus is read with: the built-in ones (every playbook the corpus names is built in)."""
    return builtin_library()


def run_entry(entry: dict[str, Any], library: Library, catalog) -> Request | Clarification:
    previous = None
    for earlier in entry.get("after") or []:
        outcome = parse(earlier, ParseContext(library, catalog, TODAY, WEEK_START, SYNONYMS, previous, now=NOW))
        assert isinstance(outcome, Request), f"the earlier question {earlier!r} -> {outcome}"
        previous = outcome
    return parse(entry["q"], ParseContext(library, catalog, TODAY, WEEK_START, SYNONYMS, previous, now=NOW))


def _expected(name: str, value: Any) -> Any:
    if name == "filters":
        return tuple(tuple(pair) for pair in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def problems(entry: dict[str, Any], outcome: Request | Clarification) -> list[str]:
    """What is wrong with `outcome` for this entry (empty when it is right)."""
    if "clarify" in entry:
        if not isinstance(outcome, Clarification):
            return [f"expected a question back, got {outcome}"]
        want = entry["clarify"]
        out = [f"choice {c!r} missing from {outcome.choices}" for c in want.get("choices", []) if c not in outcome.choices]
        if "message" in want and want["message"].lower() not in outcome.message.lower():
            out.append(f"message {outcome.message!r} does not say {want['message']!r}")
        return out
    if entry.get("unknown"):
        if not isinstance(outcome, Clarification):
            return [f"expected 'I don't know that', got {outcome}"]
        out = [] if outcome.example else ["no example"]
        if not 1 <= len(outcome.suggestions) <= 3:
            out.append(f"expected 1-3 suggestions, got {outcome.suggestions}")
        return out
    if not isinstance(outcome, Request):
        return [f"expected {entry['playbook']}, got {outcome}"]
    out = [] if outcome.playbook == entry["playbook"] else [f"playbook {outcome.playbook}, expected {entry['playbook']}"]
    for name, value in (entry.get("params") or {}).items():
        got = outcome.params.get(name)
        if got != _expected(name, value):
            out.append(f"{name}={got!r}, expected {_expected(name, value)!r}")
    out += [f"{name}={outcome.params[name]!r}, expected unset" for name in entry.get("absent", [])
            if outcome.params.get(name) not in (None, (), "")]
    return out
