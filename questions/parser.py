"""Question text -> Request(playbook, typed params), or a Clarification that says what to ask.

Deterministic and offline. The reading runs named steps in order over one ReadingState (state.py):
typos, explicit `key=value` parameters, generic phrases ("vs last week"), the time range, the interval,
the playbook (from the words in each playbook's header), its choice words, breakdowns, filters (looked
up in the warehouse's values), events (from the live catalog); then the thread (follow-up or a new
question), and the resolution of every parameter. Every word is used or said back: words no step used
are listed in the answer, and a question made mostly of them is asked about. Never raises on user input.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from playbooks import Playbook

from . import rx
from .context import ParseContext
from .events import read_conversion, read_events, read_step_set
from .followup import ASK, FOLLOW, NEW, REFERS_BACK, SAME_RANGE, SPLIT_BACK, decide, merge_previous, previous_range
from .lexicon import EVENT_VERBS, FILLER
from .request import Clarification, Option, Reading, Request
from .resolve import resolve
from .state import ReadingState
from .stepedit import edit_steps
from .steps import (
    both_periods,
    own_stems,
    param_of_type,
    pick_playbook,
    read_breakdown,
    read_choice_words,
    read_explicit,
    read_filters,
    read_interval,
    read_kinds,
    read_playbook_id,
    read_range,
    read_top,
    split_instead,
    take_interval,
    unknown_breakdown,
)
from .typos import month_typo
from .vocabulary import FUZZY_WORDS, STOPWORDS, stem

log = logging.getLogger("playbot.parser")
MAX_QUESTION = 2000
KIND_ALIASES = {"first_days": "window_days", "window_days": "first_days"}
Step = Callable[[ReadingState, ParseContext], Clarification | None]
READING_STEPS: tuple[Step, ...] = (read_playbook_id, read_explicit, read_kinds, read_range, read_interval, both_periods,
                                   read_conversion, pick_playbook, take_interval, read_choice_words, read_breakdown, read_top,
                                   read_filters, read_step_set, read_events)


def parse(text: str, ctx: ParseContext, options: bool = True) -> Request | Clarification:
    """Read `text`; with ctx.previous, as a reply in that question's thread. `options`: choices asked
    back carry the whole question read with each choice (off when reading those). Never raises."""
    try:
        return read(text, ctx, options)
    except Exception as exc:  # noqa: BLE001 - never raise on user input: log it, ask for another phrasing
        log.exception("parser failed on %r", (text or "")[:200])
        return Clarification(text, f"I could not read that question ({type(exc).__name__}).", example=_example(ctx))


def read(text: str, ctx: ParseContext, options: bool = True) -> Request | Clarification:
    """`parse` without its safety net (tests call this: an exception here is a bug to see)."""
    rewritten = split_instead(text, ctx)  # "country instead" in a thread of a split: "by country instead"
    outcome = _read_reply(rewritten, ctx, options)
    return replace(outcome, question=text) if rewritten != text and isinstance(outcome, Request) else outcome


def _read_reply(text: str, ctx: ParseContext, options: bool) -> Request | Clarification:
    edited = edit_steps(clean(text), ctx) if ctx.previous is not None else None
    if edited is not None:  # "can you add product added in the middle": the steps before, edited
        return _with_options(edited, ctx, options)
    outcome, fresh = _read(text, replace(ctx, previous=None), follow=False)
    if ctx.previous is None or fresh is None:
        return _with_options(outcome, ctx, options)
    earlier = None if REFERS_BACK.search(fresh.full) else _the_event_before(outcome, text, ctx)
    if earlier is not None:  # "of those": the people of the question before, its range too (a follow-up)
        return earlier
    how = decide(fresh, ctx)
    if how == NEW and (SAME_RANGE.search(fresh.full) or SPLIT_BACK.search(fresh.full) or _breaks_down_previous(fresh, ctx)):
        outcome, _ = _read(text, ctx, follow=False, keep_range=True)  # a new question over the previous one's range
    if how == FOLLOW:
        followed, _ = _read(text, ctx, follow=True)
        if isinstance(followed, Clarification) and isinstance(outcome, Request):
            followed = outcome  # "messages vs last week" after a funnel: it reads on its own
            kept, _ = _read(text, ctx, follow=False, keep_range=True) if SAME_RANGE.search(fresh.full) else (None, None)
            followed = kept if isinstance(kept, Request) else followed  # "how many of those were X": over that range
        return _with_options(followed, ctx, options)
    if how == ASK:
        return _ask_which(text, outcome, ctx, options)
    return _with_options(outcome, ctx, options)


PRONOUN = re.compile(r"\b(?:one|it|that|those|them|this|these)\b")


def _the_event_before(outcome: Request | Clarification, text: str, ctx: ParseContext) -> Request | None:
    """"what do people do right before they send one?" after invites: the action said ("send") is the
    previous question's event, which the pronoun points at; said back in the reading."""
    before = ctx.previous.params.get("event")
    if not (before and isinstance(outcome, Clarification) and PRONOUN.search(clean(text))):
        return None
    if outcome.param == "event" and outcome.replace and before in outcome.choices:  # "before they send one"
        pattern = re.compile(rf"(?<![\w-]){re.escape(outcome.replace)}(?![\w-])", re.IGNORECASE)
        rewritten, said = pattern.sub(before, clean(text), count=1), f"“{outcome.replace}”"
    elif outcome.param and not outcome.replace and _takes_events(ctx, outcome.param):  # "what share do that"
        rewritten, said = f"{clean(text)} {outcome.param}='{before}'", "“that”"
    else:
        return None
    reread, _ = _read(rewritten, replace(ctx, previous=None), follow=False)
    if not isinstance(reread, Request):
        return None
    note = f"Read {said} as {before}, the event of the question before."
    return replace(reread, question=text, notes=(*reread.notes, note))


