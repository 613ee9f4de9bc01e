"""Small helpers shared by the tests."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from service import CLI_SUBJECT, AnswerService

_SERVICES: WeakKeyDictionary = WeakKeyDictionary()


def service_for(answerer) -> AnswerService:
    """The answer service in front of this answerer (default policies, no audit log), made once."""
    if answerer not in _SERVICES:
        _SERVICES[answerer] = AnswerService(answerer)
    return _SERVICES[answerer]


def ask(answerer, question: str, previous=None, refresh: bool = False):
    """Ask as the operator at the terminal, through the answer service, as `bot.py ask` does."""
    return service_for(answerer).ask(CLI_SUBJECT, question, previous=previous, refresh=refresh)
