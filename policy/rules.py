"""Who may see what, where: a pure check of a Request against the policy settings.

No Slack types and no I/O. A channel answer is judged by the CHANNEL (everyone in it sees it);
a private answer (DM, ephemeral preview) by the USER and their user groups.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from playbooks.library import Library
from questions import Request
from segment.dimensions import DIMENSIONS

from .settings import SENSITIVE_TAG, PolicySettings, Rule, Subjects


@dataclass(frozen=True)
class Subject:
    """Who asks and where the answer will be seen."""

    user: str  # Slack user ID; "cli" at the terminal
    channel: str | None = None  # Slack channel ID the answer goes to
    team: str | None = None  # Slack team (workspace) ID
    groups: frozenset[str] = frozenset()  # the user's Slack user-group IDs
    private: bool = False  # only the user sees the answer (DM, ephemeral preview)
    source: str = "slack"  # slack | cli | schedule

    @property
    def is_operator(self) -> bool:
        """The terminal: whoever runs it holds the config and the warehouse credentials."""
        return self.source == "cli"

    @classmethod
    def in_channel(cls, user: str, channel: str, team: str | None = None, groups: frozenset[str] = frozenset(),
                   source: str = "slack") -> Subject:
        """An answer posted to `channel`: private when it is a DM (Slack DM channel IDs start with D)."""
        return cls(user, channel, team, groups, channel.startswith("D"), source)

    def public(self, channel: str) -> Subject:
        """The same person, now posting to `channel` where everyone sees it."""
        return Subject(self.user, channel, self.team, self.groups, False, self.source)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    rule: str = ""
    instead: Subjects | None = None  # where it could be asked instead (None: nowhere)
    kind: str = "policy"  # policy | workspace | sensitive | rate_limit

    def where(self, mention: Callable[[str, str], str] | None = None) -> str:
        """'Ask in #finance, or in a DM with me (members of @finance).' with `mention(kind, id)` formatting IDs."""
        if self.instead is None:
            return ""
        fmt = mention or (lambda _kind, ident: ident)
        parts = []
        if self.instead.channels:
            parts.append("in " + " or ".join(fmt("channel", c) for c in sorted(self.instead.channels)))
        people = [fmt("user", u) for u in sorted(self.instead.users)]
        people += [f"members of {fmt('group', g)}" for g in sorted(self.instead.groups)]
        if people:
            parts.append(f"in a DM with me ({', '.join(people)})")
        return ("Ask " + ", or ".join(parts) + ".") if parts else ""

    def message(self, mention: Callable[[str, str], str] | None = None) -> str:
        return " ".join(p for p in (self.reason, self.where(mention)) if p)


ALLOWED = Decision(True)


@dataclass(frozen=True)
class Touches:
    """What answering a request would read: the playbook, its warehouses (its own first, then those its
    lookups read), the breakdown/filter columns."""

    playbook: str
    tags: frozenset[str]
    warehouses: tuple[str, ...]
    columns: tuple[tuple[str, str], ...] = field(default=())  # (name people use, warehouse column)


class Policy:
    def __init__(self, settings: PolicySettings, library: Library, default_warehouse: str):
        self.settings = settings
        self.library = library
        self.default_warehouse = default_warehouse

    def touches(self, request: Request) -> Touches:
        playbook = self.library.get(request.playbook)
        columns: list[tuple[str, str]] = []
        for spec in playbook.params if playbook else ():
            value = request.params.get(spec.name)
            if not value:
                continue
            if spec.type == "dimension":
                columns.append(_dimension_column(str(value)))
            elif spec.type == "filters":
                columns.extend(_dimension_column(str(dim)) for dim, _ in value)
            elif spec.type == "column":
                columns.append((str(value), str(value)))
        return Touches(playbook=request.playbook, tags=frozenset(playbook.tags if playbook else ()),
                       warehouses=tuple(dict.fromkeys([(playbook.warehouse if playbook else None) or self.default_warehouse,
                                                        *(playbook.warehouses_read if playbook else ())])),
                       columns=tuple(columns))

    def check_workspace(self, subject: Subject) -> Decision:
        allowed = self.settings.workspaces
        if subject.source == "slack" and allowed and subject.team not in allowed:
            return Decision(False, f"This Playbot answers only its own Slack workspace, not {subject.team or 'unknown'}.",
                            "workspaces", kind="workspace")
        return ALLOWED

    def check(self, subject: Subject, request: Request) -> Decision:
        """May `subject` see the answer to `request` where it would be shown? Pure; runs nothing."""
        decision = self.check_workspace(subject)
        if not decision.allowed:
            return decision
        touches = self.touches(request)
        for name, column in touches.columns:
            if self.settings.is_sensitive(name, column):
                return Decision(False, f"{name} is a sensitive column: it is never shown or used for breakdowns "
                                       "or filters.", "sensitive_columns", kind="sensitive")
        if subject.is_operator:
            return ALLOWED
        matching = [r for r in self.settings.rules if _rule_matches(r, touches)]
        if SENSITIVE_TAG in touches.tags and not any(r.only and _in(subject, r.only) for r in matching):
            grants = [r.only for r in matching if r.only]
            return Decision(False, f"{request.playbook} is tagged sensitive and no policy allows it here.",
                            "sensitive tag", grants[0] if grants else None)
        for rule in matching:
            if rule.deny is not None and (_in(subject, rule.deny) or subject.user in rule.deny.users):
                here = "for you" if subject.user in rule.deny.users else _here(subject)
                return Decision(False, f"{_what(rule, touches)} is not allowed {here} ({rule.name}).", rule.name)
            if rule.only is not None and not _in(subject, rule.only):
                return Decision(False, f"{_what(rule, touches)} is only available in certain places ({rule.name}), "
                                       f"not {_here(subject)}.", rule.name, rule.only)
        return ALLOWED


def _dimension_column(name: str) -> tuple[str, str]:
    dim = DIMENSIONS.get(name)
    return (name, dim.column if dim else name)


def _in(subject: Subject, who: Subjects) -> bool:
    if subject.private:
        return subject.user in who.users or bool(subject.groups & who.groups)
    return subject.channel in who.channels


def _here(subject: Subject) -> str:
    return "in a DM" if subject.private else "in this channel"


def _rule_matches(rule: Rule, touches: Touches) -> bool:
    return bool(_playbook_hits(rule, touches) or _warehouse_hits(rule, touches) or _column_hits(rule, touches))


def _playbook_hits(rule: Rule, touches: Touches) -> list[str]:
    return [p for p in rule.playbooks if p == touches.playbook or (p.startswith("tag:") and p[4:] in touches.tags)]


def _warehouse_hits(rule: Rule, touches: Touches) -> list[str]:
    return [w for w in touches.warehouses if w in rule.warehouses]


def _column_hits(rule: Rule, touches: Touches) -> list[str]:
    return [name for name, column in touches.columns
            if any(fnmatch.fnmatchcase(n.lower(), pattern) for pattern in rule.columns for n in (name, column))]


def _what(rule: Rule, touches: Touches) -> str:
    """The thing the rule is about, in words: 'The revenue playbook', 'A breakdown by plan'."""
    hit = _playbook_hits(rule, touches)
    if hit:
        return f"The {hit[0][4:]} playbook {touches.playbook}" if hit[0].startswith("tag:") else f"Playbook {hit[0]}"
    if _warehouse_hits(rule, touches):
        return f"The {_warehouse_hits(rule, touches)[0]} warehouse"
    return f"Using {', '.join(_column_hits(rule, touches))}"
