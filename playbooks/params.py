"""Typed playbook parameters: declared in a playbook's header, coerced and checked before any SQL.

Types:
  event     one event name from the warehouse catalog ("Invite Sent")
  events    an ordered list of events (funnel steps)
  date      an ISO date; `start` is inclusive and `end` exclusive, in the configured timezone
  interval  hour | day | week | month | quarter (validated; rendered into SQL as a keyword)
  enum      one of `choices` (validated; may be rendered into SQL)
  int, float, bool, text
  column    a breakdown/filter column that must exist in the catalog (rendered as a quoted identifier)
  dimension a named breakdown ("platform", "plan", "channel"; see segment/dimensions.py)
  filters   (dimension, value) pairs: "platform:iOS, plan:pro"; values are bound

Values of event/events/date/int/float/text are always bound by the driver, never pasted into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from errors import PlaybotError
from segment.dimensions import DIMENSIONS, dimension_by_word

PARAM_TYPES = ("event", "events", "date", "interval", "enum", "int", "float", "bool", "text", "column", "dimension",
               "filters")
INTERVALS = ("hour", "day", "week", "month", "quarter")
STRUCTURAL_TYPES = ("interval", "enum", "bool", "int")  # values that may shape the SQL text


class ParamError(PlaybotError):
    """A parameter value a user gave that does not fit; says which and what would."""

    def __init__(self, name: str, message: str, choices: list[str] | None = None):
        super().__init__(message)
        self.name, self.choices = name, choices or []


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def coerce(self, value: Any) -> Any:
        """Turn a user value into this parameter's type; raise ParamError if it does not fit."""
        if value is None:
            return None
        t = self.type
        if t == "date":
            return coerce_date(self.name, value)
        if t == "interval":
            text = str(value).lower().strip()
            text = {"daily": "day", "weekly": "week", "monthly": "month", "hourly": "hour", "quarterly": "quarter",
                    "days": "day", "weeks": "week", "months": "month", "hours": "hour"}.get(text, text)
            allowed = self.choices or INTERVALS
            if text not in allowed:
                raise ParamError(self.name, f"{self.name} must be one of {', '.join(allowed)}, not {value!r}", list(allowed))
            return text
        if t == "enum":
            text = str(value).strip()
            for choice in self.choices:
                if text.lower() == choice.lower():
                    return choice
            raise ParamError(self.name, f"{self.name} must be one of {', '.join(self.choices)}, not {value!r}",
                             list(self.choices))
        if t in ("int", "float"):
            try:
                number = int(value) if t == "int" else float(value)
            except (TypeError, ValueError):
                raise ParamError(self.name, f"{self.name} must be a number, not {value!r}") from None
            if isinstance(value, float) and t == "int" and value != int(value):
                raise ParamError(self.name, f"{self.name} must be a whole number, not {value!r}")
            if self.minimum is not None and number < self.minimum:
                raise ParamError(self.name, f"{self.name} must be at least {self.minimum:g}")
            if self.maximum is not None and number > self.maximum:
                raise ParamError(self.name, f"{self.name} must be at most {self.maximum:g}")
            return number
        if t == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "yes", "1", "on"):
                return True
            if text in ("false", "no", "0", "off"):
                return False
            raise ParamError(self.name, f"{self.name} must be true or false, not {value!r}")
        if t == "dimension":

            dim = dimension_by_word(str(value))  # sensitive ones are refused by the policy and by render
            if dim is None:
                names = [d.name for d in DIMENSIONS.values() if not d.sensitive]
                raise ParamError(self.name, f"I can't break down by {value!r}", names)
            return dim.name
        if t == "filters":
            return coerce_filters(self.name, value)
        if t == "events":
            items = value if isinstance(value, (list, tuple)) else [v.strip() for v in str(value).split(",")]
            items = [str(v).strip() for v in items if str(v).strip()]
            # min/max bound the number of items (funnel: 2 to 6 steps)
            if self.minimum is not None and len(items) < self.minimum:
                said = f" (only {items[0]} was named)" if len(items) == 1 else ""
                raise ParamError(self.name, f"This needs at least {self.minimum:g} events in order{said}, separated by "
                                            "-> or commas.")
            if self.maximum is not None and len(items) > self.maximum:
                raise ParamError(self.name, f"{self.name} takes at most {self.maximum:g} events")
            if len({i.lower() for i in items}) < len(items):
                raise ParamError(self.name, f"{self.name} names an event twice; list each event once")
            return tuple(items)
        if t in ("event", "text", "column"):
            text = str(value)
            if len(text) > 512:
                raise ParamError(self.name, f"{self.name} is too long")
            return text
        raise ParamError(self.name, f"unknown parameter type {t}")


def coerce_filters(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """'platform:iOS, plan:pro' or [('platform', 'iOS')] -> (('platform', 'iOS'), ('plan', 'pro'))."""
    if not value:
        return ()
    items = value
    if isinstance(value, str):
        items = [part for part in re.split(r"\s*[,;]\s*", value.strip()) if part]
    out = []
    for item in items:
        if isinstance(item, str):
            if not re.match(r"^[^:=]+[:=].+$", item):
                raise ParamError(name, f"a filter looks like dimension:value (e.g. platform:iOS), not {item!r}")
            key, val = re.split(r"\s*[:=]\s*", item, maxsplit=1)
        else:
            key, val = item
        dim = dimension_by_word(str(key))
        if dim is None:
            raise ParamError(name, f"I can't filter on {key!r}",
                             [d.name for d in DIMENSIONS.values() if not d.sensitive])
        if len(str(val)) > 200:
            raise ParamError(name, "a filter value is too long")
        out.append((dim.name, str(val).strip()))
    return tuple(out)


def coerce_date(name: str, value: Any) -> date:
    """A date; a moment within a day stays a datetime (an hourly range from 05:00: "the last 6 hours")."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value.replace(second=0, microsecond=0)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:00)?", text):
        try:
            return coerce_date(name, datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ParamError(name, f"{name} must be a date like 2026-09-01, not {value!r}")


def json_safe(value: Any) -> Any:
    """Parameters and result cells as JSON values: dates as ISO strings, tuples as lists."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        if isinstance(value, float) and value != value:  # NaN
            return None
        return value
    try:  # Decimal and friends
        return float(value)
    except (TypeError, ValueError):
        return str(value)
