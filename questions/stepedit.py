"""Replies that edit the steps of the question before: "can you add product added in the middle", "and if we
drop the checkout step?", "put started checkout before order completed". The previous question is kept (its
range, filters, window) with its steps changed, and the answer says which steps it now has."""

from __future__ import annotations

import re
from dataclasses import replace

from .context import ParseContext
from .request import Clarification, Reading, Request
from .steps import param_of_type

_LEAD = r"^(?:(?:ok(?:ay)?|and|so|now|also|hmm),? )*(?:(?:can|could|would) (?:you|u) |pls |please |let's |lets )?"
ADD = re.compile(_LEAD + r"(?:add|insert|put|include|stick) (?:in )?(?:a |an |the )?(?:step (?:for )?)?(?P<what>.+?)"
                 r"(?: as a step| step)? (?P<where>in the middle|in between|between (?:them|those|the two)|in there"
                 r"|at the (?:end|start|beginning)|first|last|as the (?:first|last) step|before (?P<before>.+)"
                 r"|after (?P<after>.+))$")
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
    added, dropped = ADD.match(text), DROP.match(text)
    if added:
        return _add(text, added, steps, spec, ctx)
    if dropped:
        return _drop(text, dropped, steps, spec, ctx)
    return None


def _step_named(words: str, steps: tuple[str, ...]) -> int | None:
    """The one step the words name ("checkout" of Started Checkout), or None."""
    said = {w for w in re.findall(r"[a-z]+", words.lower()) if len(w) > 2}
    hits = [i for i, s in enumerate(steps) if said and said <= {w.lower() for w in s.split()} | _stems(s)]
    if len(hits) != 1:
        hits = [i for i, s in enumerate(steps) if said & ({w.lower() for w in s.split()} | _stems(s))]
    return hits[0] if len(hits) == 1 else None


def _stems(step: str) -> set[str]:
    return {re.sub(r"(?:ed|s)$", "", w.lower()) for w in step.split()}


def _add(text: str, m: re.Match, steps: tuple[str, ...], spec, ctx: ParseContext) -> Request | Clarification | None:
    match = ctx.matcher.match(m.group("what"))
    if match is None or match.event is None:
        return None  # not an event: read as a reply of its own
    where = m.group("where")
    if m.group("before") or m.group("after"):
        at = _step_named(m.group("before") or m.group("after"), steps)
        if at is None:
            return None
        at += 1 if m.group("after") else 0
    elif where.endswith(("end", "last", "last step")):
        at = len(steps)
    elif where.endswith(("start", "beginning", "first", "first step")):
        at = 0
    else:
        at = len(steps) // 2 if len(steps) % 2 == 0 else len(steps) // 2 + 1
    new = steps[:at] + (match.event,) + steps[at:]
    if len(set(new)) != len(new):
        return Clarification(text, f"{match.event} is already a step: {' → '.join(steps)}.", param=spec.name)
    return _with_steps(ctx.previous, text, new, spec.name, f"Added {match.event} as step {at + 1}", m.group(0))


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