def _takes_events(ctx: ParseContext, param: str) -> bool:
    return any((spec := pb.param(param)) is not None and spec.type in ("event", "events") for pb in ctx.library.all())


_SHORT_UNITS = {"wk": "week", "wks": "weeks", "mo": "month", "mos": "months", "yr": "year", "yrs": "years",
                "qtr": "quarter", "qtrs": "quarters"}


def clean(text: str) -> str:
    text = (text or "")[:MAX_QUESTION]
    text = rx.sub(r"\b(day|week|month|d|w|m)-(\d{1,3})\b", r"\1 \2", text, flags=re.IGNORECASE)  # "day-1" -> "day 1"
    text = rx.sub(r"<@[A-Z0-9]+(?:\|[^>]*)?>", " ", text)  # Slack mentions
    text = text.replace("’", "'").replace("→", " -> ").lower()
    if text.count(" > ") >= 2:  # "product view > cart > checkout": steps in order, not a comparison
        text = rx.sub(r"(?<=[a-z]) > (?=[a-z])", " -> ", text)
    text = rx.sub(r"[?!]+", " . ", text)  # a sentence boundary: a phrase does not run across it
    text = rx.sub(r"\bthru\b", "through", text)
    text = rx.sub(r"(?<=\w) / (?=\w)", "/", text)  # "free / pro / team"
    text = rx.sub(r"\b([a-z]+)-wise\b", r"\1", text)  # "ltv-wise", "revenue-wise"
    text = rx.sub(r"\b(\w+)-ish\b|\b(\d+)ish\b", lambda m: m.group(1) or m.group(2), text)  # "d30-ish", "30ish days"
    text = rx.sub(r"\bin-app\b", "", text)  # "in-app purchases" are purchases (every event here is in the product)
    text = rx.sub(r"\blst\b", "last", text)
    text = rx.sub(r"\bppl\b", "people", text)
    text = rx.sub(r"\b(?:going|go|goes) back to (?=(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
                  r"|the (?:start|beginning) of\b|q[1-4]\b|\d)", "since ", text)  # "monthly, going back to august"
    text = rx.sub(r"\b(?:wkly|wkl|wkely)\b", "weekly", text)  # shorthand grains
    text = rx.sub(r"\b(?:mthly|mnthly|mntly|mtly)\b", "monthly", text)
    text = rx.sub(r"\b(dua|wua|mua)\b", lambda m: {"dua": "dau", "wua": "wau", "mua": "mau"}[m.group(1)], text)
    # "cart to order conv" (not "the conv screen": a conversation)
    text = rx.sub(r"\bconvs?\b(?! (?:screens?|pages?|views?|list)\b)", "conversion", text)
    text = rx.sub(r"(?<=\w) ?& ?(?=\w)", " and ", text)  # "orders & buyers"
    text = rx.sub(r"\b(?:per|a|each|every|last|this|by|\d+) (wk|wks|mo|mos|yr|yrs|qtr|qtrs)\b",
                  lambda m: m.group(0)[: -len(m.group(1))] + _SHORT_UNITS[m.group(1)], text)  # "per wk"
    text = rx.sub(r"\b(hourly|daily|weekly|monthly|quarterly) instead of (?:hourly|daily|weekly|monthly|quarterly)\b",
                  r"\1", text)  # "monthly instead of daily": the grain wanted
    text = rx.sub(r"\bfilter(?:ed)?(?: it| that| this)? (?:to|on|down to)\b", "only", text)  # "filter to US"
    text = rx.sub(r"\b(daily|weekly|monthly|quarterly|hourly) (?:view|basis|rollup|cadence)\b", r"\1", text)  # "monthly view"
    text = rx.sub(r"\b(week|month|day)-of-", r"\1 of ", text)  # "the week-of-oct-11 signups"
    text = rx.sub(r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)-(\d{1,2})\b", r"\1 \2", text)
    text = rx.sub(r"\b(\w+)-(plan|tier|users?|customers?|accounts?)\b", r"\1 \2", text)  # "free-plan users"
    text = rx.sub(r"\b(sign|log)[- ](ins?)\b(?! (?:the|a|to|on|at|with|via|through)\b)", r"\1\2", text)  # "sign ins"
    text = rx.sub(r"\bsing(ing|ed|s)? (up|ups|in)\b", r"sign\1 \2", text)  # "after singing up": a typo, not a song
    text = rx.sub(r"\b(sign|check) (ups|outs)\b", r"\1\2", text)  # "sign ups yesterday": the noun
    # "checkout funnel: viewed product, added product, ...": the funnel's name, then its steps
    text = rx.sub(r"^(?:(?:the|our|a|my) )?[a-z-]+(?: [a-z-]+)? (funnel|conversion|flow) ?: ?(?=\S)", r"\1: ", text)
    text = rx.sub(r"\bw/?(?= (?:last|the|previous|prior|a|same|prev)\b)", "with", text)  # "compare w last week"
    text = rx.sub(r"(?<=\w)'s\b", "", text)  # "last month's signups"
    text = rx.sub(r"\s+", " ", text).strip()
    return rx.sub(r"(?:\s*\.)+$", "", text).strip()


