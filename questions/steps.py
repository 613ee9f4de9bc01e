"""The reading steps before events: explicit parameters, phrases of the generic kinds, the time range,
the interval, the playbook and its choice words, breakdowns and filters. Each step reads one thing from
the ReadingState, takes the words it used, and returns a Clarification when it must ask.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from playbooks import Library, Playbook
from playbooks.params import ParamError, coerce_filters
from segment.dimensions import DIMENSIONS, dimension_by_word, dimension_values, offered
from segment.naming import ECOMMERCE_V1_NAMES

from . import rx
from .context import ParseContext
from .kinds import ARROWS, find_kinds, split_sequence
from .lexicon import FILLER
from .request import Clarification, Reading
from .state import ReadingState
from .timerange import ALL_TIME, DATE_RE, HOLIDAYS, describe, find_range, parse_date, period_start, shift, thread_range
from .values import SIGNUP_WEEKDAY, said_values, value_of, versus_breakdown
from .vocabulary import STOPWORDS, stem

INTERVAL_WORDS = [
    (r"\b(hourly|per hour|by hour|by the hour|each hour|every hour|hour by hour|hour-by-hour|per hr|hour over hour)\b",
     "hour"),
    (r"\b(daily|per day|by day|each day|every day|day by day|day to day|(?:times|once|twice) a day|dau|day over day|dod|d/d)\b",
     "day"),
    (r"\b(weekly|per week|by week|each week|every week|week by week|week to week|(?:the )?following week"
     r"|the next week|week over week|wow|w/w|a week(?! later| ago| after)"
     r"|wau|week[- ]\d{1,2}|w\d{1,2})\b", "week"),
    (r"\b(monthly|per month|by month|each month|every month|month by month|month to month|(?:the )?following month"
     r"|the next month|month over month|mom|m/m"
     r"|(?:times|once|twice) a month|mau|month[- ]\d{1,2}|m\d{1,2})\b", "month"),
    (r"\b(quarterly|per quarter|by quarter|each quarter|every quarter|quarter by quarter|quarter over quarter|qoq|q/q)\b",
     "quarter"),
    (r"\b(by signup month|signup months?|by the month they (?:joined|signed up)|monthly cohorts?|cohort months?"
     r"|by month of signup|month they joined)\b", "month"),
    (r"\b(by signup week|signup weeks?|by the week they (?:joined|signed up)|weekly cohorts?|cohort weeks?)\b", "week"),
]
PARAM_RE = r"\b([a-z_]+)=(\"[^\"]*\"|'[^']*'|[^\s]+)"  # no spaces: "days of inactivity = churned" is a question
BY_RE = (r"\b(?:(?:broken down |broken out |split |grouped |segmented |break(?:ing)? (?:it )?down )?by|per|for each"
         r"|on each|in each|for every|split(?: it)? by|across|(?:on|for|across|between|in) (?:the |all the |all )?"
         r"(?:different|various)|(?:switch|change|swap|flip)(?: (?:it|that|this|the (?:split|breakdown|grouping)))?"
         r" (?:over )?to(?: (?:a |the )?(?:split|breakdown) by)?) ([a-z][a-z_ ]{1,30}?)"
         r"(?=$| (?:and|on|for|from|in|with|over|during|since|last|this|top|hourly|daily|weekly|monthly|quarterly"
         r"|yearly|yesterday|today|vs|versus|compared|between|ytd|year to date|within|so far|pls|please|instead|too"
         r"|also|now|only|then|again|if|so|to|because|but|when|where|as|by|per)\b|[,.]| ?[^a-z_ ])")
WHICH_DIM = (r"\b(?:which|what) (weekdays?|day of (?:the )?week|country|countries|platforms?|os|devices?|channels?|locales?"
             r"|languages?|plans?|app versions?|versions?|traffic channels?|traffic sources?|marketing channels?"
             r"|acquisition channels?|utm sources?|campaign sources?)\b")
TOP_DIM_RES = (r"\b(?:top|largest|biggest) \d{1,2} ([a-z]+ [a-z]+)", r"\b(?:top|largest|biggest) \d{1,2} ([a-z]+)")


def _example_for(pb: Playbook) -> str:
    return pb.examples[0] if pb.examples else pb.id


def param_of_type(pb: Playbook | None, ptype: str):
    return next((spec for spec in pb.params if spec.type == ptype), None) if pb is not None else None


@lru_cache(maxsize=8192)
def phrase_re(phrase: str) -> re.Pattern:
    """A phrase as a whole-word pattern, compiled once (some 600 header phrases are tried per question).
    A question loses its "'s" before reading ("last month's"), so a header phrase does too."""
    return re.compile(rf"(?<![\w-]){re.escape(as_read(phrase))}(?![\w-])")


def as_read(phrase: str) -> str:
    """A header phrase as the question's text holds it: without "'s"."""
    return rx.sub(r"(?<=\w)'s\b", "", phrase.replace("’", "'"))


