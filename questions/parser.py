"""Question text -> Request(playbook, typed params), or a Clarification that says what to ask.

Deterministic and offline. Reads, in order: explicit `key=value` parameters, a time range, an
interval ("weekly"), the playbook (from the words in each playbook's header), the event
(from the live catalog). A follow-up in a thread changes only what it says.
Never raises on user input.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from playbooks.library import Library, Playbook
from playbooks.params import ParamError, ParamSpec
from segment import Catalog
from segment.dimensions import dimension_by_word, find_filters

from .kinds import ARROWS, find_kinds, split_sequence
from .request import Clarification, Reading, Request
from .timerange import DATE_RE, DateRange, describe, find_range, last_complete_periods, parse_date, period_start
from .vocabulary import STOPWORDS, EventMatcher, stem

INTERVAL_WORDS = [
    (r"\b(hourly|per hour|by hour|each hour|every hour|hour by hour)\b", "hour"),
    (r"\b(daily|per day|by day|each day|every day|day by day|a day|dau)\b", "day"),
    (r"\b(weekly|per week|by week|each week|every week|week by week|week over week|wow|a week|wau)\b", "week"),
    (r"\b(monthly|per month|by month|each month|every month|month by month|month over month|mom|a month|mau)\b", "month"),
    (r"\b(quarterly|per quarter|by quarter)\b", "quarter"),
]
MAX_QUESTION = 2000
BY_RE = (r"\b(?:(?:broken down |split |grouped |segmented )?by|per|for each|for every) ([a-z][a-z ]{1,30}?)"
         r"(?=$| (?:and|on|for|from|in|with|over|during|since|last|this|top|hourly|daily|weekly|monthly|quarterly"
         r"|yearly|yesterday|today|vs|versus|compared|between|ytd|year to date|within|so far)\b|[,.])")
TOP_DIM_RES = (r"\b(?:top|largest|biggest) \d{1,2} ([a-z]+ [a-z]+)", r"\b(?:top|largest|biggest) \d{1,2} ([a-z]+)")
_UNIT_DAYS = {"hour": 0, "day": 1, "week": 7, "month": 28, "quarter": 90}
PREVIOUS = "(previous question)"  # the words a value kept from the thread's previous question came from
PARAM_RE = r"\b([a-z_]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s]+)"


@dataclass
class ParseContext:
    library: Library
    catalog: Catalog
    today: date
    week_start: str = "monday"
    synonyms: dict[str, str] = field(default_factory=dict)
    previous: Request | None = None
    _matcher: EventMatcher | None = None

    @property
    def matcher(self) -> EventMatcher:
        if self._matcher is None:
            self._matcher = EventMatcher(self.catalog, self.synonyms)
        return self._matcher


log = logging.getLogger("playbot.parser")

_FILTER_PREP = r"(?:on|from|for|via|with|using) "


def parse(text: str, ctx: ParseContext) -> Request | Clarification:
    try:
        parsed = _parse(text, ctx)
        if isinstance(parsed, Clarification) and ctx.previous is not None:
            # "messages vs last week" after a funnel: what does not fit the previous question may be a new one
            fresh = _parse(text, replace(ctx, previous=None))
            if isinstance(fresh, Request):
                return fresh
        return parsed
    except Exception as exc:
        log.exception("parser failed on %r", text[:200])
        return Clarification(text, f"I could not read that question ({type(exc).__name__}).",
                             example=_example(ctx))


def _clean(text: str) -> str:
    text = (text or "")[:MAX_QUESTION]
    text = re.sub(r"<@[A-Z0-9]+>", " ", text)  # Slack mentions
    text = text.replace("’", "'").replace("→", " -> ").lower()
    text = re.sub(r"[?!]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _parse(raw: str, ctx: ParseContext) -> Request | Clarification:
    text = _clean(raw)
    if not text or text in ("help", "?"):
        return Clarification(raw, "Ask me about your product's data.", _playbook_suggestions(ctx), _example(ctx))
    readings: list[Reading] = []
    params: dict[str, Any] = {}
    explicit: set[str] = set()

    # 1. explicit parameters: "event_volume event='Invite Sent' interval=week"
    playbook: Playbook | None = None
    first, _, rest = text.partition(" ")
    # a leading id names the playbook only when it reads as one: "event_volume event=...", "retention";
    # "retention drivers" is a phrase for the words below to weigh
    if first in ctx.library and ("_" in first or not rest or re.match(PARAM_RE, rest)):
        playbook = ctx.library[first]
        readings.append(Reading("playbook", playbook.id, first))
        text = rest.strip()
    for m in list(re.finditer(PARAM_RE, text)):
        key, value = m.group(1), m.group(2).strip("'\"")
        params[key] = value
        explicit.add(key)
        readings.append(Reading(key, value, m.group(0)))
    text = re.sub(PARAM_RE, " ", text).strip()
    given = set(explicit)
    by_id = playbook is not None  # named by its id: never second-guessed
    for m in re.finditer(PARAM_RE, raw[:MAX_QUESTION], flags=re.IGNORECASE):  # values keep their capitals
        if m.group(1).lower() in params:
            params[m.group(1).lower()] = m.group(2).strip("'\"")

    # 2. phrases of the generic parameter kinds ("vs last week", "within 7 days", "at least 3 times"),
    # before the time range so that "vs last week" is not read as the range
    kinds, text = find_kinds(text, ctx.today)

    # 3. time range
    rng, text = find_range(text, ctx.today, ctx.week_start)
    leftover = re.search(DATE_RE, text)
    if rng is None and leftover:
        when = parse_date(leftover.group(0), ctx.today)
        problem = "is in the future" if when and when > ctx.today else "is not a date I can read"
        return Clarification(raw, f"“{leftover.group(0)}” {problem}.", example="signups since 2026-09-01",
                             param="start")
    if rng is not None:
        readings.append(Reading("start", rng.start, rng.words))
        readings.append(Reading("end", rng.end, rng.words))
        explicit |= {"start", "end"}

    # 3. interval words
    interval = None
    for pattern, unit in INTERVAL_WORDS:
        m = re.search(pattern, text)
        if m:
            interval = unit
            readings.append(Reading("interval", unit, m.group(0)))
            explicit.add("interval")
            break

    # 4. playbook, from the words in each playbook's header (longest phrases weigh most)
    full_text = text  # before the playbook's own words are taken out
    if playbook is None:
        playbook, words = _pick_playbook(text, ctx.library, sequence=bool(ARROWS.search(text)))
        if playbook is not None:
            readings.append(Reading("playbook", playbook.id, words))
            text = re.sub(rf"\b{re.escape(words)}\b", " ", text) if words else text

    # 5. enum and bool values named in the playbook's header ("stickiness" -> metric=stickiness)
    if playbook is not None:
        for spec in playbook.params:
            if spec.name in params or not spec.extra.get("words") or spec.type == "events":
                continue
            for choice, phrases in spec.extra["words"].items():
                hit = next((w for w in phrases if _phrase_re(w).search(full_text)), None)
                if hit:
                    params[spec.name] = choice
                    explicit.add(spec.name)
                    readings.append(Reading(spec.name, choice, hit))
                    text = re.sub(rf"(?<![\w-]){re.escape(hit)}(?![\w-])", " ", text)
                    break

    # 6. breakdowns ("by platform", "top 3"), filters ("on iOS", "for pro users")
    # "by platform", "per plan"; "top 5 countries by signups" names the breakdown after top N
    by = next((m for m in re.finditer(BY_RE, text) if dimension_by_word(m.group(1).strip())), None)
    named = by.group(0) if by else ""
    if by is None:
        by = next((m for pattern in TOP_DIM_RES for m in re.finditer(pattern, text) if dimension_by_word(m.group(1))),
                  None)
        named = by.group(1) if by else ""  # keep "top 5" for the top parameter
    dim_param = next((s.name for s in playbook.params if s.type == "dimension"), None) if playbook else None
    if by:
        dim = dimension_by_word(by.group(1).strip())
        if dim is not None:  # a sensitive one is kept so the policy can refuse it with its reason
            if playbook is not None and dim_param is None:
                return Clarification(raw, f"{playbook.title} can't be broken down by {dim.label.lower()} yet.",
                                     example=_example_for(playbook))
            params[dim_param or "group_by"] = dim.name
            explicit.add(dim_param or "group_by")
            readings.append(Reading(dim_param or "group_by", dim.name, by.group(0)))
            text = text.replace(named, " ", 1)
    top = re.search(r"\btop (\d{1,2})\b", text)
    if top and (playbook is None or playbook.param("top") is not None):
        params["top"] = int(top.group(1))
        explicit.add("top")
        readings.append(Reading("top", int(top.group(1)), top.group(0)))
        text = text.replace(top.group(0), " ")
    if playbook is not None and not any(s.type == "filters" for s in playbook.params):
        # "sessions on ios": say the filter can't be applied rather than answer for everyone
        said = next((f for f in find_filters(text, ctx.catalog) if re.match(_FILTER_PREP, f[2])), None)
        if said is not None:
            return Clarification(raw, f"{playbook.title} can't be filtered by {said[0]} (“{said[2]}”) yet; "
                                      "this answer would count everyone.", example=_example_for(playbook))
    if playbook is None or any(s.type == "filters" for s in playbook.params):
        found = find_filters(text, ctx.catalog)
        if found:
            name = next((s.name for s in playbook.params if s.type == "filters"), "filters") if playbook else "filters"
            params[name] = tuple((d, v) for d, v, _ in found)
            explicit.add(name)
            for d, v, words in found:
                readings.append(Reading(name, f"{d}:{v}", words))
                text = re.sub(rf"(?<![\w-]){re.escape(words)}(?![\w-])", " ", text)

    # 7. events, from the catalog: a sequence for a playbook that takes one ("signup -> invite -> message"),
    # else one event
    event_text = text
    for pattern, _ in INTERVAL_WORDS:
        event_text = re.sub(pattern, " ", event_text)
    spec = playbook.param("event") if playbook is not None else None
    takes_none = playbook is not None and spec is None and _param_of_type(playbook, "events") is None
    if (spec is not None and not spec.required) or takes_none:
        # the event is an optional filter here: "how sticky is the product" names no event, and
        # "retention of users who signed up in october" describes the cohort, not what counts as coming back
        event_text = re.sub(r"\b(?:the|our|my|your|this) (?:product|app|site|website|service)\b"
                            r"|\b(?:who|that) (?:signed up|registered|joined)\b", " ", event_text)
    if takes_none:  # words that pick one of its choices ("orders and revenue": metrics) name no event here
        for phrase in sorted({w for s in playbook.params for ws in s.extra.get("words", {}).values() for w in ws},
                             key=len, reverse=True):
            event_text = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", event_text)
    sequence = split_sequence(event_text)
    if playbook is None and sequence and sequence[1] == "arrows":
        takers = [pb for pb in ctx.library.all() if _needs_steps(pb)]
        if len(takers) > 1:
            return Clarification(raw, "What should I show for these steps?", choices=tuple(pb.id for pb in takers),
                                 param="playbook", example=_example_for(takers[0]))
        if takers:
            playbook = takers[0]
            readings.append(Reading("playbook", playbook.id, "(a sequence of steps)"))
    list_spec = _param_of_type(playbook, "events") if playbook is not None else None
    if list_spec is not None and list_spec.name not in params and sequence:
        steps = _match_steps(raw, sequence[0], list_spec.name, playbook, ctx)
        if isinstance(steps, Clarification):
            return steps
        params[list_spec.name] = steps
        explicit.add(list_spec.name)
        readings.append(Reading(list_spec.name, steps, " → ".join(sequence[0])))
    elif "event" not in params:
        match = ctx.matcher.match(event_text)
        if match is not None and match.event is None and match.choices and not takes_none:
            return Clarification(raw, f"Which event do you mean by “{match.words}”?",
                                 choices=match.choices, param="event",
                                 example=f"{match.choices[0].lower()} {rng.words if rng else 'last 7 days'}")
        if match is not None and match.event:
            name = "event" if list_spec is None or playbook.param("event") is not None else list_spec.name
            params[name] = match.event if name == "event" else (match.event,)
            explicit.add(name)
            readings.append(Reading(name, params[name], match.words))

    if list_spec is not None and list_spec.name not in params and "event" not in params:
        # no steps named: a set the header names ("checkout funnel" -> the e-commerce spec's four steps);
        # each step is then matched to the catalog like typed ones, so spec v1 names are found too
        for steps, phrases in list_spec.extra.get("words", {}).items():
            hit = next((w for w in phrases if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", full_text)), None)
            if hit:
                params[list_spec.name] = steps
                explicit.add(list_spec.name)
                readings.append(Reading(list_spec.name, steps, hit))
                break

    # 8. follow-up: nothing says which playbook -> continue the previous question
    previous = ctx.previous
    if playbook is None and previous is not None and (rng or interval or params or kinds):
        playbook = ctx.library.get(previous.playbook)
        if playbook is not None:
            said = set(params) | ({"start", "end"} if rng else set()) | ({"interval"} if interval else set())
            readings.insert(0, Reading("playbook", playbook.id, PREVIOUS))
            readings += [Reading(k, previous.params[k], PREVIOUS) for k in sorted(previous.explicit - said)
                         if k in previous.params and not (k in ("start", "end") and interval)]
            merged = {k: v for k, v in previous.params.items() if k in previous.explicit}
            if rng is not None:  # a new range replaces the old one
                merged.pop("start", None)
                merged.pop("end", None)
            if interval is not None:
                merged.pop("interval", None)
            merged.update(params)
            params = merged
            explicit |= set(previous.explicit)
            if rng is None and "start" in previous.explicit:
                merged.pop("start", None)
                merged.pop("end", None)
                params = merged
                old_days = (previous.params["end"] - previous.params["start"]).days
                # "monthly" after "invites yesterday": one cut-off month says nothing, so a coarser
                # interval than the old range can show gets that interval's default range instead
                if interval is None or old_days >= 2 * _UNIT_DAYS.get(interval, 1):
                    rng = DateRange(previous.params["start"], previous.params["end"], previous.range_label)
                else:
                    explicit -= {"start", "end"}
            if interval is None and "interval" in previous.explicit:
                interval = previous.params.get("interval")
    if playbook is None and kinds:  # "3 steps before an invite": the one playbook that takes what was said
        fits = [pb for pb in ctx.library.all() if all(pb.param(f.name) for f in kinds)]
        if len(fits) > 1 and "event" in params:
            fits = [pb for pb in fits if pb.param("event") or _param_of_type(pb, "events")]
        if len(fits) > 1 and _closest_by_words(fits, full_text) is not None:
            fits = [_closest_by_words(fits, full_text)]
        if len(fits) == 1:
            playbook = fits[0]
            readings.append(Reading("playbook", playbook.id, "; ".join(f.words for f in kinds)))
    if playbook is not None and "event" in params and playbook.param("event") is None:
        list_spec = _param_of_type(playbook, "events")  # one event named for a playbook of several
        if list_spec is not None and list_spec.name not in params:
            params[list_spec.name] = (params.pop("event"),)
            readings = [replace(r, name=list_spec.name) if r.name == "event" else r for r in readings]
    if playbook is None and "event" in params:
        playbook = _fallback(ctx.library)
        readings.append(Reading("playbook", playbook.id, "(an event was named)"))
    if playbook is None:
        return _not_understood(raw, text, ctx)
    if any(playbook.param(f.name) is None for f in kinds) and not by_id:
        # "first 4 events of sessions": the playbook that takes "first 4 events" and shares the most words
        better = _closest_by_words([pb for pb in ctx.library.all() if all(pb.param(f.name) for f in kinds)], full_text)
        if better is not None:
            readings = [r for r in readings if r.name != "playbook"] + [Reading("playbook", better.id, full_text)]
            playbook = better
    if params.get("filters") and not any(s.type == "filters" for s in playbook.params):  # "on ios" after sessions
        dim, value = params["filters"][0]
        return Clarification(raw, f"{playbook.title} can't be filtered by {dim} (“{value}”) yet; "
                                  "this answer would count everyone.", example=_example_for(playbook))
    for found in kinds:  # "within 7 days" -> window_days, for the playbook that has one
        if playbook.param(found.name) is None:
            return Clarification(raw, f"{playbook.title} has nothing to set with “{found.words}”.",
                                 example=_example_for(playbook))
        if found.name not in given:  # key=value wins over a phrase
            params[found.name] = found.value
            explicit.add(found.name)
            readings.append(Reading(found.name, found.value, found.words))
    return _resolve(raw, playbook, params, rng, interval, readings, explicit, ctx)


def _pick_playbook(text: str, library: Library, sequence: bool = False) -> tuple[Playbook | None, str]:
    """The playbook whose header words fit best; steps in order ("a -> b") favour one that needs steps."""
    best: tuple[float, Playbook | None, str] = (0.0, None, "")
    plain = re.sub(r"\b(?:our|the|my|your|their|a|an) ", "", text)  # "where do our active users come from"
    plain = re.sub(r"\btop \d{1,2} ", "top ", plain)  # "top 10 events" has the words "top events"
    stems = _stemmed(plain)  # "resurrect" finds "resurrected", "predict retention" finds "predicts retention"
    for pb in library.all():
        bonus = 0.5 if sequence and _needs_steps(pb) else 0.0
        for phrase in (*pb.words, pb.id.replace("_", " ")):
            pattern = _phrase_re(phrase)
            exact = pattern.search(text) or pattern.search(plain)
            if exact or _phrase_re(_stemmed(phrase)).search(stems):
                score = len(phrase.split()) + len(phrase) / 100 + bonus - (0 if exact else 0.05)
                if score > best[0]:
                    best = (score, pb, phrase)
    if best[1] is None:  # a typo in a playbook word: "retension"
        typed = [w for w in plain.split() if len(w) >= 6]
        for pb in library.all():
            for phrase in pb.words:
                close = difflib.get_close_matches(phrase, typed, 1, 0.85) if " " not in phrase and len(phrase) >= 6 else []
                score = 1 + len(phrase) / 100 - 0.05
                if close and score > best[0]:
                    best = (score, pb, close[0])
    return best[1], best[2]


@lru_cache(maxsize=8192)
def _phrase_re(phrase: str) -> re.Pattern:
    """A phrase as a whole-word pattern, compiled once: escaping and looking up some 600 header
    phrases on every question was half of the parse time."""
    return re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])")


@lru_cache(maxsize=4096)
def _stemmed(text: str) -> str:
    return " ".join(stem(w) for w in text.split())


def _closest_by_words(playbooks: list[Playbook], text: str) -> Playbook | None:
    """The one playbook whose header words share the most (stemmed, non-filler) words with `text`."""
    said = {stem(w) for w in text.split()} - STOPWORDS
    scored = sorted(((len(said & {stem(w) for p in pb.words for w in p.split()}), pb.id, pb) for pb in playbooks),
                    key=lambda t: (-t[0], t[1]))
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][2]
    return None


def _needs_steps(pb: Playbook) -> bool:
    spec = _param_of_type(pb, "events")
    return spec is not None and spec.required


def _param_of_type(pb: Playbook, ptype: str) -> ParamSpec | None:
    return next((spec for spec in pb.params if spec.type == ptype), None)


def _match_steps(raw: str, parts: list[str], name: str, pb: Playbook, ctx: ParseContext) -> tuple[str, ...] | Clarification:
    """Each part of a sequence to one event of the catalog; an unknown or ambiguous part is asked about."""
    most = int(pb.param(name).maximum or 12) if pb.param(name) else 12
    if len(parts) > most:
        return Clarification(raw, f"{pb.title} takes at most {most} events.", param=name, example=_example_for(pb))
    steps = []
    for i, part in enumerate(parts, 1):
        match = ctx.matcher.match(part)
        if match is None:
            return Clarification(raw, f"I don't know the event “{part}” (step {i}) in this warehouse.",
                                 suggestions=tuple(ctx.matcher.suggestions(part)), param=name, example=_example_for(pb))
        if match.event is None:
            return Clarification(raw, f"Which event do you mean by “{match.words}” (step {i})?", choices=match.choices,
                                 param=name, example=_example_for(pb))
        steps.append(match.event)
    return tuple(steps)


def _fallback(library: Library) -> Playbook:
    for pb in library.all():
        if pb.meta.get("fallback") or pb.id == "event_volume":
            return pb
    return library.all()[0]


def _resolve(raw: str, pb: Playbook, params: dict[str, Any], rng: DateRange | None, interval: str | None,
             readings: list[Reading], explicit: set[str], ctx: ParseContext) -> Request | Clarification:
    out: dict[str, Any] = {}
    unknown = [k for k in params if pb.param(k) is None]
    if unknown:
        return Clarification(raw, f"{pb.title} has no parameter {unknown[0]!r}.",
                             suggestions=tuple(difflib.get_close_matches(unknown[0], pb.param_names, 3, 0)),
                             example=_example_for(pb))
    ispec = pb.param("interval")
    if ispec is not None:
        if interval is None:
            interval = params.get("interval")
        if interval is None and rng is not None and "interval" not in explicit:
            interval = _interval_for_range(rng, ispec.choices)
            readings.append(Reading("interval", interval, "(fits the range)"))
        try:
            interval = ispec.coerce(interval) if interval else ispec.coerce(ispec.default or "day")
        except ParamError as exc:
            return Clarification(raw, exc.message, choices=tuple(exc.choices), param="interval",
                                 example=_example_for(pb))
        out["interval"] = interval
    label = ""
    if pb.param("start") is not None and pb.param("end") is not None:
        if "start" in params or "end" in params:
            try:
                start = pb.param("start").coerce(params.get("start")) if "start" in params else None
                end = pb.param("end").coerce(params.get("end")) if "end" in params else ctx.today + timedelta(days=1)
            except ParamError as exc:
                return Clarification(raw, exc.message, example=_example_for(pb))
            if start is None:
                start, _ = _default_range(pb, interval or "day", ctx)
            label = describe(start, end)
        elif rng is not None:
            start, end, label = rng.start, rng.end, rng.label
        else:
            start, end = _default_range(pb, interval or "day", ctx)
            n = pb.default_range.get(interval or "day")
            label = f"last {n} complete {interval or 'day'}s" if n else describe(start, end)
        if end <= start:
            return Clarification(raw, "The end of the range must be after its start.", example=_example_for(pb))
        out["start"], out["end"] = start, end
    for spec in pb.params:
        if spec.name in out:
            continue
        value = params.get(spec.name, spec.default)
        try:
            value = spec.coerce(value)
        except ParamError as exc:
            return Clarification(raw, exc.message, choices=tuple(exc.choices), param=spec.name, example=_example_for(pb))
        if spec.type == "events" and value:
            value = _match_steps(raw, list(value), spec.name, pb, ctx)
            if isinstance(value, Clarification):
                return value
            if spec.minimum and len(value) < spec.minimum:
                return Clarification(raw, f"{pb.title} needs at least {spec.minimum:g} events in order.",
                                     param=spec.name, example=_example_for(pb))
        if spec.type == "event" and value is not None and ctx.catalog.event(value) is None:
            match = ctx.matcher.match(str(value))
            if match is None or match.event is None:
                return Clarification(raw, f"I don't know the event “{value}” in this warehouse.",
                                     suggestions=tuple(ctx.matcher.suggestions(str(value))),
                                     choices=match.choices if match else (), param=spec.name,
                                     example=_example_for(pb))
            value = match.event
        if spec.required and value in (None, "", ()):
            top = ctx.catalog.event_names()[:3]
            return Clarification(raw, f"Which {spec.name.replace('_', ' ')}? {pb.title} needs one.",
                                 suggestions=tuple(top), param=spec.name,
                                 example=f"{top[0].lower() if top else 'signups'} last 7 days")
        out[spec.name] = value
    return Request(playbook=pb.id, params=out, question=raw, readings=tuple(readings),
                   explicit=frozenset(explicit & set(out)), range_label=label)


def _interval_for_range(rng: DateRange, choices: tuple[str, ...]) -> str:
    days = rng.days
    if days <= 2 and "hour" in choices and rng.grain == "hour":
        return "hour"
    if days <= 62 or "week" not in choices:
        return "day" if "day" in choices else choices[0]
    if days <= 26 * 7 or "month" not in choices:
        return "week"
    return "month"


def _default_range(pb: Playbook, interval: str, ctx: ParseContext) -> tuple[date, date]:
    n = pb.default_range.get(interval, {"hour": 1, "day": 30, "week": 12, "month": 12, "quarter": 4}.get(interval, 30))
    if interval == "hour":
        return ctx.today - timedelta(days=1), ctx.today + timedelta(days=1)
    return last_complete_periods(ctx.today, interval, n, ctx.week_start)


def _not_understood(raw: str, text: str, ctx: ParseContext) -> Clarification:
    """ "I don't know that": the 3 closest things there are (events of the catalog, playbooks), and an example."""
    words = list(dict.fromkeys(w for w in re.split(r"[^a-z0-9]+", text) if 3 < len(w) <= 40 and w not in STOPWORDS))[:20]
    ranked: list[tuple[float, str]] = []
    for pb in ctx.library.all():
        phrases = {w for phrase in pb.words for w in phrase.split() if len(w) > 2} or {pb.id}
        score = _closeness(words, sorted(phrases))
        ranked.append((score, f"{pb.title} (e.g. “{_example_for(pb)}”)"))
    events = ctx.matcher.suggestions(text)
    ranked += [(0.75 - i * 0.01, name) for i, name in enumerate(events)]  # close event names, best first
    ranked.sort(key=lambda r: -r[0])
    suggestions = tuple(name for _, name in ranked[:3])
    return Clarification(raw, "I don't know that. The closest things I can answer:", suggestions, _example(ctx))


def _closeness(words: list[str], phrases: list[str]) -> float:
    """The best similarity of any word to any phrase word (difflib's ratio, with its cheap bounds first)."""
    best = 0.0
    for w in words:
        matcher = difflib.SequenceMatcher(b=w)
        for p in phrases:
            matcher.set_seq1(p)
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
    return best


def _playbook_suggestions(ctx: ParseContext) -> tuple[str, ...]:
    return tuple(pb.examples[0] for pb in ctx.library.all() if pb.examples)[:3]


def _example(ctx: ParseContext) -> str:
    names = ctx.catalog.event_names()
    if names:
        return f"{names[0].lower()} last 7 days"
    return "retention weekly"


def _example_for(pb: Playbook) -> str:
    return pb.examples[0] if pb.examples else pb.id


__all__ = ["Clarification", "ParseContext", "Reading", "Request", "parse", "period_start"]
