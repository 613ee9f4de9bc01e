"""How much work a question asks for, checked before any SQL runs: the number of periods (buckets) its
range holds at its interval. `invites hourly between 1000-01-01 and 2026-11-30` asks for 8.9 million
hours; it used 2.36 GB before failing. A question over the bound is refused with what would fit."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from errors import Kind, PlaybotError
from playbooks.library import Playbook

PERIOD_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 365.25 / 12, "quarter": 365.25 / 4,
               "year": 365.25}
COARSER = ("hour", "day", "week", "month", "quarter", "year")
TRIANGLES = ("retention",)  # presenters whose result is cohorts x periods since each cohort
ADVERBS = {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly",
           "year": "yearly"}


class TooMuchWork(PlaybotError):
    kind = Kind.TOO_BIG


def periods(start: date, end: date, interval: str) -> int:
    days = (_as_datetime(end) - _as_datetime(start)).total_seconds() / 86400
    return max(0, math.ceil(days / PERIOD_DAYS[interval] - 1e-9))


def buckets(playbook: Playbook, params: dict[str, Any]) -> int | None:
    """The buckets a question asks for (a retention triangle counts its cells), or None when it has no
    range and interval."""
    start, end, interval = params.get("start"), params.get("end"), params.get("interval")
    if not isinstance(start, date) or not isinstance(end, date) or interval not in PERIOD_DAYS:
        return None
    n = periods(start, end, interval)
    return n * (n + 1) // 2 if playbook.presenter in TRIANGLES else n


def check_work(playbook: Playbook, params: dict[str, Any], max_buckets: int) -> None:
    """Raise TooMuchWork (kind too_big) when the question asks for more than `max_buckets` buckets."""
    asked = buckets(playbook, params)
    if asked is None or asked <= max_buckets:
        return
    interval = params["interval"]
    n = periods(params["start"], params["end"], interval)
    what = f"{n:,} {interval}s" if playbook.presenter not in TRIANGLES else f"{n:,} {ADVERBS[interval]} cohorts ({asked:,} cells)"
    last = params["end"] - timedelta(days=1) if not isinstance(params["end"], datetime) else params["end"]
    raise TooMuchWork(f"That question asks for {what} from {_day(params['start'])} to {_day(last)}; "
                      f"one question may cover at most {max_buckets:,}.", _next_step(playbook, params, max_buckets))


def _next_step(playbook: Playbook, params: dict[str, Any], max_buckets: int) -> str:
    interval = params["interval"]
    fits = max_buckets if playbook.presenter not in TRIANGLES else int((math.isqrt(8 * max_buckets + 1) - 1) // 2)
    span = fits * PERIOD_DAYS[interval]
    if span >= 730:
        longest = f" (about {span / 365.25:,.0f} years)"
    else:
        longest = f" (about {span:,.0f} days)" if interval != "day" else ""
    choices = [c for c in COARSER[COARSER.index(interval) + 1:] if _choice_allowed(playbook, c)
               and buckets(playbook, {**params, "interval": c}) <= max_buckets]
    coarser = f"ask by {choices[0]} instead, or " if choices else ""
    return f"Try a shorter range: {coarser}at most {fits:,} {interval}s{longest} at a time."


def _choice_allowed(playbook: Playbook, interval: str) -> bool:
    spec = next((p for p in playbook.params if p.name == "interval"), None)
    choices = getattr(spec, "choices", None) if spec is not None else None
    return not choices or interval in choices


def _as_datetime(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def _day(value: date) -> str:
    return value.strftime("%Y-%m-%d")
