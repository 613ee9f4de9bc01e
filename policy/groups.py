"""Which of the user groups named in the policies a user belongs to, cached for a few minutes.

Only the groups that rules name are looked up (one call each, e.g. Slack's usergroups.users.list),
so the bot needs no directory of the whole workspace. A lookup that fails counts as "not a member":
a DM answer then falls back to what the user alone may see.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from .settings import PolicySettings

log = logging.getLogger("playbot.policy")


def named_groups(settings: PolicySettings) -> frozenset[str]:
    return frozenset(g for rule in settings.rules for who in (rule.only, rule.deny) if who for g in who.groups)


class GroupDirectory:
    def __init__(self, groups: Iterable[str], members: Callable[[str], Iterable[str]], ttl_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic):
        self.groups = frozenset(groups)
        self._members, self._ttl, self._clock = members, ttl_seconds, clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def groups_of(self, user: str | None) -> frozenset[str]:
        if not user:
            return frozenset()
        return frozenset(g for g in self.groups if user in self._group(g))

    def _group(self, group: str) -> frozenset[str]:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(group)
            if cached and now - cached[0] < self._ttl:
                return cached[1]
        try:
            members = frozenset(self._members(group))
        except Exception as exc:  # noqa: BLE001 - an unreachable directory must not grant anything
            log.warning("user group %s lookup failed: %s", group, exc)
            return cached[1] if cached else frozenset()
        with self._lock:
            self._cache[group] = (now, members)
        return members
