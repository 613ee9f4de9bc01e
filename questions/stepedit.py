"""Replies that edit the steps of the question before: "can you add product added in the middle", "and if we
drop the checkout step?", "put started checkout before order completed". The previous question is kept (its
range, filters, window) with its steps changed, and the answer says which steps it now has."""

from __future__ import annotations

import re
from dataclasses import replace

from . import rx
from .context import ParseContext
from .request import Clarification, Reading, Request
from .steps import param_of_type
from .vocabulary import stem

_LEAD = (r"^(?:(?:ok(?:ay)?|and|so|now|also|hmm|thx|thanks|ty|cool|great|nice|perfect)[,.!]? )*"
         r"(?:(?:what )?if (?:we |i |you |u )?)?"
         r"(?:(?:can|could|would) (?:you|u) |pls |please |let's |lets )?")
_NTH = r"1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth|next|final|last|new last|new first"
_ORDINAL = {"1st": 1, "first": 1, "new first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4,
            "fourth": 4, "5th": 5, "fifth": 5}
ADD = re.compile(_LEAD + r"(?:add|insert|put|include|stick|tack on|tack|append|prepend) (?:in |on )?(?:a |an |the )?"
                 r"(?:step (?:for )?)?(?P<what>.+?)(?: as a step| as steps| steps?)? (?P<where>in the middle|in between"
                 r"|between (?:them|those|the two)|in there|at the (?:end|start|beginning|front|back)|on the end|to the end"
                 r"|first|last|as the (?:first|last) steps?|in front(?: of (?:it|them|that|this|the funnel))?"
                 r"|before (?P<before>.+)|after (?P<after>.+)|too|as well|also|on top|at the end too"
                 r"|as (?:a |an |the )?(?P<nth>" + _NTH + r") step)$")
_START = ("start", "beginning", "first", "first step", "first steps", "front", "in front", "of it", "of them", "of that",
          "of this", "the funnel")
# "can you extend it all the way through to completed order": one more step, at the end
EXTEND = re.compile(_LEAD + r"(?:extend|continue|carry|take) (?:it|that|this|the funnel)(?: on)?(?: all the way)?(?: through)?"
                    r" (?:to|until|up to) (?P<what>.+?)(?P<where>)$")
# "swap the last step for friend added", "replace invite sent with friend added", "change step 2 to X"
SWAP = re.compile(_LEAD + r"(?:swap|replace|change|switch|exchange|sub|substitute)(?: out)? (?:the )?"
                  r"(?:(?P<nth>" + _NTH + r"|middle) (?:step|one|event)|step (?P<num>[1-5])|(?P<old>.+?)(?: step| one)?)"
                  r" (?:for|with|to|into|by|out for) (?:a |an |the )?(?P<new>.+?)(?: instead| step)?$")
DROP = re.compile(_LEAD + r"(?:what )?(?:if (?:we |i |you )?)?(?:drop|remove|skip|take out|leave out|cut|exclude|without)"
                  r"(?: out)? (?:the )?(?P<what>.+?)(?: step| one)?(?: from it| from the funnel)?$")


def edit_steps(text: str, ctx: ParseContext) -> Request | Clarification | None:
    """The previous question with its steps edited, a question back, or None when the reply edits no steps."""
    previous = ctx.previous
    pb = ctx.library.get(previous.playbook) if previous is not None else None
    spec = param_of_type(pb, "events") if pb is not None else None
    steps = tuple(previous.params.get(spec.name) or ()) if spec is not None else ()
    if not spec or not spec.required or len(steps) < 2:
        return None
    added, dropped = ADD.match(text) or EXTEND.match(text), DROP.match(text)
    if added:
        return _add(text, added, steps, spec, ctx)
    swapped = SWAP.match(text)
    if swapped:
        return _swap(text, swapped, steps, spec, ctx)
    if dropped:
        return _drop(text, dropped, steps, spec, ctx)
    return None


def _step_named(words: str, steps: tuple[str, ...]) -> int | None:
    """The one step the words name ("checkout" of Started Checkout), or None."""
    said = {stem(w) for w in rx.findall(r"[a-z]+", words.lower()) if len(w) > 2}  # "signing up" of Signed Up
    hits = [i for i, s in enumerate(steps) if said and said <= {w.lower() for w in s.split()} | _stems(s)]
    if len(hits) != 1:
        hits = [i for i, s in enumerate(steps) if said & ({w.lower() for w in s.split()} | _stems(s))]
    if len(hits) > 1:  # "signing up" of Viewed Sign Up Page and Signed Up: the one with least else in its name
        extra = [len(_stems(steps[i]) - said) for i in hits]
        hits = [i for i, n in zip(hits, extra) if n == min(extra)]
    return hits[0] if len(hits) == 1 else None


