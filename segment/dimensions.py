"""Breakdowns and filters: the named dimensions people say ("by platform", "on iOS", "for pro users").

A dimension lives either on each event (a Segment context column) or on the person (a trait from
Segment's `users` tables, or where they came from). The events relation carries the ones a query
asks for as columns named after the dimension, so playbook SQL writes `{{ group_by }}` and
`{{ filters }}` and never knows where a dimension comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Segment libraries -> the platform they run on
LIBRARY_PLATFORMS = {
    "analytics.js": "Web", "analytics-next": "Web", "@segment/analytics-next": "Web", "analytics-react-native": "Mobile app",
    "analytics-ios": "iOS", "analytics-swift": "iOS", "analytics-android": "Android", "analytics-kotlin": "Android",
    "analytics-node": "Server", "analytics-ruby": "Server", "analytics-python": "Server", "analytics-go": "Server",
    "analytics-java": "Server", "analytics-php": "Server", "analytics.NET": "Server",
}


@dataclass(frozen=True)
class Dimension:
    name: str  # the column name in the events relation, and what users type after "by"
    label: str
    level: str  # event | user
    column: str  # event level: the Segment context column; user level: the users-relation column
    words: tuple[str, ...]
    sensitive: bool = False  # never offered as a breakdown or filter unless a policy allows it


DIMENSIONS: dict[str, Dimension] = {d.name: d for d in [
    Dimension("platform", "Platform", "event", "context_library_name", ("platform", "platforms", "app or web")),
    Dimension("os", "Operating system", "event", "context_os_name", ("os", "operating system", "operating systems")),
    Dimension("device", "Device type", "event", "context_device_type", ("device", "devices", "device type")),
    Dimension("locale", "Locale", "event", "context_locale", ("locale", "locales", "language", "languages")),
    Dimension("app_version", "App version", "event", "context_app_version", (
        "app version", "version", "versions", "app build", "build", "builds", "release", "releases", "app release")),
    Dimension("segment_source", "Segment source", "event", "source", ("segment source", "source schema")),
    Dimension("channel", "Acquisition channel", "user", "channel",
              ("channel", "channels", "acquisition channel", "marketing channel", "utm source", "campaign source",
               "source", "sources", "acquisition", "acquisition source", "traffic source", "utm channel", "utm",
               "utm_source", "marketing source", "where they came from", "referrer", "referral source",
               "traffic channel", "traffic channels", "traffic sources", "utm sources", "campaign sources",
               "signup source", "signup channel", "signup sources", "first touch source", "first touch", "first-touch source",
               "first-touch", "first touch channel")),
    Dimension("plan", "Plan", "user", "plan", ("plan", "plans", "pricing plan", "tier", "tiers", "subscription",
                                                  "plan type", "plan tier", "payment plan", "billing plan")),
    Dimension("country", "Country", "user", "country", ("country", "countries", "geo", "region")),
    Dimension("signup_weekday", "Signup weekday", "user", "signup_weekday",
              ("signup weekday", "signup day", "day of week", "weekday", "signup day of week", "weekday of signup",
               "day of signup", "weekday they signed up", "signup weekdays", "weekdays", "weekday people signed up on",
               "weekday people signed up", "day they signed up", "day people signed up", "day of the week they signed up")),
    Dimension("ip", "IP address", "event", "context_ip", ("ip", "ip address"), sensitive=True),
    # not a breakdown (never offered): a column playbooks declare in their header (`dimensions:`) to read
    # each event's person's signup time without joining users to events
    Dimension("signed_up_at", "Signup time", "user", "activated_at", (), sensitive=True),
]}

# event-level columns worth profiling for filter values (low cardinality)
PROFILED_CONTEXT_COLUMNS = ("context_library_name", "context_os_name", "context_device_type", "context_locale",
                            "context_app_version", "context_campaign_source")
# user traits from Segment's `users` tables that dimensions can use
TRAIT_COLUMNS = ("plan", "country")
NONE_LABEL = "(none)"
OTHER_LABEL = "Other"


def platform_case(column_sql: str) -> str:
    """SQL mapping a Segment library name to its platform."""
    whens = " ".join(f"WHEN '{lib}' THEN '{platform}'" for lib, platform in LIBRARY_PLATFORMS.items())
    return f"CASE {column_sql} {whens} ELSE {column_sql} END"


def dimension_by_word(words: str) -> Dimension | None:
    """'platform' -> platform; 'acquisition channel' -> channel."""
    text = words.strip().lower()
    for said in (text, text[:-1] if text.endswith("s") else None):  # "app versions" as "app version"
        for d in DIMENSIONS.values():
            if said and (said == d.name or said in d.words):
                return d
    return None


def offered() -> list[Dimension]:
    return [d for d in DIMENSIONS.values() if not d.sensitive]


def dimension_values(catalog) -> dict[str, list[str]]:
    """The values each dimension takes in this warehouse, most common first (from the catalog profile)."""
    values = catalog.values
    out: dict[str, list[str]] = {}
    libraries = [v for v, _ in values.get("context_library_name", [])]
    out["platform"] = list(dict.fromkeys(LIBRARY_PLATFORMS.get(lib, lib) for lib in libraries))
    for d in DIMENSIONS.values():
        if d.sensitive or d.name in out:
            continue
        if d.name == "channel":
            out[d.name] = [v for v, _ in values.get("context_campaign_source", [])]
        elif d.name == "segment_source":
            out[d.name] = list(catalog.schemas)
        elif d.name == "signup_weekday":
            out[d.name] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        else:
            out[d.name] = [v for v, _ in values.get(d.column, [])]
    return out


# where a value may be named without a preposition ("ios users", "free plan")
_FILTER_ORDER = ("platform", "os", "device", "plan", "channel", "country", "locale", "app_version", "segment_source")


def find_filters(text: str, catalog) -> list[tuple[str, str, str]]:
    """Filter values named in `text`: [(dimension, value, words)], e.g. "on ios" -> ("platform", "iOS", "on ios").

    Short values (US, DE) and ambiguous words need a preposition (on/from/for/in/via); a value
    that several dimensions share goes to the first in a fixed order (platform before os)."""
    found: list[tuple[str, str, str]] = []
    taken: set[str] = set()
    lowered = text.lower()
    by_dim = dimension_values(catalog)
    for name in _FILTER_ORDER:
        for value in by_dim.get(name, []):
            v = value.lower()
            if not v or v in taken:
                continue
            prep = r"(?:on|from|for|in|via|with|using)\s+(?:the\s+)?"
            value_re = re.escape(v)
            pattern = (rf"(?<![\w-])(?:{prep}{value_re}(?:\s+users?|\s+plan)?"
                       rf"|{value_re}\s+(?:users?|plan|customers|people))(?![\w-])")
            if name in ("platform", "os", "device") or (len(v) >= 4 and name in ("plan", "channel")):
                pattern = rf"(?<![\w-])(?:{prep})?{re.escape(v)}(?:\s+(?:users?|plan|customers|people))?(?![\w-])"
            m = re.search(pattern, lowered)
            if m:
                found.append((name, value, m.group(0)))
                taken.add(v)
                break
    return found