@lru_cache(maxsize=4096)
def stemmed(text: str) -> str:
    return " ".join(stem(w) for w in text.split())


# ---- 1. the playbook's id and key=value parameters ----

def read_playbook_id(state: ReadingState, ctx: ParseContext) -> None:
    """A leading id names the playbook when it reads as one: "event_volume event=...", "retention";
    "retention drivers" is a phrase for the header words to weigh."""
    first, _, rest = state.text.partition(" ")
    if first in ctx.library and ("_" in first or not rest or rx.match(PARAM_RE, rest)):
        state.playbook, state.by_id, state.playbook_words = ctx.library[first], True, first
        state.readings.append(Reading("playbook", first, first))
        state.take(first)


def read_explicit(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """`event='Invite Sent' interval=week`: values keep the capitals they were typed with."""
    typed = {m.group(1).lower(): m.group(2).strip("'\"") for m in rx.finditer(PARAM_RE, state.raw, re.IGNORECASE)}
    for m in list(rx.finditer(PARAM_RE, state.text)):
        key = m.group(1)
        value = typed.get(key, m.group(2).strip("'\""))
        if key == "filters":  # read as pairs now: the reading's later steps add to them ("filters=platform:iOS")
            try:
                value = coerce_filters(key, value)
            except ParamError as exc:
                return Clarification(state.raw, str(exc), choices=tuple(exc.choices[:8]), param=key,
                                     example="dau filters=platform:iOS")
        state.set(key, value, m.group(0))
        state.given.add(key)
    state.text = rx.sub(r"\s+", " ", rx.sub(PARAM_RE, " ", state.text)).strip()
    return None


# ---- 2. phrases of the generic kinds, then the time range and interval ----

def read_kinds(state: ReadingState, ctx: ParseContext) -> None:
    """"vs last week", "within 7 days", "at least 3 times": before the range, so "vs last week" is not it."""
    state.kinds, state.text = find_kinds(state.text, ctx.today)


# the future: what will happen is not in the data (a forecast is not a count)
FUTURE = re.compile(r"(?<![\w-])(?:tomorrow|forecasts?|forecasted|projected|projections?|will (?:we|there|it|they) "
                    r"(?:get|have|see|make|hit|be|do)|(?:are|is) (?:we|it) going to (?:get|have|see|make|hit|be)|"
                    r"(?<!the )(?<!back )next (?:week|month|quarter|year))(?![\w-])")


def _so_far(state: ReadingState) -> None:
    """"today so far", "this month to date": a range that runs to now says it twice."""
    if state.rng is not None and state.rng.end > state.today:
        for said in rx.findall(r"\b(?:so far|to date|thus far|up to now|until now)\b", state.text):
            state.take(said)


_ASKS = re.compile(r"\b(?:how many|how much|how often|what(?:'s| is| are| was| were| does| do)|which|show me|tell me|give me"
                   r"|can (?:i|you|someone|we) (?:get|see|have)|could (?:i|you|someone) (?:get|see|tell|show))\b")


def _range_of_the_question(text: str, ctx: ParseContext):
    """"We've had tickets since the weekend. Could someone tell me how many ... over the last two weeks?": of
    several sentences, the range said in the one that asks, not in the one that tells (None: read it all)."""
    sentences = [p for p in rx.split(r"(?<=\S)\. (?=\S)| \. ", text) if p.strip()]
    if len(sentences) < 2:
        return None
    asking = [p for p in sentences if _ASKS.search(p)]
    rng = find_range(asking[-1], ctx.today, ctx.week_start)[0] if asking else None
    if rng is None or not rng.words or rng.words not in text:
        return None
    return rng, rx.sub(r"\s+", " ", text.replace(rng.words, " ", 1)).strip()


# a future date that says when something else happens ("board deck next week so need the monthly trend"):
# context for the question, not its range
_OCCASION_AHEAD = re.compile(
    r"(?<![\w-])(?:(?:the|our|a|my|an) )?(?:board |team |exec |investor |quarterly |weekly |monthly )?"
    r"(?:deck|meeting|review|call|demo|presentation|offsite|sync|standup|qbr|all-hands|all hands|board|1:1|update"
    r"|report|pitch|readout|retro|planning)(?: is| is due| are)?(?: on)? (?:next (?:week|month|quarter)|tomorrow)(?![\w-])")


def read_range(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    occasion = _OCCASION_AHEAD.search(state.text)
    if occasion is not None:
        state.take(occasion.group(0))
        state.notes.append(f"I read “{occasion.group(0)}” as context (when it is needed), not as the range asked about.")
    future = FUTURE.search(state.text)
    if future:
        return Clarification(state.raw, f"“{future.group(0)}” is in the future: I count what has happened and "
                             "don't forecast. Ask about a range up to today.", example="signups last 30 days",
                             param="start")
    weekday = SIGNUP_WEEKDAY.search(state.text)  # "signed up on a sunday" is who, not when
    hidden = state.text if weekday is None else state.text.replace(weekday.group(0), " § ")
    previous = ctx.previous.params if ctx.previous is not None else {}
    thread = thread_range(hidden, previous["start"], previous["end"], ctx.today, ctx.week_start) if "start" in previous else None
    rng, text = thread or _range_of_the_question(hidden, ctx) or find_range(hidden, ctx.today, ctx.week_start)
    if weekday is not None:
        text = text.replace("§", weekday.group(0))
    if rng is None:
        leftover = rx.search(DATE_RE, state.text)
        if leftover:
            when = parse_date(leftover.group(0), ctx.today)
            problem = "is in the future" if when and when > ctx.today else "is not a date I can read"
            return Clarification(state.raw, f"“{leftover.group(0)}” {problem}.", example="signups since 2026-09-01",
                                 param="start")
        return None
    if rng.start > ctx.today:  # "black friday" in the week before it: not yet, and last year's is offered
        holiday = next((h for h in HOLIDAYS if h in rng.words), None)
        return Clarification(state.raw, f"{rng.label.removesuffix(' so far')} is after today: there is no data for it yet.",
                             choices=(f"{holiday} {rng.start.year - 1}",) if holiday else (), param="start",
                             replace=rng.words if holiday else "", example="signups since 2026-09-01")
    particle = rx.search(rf"\b(?:log|logs|logged|logging|sign|signs|signed|signing|check|checked|checking|opt|opted|"
                         rf"plug|plugged|dial|dialed|tune|tuned|tap|tapped) ({re.escape(rng.words)})", state.text)
    if particle and rng.words.startswith("in "):  # "logged in last week": the "in" is the verb's, not the range's
        text = rx.sub(r"\s+", " ", state.text[:particle.start(1)] + "in " + state.text[particle.end(1):]).strip()
        rng = replace(rng, words=rng.words[3:])
    first = ctx.catalog.first_data(list(ctx.catalog.first_seen)) if rng.label == ALL_TIME else None
    if first is not None:  # "since we started tracking": from the first event of the sources
        first = first.date() if hasattr(first, "date") else first
        rng = replace(rng, start=first, label=f"since the data begins ({first:%-d %b %Y})")
    state.rng, state.text = rng, text
    state.readings += [Reading("start", rng.start, rng.words), Reading("end", rng.end, rng.words)]
    state.explicit |= {"start", "end"}
    _so_far(state)
    return None


def read_interval(state: ReadingState, ctx: ParseContext) -> None:
    """"weekly", "per month", "month-1": read now, taken after the playbook step (whose header phrases
    may hold the same words: "weekly active users", "mau by payment plan")."""
    for pattern, unit in INTERVAL_WORDS:
        m = state.said(pattern)
        if m:
            state.interval = unit
            state.readings.append(Reading("interval", unit, m.group(0)))
            state.explicit.add("interval")
            _other_measures(state, m.group(0))
            return


_MEASURES = {"dau": "daily", "wau": "weekly", "mau": "monthly"}


def _other_measures(state: ReadingState, used: str) -> None:
    """"dau and mau last month", "dau/wau/mau": one measure is answered, and the answer says which (never the
    others dropped without a word); "dau/mau" is stickiness, read by its own step."""
    if used not in _MEASURES or rx.search(r"\bdau ?/ ?mau\b", state.text):
        return
    others = [w for w in _MEASURES if w != used and rx.search(rf"\b{w}\b", state.text)]
    if others:
        asked = " or ".join(f"“{w}”" for w in others)
        state.notes.append(f"Showing {_MEASURES[used]} active users (“{used}”); ask {asked} as a question of its own.")


PER_PERIOD = re.compile(r"\b(?:per|by|each|every|daily|weekly|monthly|quarterly|yearly|hourly)\b")


def both_periods(state: ReadingState, ctx: ParseContext) -> None:
    """"invites last week vs the week before, per week": asked per period, the comparison is the two periods
    side by side (the range both, the interval the period), not the period with a comparison line. Without
    a per-period grain "vs the week before" stays a comparison (docs/decisions.md)."""
    rng, compare = state.rng, next((k for k in state.kinds if k.name == "compare" and k.value == "previous"), None)
    grain = next((r.words for r in state.readings if r.name == "interval"), "")
    if rng is None or compare is None or state.interval != rng.grain or not PER_PERIOD.search(grain):
        return  # ("dau yesterday vs the day before": "dau" names a measure, not numbers per day)
    if shift(period_start(rng.start, rng.grain, ctx.week_start), rng.grain, 1) != rng.end:
        return  # not one whole period ("last 30 days", "this month so far")
    start = shift(rng.start, rng.grain, -1)
    state.rng = replace(rng, start=start, label=f"{describe(start, rng.end)} ({rng.label} and the {rng.grain} before)",
                        words=f"{rng.words} {compare.words}")
    state.kinds = [k for k in state.kinds if k is not compare]
    state.readings.append(Reading("start", start, compare.words))


def take_interval(state: ReadingState, ctx: ParseContext) -> None:
    words = next((r.words for r in state.readings if r.name == "interval"), "")
    state.take(words)


# ---- 3. the playbook, from the words in each playbook's header ----

def pick_playbook(state: ReadingState, ctx: ParseContext) -> None:
    if state.playbook is not None:
        return
    masked = _event_names(ctx).sub(" · ", state.text)  # "paths before order completed": not the orders playbook
    playbook, words = best_playbook(masked, ctx.library, sequence=bool(ARROWS.search(state.text)))
    if playbook is not None and _a_step_of_many(state.text, words, playbook):
        return  # "product view > cart > checkout > order": a step's word; three steps or more are a funnel's
    if playbook is not None:
        state.playbook, state.playbook_words = playbook, words
        state.readings.append(Reading("playbook", playbook.id, words))
        state.take(words)
        for phrase in sorted(playbook.words, key=len, reverse=True):  # its other words describe it too
            if " " in phrase and phrase_re(phrase).search(masked):
                state.take(phrase)


def _a_step_of_many(text: str, words: str, playbook: Playbook) -> bool:
    if playbook.param("event") is not None or param_of_type(playbook, "events") is not None:
        return False
    steps = split_sequence(text)
    return steps is not None and steps[1] == "arrows" and len(steps[0]) >= 3 \
        and any(words in step.split() for step in steps[0][1:])


_NAMES: dict[int, tuple[object, re.Pattern]] = {}


def _event_names(ctx: ParseContext) -> re.Pattern:
    """Every event's exact name as one pattern (a name said is an event, whatever playbook words it holds)."""
    matcher = ctx.matcher
    cached = _NAMES.get(id(matcher))
    if cached is None or cached[0] is not matcher:
        spec_names = {n.lower() for pair in ECOMMERCE_V1_NAMES.items() for n in pair}  # either spec, said
        names = sorted(set(matcher.by_name) | spec_names, key=len, reverse=True)
        cached = _NAMES[id(matcher)] = (matcher, re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names))
                                                             + r")(?![\w-])"))
    return cached[1]


