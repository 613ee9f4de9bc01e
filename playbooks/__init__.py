"""Playbooks: the catalog of analyses, the question parser, SQL rendering and the answer function.

No Slack and no matplotlib here; charts are described as data (charts.spec) and drawn by callers.
"""

from .answer import Answer, Answerer, Failure, KeyNumber, Outcome, QueryRun, Table
from .library import Library, Playbook, PlaybookError, load_library, parse_playbook
from .parser import Clarification, ParseContext, Reading, Request, parse

__all__ = [
    "Answer",
    "Answerer",
    "Clarification",
    "Failure",
    "KeyNumber",
    "Library",
    "Outcome",
    "ParseContext",
    "Playbook",
    "PlaybookError",
    "QueryRun",
    "Reading",
    "Request",
    "Table",
    "load_library",
    "parse",
    "parse_playbook",
]
