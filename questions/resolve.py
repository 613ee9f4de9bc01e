"""The last step: every parameter of the chosen playbook gets a value (what the question said, else the
header's default), coerced through its type; what cannot be is asked about. Dates are bounded to what a
warehouse can hold, and a default that the warehouse cannot honour (a default event it does not have)
is asked about, never replaced by something close.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime, timedelta
from typing import Any

from playbooks import ParamError, Playbook

from . import rx
from .context import ParseContext
from .events import match_steps
from .request import Clarification, Reading, Request
from .state import ReadingState
from .timerange import DateRange, describe, last_complete_periods

HOURLY_MAX_DAYS = 7  # an hourly answer covers at most this many days (docs/comparisons.md#hourly-answers)
EARLIEST = date(2000, 1, 1)  # no product analytics before this: earlier dates are bounded to it, and said


def _example_for(pb: Playbook) -> str:
    return pb.examples[0] if pb.examples else pb.id


def resolve(state: ReadingState, ctx: ParseContext) -> Request | Clarification:
    pb = state.playbook
    unknown = [k for k in state.params if pb.param(k) is None]
    if unknown:
        return Clarification(state.raw, f"{pb.title} has no parameter {unknown[0]!r}.",
                             suggestions=tuple(difflib.get_close_matches(unknown[0], pb.param_names, 3, 0)),
                             example=_example_for(pb))
    out: dict[str, Any] = {}
    interval = _interval(state, pb)
    if isinstance(interval, Clarification):
        return interval
    if interval is not None:
        out["interval"] = interval
    label = ""
    if pb.param("start") is not None and pb.param("end") is not None:
        dates = _range(state, pb, interval, ctx)
        if isinstance(dates, Clarification):
            return dates
        out["start"], out["end"], label = dates
    for spec in pb.params:
        if spec.name in out:
            continue
        value = _value(state, pb, spec, ctx)
        if isinstance(value, Clarification):
            return value
        out[spec.name] = value
    daily = _daily_only(state, pb, out)
    if daily is not None:
        return daily
    return Request(playbook=pb.id, params=out, question=state.raw, readings=tuple(state.readings),
                   explicit=frozenset(state.explicit & set(out)), range_label=label, notes=tuple(state.notes))


def _daily_only(state: ReadingState, pb: Playbook, out: dict[str, Any]) -> Clarification | None:
    """Stickiness (DAU over the rolling 28-day MAU) and rolling WAU/MAU are numbers of a day: asked per hour
    or per quarter, asked back. A quarter read only from the range ("stickiness q3 vs q4") is not said:
    the range's own interval instead."""
    interval = out.get("interval")
    if interval not in ("hour", "quarter") or not (out.get("metric") == "stickiness" or out.get("rolling")):
        return None
    said = state.interval or state.params.get("interval")
    if interval == "quarter" and not said and state.rng is not None:
        out["interval"] = _interval_for_range(state.rng, pb.param("interval").choices)
        return None
    example = "active users hourly today" if interval == "hour" else "quarterly active users"
    return Clarification(state.raw, f"Stickiness (DAU/MAU) and rolling WAU/MAU are counted per day, not per {interval}.",
                         choices=("day",), param="interval", example=example)


def _interval(state: ReadingState, pb: Playbook) -> str | None | Clarification:
    spec = pb.param("interval")
    if spec is None:
        return None
    interval = state.interval or state.params.get("interval")
    if interval is None and state.rng is not None and "interval" not in state.explicit:
        versus = rx.search(r"\b(?:vs|versus|compared|or)\b", state.rng.words)  # "sept vs oct": month by month
        if (spec.extra.get("of_range") or versus) and state.rng.grain in spec.choices:  # "lost last week": weekly
            interval = state.rng.grain
            why = f"(“{state.rng.words}”)" if versus else f"(one {state.rng.grain}: “{state.rng.words}”)"
        else:
            interval, why = _interval_for_range(state.rng, spec.choices), "(fits the range)"
        state.readings.append(Reading("interval", interval, why))
    try:
        return spec.coerce(interval) if interval else spec.coerce(spec.default or "day")
    except ParamError as exc:
        choices = list(exc.choices)
        said = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else "".join(choices)
        message = f"I count {pb.title[0].lower() + pb.title[1:]} per {said}, not per {interval}." if choices else exc.message
        return Clarification(state.raw, message, choices=tuple(choices), param="interval", example=_example_for(pb))


