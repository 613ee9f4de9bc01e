"""What a question was read as: a Request (a playbook and typed parameters, with the words each
came from), or a Clarification (what to ask back). Plain values, stored as JSON by questions.persist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Reading:
    """One thing understood: a parameter, its value, and the words it came from."""

    name: str
    value: Any
    words: str


@dataclass(frozen=True)
class Request:
    playbook: str
    params: dict[str, Any]
    question: str = ""
    readings: tuple[Reading, ...] = ()
    explicit: frozenset[str] = frozenset()
    range_label: str = ""
    notes: tuple[str, ...] = ()  # what the answer must say about the reading (words not used, values bounded)

    def with_params(self, **changes: Any) -> Request:
        return replace(self, params={**self.params, **changes})


@dataclass(frozen=True)
class Option:
    """One answer to a question asked back: its label, and the whole question read with it."""

    label: str
    request: Request


@dataclass(frozen=True)
class Clarification:
    """The question could not be answered as asked: what to say, and what to offer instead."""

    question: str
    message: str
    suggestions: tuple[str, ...] = ()
    example: str = ""
    choices: tuple[str, ...] = ()  # for an ambiguity: the values to pick from
    param: str | None = None
    replace: str = ""  # the words of the question the choices stand for
    options: tuple[Option, ...] = ()  # choices that answer the original question when picked
