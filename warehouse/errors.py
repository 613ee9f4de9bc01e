"""What can go wrong in a warehouse, in the kinds the answer service understands."""

from __future__ import annotations

from errors import Kind, PlaybotError


class WarehouseError(PlaybotError):
    """A problem a user should hear about in plain words, with what to do next."""

    kind = Kind.FAILED


class WarehouseUnavailable(WarehouseError):
    kind = Kind.UNAVAILABLE


class QueryTimeout(WarehouseError):
    kind = Kind.TIMEOUT


class QueryRefused(WarehouseError):
    kind = Kind.REFUSED


class QueryFailed(WarehouseError):
    kind = Kind.FAILED


class QueryTooBig(WarehouseError):
    """The question would need more memory or work than the warehouse's budget allows."""

    kind = Kind.TOO_BIG


class QueryCancelled(WarehouseError):
    """The query was stopped because nobody will read its answer (the bot is stopping)."""

    kind = Kind.CANCELLED
