"""One base error for everything a user or an admin can cause, and one set of failure kinds.

Every error Playbot raises on purpose says what is wrong (`message`) and what to do next
(`next_step`), and has a `kind` that the answer service turns into the outcome a surface shows.
A leaf module: it imports nothing from the project, so every package may raise these.
"""

from __future__ import annotations


class Kind:
    """Why a question was not answered. Surfaces and the audit log use these words."""

    UNAVAILABLE = "unavailable"  # the warehouse cannot be reached
    TIMEOUT = "timeout"  # the query ran past its time and was cancelled
    REFUSED = "refused"  # the SQL was refused (not read-only, a forbidden function)
    TOO_BIG = "too_big"  # the question would need more work or memory than allowed
    CONFIG = "config"  # a configuration or playbook mistake an admin must fix
    FAILED = "failed"  # anything else the warehouse reported
    DENIED = "denied"  # an access policy does not allow it here
    LIMITED = "limited"  # the asker or channel is over its rate limit
    INTERNAL = "internal"  # a bug: logged with its traceback, told as a plain sentence
    CANCELLED = "cancelled"  # the surface stopped it before the warehouse ran (it could not show the answer)

    RETRYABLE = (UNAVAILABLE, TIMEOUT, FAILED)
    REFUSALS = (DENIED, LIMITED)


class PlaybotError(Exception):
    """A problem told in plain words, with the next step."""

    kind = Kind.FAILED

    def __init__(self, message: str, next_step: str = "", kind: str | None = None):
        super().__init__(message)
        self.message = message
        self.next_step = next_step
        if kind is not None:
            self.kind = kind


class ConfigError(PlaybotError):
    """A configuration mistake: names the key, says what is wrong and how to fix it."""

    kind = Kind.CONFIG

    def __init__(self, key: str, problem: str, fix: str = ""):
        self.key, self.problem, self.fix = key, problem, fix
        super().__init__(f"config error: {key}: {problem}" + (f" ({fix})" if fix else ""), fix)
