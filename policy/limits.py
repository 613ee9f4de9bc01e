"""Per-user and per-channel rate limits: a sliding window of recent requests, in this process.

Each bot process counts its own requests (several replicas each allow the full rate); the limit
protects the warehouse from a loop, it is not a quota.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from .rules import ALLOWED, Decision, Subject
from .settings import RateLimit


class RateLimiter:
    def __init__(self, per_user: RateLimit | None, per_channel: RateLimit | None,
                 clock: Callable[[], float] = time.monotonic):
        self.per_user, self.per_channel = per_user, per_channel
        self._clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, subject: Subject) -> Decision:
        """Count one request for the user and (for a channel answer) the channel, unless either is over its limit."""
        keys: list[tuple[tuple[str, str], RateLimit, str]] = []
        if self.per_user:
            keys.append((("user", subject.user), self.per_user, "you"))
        if self.per_channel and subject.channel and not subject.private:
            keys.append((("channel", subject.channel), self.per_channel, "this channel"))
        now = self._clock()
        with self._lock:
            for key, limit, who in keys:
                window = self._window(key, limit, now)
                if len(window) >= limit.requests:
                    wait = max(1, math.ceil(window[0] + limit.seconds - now))
                    return Decision(False, f"That's a lot of questions: at most {limit} for {who}. "
                                           f"Try again in {wait} s.", "rate_limits", kind="rate_limit")
            for key, limit, _ in keys:
                self._window(key, limit, now).append(now)
        return ALLOWED

    def _window(self, key: tuple[str, str], limit: RateLimit, now: float) -> deque[float]:
        window = self._hits.setdefault(key, deque())
        while window and window[0] <= now - limit.seconds:
            window.popleft()
        return window
