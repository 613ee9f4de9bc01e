"""The one reading state every step of the parser works on.

`text` is what is left to read: each step that understands some words takes them out (blanks them),
so at the end whatever is still there was not used, and the answer says so. `full` is the whole
cleaned question, for steps that look at the context of a phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from playbooks import Playbook

from . import rx
from .kinds import Found
from .request import Reading
from .timerange import DateRange


@dataclass
class ReadingState:
    raw: str  # as typed
    text: str  # cleaned, lowercase; what is left to read
    full: str  # cleaned, lowercase; the whole question
    today: date
    params: dict[str, Any] = field(default_factory=dict)
    readings: list[Reading] = field(default_factory=list)
    explicit: set[str] = field(default_factory=set)  # parameters the question set
    given: set[str] = field(default_factory=set)  # parameters set as key=value (never second-guessed)
    playbook: Playbook | None = None
    playbook_words: str = ""  # the words that named the playbook ("" when nothing did)
    by_id: bool = False  # named by its id: never second-guessed
    kinds: list[Found] = field(default_factory=list)
    rng: DateRange | None = None
    interval: str | None = None
    follow_up: bool = False  # continues the thread's previous question
    notes: list[str] = field(default_factory=list)  # said in the answer: what was read differently than typed
    synonym_words: str = ""  # the event was found through a built-in synonym ("app"): these words
    guessed_event: str = ""  # the event was found by its action alone ("started"): these words

    def take(self, words: str) -> None:
        """These words are understood: they are not left over."""
        if words:
            self.text = rx.sub(r"\s+", " ", rx.sub(rf"(?<![\w-]){re.escape(words)}(?![\w-])", " ", self.text,
                                                   count=1)).strip()

    def set(self, name: str, value: Any, words: str) -> None:
        """A parameter the question says, with the words it came from."""
        self.params[name] = value
        self.explicit.add(name)
        self.readings.append(Reading(name, value, words))

    def said(self, pattern: str) -> re.Match | None:
        """The pattern in what is left to read."""
        return rx.search(pattern, self.text)
