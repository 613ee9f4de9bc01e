"""Phrases for the generic parameter kinds of playbooks/PARAMETERS.md, independent of any playbook.

Each finder reads one kind of phrase from a (lowercased, cleaned) question and returns what it
found with the words it came from, so the parser can fill whichever parameter of that name the
chosen playbook declares, and explain where the value came from:

  compare            "vs last week", "year over year", "compared to the previous period"
  threshold          "at least 3 times", "3+ times", "3 or more times", "more than 2 times"
  first_days         "in their first 7 days", "during the first week"
  window_days        "within 7 days", "within 2 weeks", "in under 3 days", "7-day window"
  steps              "3 steps before", "last 5 events", "first 4 actions", "5-step paths"
  session_gap_minutes "10 minute sessions", "session gap of 45 minutes"
  launch_date        "launched on oct 15", "since the launch on 2026-10-01"
  a sequence         "signup -> invite -> message", "from signup to invite to message", "a, b, c"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from . import rx
from .timerange import DATE_RE, MONTH_NAMES, NUMBER_WORDS, parse_date

_N = r"(\d{1,4}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_B, _E = r"(?<![\w-])", r"(?![\w-])"
_UNITS = r"(?:minute|hour|day|week|month|year)s?\b"
_NOT_OF_MONTH = rf"(?! of (?:{MONTH_NAMES})\b)"  # "the first two weeks of november" is a time range


def _num(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


@dataclass(frozen=True)
class Found:
    name: str  # the parameter name of the contract (compare, threshold, first_days, ...)
    value: object
    words: str  # the words of the question it came from


def _days(n: int, unit: str) -> int:
    return n * {"day": 1, "week": 7, "month": 30, "hour": 1}[unit]


# (pattern, value or callable(match) -> value); first match wins per name
_COMPARE = [
    (rf"{_B}(?:year over year|yoy|y/y|vs\.? (?:a|one) year ago|(?:vs\.?|versus|compared (?:to|with)|against)"
     rf" (?:the )?(?:same (?:\w+ )?)?(?:last|previous|prior) year){_E}", "year"),
    (rf"{_B}(?:(?:vs\.?|versus|compared (?:to|with)|against) (?:the )?(?:same (?:\w+ )?)?(?:(?:last|previous|prior) week"
     rf"|(?:a|one) week (?:ago|earlier|before))){_E}", "week"),
    (rf"{_B}(?:(?:vs\.?|versus|compared (?:to|with)|against) (?:the )?(?:(?:last|previous|prior|preceding) (?:period|month"
     rf"|day|quarter)|period before|(?:day|week|month|quarter|year) before|before)){_E}", "previous"),
    # "how does that compare to the 7 days before": the same length just before
    (rf"{_B}(?:(?:vs\.?|versus|compared? (?:to|with)|against) (?:the )?(?:(?:last|previous|prior|preceding) )?"
     rf"\d{{1,3}} (?:days|weeks|months) (?:before|prior|earlier)){_E}", "previous"),
]
# "compare invites this month to last month": with the word compare, "to/with/and" the period before
_COMPARE_TO = [
    (rf"{_B}(?:to|with|and) (?:the )?(?:same (?:\w+ )?)?(?:last|previous|prior) year{_E}", "year"),
    (rf"{_B}(?:to|with|and) (?:the )?(?:same (?:\w+ )?)?(?:last|previous|prior) week{_E}", "week"),
    (rf"{_B}(?:to|with|and) (?:the )?(?:last|previous|prior|preceding) (?:period|month|day|quarter){_E}", "previous"),
]
# "within a week of signing up": the window's start, the funnel's first step (not a step of its own)
_OF_SIGNUP = r"(?: (?:of|after|from) (?:signing up|sign(?:ing)? ?up|signup|their signup|joining|they sign(?:ed)? up))?"
_INTS = [
    ("threshold", rf"{_B}(?:at least|min(?:imum)?(?: of)?) {_N} (?:times|x){_E}", lambda m: _num(m[1])),
    ("threshold", rf"{_B}{_N} ?(?:\+|or more) (?:times|x){_E}", lambda m: _num(m[1])),
    ("threshold", rf"{_B}more than {_N} (?:times|x){_E}", lambda m: _num(m[1]) + 1),
    # "at least 3 messages", "5 or more friends": the count, leaving the noun for the event
    ("threshold", rf"{_B}at least {_N}(?= (?!{_UNITS})[a-z]){_E}", lambda m: _num(m[1])),
    ("threshold", rf"{_B}{_N} or more(?= (?!{_UNITS})[a-z]){_E}", lambda m: _num(m[1])),
    ("threshold", rf"{_B}more than {_N}(?= (?!{_UNITS})[a-z]){_E}", lambda m: _num(m[1]) + 1),
    ("threshold", rf"{_B}{_N} ?\+(?= (?!{_UNITS})[a-z])", lambda m: _num(m[1])),
    ("first_days", rf"{_B}(?:(?:in|within|during|over|just|only|for) )?(?:their|the|his|her|its|your) first {_N}"
     rf" (day|week)s?{_E}{_NOT_OF_MONTH}", lambda m: _days(_num(m[1]), m[2])),
    ("first_days", rf"{_B}(?:in|within|during|over) (?:their|the|his|her|its|your) first (day|week|month){_E}{_NOT_OF_MONTH}",
     lambda m: _days(1, m[1])),
    ("window_days", rf"{_B}(?:within|in under|in less than|inside) {_N} (day|week)s?{_OF_SIGNUP}{_E}",
     lambda m: _days(_num(m[1]), m[2])),
    ("window_days", rf"{_B}(?:within|in under|in less than|inside) (?:a|one) (day|week|month){_OF_SIGNUP}{_E}",
     lambda m: _days(1, m[1])),
    ("window_days", rf"{_B}(?:a )?{_N}[- ]day (?:conversion )?window{_E}", lambda m: _num(m[1])),
    # "what if we give them 7 days instead of the default window": how long they have to do the next step
    ("window_days", rf"{_B}(?:give|giving|allow|allowing) (?:them|people|users|folks|it|everyone) (?:a )?{_N}[- ]?(day|week)s?"
     rf"(?: (?:instead(?: of (?:the )?(?:default|usual|standard)(?: window| one)?)?|to convert|to do it))?{_E}",
     lambda m: _days(_num(m[1]), m[2])),
    ("window_days", rf"{_B}(?:conversion )?window of {_N} days?{_E}", lambda m: _num(m[1])),
    ("steps", rf"{_B}{_N} (?:steps|events|actions|screens|pages|things)"
     rf"(?= (?:before|after|leading|prior|preceding|that|people|users|do){_E}){_E}", lambda m: _num(m[1])),
    ("steps", rf"{_B}(?:last|first|previous|next) {_N} (?:steps|events|actions|screens|pages|things){_E}",
     lambda m: _num(m[1])),
    ("steps", rf"{_B}{_N}[- ]step(?:s)?(?: paths?| sequences?)?{_E}", lambda m: _num(m[1])),
    ("session_gap_minutes", rf"{_B}{_N}[- ]?(?:minute|min)s? (?:sessions?|gaps?|of inactivity|idle){_E}",
     lambda m: _num(m[1])),
    ("session_gap_minutes", rf"{_B}session (?:gap|timeout) of {_N} ?(?:minutes|mins?){_E}", lambda m: _num(m[1])),
]


_LAUNCH = (rf"{_B}(?:(?:it |the feature |which )?launched(?: on)?|launch(?:ed)? (?:on|date)|since (?:the |its )?launch"
           rf" (?:on|of)|since (?:it|the feature) launched(?: on)?)\s+({DATE_RE}){_E}")

# "we shipped the new invite flow on oct 14": the verb and the day are the launch, the words between the feature
_SHIPPED = (rf"{_B}(?:(?:we|they|you) )?(?:shipped|launched|released|rolled out)(?P<what>(?: (?!on\b)[a-z]+){{0,4}})"
            rf" (?:on |in |around |at )?(?P<day>{DATE_RE}){_E}")


# the thing that launched, named just before "launched on ...": the launch, not a playbook's words ("flow")
_WHAT_LAUNCHED = (r"(?:(?:the|our|a|an|that) )?new (?:[a-z-]+ ){0,2}(?:flow|feature|redesign|experience|design|ui|ux"
                  r"|screen|page|onboarding|version|button|banner|layout) (?:was |went |got |is )?$")


def find_kinds(text: str, today: date | None = None) -> tuple[list[Found], str]:
    """Every generic-kind phrase in `text`; returns them and the text without them."""
    found: list[Found] = []
    m = rx.search(_LAUNCH, text) if today else None
    if m and parse_date(m.group(1), today):  # "launched on oct 15" -> launch_date
        what = rx.search(_WHAT_LAUNCHED, text[:m.start()])  # "after the new invite flow launched on oct 15"
        said = (what.group(0) if what else "") + m.group(0)
        found.append(Found("launch_date", parse_date(m.group(1), today), said))
        text = rx.sub(r"\s+", " ", text[: what.start() if what else m.start()] + " " + text[m.end():]).strip()
    shipped = rx.search(_SHIPPED, text) if today and m is None else None
    if shipped and parse_date(shipped.group("day"), today):  # "we shipped the new invite flow on oct 14": what is kept
        found.append(Found("launch_date", parse_date(shipped.group("day"), today), shipped.group(0)))
        text = rx.sub(r"\s+", " ", text[: shipped.start()] + shipped.group("what") + " " + text[shipped.end():]).strip()
    compares = _COMPARE + (_COMPARE_TO if rx.search(rf"{_B}compar(?:e|ing|ed)?{_E}", text) else [])
    for pattern, value in compares:
        m = rx.search(pattern, text)
        if m:
            found.append(Found("compare", value, m.group(0)))
            text = _cut(text, m)
            break
    for name, pattern, value_of in _INTS:
        if any(f.name == name for f in found):
            continue
        m = rx.search(pattern, text)
        if m:
            found.append(Found(name, value_of(m), m.group(0)))
            text = _cut(text, m)
    return found, text


def _cut(text: str, m: re.Match) -> str:
    return rx.sub(r"\s+", " ", text[: m.start()] + " " + text[m.end():]).strip()


# a sequence of steps: arrows, "then", commas; "from A to B (to C)"
ARROWS = re.compile(r"\s*(?:->|=>|>|→|\bthen\b|\bfollowed by\b)\s*")
_LIST = re.compile(r"\s*(?:,|;|\band then\b|\band\b|&|\+)\s*")
_FROM_TO = re.compile(rf"{_B}from (.+?) to (.+)$")


def split_sequence(text: str) -> tuple[list[str], str] | None:
    """The parts of a sequence of steps in `text`, or None. Returns the parts and how they were joined."""
    if ARROWS.search(text):
        parts = ARROWS.split(text)
        parts[-1] = rx.split(r"\s\.\s|\s*;\s", parts[-1])[0]  # "... -> order. need this for the review": a new sentence
        parts[0] = parts[0].rsplit(": ", 1)[-1]  # "store funnel on ios: store screen -> ...": the steps after the colon
        return [p for p in (s.strip(" ,.:") for s in parts) if p], "arrows"
    m = _FROM_TO.search(text)
    if m:
        parts = [m.group(1)] + rx.split(rf"{_B}to ", m.group(2))
        return [p for p in (s.strip(" ,.:") for s in parts) if p], "from-to"
    if _LIST.search(text):
        parts = _LIST.split(text)
        parts = [p for p in (s.strip(" ,.:") for s in parts) if p]
        if len(parts) >= 2:
            return parts, "list"
    return None