def best_playbook(text: str, library: Library, sequence: bool = False) -> tuple[Playbook | None, str]:
    """The playbook whose header words fit best: longest phrases weigh most; steps in order ("a -> b")
    favour one that needs steps. (Typos were corrected before: typos.py.)"""
    best: tuple[float, Playbook | None, str] = (0.0, None, "")
    plain = " ".join(w for w in text.split() if w not in _SKIPPABLE)  # "what actually drives retention"
    plain = rx.sub(r"\btop \d{1,2} ", "top ", plain)  # "top 10 events" has the words "top events"
    stems = stemmed(plain)  # "resurrect" finds "resurrected"
    for pb in library.all():
        bonus = 0.5 if sequence and needs_steps(pb) else 0.0
        weak = pb.meta.get("weak_words") or ()
        for phrase in (*pb.words, pb.id.replace("_", " ")):
            stem_form = stemmed(phrase)
            bare = _bare(phrase)
            if phrase not in text and bare not in plain and stem_form not in stems:
                continue  # a substring test first: a regex over a long question for each of ~900 phrases is slow
            pattern = phrase_re(phrase)
            whole = pattern.search(text)
            exact = whole or phrase_re(bare).search(plain)
            if exact or phrase_re(stem_form).search(stems):
                said = phrase if whole else bare  # "do we even have" said as "do we have": three words
                score = len(said.split()) * (WEAK if phrase in weak else 1) + len(said) / 100 + bonus \
                    - (0 if exact else 0.05)
                if score > best[0]:
                    best = (score, pb, _as_said(phrase, text))
    return best[1], best[2]