_WHO_ASKS = (r"(?:marketing|growth|the growth team|sales|ops|operations|support|finance|legal|product|leadership"
             r"|the team|my team|my boss"
             r"|my manager|the ceo|the board|an investor|the investor|the new investor|our investor|the exec team|execs)")
# why the question is asked, said after it: as its own sentence, or after a dash, semicolon or comma
_WHY = (r"asking (?:for|because)|need (?:it|this|these|that|them) (?:for|by)|needed for|(?:i )?want(?:ed)? (?:it|this|that|them)"
        r" (?:for|by)|(?:i )?want(?:ed)? to (?:make sure|sanity|double|confirm)|sanity check|double check|making sure"
        r"|to make sure|putting (?:together|togther|this together)"
        r"|(?:we|they) (?:just )?(?:sent|shipped|launched|ran|changed|released|pushed|started|got|did|had|moved|spent"
        r"|put|cut|raised|doubled|paused|switched)"
        r"|(?:the|our|a|that) (?:new )?[a-z]+(?: [a-z]+)? (?:went live|went out|launched|shipped|dropped|was released"
        r"|got released|started running|was sent|got sent|came out)"
        rf"|{_WHO_ASKS} (?:did|ran|is|are|wants|want|asked|needs|need|keeps|launched|sent)"
        r"|for the (?:[a-z]+ )?(?:board|deck|weekly|monthly|daily|update|meeting|standup|review|report|all-hands"
        r"|all hands|qbr|okr)"
        r"|product wants|leadership wants|thanks|thank you|thx|ty|cheers|appreciate it"
        r"|checking (?:if|whether|that|how)|deciding (?:where|whether|if|how|what|which|between)")
# the same, said only as a sentence of its own ("... last week? trying to decide"): after a comma they are the question
_WHY_SENTENCE = (r"trying to|(?:i )?want(?:ed)? to (?:know|see|decide|check|understand|figure|make sure|sanity|double|confirm"
                 r"|compare|time|plan|budget|prioriti[sz]e|justify|defend)|dont need|don't need|no need"
                 r"|(?:it )?feels like|seems like|looks like|i (?:think|feel|suspect|heard|guess)|just curious|curious"
                 r"|fyi|context|prepping|prep(?:ping)? for|working on|planning|so (?:we|i) can|gut says|my gut")
_LEAD_IN = r"(?:(?:i'm|im|i am|we're|were|we are|just|and) )?"
_TO_END = r"\b(?:[^.]|(?<=\d)\.(?=\d))*)$"  # "3.4.0" does not end the sentence
ASIDE = re.compile(rf"(?: \. ({_LEAD_IN}(?:{_WHY}|{_WHY_SENTENCE}){_TO_END}|(?: -+| ;|,) ({_LEAD_IN}(?:{_WHY}){_TO_END})")
# who asks, said before the question: "sales lead for DACH here -", "i'm a designer,", "for reconciliation -"
INTRO = re.compile(r"^(?:(?:hi|hey|hello|yo)(?: there)?(?: \.|,|!)? )?(?:(?:i'm|im|i am) (?:a |an |the |on the |new on the )?"
                   r"[a-z]+(?: [a-z]+){0,3}(?:,| -+| \.| :)|[a-z]+(?: [a-z]+){0,4} here(?:,| -+| \.| :)"
                   r"|(?:engineer|exec|support|sales|ops|finance|quick|dumb|noob|founder|pm|product|marketing|growth|design|designer|cs"
                   r"|data|eng|ceo|cto|leadership|board) (?:q|question|ask)(?:,| -+| \.| :| ?:)"
                   r"|for (?:reconciliation|the record|context)(?:,| -+| :)"
                   # a first sentence about what the asker plans ("we're redoing onboarding next quarter ."): context
                   r"|(?:heads up,? |fyi,? )?(?:we're|we are|i'm|i am|we've|we have) [^.]*?(?:next (?:week|month|quarter|year)"
                   r"|tomorrow|soon|upcoming)[^.]* ?\.(?= ))\s*")


def _product_named(text: str, ctx: ParseContext) -> str:
    """"how many ppl used acme this week": the product, named as its Segment sources are, is the product."""
    for name in {schema.split("_")[0] for schema in ctx.catalog.schemas if len(schema.split("_")[0]) > 2}:
        text = rx.sub(rf"(?<![\w-])(used?|uses|using|opened|opens|open) {re.escape(name)}(?![\w-])", r"\1 the product", text)
        text = rx.sub(rf"(?<![\w-])(?:the )?{re.escape(name)} (?=(?:events|data|users|customers|shoppers|signups)\b)", "",
                      text)  # "list all the acme events": the product's events are the events
    return text


