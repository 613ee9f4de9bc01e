"""The one service in front of the answer path (service.py) and how it is built from a Config (build.py).
Surfaces (handlers/, scheduler/, bot.py) import from here, never from answers.answerer or warehouse/."""

from .service import CLI_SUBJECT, AnswerService, Cancelled, Refusal

__all__ = ["CLI_SUBJECT", "AnswerService", "Cancelled", "Refusal"]