def _range(state: ReadingState, pb: Playbook, interval: str | None,
           ctx: ParseContext) -> tuple[date, date, str] | Clarification:
    params = state.params
    if "start" in params or "end" in params:
        try:
            start = pb.param("start").coerce(params.get("start")) if "start" in params else None
            end = pb.param("end").coerce(params.get("end")) if "end" in params else ctx.today + timedelta(days=1)
        except ParamError as exc:
            return Clarification(state.raw, exc.message, example=_example_for(pb))
        if start is None:
            start, _ = default_range(pb, interval or "day", ctx)
        label = ""
    elif state.rng is not None:
        start, end, label = state.rng.start, state.rng.end, state.rng.label
        weeks = rx.fullmatch(r"last (\d+) complete weeks", label)
        if weeks and interval != "week" and int(weeks.group(1)) <= 4:  # "the last 2 weeks", not per week: 14 days
            days = 7 * int(weeks.group(1))
            start, end, label = ctx.today - timedelta(days=days), ctx.today, f"last {days} complete days"
    else:
        start, end = default_range(pb, interval or "day", ctx)
        n = pb.default_range.get(interval or "day")
        label = (hourly_default_label(start, end, ctx) if interval == "hour" else
                 f"last {n} complete {interval or 'day'}s" if n else describe(start, end))
    if _moment(end) <= _moment(start):
        return Clarification(state.raw, "The end of the range must be after its start.", example=_example_for(pb))
    if _moment(start) >= _moment(ctx.today + timedelta(days=1)):
        return Clarification(state.raw, f"{start.isoformat()} is in the future: there is no data for it yet.",
                             param="start", example=_example_for(pb))
    bounded = False
    if _moment(start) < _moment(EARLIEST):
        state.notes.append(f"The range starts on {EARLIEST.isoformat()}, the earliest date Playbot reads "
                           f"(asked: {start.isoformat()}).")
        start, bounded = EARLIEST, True
    if _moment(end) > _moment(ctx.today + timedelta(days=1)):
        state.notes.append(f"The range ends today: nothing after {ctx.today.isoformat()} has happened yet "
                           f"(asked: up to {(end - timedelta(days=1)).isoformat()}).")
        end, bounded = ctx.today + timedelta(days=1), True
    label = describe(start, end) if bounded or not label else label
    if interval == "hour":
        return hourly_range(state, start, end, label, ctx)
    return start, end, label


def _moment(value: date) -> datetime:
    """A range bound as a datetime: a date is its midnight (an hourly range may start at a moment)."""
    return value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())


def hourly_default_label(start: date, end: date, ctx: ParseContext) -> str:
    """The words of the default hourly range (the header's `default_range: {hour: N}` days up to now)."""
    if start == ctx.today:
        return f"today so far (the default for hourly: {describe(start, end)})"
    if start == ctx.today - timedelta(days=1) and end == ctx.today + timedelta(days=1):
        return f"yesterday and today so far (the default for hourly: {describe(start, end)})"
    return f"{describe(start, end)} (the default for hourly)"


def hourly_range(state: ReadingState, start: date, end: date, label: str,
                 ctx: ParseContext) -> tuple[date, date, str]:
    """An hourly range: "the last N hours" counts back from the hour of now (N whole hours and this hour so
    far); any range holds at most HOURLY_MAX_DAYS days: a longer one is cut to its last days, and said."""
    hours = rx.fullmatch(r"last (\d+) hours", label)
    if hours and ctx.now is not None:
        n = int(hours.group(1))
        if n > 24 * HOURLY_MAX_DAYS:
            state.notes.append(f"Hourly counts cover at most {HOURLY_MAX_DAYS} days: this shows the last "
                               f"{24 * HOURLY_MAX_DAYS} hours (asked: {n}). Ask per day for longer.")
            n = 24 * HOURLY_MAX_DAYS
        top = ctx.now.replace(minute=0, second=0, microsecond=0)
        moment = top - timedelta(hours=n)
        since = f"{moment:%H:%M}" if moment.date() == ctx.today else f"{moment:%a} {moment.day} {moment:%b %H:%M}"
        return moment, top + timedelta(hours=1), f"last {n} hours (since {since}: {n} whole hours and this hour so far)"
    if _moment(end) - _moment(start) <= timedelta(days=HOURLY_MAX_DAYS):
        return start, end, label
    cut = end - timedelta(days=HOURLY_MAX_DAYS)
    shown = describe(cut, end)
    state.notes.append(f"Hourly counts cover at most {HOURLY_MAX_DAYS} days: this shows the last {HOURLY_MAX_DAYS} "
                       f"({shown}) of {label}. Ask per day for the whole range.")
    return cut, end, f"{shown} (the last {HOURLY_MAX_DAYS} days of {label}, hourly)"