WEAK = 0.55  # a header's weak_words: each word weighs this much (another playbook's words win over them)

# words a header phrase may skip in a question: "where do our active users come from", "what actually drives"
_SKIPPABLE = frozenset("our the my your their a an actually really just even so basically like".split())


@lru_cache(maxsize=8192)
def _bare(phrase: str) -> str:
    return " ".join(w for w in phrase.split() if w not in _SKIPPABLE) or phrase


def _as_said(phrase: str, text: str) -> str:
    """The words of `text` that matched `phrase` (exactly, without a filler word, or by their stems)."""
    m = phrase_re(phrase).search(text)
    if m:
        return m.group(0)
    want = stemmed(_bare(phrase)).split()
    words = text.split()
    for i in range(len(words)):
        window, j = [], i
        while j < len(words) and len(window) < len(want):
            if words[j] not in _SKIPPABLE:
                window.append(words[j])
            j += 1
        if [stem(w) for w in window] == want:
            return " ".join(words[i:j])
    return phrase


def needs_steps(pb: Playbook) -> bool:
    spec = param_of_type(pb, "events")
    return spec is not None and spec.required


def read_choice_words(state: ReadingState, ctx: ParseContext) -> None:
    """Enum and bool values named in the playbook's header ("stickiness" -> metric=stickiness)."""
    pb = state.playbook
    if pb is None:
        return
    for spec in pb.params:
        if spec.name in state.params or not spec.extra.get("words") or spec.type == "events":
            continue
        for choice, phrases in spec.extra["words"].items():
            hit = next((as_read(w) for w in phrases if phrase_re(w).search(state.full)), None)
            if hit and not _noun_of_a_value(hit, state, ctx):
                state.set(spec.name, choice, hit)
                state.take(hit)
                break