def _aside(text: str) -> tuple[str, str]:
    """"invites last week? need it for the board deck": a last sentence that says why the question is asked, not
    what it asks; kept out of the reading and said back as such."""
    intro = INTRO.match(text)
    said = [intro.group(0).strip(" ,.:-")] if intro and len(text) > intro.end() + 10 else []
    text = text[intro.end():] if said else text
    m = ASIDE.search(text)
    if m is not None:
        said.append((m.group(1) or m.group(2)).strip())
        text = text[:m.start()].strip()
    return text, "; ".join(said)


OFF_TOPIC = re.compile(r"^(?:(?:can|could|would) you |please |pls )?(?:write|compose|draft|make up|tell|give|sing)(?: me| us)? "
                       r"(?:a|an|some)(?: \w+)? (?:haiku|poem|song|joke|story|limerick|essay|rap|sonnet|riddle)s?\b")


def _breaks_down_previous(fresh: ReadingState, ctx: ParseContext) -> bool:
    """"split that by the plan they pay for" after "mau since august": the playbook answering that breakdown
    of the previous one (`breakdown_of`), over the previous question's range when the reply names none."""
    of = (fresh.playbook.meta.get("breakdown_of") or {}) if fresh.playbook is not None else {}
    return fresh.rng is None and of.get("playbook") == ctx.previous.playbook


def _read(raw: str, ctx: ParseContext, follow: bool,
          keep_range: bool = False) -> tuple[Request | Clarification, ReadingState | None]:
    text = clean(raw)
    if not text or text in ("help", "?"):
        return Clarification(raw, "Ask me about your product's data.", _playbook_suggestions(ctx), _example(ctx)), None
    if OFF_TOPIC.search(text):  # "write me a haiku about churn": not a question about the data
        return Clarification(raw, "I answer questions about your product's data, not writing requests.",
                             _playbook_suggestions(ctx), _example(ctx)), None
    text, aside = _aside(text)
    text = _product_named(text, ctx)
    state = ReadingState(raw=raw, text=text, full=text, today=ctx.today)
    if aside:
        state.notes.append(f"I read “{aside}” as context (who asks, or why), not as part of the question.")
    correct_typos(state, ctx)
    for step in READING_STEPS:
        asked = step(state, ctx)
        if asked is not None:
            return asked, state
    if follow:
        merge_previous(state, ctx)
    else:
        previous_range(state, ctx, keep_range)
    return _finish(state, ctx), state


def correct_typos(state: ReadingState, ctx: ParseContext) -> None:
    """"retntion montly" -> "retention monthly": said back in the reading."""
    speller = ctx.speller
    words = state.text.split()
    fixed = [_corrected(speller, w) for w in words[:FUZZY_WORDS]] + words[FUZZY_WORDS:]
    for i, word in enumerate(fixed[:80]):  # "since agust": a month, even where the dictionary knows the word
        m = rx.fullmatch(r"([a-z]+)([,.;:!?)]*)", word)
        month = m and month_typo(m.group(1), fixed[i - 1] if i else "", fixed[i + 1] if i + 1 < len(fixed) else "")
        if month:
            fixed[i] = month + m.group(2)
    for typed, read in zip(words, fixed):
        if typed != read:
            state.readings.append(Reading("typo", read, typed))
            state.notes.append(f"Read “{typed}” as “{read}”.")
    state.text = state.full = " ".join(fixed)


def _corrected(speller, word: str) -> str:
    """A word corrected, its punctuation kept ("octber," -> "october,")."""
    m = rx.fullmatch(r"([a-z]+)([,.;:!?)]*)", word)
    if m is None:
        return word
    fixed = speller.correct(m.group(1))
    return fixed + m.group(2) if fixed else word


def _finish(state: ReadingState, ctx: ParseContext) -> Request | Clarification:
    asked = _playbook_from_kinds(state, ctx) or _fit_event_param(state)
    if asked is not None:
        return asked
    if state.playbook is None and "event" in state.params:
        state.playbook = _fallback(ctx)
        state.readings.append(Reading("playbook", state.playbook.id, "(an event was named)"))
    if state.playbook is None:
        return not_understood(state, ctx)
    _one_step_funnel(state, ctx)
    _unique_doers(state, ctx)
    _breakdown_playbook(state, ctx)
    asked = _apply_kinds(state, ctx) or _fit_event_param(state) or unknown_breakdown(state, ctx) \
        or _unnamed(state, ctx) or _left_over(state, ctx)
    if asked is not None:
        return asked
    return resolve(state, ctx)


_A_FEATURE = re.compile(r"\b(?:the|our|that|this) (?:new |latest |recent )?(?:feature|redesign)\b")
_A_SALE = re.compile(r"\b(?:the|our|that|this|last) ((?:summer|winter|spring|fall|autumn|holiday|flash|clearance|anniversary"
                     r"|back to school|end of season|spooky|big|annual) (?:sale|promo|promotion|campaign))\b")