def _value(state: ReadingState, pb: Playbook, spec, ctx: ParseContext) -> Any:
    said = spec.name in state.params
    value = state.params.get(spec.name, spec.default)
    try:
        value = spec.coerce(value)
    except ParamError as exc:
        return Clarification(state.raw, exc.message, choices=tuple(exc.choices), param=spec.name,
                             example=_example_for(pb))
    if spec.type == "events" and value:
        value = match_steps(state.raw, list(value), spec.name, pb, ctx)
        if isinstance(value, Clarification):
            return value
        if spec.minimum and len(value) < spec.minimum:
            return Clarification(state.raw, f"{pb.title} needs at least {spec.minimum:g} events in order.",
                                 param=spec.name, example=_example_for(pb))
    if spec.type == "event" and value is not None and ctx.catalog.event(value) is None:
        value = _event_value(state, pb, spec, str(value), said, ctx)
        if isinstance(value, Clarification):
            return value
    if spec.type == "events" and not value and (spec.minimum or 0) >= 1:  # "feature adoption": of what?
        top = tuple(n for n in ctx.catalog.event_names() if ctx.catalog.event(n).kind == "track")[:5]
        return Clarification(state.raw, f"Which {spec.help.split(',')[0].removeprefix('the ') or 'events'}? "
                                        f"{pb.title} needs at least one.", choices=top, param=spec.name,
                             example=f"{pb.id} {spec.name}={top[0]!r}" if top else _example_for(pb))
    if spec.required and value in (None, "", ()):
        top = ctx.catalog.event_names()[:3]
        return Clarification(state.raw, f"Which {spec.name.replace('_', ' ')}? {pb.title} needs one.",
                             suggestions=tuple(top), param=spec.name,
                             example=f"{top[0].lower() if top else 'signups'} last 7 days")
    return value


def _event_value(state: ReadingState, pb: Playbook, spec, value: str, said: bool, ctx: ParseContext):
    """An event name the catalog does not have as written: said by the user, its closest match (or a
    question); the header's default, asked about: a different event is never put in its place silently."""
    match = ctx.matcher.match(value) if said else None
    if match is not None and match.event is not None:
        return match.event
    if said:
        return Clarification(state.raw, f"I don't know the event “{value}” in this warehouse.",
                             suggestions=tuple(ctx.matcher.suggestions(value)),
                             choices=match.choices if match else (), param=spec.name, example=_example_for(pb))
    close = ctx.matcher.suggestions(value)
    return Clarification(state.raw, f"{pb.title} uses {value} by default, and this warehouse has no {value} event. "
                                    f"Which event should it use?", choices=tuple(close), param=spec.name,
                         example=f"{pb.id} event={close[0]!r}" if close else _example_for(pb))


def _interval_for_range(rng: DateRange, choices: tuple[str, ...]) -> str:
    days = rng.days
    # "the last 30 hours": hourly (at most 7 days of them); so is a range of hours kept by a follow-up ("by platform")
    hours = rng.grain == "hour" or (isinstance(rng.start, datetime) and rng.start.time() != datetime.min.time())
    if "hour" in choices and hours:
        return "hour"
    if days <= 62 or "week" not in choices:
        return "day" if "day" in choices else choices[0]
    if days <= 26 * 7 or "month" not in choices:
        return "week"
    return "month"


def default_range(pb: Playbook, interval: str, ctx: ParseContext) -> tuple[date, date]:
    n = pb.default_range.get(interval, {"hour": 2, "day": 30, "week": 12, "month": 12, "quarter": 4}.get(interval, 30))
    if interval == "hour":  # N days up to now: yesterday and today so far by default
        return ctx.today - timedelta(days=max(1, n) - 1), ctx.today + timedelta(days=1)
    return last_complete_periods(ctx.today, interval, n, ctx.week_start)
