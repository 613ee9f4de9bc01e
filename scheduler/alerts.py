"""Alert conditions: read "daily signups drop below 100" / "messages change more than 20% week over week",
and decide from an Answer's key number whether the condition holds, with the reason in words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from answers import Answer
from answers.formatting import fmt_number

from .store import AlertRule

_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"
_CONDITIONS = (
    ("drop", rf"\b(?:drops?|falls?|decreases?|declines?)\s+(?:by\s+)?(?:more than|over|at least)\s+{_NUMBER}\s*%"),
    ("rise", rf"\b(?:rises?|grows?|increases?|jumps?)\s+(?:by\s+)?(?:more than|over|at least)\s+{_NUMBER}\s*%"),
    ("change", rf"\b(?:changes?|moves?|swings?)\s+(?:by\s+)?(?:more than|over|at least)\s+{_NUMBER}\s*%"),
    ("below", rf"\b(?:drops?|falls?|goes|go|is|are|gets?)?\s*(?:below|under|less than)\s+{_NUMBER}\b(?!\s*%)"),
    ("above", rf"\b(?:rises?|goes|go|is|are|gets?|climbs?)?\s*(?:above|over|more than|exceeds?)\s+{_NUMBER}\b(?!\s*%)"),
)
# the period the watched number covers, from words like "daily" or "week over week"; "weekly" in "weekly
# active users" names the metric (WAU), so it stays in the question and only sets the period
_METRIC = r"(?=\s+active\b)"
_PERIODS = (
    (r"\bday over day\b|\bdaily\b(?!\s+active\b)|\bper day\b|\beach day\b", rf"\bdaily{_METRIC}|\bdau\b", "yesterday"),
    (r"\bweek over week\b|\bwow\b|\bweekly\b(?!\s+active\b)|\bper week\b|\beach week\b", rf"\bweekly{_METRIC}|\bwau\b",
     "last week"),
    (r"\bmonth over month\b|\bmom\b|\bmonthly\b(?!\s+active\b)|\bper month\b|\beach month\b",
     rf"\bmonthly{_METRIC}|\bmau\b", "last month"),
)
_TIME_WORDS = re.compile(r"\b(yesterday|today|last|this|past|since|between|in|on)\b")


class AlertError(ValueError):
    """The alert's condition could not be read; the message says what is accepted."""


EXAMPLES = ("daily signups drop below 100", "messages change more than 20% week over week",
            "weekly orders rise more than 10%")


@dataclass(frozen=True)
class Check:
    holds: bool | None  # None: no number to judge (no data)
    value: float | None
    reason: str


def parse_alert(text: str) -> tuple[str, AlertRule]:
    """Split "alert me when daily signups drop below 100" into the question ("signups yesterday")
    and the rule (below 100)."""
    raw = " ".join(str(text).split())
    low = re.sub(r"^(?:alert(?: me)?|tell me|notify me|ping me)?\s*(?:when|if)\s+", "", raw.lower().strip())
    for op, pattern in _CONDITIONS:
        match = re.search(pattern, low)
        if match:
            threshold = float(match.group(1).replace(",", ""))
            subject = (low[:match.start()] + " " + low[match.end():]).strip()
            return _question(subject), AlertRule(op, threshold, raw)
    raise AlertError(f"I could not read the alert condition in {raw!r}. Try " + ", ".join(f"`{e}`" for e in EXAMPLES) + ".")


def _question(subject: str) -> str:
    period = None
    for pattern, _, words in _PERIODS:  # said outright ("week over week") first, then the metric's own period
        if re.search(pattern, subject):
            period = period or words
            subject = re.sub(pattern, " ", subject)
    for _, metric, words in _PERIODS:
        if period is None and re.search(metric, subject):
            period = words
    subject = " ".join(subject.split())
    if not subject:
        raise AlertError("The alert does not say which number to watch, e.g. `daily signups drop below 100`.")
    if period and not _TIME_WORDS.search(subject):
        subject = f"{subject} {period}"
    elif not _TIME_WORDS.search(subject):
        subject = f"{subject} yesterday"
    return subject


def check(rule: AlertRule, answer: Answer) -> Check:
    """Does the condition hold for this answer? The reason names the number and the threshold."""
    key = answer.key
    if key is None or key.value is None:
        return Check(None, None, f"{answer.title}: no number to check")
    value = float(key.value)
    shown = fmt_number(key.value, key.fmt)
    if rule.op in ("below", "above"):
        limit = fmt_number(rule.threshold, key.fmt if key.fmt != "pct" else "float")
        holds = value < rule.threshold if rule.op == "below" else value > rule.threshold
        word = ("below" if holds else "not below") if rule.op == "below" else ("above" if holds else "not above")
        return Check(holds, value, f"{answer.title}: {shown}, {word} {limit}")
    # the answer's first comparison, as the answer and the digest say it (answers/periods.py decides which)
    change = key.changes[0] if key.changes else None
    if change is None or change.pct is None:
        why = change.phrase(key.fmt) if change is not None else "no earlier period to compare with"
        why = why[:1].lower() + why[1:]
        return Check(None, value, f"{answer.title}: {shown}, {why}")
    pct = 100 * change.pct  # percent for counts; percentage points for rates
    holds = {"change": abs(pct) > rule.threshold, "drop": -pct > rule.threshold, "rise": pct > rule.threshold}[rule.op]
    verb = {"change": "a change", "drop": "a drop", "rise": "a rise"}[rule.op]
    return Check(holds, value, f"{answer.title}: {shown}, {change.phrase(key.fmt)} — {'' if holds else 'not '}"
                               f"{verb} of more than {rule.threshold:g}%")