def _unnamed(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """"retention for the new feature", "how did the summer sale do": a thing only the asker can name (its
    event, its dates) is asked for, never replaced by every event or the default range."""
    spec = param_of_type(state.playbook, "events")
    names_event = "event" in state.params or (spec is not None and spec.name in state.params)
    feature = _A_FEATURE.search(state.full)
    if feature and not names_event and (state.playbook.param("event") or spec is not None):
        top = tuple(n for n in ctx.catalog.event_names() if ctx.catalog.event(n).kind == "track")[:4]
        return Clarification(state.raw, f"Which event is “{feature.group(0)}”? Name it and I'll answer for it.",
                             choices=top, param="event" if state.playbook.param("event") else spec.name,
                             example=_example(ctx))
    sale = _A_SALE.search(state.full)
    if sale and state.rng is None:
        return Clarification(state.raw, f"When was {sale.group(0)}? Tell me its dates and I'll answer for them.",
                             param="start", example=f"{state.playbook.id.replace('_', ' ')} from 2026-07-01 to 2026-07-15")
    return None


def _playbook_from_kinds(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """"3 steps before an invite": the one playbook that takes what was said."""
    kinds = state.kinds
    if state.playbook is not None or not kinds:
        return None
    fits = [pb for pb in ctx.library.all() if all(pb.param(f.name) for f in kinds)]
    if len(fits) > 1 and "event" in state.params:
        fits = [pb for pb in fits if pb.param("event") or param_of_type(pb, "events")]
    if len(fits) > 1 and closest_by_words(fits, state.full) is not None:
        fits = [closest_by_words(fits, state.full)]
    if len(fits) == 1:
        state.playbook = fits[0]
        state.readings.append(Reading("playbook", fits[0].id, "; ".join(f.words for f in kinds)))
    return None


def _fit_event_param(state: ReadingState) -> None:
    """One event named for a playbook that takes a list of them (feature adoption of stickers)."""
    pb = state.playbook
    if pb is None or "event" not in state.params or pb.param("event") is not None:
        return None
    spec = param_of_type(pb, "events")
    if spec is not None and spec.name not in state.params:
        state.params[spec.name] = (state.params.pop("event"),)
        state.explicit.add(spec.name)
        state.readings = [replace(r, name=spec.name) if r.name == "event" else r for r in state.readings]
    return None


def _apply_kinds(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """"within 7 days" -> window_days for the playbook that has one. When the chosen playbook has no such
    parameter, the one that has and shares more words with the question ("first 4 events of sessions");
    a phrase the chosen one answers by itself ("vs the week before" of an email's before/after) is used."""
    pb = state.playbook
    if pb.param("threshold") is None and pb.param("event") is not None:  # "users who sent at least one sticker":
        state.kinds = [f for f in state.kinds if not (f.name == "threshold" and f.value == 1)]  # who did it (counted)
    if any(pb.param(f.name) is None and pb.param(KIND_ALIASES.get(f.name, f.name)) is None for f in state.kinds) \
            and not state.by_id:
        takers = [p for p in ctx.library.all() if all(p.param(f.name) for f in state.kinds)]
        # two or more phrases only one playbook takes ("at least 2 photos in their first 7 days ... retain"): that one
        better = takers[0] if len(takers) == 1 and len(state.kinds) >= 2 else closest_by_words([*takers, pb], state.full)
        if better is not None and better is not pb:
            state.readings = [r for r in state.readings if r.name != "playbook"] + [Reading("playbook", better.id,
                                                                                           state.full)]
            state.playbook = pb = better
    for found in state.kinds:
        alias = KIND_ALIASES.get(found.name)
        if pb.param(found.name) is None and alias and pb.param(alias) is not None:
            found = replace(found, name=alias)  # "in their first week" of a funnel from signing up: within 7 days
        if pb.param(found.name) is None:
            if all(w in FILLER or stem(w) in own_stems(pb) for w in found.words.split()):
                continue  # the playbook's own subject: "before" and "after" of an intervention
            return Clarification(state.raw, f"{pb.title} has nothing to set with “{found.words}”.",
                                 example=_example_for(pb))
        if found.name not in state.given:  # key=value wins over a phrase
            state.set(found.name, found.value, found.words)
    if state.params.get("filters") and param_of_type(pb, "filters") is None:
        dim, value = state.params["filters"][0]
        return Clarification(state.raw, f"{pb.title} can't be filtered by {dim} (“{value}”) yet; "
                                        "this answer would count everyone.", example=_example_for(pb))
    return None


def _breakdown_playbook(state: ReadingState, ctx: ParseContext) -> None:
    """"mau by plan": a playbook whose header says it answers this breakdown of another (`breakdown_of`: the
    plan people pay for, from the product database, rather than Segment's plan trait) answers it, when it
    takes everything else the question set; the answer says so."""
    pb, dim = state.playbook, state.params.get("group_by")
    if pb is None or dim is None or state.by_id or "group_by" in state.given:
        return
    for other in ctx.library.all():
        of = other.meta.get("breakdown_of") or {}
        if (of.get("playbook"), of.get("dimension")) != (pb.id, dim):
            continue
        if any(other.param(name) is None for name in state.params if name != "group_by"):
            return  # it cannot take all of the question: the breakdown stays as read
        said = next((r.words for r in state.readings if r.name == "group_by"), dim)
        del state.params["group_by"]
        state.explicit.discard("group_by")
        state.readings = [r for r in state.readings if r.name not in ("playbook", "group_by")]
        state.readings.append(Reading("playbook", other.id, said))
        state.notes.append(f"Read “{said}” as {of.get('note') or other.title.lower()}.")
        state.playbook = other
        return


UNIQUE_DOERS = ("unique users", "user count", "people used")
PER_PERIOD = re.compile(r"\b(?:dau|wau|mau|daily|weekly|monthly|actives?|per (?:day|week|month)|each (?:day|week|month)"
                        r"|a (?:day|week|month)|by (?:day|week|month))\b")


def _unique_doers(state: ReadingState, ctx: ParseContext) -> None:
    """"how many unique users shared a photo in Q3": the people who did an event over a range, which the event's
    volume counts beside its events (its headline says both), not active users per period."""
    pb, event = state.playbook, state.params.get("event")
    if pb is None or pb.id != "active_users" or not event or state.follow_up or state.by_id \
            or state.playbook_words not in UNIQUE_DOERS or state.interval or PER_PERIOD.search(state.full):
        return
    volume = ctx.library.get("event_volume")
    if volume is None or any(volume.param(name) is None for name in state.params):
        return
    state.readings = [r for r in state.readings if r.name != "playbook"]
    state.readings.append(Reading("playbook", volume.id, state.playbook_words))
    state.playbook = volume


def _one_step_funnel(state: ReadingState, ctx: ParseContext) -> None:
    """"when do sticker senders drop off": one event for a playbook of steps reads as the playbook about
    one action that shares the question's words (slipping away), when there is one."""
    spec = param_of_type(state.playbook, "events")
    given = state.params.get(spec.name) if spec is not None else None
    if spec is None or not spec.required or (spec.minimum or 0) < 2 or not given or len(given) != 1:
        return
    if rx.search(r"\b(?:funnel|conversion|convert)", state.playbook_words or ""):
        return  # "funnel message sent": a funnel was asked for; its missing step is asked about
    singles = [pb for pb in ctx.library.all() if pb.param("event") is not None and pb.param("event").required]
    other = closest_by_words(singles, state.full)
    if other is not None and other.id != "event_volume":
        state.params["event"] = state.params.pop(spec.name)[0]
        state.readings = [replace(r, name="event") if r.name == spec.name else r for r in state.readings]
        state.readings = [r for r in state.readings if r.name != "playbook"] + [Reading("playbook", other.id,
                                                                                       state.playbook_words)]
        state.playbook = other


def unused_words(state: ReadingState) -> list[str]:
    """Words no step used and that carry meaning: said back in the answer. A word of the chosen playbook's
    own header (its words, title and question: "which marketing channels bring ...") describes it: used."""
    words = rx.findall(r"[a-z][a-z0-9'&.-]*[a-z0-9]|[a-z]", state.text)
    own = own_stems(state.playbook) if state.playbook is not None else frozenset()
    return list(dict.fromkeys(w for w in words if w not in FILLER and w not in STOPWORDS and len(w) > 1
                              and stem(w) not in own))


# words left over that do not name a thing acted on ("sign ups came from germany"): particles, plain verbs
_NOT_A_THING = frozenset("up ups in ins out outs on off came come comes coming got get gets did do does done went go "
                         "goes made make makes happen happened happening analysis analyses analytics report chart "
                         "graph view".split())


EXPERIMENT = re.compile(r"\b(?:a/b(?: test)?|ab test|split test|experiment(?: group)?s?|variants?|control group|"
                        r"treatment group|holdout(?: group)?)\b")


def _has_experiments(ctx: ParseContext) -> bool:
    return any(rx.search(r"experiment|variant", column) for table in ctx.catalog.tables.values() for column in table)


def _used_thing(state: ReadingState, unused: list[str]) -> str:
    """The unknown thing of "used voice notes", "tried the new editor", when no event was read for it."""
    pb = state.playbook
    if state.params.get("event") or pb is None or pb.param("event") is None:
        return ""
    m = rx.search(r"\b(?:use|used|uses|using|tried|try|tries|trying)\s+(?:the |our |a |an |any )?([a-z]+(?: [a-z]+)?)",
                  state.full)
    if m is None:
        return ""
    words = [w for w in m.group(1).split() if w in unused and w not in _NOT_A_THING]
    return " ".join(words)


def _a_state(word: str, text: str) -> bool:
    """"orders got refunded", "messages were deleted": a state the counted event does not record."""
    return rx.search(rf"\b(?:got|get|gets|getting|were|was|been|being|are|is) {re.escape(word)}\b", text) is not None \
        or rx.search(rf"\b(?:{_DOERS}) (?:have |had |)(?:{re.escape(word)}) (?:the|their|a|an|our|his|her|its|my)\b",
                     text) is not None  # "people abandoned their cart": an action no event records


_DOERS = "people|users|ppl|customers|folks|who|they|visitors|members|accounts|buyers|shoppers|players|someone|anyone"


# kinds of content an event may not tell apart ("video messages", "voice msgs"): asked about, never all of them
_KINDS_OF_CONTENT = frozenset("video videos voice audio gif gifs emoji emojis file files document documents".split())
_PRESENT_AS_DONE = {"open": "opened", "opens": "opened", "click": "clicked", "clicks": "clicked", "tap": "tapped",
                    "taps": "tapped", "unsubscribe": "unsubscribed", "unsubscribes": "unsubscribed"}


def _names_event_next(word: str, event: str, state: ReadingState, ctx: ParseContext) -> bool:
    """"video messages": the word right after is the counted event's own thing (not "video calls started")."""
    after = rx.search(rf"\b{re.escape(word)} (\w+)", state.full)
    found = ctx.matcher.match(after.group(1)) if after else None
    return found is not None and found.event == event and not found.by_action


def _left_over(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """Word soup is asked about; a few unused words are said back with the answer (the product's own name,
    as its Segment sources are named, is the product: "have used messenger today")."""
    products = {schema.split("_")[0] for schema in ctx.catalog.schemas}
    unused = [w for w in unused_words(state) if w not in products]
    if not unused:
        return None
    event = state.params.get("event")
    kind = next((w for w in unused if w in _KINDS_OF_CONTENT and isinstance(event, str)
                 and _names_event_next(w, event, state, ctx)), None)
    if kind is not None:  # "video messages": a kind of message this warehouse does not tell apart
        return Clarification(state.raw, f"No event here records “{kind}” on its own: {event} counts all of them. "
                                        f"Count every {event} instead?", choices=(event,), param="event",
                             example=_example(ctx))
    done = [_PRESENT_AS_DONE.get(w, w) for w in unused]  # "email open rate": opened, beside Email Sent
    other = next((w for w in done if w in EVENT_VERBS and w not in str(event).lower()
                  and not (w == "received" and str(event).endswith(" Sent"))  # what is sent is received
                  and not (w == "opened" and str(event).startswith("Viewed "))  # a page opened is viewed
                  and not (w in ("sent", "send", "sends", "posted") and str(event).endswith(" Shared"))), None)  # a photo sent
    if isinstance(event, str) and other is not None:  # "invites accepted": not the invites that were sent
        choices = tuple(dict.fromkeys([event, *ctx.matcher.suggestions(f"{event} {other}")]))[:4]
        return Clarification(state.raw, f"I found {event}, but not “{other}” in this warehouse's events: which one do "
                                        "you mean?", choices=choices, param="event", example=_example(ctx))
    taken = set(state.guessed_event.split())
    nouns = [w for w in unused if not set(rx.split(r"[-']", w)) & taken  # "sign-ups": its "sign" was read
             and w not in _NOT_A_THING and not w.endswith("ed")]
    state_words = [w for w in unused if w.endswith("ed") and _a_state(w, state.full)
                   and not (w == "opened" and str(event).startswith("Viewed "))]  # "the camera screen was opened"
    if state_words:  # "orders got refunded": nothing here records it; never all orders instead
        return Clarification(state.raw, f"No event in this warehouse records “{state_words[0]}”, so I can't count "
                                        "that. The closest things I can answer are below.",
                             _playbook_suggestions(ctx), _example(ctx))
    trial = EXPERIMENT.search(state.full)
    if trial and any(w in unused for w in trial.group(0).split()) and not _has_experiments(ctx):
        return Clarification(state.raw, f"There is no experiment data in this warehouse (no column of the sources "
                                        f"holds a variant), so I can't split by “{trial.group(0)}”. The closest "
                                        "things I can answer are below.", _playbook_suggestions(ctx), _example(ctx))
    used = _used_thing(state, unused)
    if used:  # "how many people used voice notes": not everyone active
        return Clarification(state.raw, f"I found no event for “{used}” in this warehouse. Which one do you mean?",
                             choices=tuple(ctx.matcher.suggestions(used))[:4], param="event", example=_example(ctx))
    after = state.synonym_words.split()[-1] if state.synonym_words else ""
    if isinstance(event, str) and after and not state.guessed_event:  # "app crashes": not every app open
        state.guessed_event = state.synonym_words
        nouns = [w for w in nouns if rx.search(rf"\b{re.escape(after)} {re.escape(w)}\b", state.full)]
    if isinstance(event, str) and state.guessed_event and nouns:  # "video calls started": not Checkout Started
        shown = " ".join(nouns[:4])
        choices = tuple(dict.fromkeys([*ctx.matcher.suggestions(f"{shown} {state.guessed_event}"), event]))[:4]
        return Clarification(state.raw, f"I found no event for “{shown}” in this warehouse; “{state.guessed_event}” "
                                        f"alone would be {event}. Which one do you mean?", choices=choices,
                             param="event", example=_example(ctx))
    content = [w for w in state.full.split() if w not in FILLER and w not in STOPWORDS]
    understood = max(0, len(content) - len(unused))
    if len(unused) >= 6 and len(unused) > 3 * understood:  # mostly words no step used: not a question read
        shown = ", ".join(f"“{w}”" for w in unused[:6])
        return Clarification(state.raw, f"I could not read most of that ({shown}…). What would you like to know?",
                             _playbook_suggestions(ctx), _example(ctx))
    state.readings.append(Reading("ignored", "", " ".join(unused)))
    state.notes.append("I did not use " + ", ".join(f"“{w}”" for w in unused[:8]) + " in this answer.")
    return None


def _ask_which(text: str, fresh: Request | Clarification, ctx: ParseContext,
               options: bool = True) -> Request | Clarification:
    """A reply that reads both as a follow-up and as a new question: ask, with both as choices."""
    followed, _ = _read(text, ctx, follow=True)
    if not isinstance(followed, Request):
        return _with_options(fresh, ctx, options)
    if not isinstance(fresh, Request):
        return followed
    prev = ctx.library.get(followed.playbook)
    new = ctx.library.get(fresh.playbook)
    options = (Option(f"{prev.title} (as before)", followed), Option(f"{new.title} (a new question)", fresh))
    return Clarification(text, f"Do you mean {prev.title.lower()} as in the question before, or "
                               f"{new.title.lower()} on its own?", choices=tuple(o.label for o in options),
                         param="playbook", options=options)


OPTION_WORDS = 80  # up to this many words, each choice is read with the whole question in advance


def _with_options(outcome: Request | Clarification, ctx: ParseContext, wanted: bool = True) -> Request | Clarification:
    """Choices that stand for words of the question become options that answer the whole question."""
    if not wanted or not isinstance(outcome, Clarification) or not outcome.choices or outcome.options \
            or not (outcome.replace or outcome.param) or len(outcome.question.split()) > OPTION_WORDS:
        return outcome  # (a question of paragraphs: its choices are listed, not each read in advance)
    pattern = re.compile(rf"(?<![\w-]){re.escape(outcome.replace)}(?![\w-])", re.IGNORECASE) if outcome.replace else None
    options = []
    for choice in outcome.choices:
        if pattern is not None:  # the words the choices stand for, replaced by the choice
            rewritten = pattern.sub(choice, outcome.question, count=1)
        else:  # a value the question did not give: added as the parameter it is
            rewritten = f"{outcome.question} {outcome.param}='{choice}'"
        if rewritten == outcome.question:
            continue
        reread = parse(rewritten, replace(ctx), options=False)
        if isinstance(reread, Request):
            options.append(Option(choice, replace(reread, question=outcome.question)))
    return replace(outcome, options=tuple(options))


def closest_by_words(playbooks: list[Playbook], text: str) -> Playbook | None:
    """The one playbook whose header words share the most (stemmed, non-filler) words with `text`."""
    said = {stem(w) for w in text.split()} - STOPWORDS
    scored = sorted(((len(said & {stem(w) for p in pb.words for w in p.split()}), pb.id, pb) for pb in playbooks),
                    key=lambda t: (-t[0], t[1]))
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][2]
    return None


def not_understood(state: ReadingState, ctx: ParseContext) -> Clarification:
    """ "I don't know that": the 3 closest things there are (events of the catalog, playbooks), and an example."""
    wall = len(state.text.split()) > 40  # a wall of unknown words: a few of them are enough to rank suggestions by
    words = list(dict.fromkeys(w for w in rx.split(r"[^a-z0-9]+", state.text)
                               if 3 < len(w) <= 20 and w.isalpha() and w not in STOPWORDS))[:3 if wall else 8]
    ranked: list[tuple[float, str]] = []
    for pb in ctx.library.all():
        phrases = {w for phrase in pb.words for w in phrase.split() if len(w) > 2} or {pb.id}
        ranked.append((_closeness(words, sorted(phrases)), f"{pb.title} (e.g. “{_example_for(pb)}”)"))
    said = " ".join(words) if wall else state.text
    ranked += [(0.75 - i * 0.01, name) for i, name in enumerate(ctx.matcher.suggestions(said))]
    ranked.sort(key=lambda r: -r[0])
    return Clarification(state.raw, "I don't know that. The closest things I can answer are below.",
                         tuple(name for _, name in ranked[:3]), _example(ctx))


def _closeness(words: list[str], phrases: list[str]) -> float:
    """The best likeness of any word to any phrase word: the Dice coefficient of their letter pairs
    (fast enough for 2,000 characters of nonsense; only used to rank what to suggest)."""
    pairs = [_bigrams(p) for p in phrases]
    best = 0.0
    for w in words:
        mine = _bigrams(w)
        for theirs in pairs:
            if mine and theirs:
                best = max(best, 2 * len(mine & theirs) / (len(mine) + len(theirs)))
    return best


@lru_cache(maxsize=8192)
def _bigrams(word: str) -> frozenset[str]:
    return frozenset(word[i:i + 2] for i in range(len(word) - 1))


def _fallback(ctx: ParseContext) -> Playbook:
    for pb in ctx.library.all():
        if pb.meta.get("fallback") or pb.id == "event_volume":
            return pb
    return ctx.library.all()[0]


def _playbook_suggestions(ctx: ParseContext) -> tuple[str, ...]:
    return tuple(pb.examples[0] for pb in ctx.library.all() if pb.examples)[:3]


def _example(ctx: ParseContext) -> str:
    names = ctx.catalog.event_names()
    return f"{names[0].lower()} last 7 days" if names else "retention weekly"


def _example_for(pb: Playbook) -> str:
    return pb.examples[0] if pb.examples else pb.id


__all__ = ["Clarification", "ParseContext", "Reading", "Request", "parse"]