def _noun_of_a_value(hit: str, state: ReadingState, ctx: ParseContext) -> bool:
    """"how much did pro customers spend": "customers" belongs to the filter "pro customers", not to the
    metric (buyers); the filter reads it."""
    if len(hit.split()) > 1 or not rx.search(rf"\b[a-z0-9-]+ {re.escape(hit)}\b", state.text):
        return False
    found, _ = said_values(state.text, ctx.catalog, state.raw)
    return any(words.endswith(" " + hit) for _, _, words in found)


# ---- 4. breakdowns ("by platform", "top 3", "ios vs web") and filters ("on iOS", "for pro users") ----

def read_breakdown(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    by = next((m for m in rx.finditer(BY_RE, state.text) if dimension_by_word(_bare_dim(m.group(1)))), None)
    named = by.group(0) if by else ""
    if by is None:
        by = next((m for pattern in TOP_DIM_RES for m in rx.finditer(pattern, state.text)
                   if dimension_by_word(m.group(1))), None)
        named = by.group(1) if by else ""  # keep "top 5" for the top parameter
    if by is None:  # "which weekday do we get the most signups on", "which country brings the most orders"
        by = next((m for m in rx.finditer(WHICH_DIM, state.text) if dimension_by_word(m.group(1))), None)
        named = by.group(0) if by else ""
    if by is None:  # "d1 retention by channel signups": the dimension's words, then words the split does not end on
        by = _by_then_more(state.text)
        named = by.group(0) if by else ""
    dim = dimension_by_word(_bare_dim(by.group(1))) if by else None
    versus = None
    if dim is None:  # "mac vs windows", "ios vs web", "pro vs free": the dimension both values belong to
        versus = versus_breakdown(state.text, ctx.catalog) or versus_breakdown(state.full, ctx.catalog)
        if versus is not None:
            dim, named = DIMENSIONS[versus[0]], versus[1]
            split = r"(?:(?:split|broken down|broken out|grouped|segmented) )?(?:by|per) "
            said = rx.search(split + re.escape(named), state.full)
            named = said.group(0) if said else named  # "split by free/pro/team": the words of the split too
    if dim is None:
        return None
    if versus is None:
        dim, asked = _versus_beside(dim, named, state, ctx)
        if asked is not None:
            return asked
    pb = state.playbook
    dim_param = next((s.name for s in pb.params if s.type == "dimension"), None) if pb else None
    if pb is not None and dim_param is None and (pb.meta.get("breakdown_of") or {}).get("dimension") == dim.name:
        state.take(named)  # "actives split free/pro/team from the billing data": the playbook's own breakdown
        return None
    if pb is not None and dim_param is None:
        return Clarification(state.raw, f"{pb.title} can't be broken down by {dim.label.lower()} yet.",
                             example=_example_for(pb))
    state.set(dim_param or "group_by", dim.name, named)  # a sensitive one is kept so the policy refuses it
    state.take(named)
    if versus is not None and named not in state.text:  # "ios ... better than web": each value said
        for word in named.split():
            state.take(word)
    if versus is not None:  # "on app version 3.2.0 vs 3.4.0": the dimension's own name, said beside its values
        said = next((w for w in sorted(dim.words, key=len, reverse=True) if phrase_re(w).search(state.text)), None)
        state.take(said or "")
    return None


def _versus_beside(dim, named: str, state: ReadingState, ctx: ParseContext):
    """"signups by segment source ... want to see web vs ios": values compared beside a breakdown named. When the
    breakdown's own values hold them (messenger_web, messenger_ios), the breakdown shows them side by side (said
    back), and "by source" is the dimension of that name that holds them; two different splits are asked about,
    never one side read as a filter and the other dropped. -> (the dimension, a question asked back or None)"""
    rest = state.text.replace(named, " ", 1)
    versus = versus_breakdown(rest, ctx.catalog)
    if versus is None:
        return dim, None
    other, words = versus
    sides = [w.split()[-1] for w in re.split(r"\s+(?:vs\.?|versus|or|and|than)\s+|/", words) if w.strip()]
    said = named.split()[-1]
    for candidate in [dim, *(d for d in DIMENSIONS.values() if d is not dim and any(said in w.split() for w in d.words))]:
        parts = {part for v in dimension_values(ctx.catalog).get(candidate.name) or ()
                 for part in re.split(r"[-_\s]+", str(v).lower())}  # messenger_web, pt-BR
        if other == candidate.name or all(side in parts or any(str(value).lower() in parts for _, value in
                                                               value_of(side, ctx.catalog)) for side in sides):
            state.take(words)
            state.notes.append(f"Shown for every {candidate.label.lower()}, “{words}” among them.")
            return candidate, None

    def without(split: str) -> str:  # the question with one of the two splits left out: each choice answers it
        return rx.sub(r"\s+", " ", re.sub(rf"(?<![\w-]),?\s*{re.escape(split)}(?![\w-])", " ", state.raw, count=1,
                                         flags=re.IGNORECASE)).replace(" ,", ",").strip(" ,")
    asked = Clarification(state.raw, f"I split by one thing at a time: by {dim.label.lower()}, or "
                         f"{words} ({DIMENSIONS[other].label.lower()})?", choices=(without(words), without(named)),
                         replace=state.raw, example=_example_for(state.playbook) if state.playbook else "")
    return dim, asked


def _by_then_more(text: str) -> re.Match | None:
    """"by channel signups": the longest run of words after "by" that names a dimension."""
    for m in rx.finditer(r"\b(?:by|per) ((?:[a-z]+ ){0,3}[a-z]+)", text):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            if dimension_by_word(_bare_dim(" ".join(words[:n]))):
                said = re.escape(" ".join(words[:n]))
                return re.compile(rf"\b{re.escape(m.group(0).split()[0])} ({said})\b").search(text, m.start())
    return None


def _bare_dim(words: str) -> str:
    """"which payment plan", "their country": the dimension's words without what points at them."""
    words = rx.sub(r"^(?:(?:which|what|the|their|each|every|whichever|all|all the) )?(?:(?:different|various) )?", "",
                   words.strip())
    return rx.sub(r"(?: (?:their|they're|theyre|they|they are|people are|users are|are|is|on|in))+$", "", words)


def read_top(state: ReadingState, ctx: ParseContext) -> None:
    top = state.said(r"\btop (\d{1,2})\b")
    if top and (state.playbook is None or state.playbook.param("top") is not None):
        state.set("top", int(top.group(1)), top.group(0))
        state.take(top.group(0))
    elif state.playbook is not None and state.playbook.param("top") is not None:
        state.take("top")  # "the top session starting events": what it shows, the top ones


_PAID_PEOPLE = re.compile(r"\b(?:paid|paying)(?= (?:users|customers|accounts|subscribers|members|people|folks|plans?"
                          r"|tiers?)\b)")


def _paid_people(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """"paid users vs free ones": the paying plans, not a "paid" acquisition channel. Beside a split by plan it is
    one side of that split; alone it is asked about (no one plan is "paid")."""
    m = _PAID_PEOPLE.search(state.text)
    plans = dimension_values(ctx.catalog).get("plan") or []
    pb = state.playbook
    split = pb.param("group_by") if pb is not None else None
    if m is None or not plans or split is not None and split.default == "channel":
        return None  # "are referral customers worth more than paid ones": channels, where a playbook splits by them
    by_plan = state.params.get("group_by") == "plan" or pb is not None and \
        (pb.meta.get("breakdown_of") or {}).get("dimension") == "plan"
    if by_plan:
        state.take(m.group(0))
        return None
    return Clarification(state.raw, f"“{m.group(0)}” is not one plan here: the plans are {', '.join(map(str, plans))}. "
                                    "Which one, or split by plan?", choices=tuple(map(str, plans))[:4], param="filters",
                         example="monthly active users by plan")


_BARE_REPLY = re.compile(r"^(?:(?:ok|okay|and|or|now|then|just|only|what about|how about|same for|same but|vs)\s+)*"
                         r"(?:for |on |from |with |in )?(?:the )?(\w[\w.-]*)(?: (?:too|instead|then|only|users|ones))?$")


def split_instead(text: str, ctx: ParseContext) -> str:
    """"country instead" in the thread of an answer split by platform: "by country instead" (the split changed)."""
    previous = ctx.previous
    if previous is None or not previous.params.get("group_by"):
        return text
    m = rx.match(r"^((?:(?:and|ok|now|then|hmm)[,.]? )*(?:just |maybe )?)([a-z][a-z_ ]{1,30}?)( instead| then)?[?.!]*$",
                 text.lower().strip())
    if m is None or not (m.group(3) or m.group(1)) or dimension_by_word(_bare_dim(m.group(2))) is None:
        return text
    return f"{m.group(1)}by {m.group(2)}{m.group(3) or ''}"


def bare_value_reply(text: str, ctx: ParseContext) -> list[tuple[str, str, str]]:
    """"and facebook?", "and team?" in a thread: a value said alone, of a dimension the question before
    filtered by, is that filter's new value."""
    previous = ctx.previous
    m = _BARE_REPLY.match(text)
    if previous is None or m is None:
        return []
    before = {d for d, _ in (previous.params.get("filters") or ())}
    sides = [(d, v) for d, v in value_of(m.group(1), ctx.catalog) if d in before]
    return [(sides[0][0], sides[0][1], m.group(1))] if len(sides) == 1 else []


def read_filters(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """Values said ("on ios", "german users", "from google") looked up in the warehouse's profiled values:
    one that is not there is asked about with the values there are, never ignored."""
    paid = _paid_people(state, ctx)
    if isinstance(paid, Clarification):
        return paid
    found, missing = said_values(state.text, ctx.catalog, state.raw)
    if not found and missing is None:
        found = bare_value_reply(state.text, ctx)
    if missing is not None:
        dim, said, there = missing
        label = DIMENSIONS[dim].label.lower()
        listed = ", ".join(there[:8]) if there else "none"
        return Clarification(state.raw, f"There is no {label} “{said}” in this data; the values here are: {listed}.",
                             choices=tuple(there[:6]), param="filters", replace=said,
                             example=_example_for(state.playbook) if state.playbook else "")
    if not found:
        return None
    pb = state.playbook
    spec = param_of_type(pb, "filters")
    split = pb.param("group_by") if pb is not None else None
    splits_by = (state.params.get("group_by") or split.default) if split is not None else \
        ((pb.meta.get("breakdown_of") or {}).get("dimension") if pb is not None else None)
    own_split = spec is None or state.params.get("group_by") is not None and \
        rx.search(r"\b(?:vs|versus|than|then|compared)\b", state.full) is not None  # "paid ... than free ones, per plan"
    if pb is not None and own_split and splits_by is not None and all(d == splits_by for d, _, _ in found):
        said = [words for _, _, words in found]
        for _, _, words in found:  # "is newsletter traffic worth more than facebook": its own split
            state.take(words)
        for value in dimension_values(ctx.catalog).get(found[0][0]) or ():  # the other side, said bare
            bare = str(value).lower()
            if value not in [v for _, v, _ in found] and rx.search(rf"(?<![\w-]){re.escape(bare)}(?![\w-])", state.text):
                said.append(bare)
                state.take(bare)
        label = DIMENSIONS[found[0][0]].label.lower()
        state.notes.append(f"Shown for every {label}, " + ", ".join(f"“{w}”" for w in said) + " among them.")
        return None
    if pb is not None and spec is None:
        dim, value, words = found[0]
        return Clarification(state.raw, f"{pb.title} can't be filtered by {DIMENSIONS[dim].label.lower()} "
                                        f"(“{words}”) yet; this answer would count everyone.",
                             example=_example_for(pb))
    name = spec.name if spec is not None else "filters"
    typed = (state.params.get(name) or ()) if name in state.given else ()  # "filters=plan:pro on ios": both
    said = {d for d, _, _ in found}
    for dim, value in [(d, v) for d, v in typed if d in said]:  # one value per dimension: the words win, said so
        state.notes.append(f"Read {DIMENSIONS[dim].label.lower()} from your words, not {name}={dim}:{value}.")
    state.params[name] = tuple([*((d, v) for d, v in typed if d not in said), *((d, v) for d, v, _ in found)])
    state.explicit.add(name)
    for dim, value, words in found:
        state.readings.append(Reading(name, f"{dim}:{value}", words))
        state.take(words)
    return None


_NOT_A_BREAKDOWN = STOPWORDS | {"day", "week", "month", "hour", "quarter", "year", "cohort", "cohorts", "weekly",
                                 "monthly", "daily", "signup", "signups", "session", "sessions", "event", "events", "volume",
                                 "count", "popularity", "frequency", "number"}


_THING_KINDS = frozenset("category categories brand brands sku skus color colour size sizes type types collection "
                        "collections department departments".split())
# "which product category drives the most revenue": a split by something no column holds
_WHICH_THING = re.compile(r"\b(?:which|what) (?:product |item )?(category|categories|brand|brands|sku|skus|collection"
                          r"|department)\b")


def unknown_breakdown(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """"by age", "split by browser": a breakdown this data has no column for is said, not shown as (none)."""
    m = rx.search(r"\b(?:by|per|split by|broken down by|grouped by|segmented by) ([a-z][a-z_]*(?: [a-z]+)?)\b", state.text) \
        or _WHICH_THING.search(state.text)
    words = m.group(1).split() if m is not None else []
    thing = len(words) > 1 and words[-1] in _THING_KINDS  # "by product category": the kind of thing, not "product"
    if m is None or not thing and (words[0] in _NOT_A_BREAKDOWN or words[0] in FILLER):
        return None
    if dimension_by_word(_bare_dim(m.group(1))) or dimension_by_word(words[0]):
        return None  # "different by language? ... by locale": a dimension there is, said twice
    if state.playbook is not None and stem(words[-1] if thing else words[0]) in own_stems(state.playbook):
        return None  # "email impact by user tenure": the playbook's own split
    said = m.group(1) if thing else words[0]
    names = [d.label.lower() for d in offered() if dimension_values(ctx.catalog).get(d.name)]
    return Clarification(state.raw, f"I can't break this down by “{said}”: there is no such column in the "
                                    f"sources. Breakdowns here: {', '.join(names)}.", param="group_by",
                         example=_example_for(state.playbook) if state.playbook else "")


_OWN: dict[int, tuple[Playbook, frozenset[str]]] = {}


def own_stems(pb: Playbook) -> frozenset[str]:
    """Stems of the playbook's own header words, title and question: words that describe it."""
    cached = _OWN.get(id(pb))
    if cached is None or cached[0] is not pb:
        text = " ".join([*pb.words, pb.title, pb.question, pb.id.replace("_", " ")])
        cached = _OWN[id(pb)] = (pb, frozenset(stem(w) for w in rx.findall(r"[a-z][a-z0-9]*", text.lower())))
    return cached[1]
