"""Small helpers shared by the tests."""

from __future__ import annotations

import functools
from weakref import WeakKeyDictionary

from playbooks import Library, load_library
from service import CLI_SUBJECT, AnswerService

_SERVICES: WeakKeyDictionary = WeakKeyDictionary()


@functools.cache
def builtin_library() -> Library:
    """The built-in playbooks, parsed once per process (about 0.3 s each time: the YAML headers and templates)
    and shared by the answerers the tests make: a Library and its playbooks are read-only.
    (tests/fast/test_library.py calls load_library itself.)"""
    return load_library()


def service_for(answerer) -> AnswerService:
    """The answer service in front of this answerer (default policies, no audit log), made once."""
    if answerer not in _SERVICES:
        _SERVICES[answerer] = AnswerService(answerer)
    return _SERVICES[answerer]


def ask(answerer, question: str, previous=None, refresh: bool = False):
    """Ask as the operator at the terminal, through the answer service, as `bot.py ask` does."""
    return service_for(answerer).ask(CLI_SUBJECT, question, previous=previous, refresh=refresh)
