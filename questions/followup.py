"""Follow-ups in a thread: does a reply continue the previous question, or is it a new one?

A reply that names only what to change ("by platform", "monthly", "last 30 days", "on ios") continues it.
A reply that names its own playbook or measure ("retention weekly", "how many invites yesterday") is a
new question. A reply that names only an event is new when the previous question used events as a
filter ("dau", then "invites yesterday": the invites) and continues it when it says so ("and for
photos?") or asked about that same kind of thing (event volume); where both readings are plausible
(paths before messages, then "invites") the bot asks, with both as choices.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from playbooks import Playbook

from . import rx
from .context import ParseContext
from .request import Reading, Request
from .state import ReadingState
from .steps import bare_value_reply, param_of_type, read_choice_words
from .timerange import LAST_N_BARE, SAME_AGO, DateRange, add_months, describe, period_start

PREVIOUS = "(previous question)"  # the words a value kept from the thread's previous question came from
MARKERS = re.compile(r"^(?:ok(?:ay)?,? |thanks,? |cool,? )?(?:and|what about|how about|same|same for|also|now|"
                     r"just|only|instead|but|then|for|with|without|excluding|except|vs|versus|compared|split|"
                     r"break|by|per|in|on|over|during|since|between|last|this|focus on|zoom in on|narrow (?:it |that )?to"
                     r"|switch (?:it |that )?to|swap in)\b")
DO_SAME = re.compile(r"\b(?:do|show|run|give me|get me|pull) (?:the )?same(?: thing| one| chart| breakdown)? (?:for|with)\b"
                     r"|\b(?:do|run|show) (?:it|that|this) (?:for|with)\b")
REFERS_BACK = re.compile(r"\b(?:of them|of those|those (?:people|users)|these (?:people|users)|(?:is|was) that|(?:are|were) those"
                         r"|the same (?:people|users)|the (?:week|month|day|quarter|year|period) before)\b"
                         r"|^(?:and|what about|how about) (?:after|before)\b")
SAME_RANGE = re.compile(r"\b(?:in|over|for|during) (?:that time|that period|that window|that range|those days"
                        r"|the same (?:period|time|range|time frame|days|window))\b"
                        r"|\bsame (?:period|time frame|range|window)\b|\b(?:of them|of those)\b"
                        r"|\b(?:for|among|with) (?:those|these|the same) (?:folks|people|users|ppl|customers|signups"
                        r"|shoppers|buyers|accounts|guys|ones)\b")  # "d7 retention for those folks": those people
# "how does that split into new vs retained?": the previous answer, cut another way (its range and grain kept)
SPLIT_BACK = re.compile(r"\b(?:does|do|did|would|could|can) (?:that|this|it|those|they) (?:split|break(?: ?down| out| up)?"
                        r"|divide)(?: up)?(?: into| between)\b|\b(?:split|break|divide) (?:that|this|it|them|those)"
                        r"(?: up| down| out)? into\b")
NEW_QUESTION = re.compile(r"^(?:\S+ )?(?:new q|new question|separate (?:thing|question)|different (?:thing|question)"
                          r"|unrelated|another (?:thing|question)|also,? unrelated)\b")
SAME_THING = re.compile(r"\b(?:same|that|this) (?:funnel|chart|graph|thing|analysis|query|question|breakdown|report|"
                        r"numbers?|one|view|table|retention|cohorts?|paths?)\b")
SHIFT_BACK = re.compile(r"\bthe (week|month|day|quarter|year|period) before\b")
ONWARD = re.compile(r"\b(?:turned into|turn into|went on to|go on to|then did|then)\b")
_UNIT_DAYS = {"hour": 0, "day": 1, "week": 7, "month": 28, "quarter": 90}

NEW, FOLLOW, ASK = "new", "follow", "ask"


def _names_event(state: ReadingState) -> bool:
    spec = param_of_type(state.playbook, "events")
    return "event" in state.params or (spec is not None and spec.name in state.params)


def _modifies(state: ReadingState) -> bool:
    return bool(state.rng or state.interval or state.kinds or state.params)


def _event_is_subject(pb: Playbook) -> bool:
    """Is the playbook *about* its event (slipping away from an action, paths before one, a funnel's steps)
    rather than using it to narrow who counts (active users of an event)?"""
    spec = pb.param("event")
    return bool((spec is not None and spec.required) or param_of_type(pb, "events") is not None)


COHORT_SAID = re.compile(r"\b(?:who|that) (?:signed up|sign up|signs up|joined|join|registered)\b"  # not "signups yesterday"
                         r"|\b(?:restrict(?:ed)? to|only|just|limit(?:ed)? to|only for|just for) (?:the )?(?:new )?sign ?ups\b")
COHORT_WORD = re.compile(r"(?:the )?cohorts?")


def _about_signups(pb: Playbook) -> bool:
    """A playbook about the people who signed up in its range (its filters apply to their signup)."""
    spec = param_of_type(pb, "filters")
    return spec is not None and spec.extra.get("applies") == "users"


def _names_cohort(state: ReadingState, ctx: ParseContext) -> bool:
    """"people who signed up in september": the activation event said as who, not as an event to count."""
    return state.params.get("event") == ctx.activation_event and COHORT_SAID.search(state.full) is not None \
        and set(state.params) <= {"event", "filters"}


def decide(fresh: ReadingState, ctx: ParseContext) -> str:
    """NEW, FOLLOW or ASK for a reply, from how it reads on its own (`fresh`)."""
    previous = ctx.previous
    prev_pb = ctx.library.get(previous.playbook) if previous is not None else None
    if prev_pb is None or fresh.by_id or NEW_QUESTION.search(fresh.full):
        return NEW
    onward = bool(ONWARD.search(fresh.full)) and "event" in previous.params  # "of them went on to X"
    names_other = (fresh.playbook_words and fresh.playbook is not prev_pb and fresh.playbook.id != "event_volume"
                   and not onward)
    if REFERS_BACK.search(fresh.full) and not names_other:
        return FOLLOW  # "and how many of them then invited someone?": about the people of the question before
    if _about_signups(prev_pb) and (_names_cohort(fresh, ctx) or COHORT_WORD.fullmatch(fresh.playbook_words or "-")):
        return FOLLOW  # "only for ppl who signed up in september" after LTV, "september cohort?" after d7 retention
    if fresh.playbook is not None and fresh.playbook_words:
        if fresh.playbook.id == prev_pb.id and (fresh.rng is None or SAME_THING.search(fresh.full)):
            return FOLLOW  # "what about AOV" after revenue last month, "same funnel for last week": what else it said kept
        return NEW  # it names its own playbook or measure
    if _names_event(fresh):
        takes_event = prev_pb.param("event") is not None or param_of_type(prev_pb, "events") is not None
        if not takes_event:
            return NEW
        if MARKERS.match(fresh.full) or DO_SAME.search(fresh.full) \
                or prev_pb.id == (fresh.playbook.id if fresh.playbook else ""):
            return FOLLOW
        fallback = ctx.library.get("event_volume")
        if prev_pb is fallback or prev_pb.id == "event_volume":
            return FOLLOW
        return ASK if _event_is_subject(prev_pb) else NEW
    if bare_value_reply(fresh.full, ctx):
        return FOLLOW  # "and facebook?" after revenue from google: the filter's new value
    # "the same days a month earlier", "make that the last 30"
    return FOLLOW if _modifies(fresh) or SAME_AGO.search(fresh.full) or LAST_N_BARE.search(fresh.full) else NEW


def _same_thing_on_the_platform(state: ReadingState, ctx: ParseContext, said: dict) -> None:
    """"same thing on iOS?" after a funnel from the invite friends page: on iOS that page is a screen, so the
    steps become the screen (and a screen the page on web), said in the answer."""
    platforms = {v for d, v in (said.get("filters") or ()) if d in ("platform", "os")}
    kind = " Screen" if platforms & {"iOS", "Android"} else " Page" if "Web" in platforms else ""
    other = {" Screen": " Page", " Page": " Screen"}.get(kind)
    if not kind:
        return
    for name, value in list(state.params.items()):
        events = [value] if isinstance(value, str) else list(value) if isinstance(value, tuple) else []
        if not events or not all(isinstance(e, str) and ctx.catalog.event(e) for e in events):
            continue
        swapped = [e[: -len(other)] + kind if e.endswith(other) and ctx.catalog.event(e[: -len(other)] + kind)
                   else e for e in events]
        if swapped != events:
            state.params[name] = swapped[0] if isinstance(value, str) else tuple(swapped)
            state.notes.append(f"On {', '.join(sorted(platforms))} the same step is "
                               + ", ".join(b for a, b in zip(events, swapped) if a != b) + ".")


def merge_previous(state: ReadingState, ctx: ParseContext) -> None:
    """Continue the previous question: its playbook, and what it said that this reply does not change."""
    previous: Request = ctx.previous
    playbook = ctx.library.get(previous.playbook)
    if playbook is None:
        return
    read_for = state.playbook  # what the reply's own words picked, if anything
    spec = param_of_type(read_for, "events")
    if spec is not None and len(state.params.get(spec.name) or ()) == 1 and playbook.param("event") is not None:
        state.params["event"] = state.params.pop(spec.name)[0]  # one event read as steps: the event it names
        state.readings = [replace(r, name="event") if r.name == spec.name else r for r in state.readings]
    state.playbook, state.follow_up = playbook, True
    for said in rx.findall(r"(?<![\w-])(?:the )?same(?: thing| again| as before)?(?![\w-])", state.text):
        state.take(said)  # "same but monthly": what the question before said, kept
    read_choice_words(state, ctx)  # "and after?" after paths before a signup: the playbook's own words
    if _about_signups(playbook) and _names_cohort(state, ctx):
        state.params.pop("event")  # the people of the cohort, not an event of it
    rng, interval, params = state.rng, state.interval, state.params
    said = set(params) | ({"start", "end"} if rng else set()) | ({"interval"} if interval else set())
    state.readings.insert(0, Reading("playbook", playbook.id, PREVIOUS))
    state.readings += [Reading(k, previous.params[k], PREVIOUS) for k in sorted(previous.explicit - said)
                       if k in previous.params and not (k in ("start", "end") and interval)]
    merged = {k: v for k, v in previous.params.items() if k in previous.explicit}
    if rng is not None or "start" in previous.explicit:
        merged.pop("start", None)
        merged.pop("end", None)
    if interval is not None:
        merged.pop("interval", None)
    if "event" in params:  # a new event replaces the old one, in whichever parameter holds it
        spec = param_of_type(playbook, "events")
        if spec is not None and playbook.param("event") is None:
            merged.pop(spec.name, None)
    merged.update(params)
    if rng is None and interval is None and "start" in previous.explicit and "interval" in previous.params:
        merged.setdefault("interval", previous.params["interval"])  # "and the quick ratio for that?": its grain too
    steps = param_of_type(playbook, "events")
    if steps is not None and steps.required and "event" in merged and steps.name in previous.params \
            and rx.search(r"\b(?:then|of them|of those|after that|next|afterwards)\b", state.full):
        merged[steps.name] = (*previous.params[steps.name], merged.pop("event"))  # "and how many of them then X?"
    state.params = merged
    _same_thing_on_the_platform(state, ctx, params)
    _continue_as_steps(state, ctx, previous)
    state.explicit |= set(previous.explicit)
    if rng is None and "start" in previous.explicit:
        old_days = (previous.params["end"] - previous.params["start"]).days
        # "monthly" after "invites yesterday": one cut-off month says nothing, so a coarser interval
        # than the old range can show gets that interval's default range instead
        start, end = previous.params["start"], previous.params["end"]
        aligned = interval is not None and interval != "hour" and period_start(start, interval, ctx.week_start) == start
        whole = aligned and (period_start(end, interval, ctx.week_start) == end  # "monthly" after "october": by month
                             or period_start(end - timedelta(days=1), interval, ctx.week_start) > start)  # "since oct 1"
        if interval is None or old_days >= 2 * _UNIT_DAYS.get(interval, 1) or whole:
            state.rng = DateRange(previous.params["start"], previous.params["end"], previous.range_label)
        else:
            state.explicit -= {"start", "end"}
    if interval is None and "interval" in previous.explicit:
        state.interval = previous.params.get("interval")
    shift = SHIFT_BACK.search(state.text)
    if shift and rng is None and "start" in previous.params:  # "what about the week before"
        start = _period_before(previous.params["start"], previous.params["end"])
        state.rng = DateRange(start, previous.params["start"], describe(start, previous.params["start"]), shift.group(0))
        state.explicit |= {"start", "end"}
        state.readings += [Reading("start", start, shift.group(0)), Reading("end", previous.params["start"], shift.group(0))]
        state.take(shift.group(0))


def _period_before(start, end):
    """The start of the period before [start, end): whole months stay whole months ("revenue last month",
    then "and the month before?": September, not the 31 days before October); any other range, its length."""
    if start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        return add_months(start, -months)
    return start - (end - start)


def _continue_as_steps(state: ReadingState, ctx: ParseContext, previous: Request) -> None:
    """"how many of those turned into friend adds?" after invites: the previous event, then this one, as steps."""
    event = state.params.get("event")
    before = previous.params.get("event")
    takers = [p for p in ctx.library.all() if (s := param_of_type(p, "events")) is not None and s.required]
    onward = ONWARD.search(state.full) or _OF_THEM.search(state.full)  # "how many of them added to cart"
    if not (event and before and event != before and REFERS_BACK.search(state.full) and onward and len(takers) == 1):
        return
    pb, spec = takers[0], param_of_type(takers[0], "events")
    state.playbook = pb
    state.params = {k: v for k, v in state.params.items() if pb.param(k) is not None and k != "event"}
    state.params[spec.name] = (before, event)
    state.readings = [r for r in state.readings if r.name != "playbook"] + [Reading("playbook", pb.id, onward.group(0)),
                                                                            Reading(spec.name, (before, event), PREVIOUS)]


# "how many of them added to cart?" after product views: the doers of the event before who did this one
_OF_THEM = re.compile(r"\bhow many of (?:them|those|these)(?: people| users)?(?: then| also| actually)? "
                      r"(?:(?!came\b)[a-z]+ed|sent|bought|made|did|shared|paid|got|went)\b")


def previous_range(state: ReadingState, ctx: ParseContext, keep: bool = False) -> None:
    """"how many people viewed the camera screen in that time?": a new question over the range before (and,
    with `keep`, a reply that asks for another view of the same question: its range when it was said)."""
    said = SAME_RANGE.search(state.text)
    previous = ctx.previous
    if (said is None and not keep) or previous is None or "start" not in previous.params or state.rng is not None:
        return
    if said is None and "start" not in previous.explicit:
        return
    start, end = previous.params["start"], previous.params["end"]
    words = said.group(0) if said else PREVIOUS
    state.rng = DateRange(start, end, previous.range_label or describe(start, end), words)
    state.readings += [Reading("start", start, words), Reading("end", end, words)]
    state.explicit |= {"start", "end"}
    if said:
        state.take(said.group(0))
    else:  # "split that by the plan they pay for": the previous question's view, split
        if state.interval is None and "interval" in previous.explicit:
            state.interval = previous.params.get("interval")
        split = rx.search(r"(?<![\w-])(?:split|break|broken|breaking|splitting)(?: (?:that|this|it|them))?"
                          r"(?: (?:down|out|up))?(?= (?:by|into)\b)", state.text)
        if split:
            state.take(split.group(0))