def _stems(step: str) -> set[str]:
    return {stem(w) for w in step.split()}


def _add(text: str, m: re.Match, steps: tuple[str, ...], spec, ctx: ParseContext) -> Request | Clarification | None:
    matches = [ctx.matcher.match(part) for part in rx.split(r",? and (?:then )?|, | ?\+ ?| & ", m.group("what"))]
    if not matches or any(found is None or found.event is None for found in matches):
        return None  # not an event: read as a reply of its own
    added = tuple(found.event for found in matches)  # "add product viewed and product added in front of it"
    at = _where(m, steps)
    if at is None:
        return None
    new = steps[:at] + added + steps[at:]
    if len(set(new)) != len(new):
        return Clarification(text, f"{' and '.join(added)} is already a step: {' → '.join(steps)}.", param=spec.name)
    return _with_steps(ctx.previous, text, new, spec.name, f"Added {' and '.join(added)} as step {at + 1}", m.group(0))


def _where(m: re.Match, steps: tuple[str, ...]) -> int | None:
    """The position the reply puts the new steps at (None: the step it names is not one of them)."""
    where = m.group("where")
    if not where:  # "extend it to X"
        return len(steps)
    if m.group("nth"):  # "add message sent as a 3rd step": that position (past the end: at the end)
        nth = _ORDINAL.get(m.group("nth"))
        return len(steps) if nth is None else min(nth - 1, len(steps))
    if m.group("before") or m.group("after"):
        at = _step_named(m.group("before") or m.group("after"), steps)
        return None if at is None else at + (1 if m.group("after") else 0)
    if where.endswith(("end", "last", "last step", "last steps", "back", "too", "as well", "also", "on top")):
        return len(steps)
    if where.endswith(_START):
        return 0
    return len(steps) // 2 if len(steps) % 2 == 0 else len(steps) // 2 + 1


def _swap(text: str, m: re.Match, steps: tuple[str, ...], spec, ctx: ParseContext) -> Request | Clarification | None:
    found = ctx.matcher.match(m.group("new"))
    if found is None or found.event is None:
        return None  # not an event: read as a reply of its own
    nth, num = m.group("nth"), m.group("num")
    if nth or num:
        at = {"last": len(steps), "final": len(steps), "new last": len(steps), "next": len(steps),
              "middle": (len(steps) + 1) // 2}.get(nth) if nth else None
        at = (at or _ORDINAL.get(nth or "") or int(num or 0)) - 1
        if not 0 <= at < len(steps):
            return Clarification(text, f"There are {len(steps)} steps: {' → '.join(steps)}. Which one should I swap?",
                                 param=spec.name)
    else:
        at = _step_named(m.group("old"), steps)
        if at is None:
            return None
    new = steps[:at] + (found.event,) + steps[at + 1:]
    if len(set(new)) != len(new):
        return Clarification(text, f"{found.event} is already a step: {' → '.join(steps)}.", param=spec.name)
    return _with_steps(ctx.previous, text, new, spec.name, f"Swapped {steps[at]} for {found.event}", m.group(0))


def _drop(text: str, m: re.Match, steps: tuple[str, ...], spec, ctx: ParseContext) -> Request | Clarification | None:
    at = _step_named(m.group("what"), steps)
    if at is None:
        return None
    new = steps[:at] + steps[at + 1:]
    if len(new) < max(2, spec.minimum or 2):
        return Clarification(text, f"Without {steps[at]} there would be one step ({new[0]}); a funnel needs two. "
                                   "Which step should I add instead?", param=spec.name)
    return _with_steps(ctx.previous, text, new, spec.name, f"Dropped {steps[at]}", m.group(0))


def _with_steps(previous: Request, text: str, new: tuple[str, ...], name: str, did: str, words: str) -> Request:
    return replace(previous, params={**previous.params, name: new}, question=text,
                   readings=(*previous.readings, Reading(name, new, words)),
                   notes=(f"{did}: {' → '.join(new)} (the rest as in the question before).",))
