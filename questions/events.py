"""The reading steps for events: one event ("invites") or a sequence of steps ("signup -> invite ->
message") matched to the live catalog, a named set of steps ("checkout funnel"), an ambiguity asked about
with choices that carry the whole question.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from types import SimpleNamespace

from playbooks import Playbook

from . import rx
from .context import ParseContext
from .kinds import split_sequence
from .request import Clarification, Reading
from .state import ReadingState
from .steps import INTERVAL_WORDS, own_stems, param_of_type, phrase_re
from .vocabulary import STOPWORDS, SYNONYMS, VERBS, VIEWING, stem

_NONE = SimpleNamespace(kind="")
# the event is an optional filter of these: "how sticky is the product" names no event, and "retention of
# users who signed up in october" describes the cohort, not what counts as coming back
_NOT_AN_EVENT = (r"\b(?:the|our|my|your|this) (?:product|app|site|website|service)\b"
                 r"|\b(?:who|that) (?:signed up|registered|joined)\b")

# "the ios share of that", "what share of signups": a proportion, never Photo Shared
_SHARE_OF = r"\b(?:(?:what|the|its|their|our|market|[a-z]+'s) )?share(?= of\b| is\b| was\b|$)"
_AMONG_ACTIVE = (r"\b(?:among|of|across|for) (?:our |the |all |all the )?active (?P<who>users|shoppers|people|customers|members"
                 r"|folks|ppl|accounts)\b")
_NEW_PEOPLE = r"\bnew(?= (?:users|signups|sign ups|people|customers|members|accounts|folks|ppl)\b)"


def _example_for(pb: Playbook) -> str:
    return pb.examples[0] if pb.examples else pb.id


def event_text(state: ReadingState) -> str:
    """What is left to read, without interval words, and without what names no event here."""
    text = state.text
    for pattern, _ in INTERVAL_WORDS:
        text = rx.sub(pattern, " ", text)
    pb = state.playbook
    spec = pb.param("event") if pb is not None else None
    takes_none = pb is not None and spec is None and param_of_type(pb, "events") is None
    if (spec is not None and not spec.required) or takes_none:
        text = rx.sub(_NOT_AN_EVENT, " ", text)
    if spec is not None and spec.default:  # "are shoppers more active after an email": who, beside the intervention
        text = rx.sub(r"\b(?:shoppers|customers|buyers)\b", " ", text)
    text = rx.sub(_SHARE_OF, " ", text)
    if takes_none:  # words that pick one of its choices ("orders and revenue": metrics) name no event here
        for phrase in sorted({w for s in pb.params for ws in s.extra.get("words", {}).values() for w in ws},
                             key=len, reverse=True):
            text = phrase_re(phrase).sub(" ", text)
    return rx.sub(r"\s+", " ", text).strip()


_WHO = (r"(?:(?:(?:the|our|all|all the|those|these) )?(?:(?!who\b|new\b)[a-z]+ )?(?:people|users|folks|ppl|visitors|customers"
        r"|signups|ones|accounts|shoppers)|those|everyone|everybody|anyone)")  # "the newsletter people", "ios users"
_SHARE = r"(?:how many|what ?%|what percent(?:age)?|what share|what fraction|what proportion|how much)"
_THEN = r"(?:(?:of them|of those) )?(?:then |later |also |actually |eventually |(?:went|go|goes|going) on to |ended up |end up )*"
CONVERSIONS = (
    # "signup to first invite conversion", "pricing page to signup convertion", "store page to product view to cart"
    re.compile(r"^(?:from )?(?P<steps>.+? (?:to|into|->) .+?) (?:conversion|convertion|conversions|rate|funnel|drop-?offs?"
               r"|path)\b"),
    re.compile(r"^(?:from )?(?P<steps>.+? to .+? to .+?)(?=,| broken| split| by | for | on | among |$)"),
    # "how many people go from the store page to viewing a product to adding it to cart"
    re.compile(r"\b(?:go|goes|going|get|gets|move|moves|make it) from (?P<steps>.+? to .+?)"
               r"(?=,| broken| split| by | for | on | among |$)"),
    # "view-to-purchase rate", "signup-to-invite"
    re.compile(r"(?P<hyphen>\b[a-z]+(?:-to-[a-z]+)+)\b"),
    # "onboarding screen to first message, how many make it?": the steps, then the question of getting through
    re.compile(rf"^(?:from )?(?P<steps>.+? to .+?),? {_SHARE} (?:of them |people |users )?(?:make it|get there|get through"
               r"|convert|follow through|complete it|do it)\b"),
    # "how many who start checkout dont finish": the drop-off of the same two steps
    re.compile(rf"\b{_SHARE} (?:of )?{_WHO}? ?who (?P<first>.+?) (?P<never>don'?t|do not|never|didn'?t|did not|fail to"
               r"|failed to|won'?t|doesn'?t|does not) (?:end up |go on to |actually )?(?P<then>.+)$"),
    # "of those who signed up how many went on to send a message", "of the people who added a friend, how many sent"
    re.compile(rf"\b(?:of|among) {_WHO}? ?who (?P<first>.+?),? {_SHARE} (?:of them )?(?:people |users )?{_THEN}(?P<then>.+)$"),
    # "what % of people who land on the sign up page actually sign up", "how many people who signed up went on to buy"
    re.compile(rf"\b{_SHARE} (?:of )?{_WHO}? ?who (?P<first>.+?) (?:then|later|also|actually|eventually|(?:went|go|goes)"
               rf" on to|ended up|end up) (?P<then>.+)$"),
    # "how many people signed up and then sent an invite": who did one thing and, after it, the next
    re.compile(rf"\b{_SHARE} (?:of )?{_WHO} (?P<first>(?!who\b).+?),? and (?:then|later|afterwards|after that|eventually)"
               rf" (?:also |actually |went on to |go on to )?(?P<then>.+)$"),
    # "what % of product viewers end up buying": the doers of the first step, then the next
    re.compile(rf"\b{_SHARE} (?:of )?(?:the |our |all )?(?P<first>[a-z][a-z ]*?(?:ers|ors)) (?:then|later|also|actually"
               rf"|eventually|(?:went|go|goes) on to|ended up|end up) (?P<then>.+)$"),
    # "what % of new users invite a friend in their first week": new users are the signups
    re.compile(rf"\b{_SHARE} (?:of )?(?P<newcomers>new users|new signups|signups|sign ups|sign-ups|new people|newcomers"
               rf"|new accounts|new customers)\b,? (?:who |that )?{_THEN}(?P<then>.+)$"),
    # "checkout drop off last month - started checkout to completed order"
    re.compile(r"\b(?:drop-?offs?|drop offs?|conversions?|convertion|funnel|fall-?off)(?: rates?)?\b[ .:,-]*(?:from |between )?"
               r"(?P<steps>.+? (?:to|->) .+)$"),
    # "of new signups, how many send an invite and then get a friend added"
    re.compile(rf"\b(?:of|among) (?P<newcomers>new users|new signups|signups|sign ups|sign-ups|new people|newcomers)\b,?"
               rf" {_SHARE} (?:of them )?{_THEN}(?P<then>.+)$"),
    # "where do we lose people between signing up and sending their first message"
    re.compile(r"\b(?:lose|losing|lost|drop|dropping|drop-off|dropoff|fall off|leak|leaking)\b.*?\bbetween (?P<first>.+?) "
               r"and (?P<then>.+)$"),
    # "what share of checkouts turn into orders"
    re.compile(r"(?:\b(?:share|percent(?:age)?|fraction)|%) of (?P<first>.+?) (?:turn|turned|turns|convert|converted|converts"
               r"|become|became|becomes|lead|leads|led) (?:into|to) (?P<then>.+)$"),
    # "what % of people who view the pricing page sign up": no connector; split where both sides are events
    re.compile(rf"\b{_SHARE} (?:of )?(?:{_WHO} )?(?:who|that) (?P<both>[a-z ]+?)"
               r"(?=,| \.| within| in their| by | for | on | among |$)"),
    # "Added Product to Completed Order within 1 day": two events named in full, "to" between them
    re.compile(r"^(?:from )?(?P<exact>.+? to .+?)(?= within| in | by | for | on | among |,|$)"),
)


COMING_BACK = re.compile(r"\b(?:come|came|coming|comes) back\b|\breturn|\bretain|\bstick around")


NOT_A_STEP = re.compile(r"(?:came|come|comes|coming|were|are|was|is|from|in|on|by|per|for)\b")


def read_conversion(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    """Conversion said in words: "X to Y conversion", "X-to-Y rate", "of those who X, how many Y", "what % of
    people who X then Y": the playbook that takes steps in order (a funnel), with X, Y as its steps."""
    takers = [p for p in ctx.library.all() if _needs_steps(p)]
    if state.playbook is not None and not _needs_steps(state.playbook) or len(takers) != 1:
        return None
    for pattern in CONVERSIONS:
        m = pattern.search(state.text)
        if m is None:
            continue
        parts = _conversion_parts(m) if not m.groupdict().get("both") else _split_both(m.group("both"), ctx)
        said = _and_steps(parts, ctx)
        parts = _pronoun_steps(said)
        if len(parts) < 2 or COMING_BACK.search(parts[-1]) or NOT_A_STEP.match(parts[-1]):
            continue  # "how many of them came back a week later": retention, not a next step
        if m.groupdict().get("exact") and not all(p in ctx.matcher.by_name for p in parts):
            continue  # "X to Y" without a word of conversion: only events named in full
        pb = state.playbook or takers[0]
        spec = param_of_type(pb, "events")
        steps = match_steps(state.raw, parts, spec.name, pb, ctx)
        if not isinstance(steps, Clarification) and len(set(steps)) != len(steps) and said != parts:
            steps = match_steps(state.raw, said, spec.name, pb, ctx)  # "start checkout ... finish it": the verb alone
        if not isinstance(steps, Clarification) and len(set(steps)) != len(steps) and state.playbook is None:
            continue  # "days without ordering ... order again": one event twice is no conversion
        if isinstance(steps, Clarification):
            if state.playbook is None:
                continue  # not steps after all: the rest of the reading decides
            return steps
        if state.playbook is None:
            state.playbook, state.playbook_words = pb, m.group(0)
            state.readings.append(Reading("playbook", pb.id, m.group(0)))
        state.set(spec.name, steps, " → ".join(parts))
        for part in said:  # the steps' words (what qualifies them, "on their iphone", is read by later steps)
            state.take(part)
        if m.groupdict().get("newcomers"):
            state.take(m.group("newcomers"))  # "of new signups": the first step, Signed Up
        if m.groupdict().get("never"):  # "how many who start checkout don't finish": the same steps, the drop-off
            state.take(m.group("never"))
            state.notes.append(f"Those who did not go on are the drop-off between {steps[0]} and {steps[-1]}.")
        for connector in ("went on to", "go on to", "turn into", "turned into", "ended up", "end up", "to", "into", "then",
                          "actually", "eventually", "later"):
            if rx.search(rf"\b{connector}\b", m.group(0)):
                state.take(connector)
        return None
    return None


def _split_both(words: str, ctx: ParseContext) -> list[str]:
    """"view the pricing page sign up" -> ["view the pricing page", "sign up"]: the one place to split where
    each side reads as a different event on its own (else no steps: the rest of the reading decides)."""
    tokens = words.split()
    for i in range(len(tokens) - 1, 0, -1):  # a word shared by both goes with the step before ("page" of pricing)
        first, then = _reads_whole(tokens[:i], ctx), _reads_whole(tokens[i:], ctx)
        if first and then and first != then:
            return [" ".join(tokens[:i]), " ".join(tokens[i:])]
    return []


def _reads_whole(side: list[str], ctx: ParseContext) -> str | None:
    """The event that every content word of `side` was read into, or None ("looked at", "something": no content)."""
    found = ctx.matcher.match(" ".join(side))
    used = set(found.words.split()) if found and found.event else set()
    return found.event if found and found.event and all(w in used for w in side if w not in STOPWORDS
                                                        and w not in _NO_CONTENT) else None


_NO_CONTENT = frozenset("something anything one it them some stuff looked look looks looking hit hits landed land at open "
                        "opens opened visit visits visited".split())


def _pronoun_steps(parts: list[str]) -> list[str]:
    """"open the invite screen ... send one": the thing a later step's pronoun stands for, from the step before."""
    out = parts[:1]
    for part in parts[1:]:
        m = rx.fullmatch(r"([a-z]+) (?:one|it|them|some|any|one too)", part)
        things = [w for w in out[-1].split() if w not in STOPWORDS and w not in VERBS and w not in _NO_CONTENT]
        out.append(f"{m.group(1)} {things[-1]}" if m and things else part)
    return out


def _and_steps(parts: list[str], ctx: ParseContext) -> list[str]:
    """"go on to sign up and add a friend": a later side that is two events joined by "and" is two steps."""
    out = parts[:1]
    for part in parts[1:]:
        sides = part.split(" and ")
        events = [_reads_whole(side.split(), ctx) for side in sides]
        whole = len(sides) > 1 and all(events) and len(set(events)) == len(events)
        out += sides if whole else [part]
    return out


ADD_TO_CART = re.compile(r"(?<![\w-])add(?:ed|s|ing)?(?: (?:it|items?|products?|something))? to (?:the |their |a )?"
                         r"(?:cart|basket|bag)(?![\w-])")


def _conversion_parts(m: re.Match) -> list[str]:
    found = m.groupdict()
    if found.get("newcomers"):
        parts = ["signed up", found["then"]]
    elif found.get("hyphen"):
        parts = found["hyphen"].split("-to-")
    elif found.get("steps") or found.get("exact"):
        steps = found.get("steps") or found["exact"]
        steps = steps.rsplit(": ", 1)[-1]  # "funnel on ios: store screen -> ...": "on ios" qualifies them all
        if " -> " in steps:
            parts = steps.split(" -> ")  # arrows: "add to cart" is one step
        else:  # "from add to cart to completed order": "add to cart" is one step there too
            kept = rx.sub(ADD_TO_CART, lambda c: c.group(0).replace(" ", "\0"), steps)
            parts = [p.replace("\0", " ") for p in rx.split(r" to | into ", kept)]
    else:
        parts = [found["first"], *rx.split(r" (?:and then|then|and later|and also) ", found["then"])]
    # "viewed the store screen then looked at a product": a chain inside one side is steps too
    parts = [q for p in parts for q in rx.split(r",? (?:and then|then|and later|and after that|after that) ", p)]
    parts = [rx.sub(r"^(?:the|a|an|their|first|a first|then|also|actually)\s+", "", p.strip(" ,.?")) for p in parts]
    # "start checkout on their iphone", "orders for google traffic": who, not which step ("land on the page" is)
    parts = [rx.split(r"\s*[,.]\s*| (?:for|from|among|by|in|with|via|within|broken|split|using) "
                      r"| on (?=(?:their |the |an? )?(?:iphones?|ios|android|web|mobile|desktop|mac|windows|tablets?)\b)",
                      p)[0] for p in parts]
    return [p for p in parts if p]


LAUNCH_WORDS = re.compile(r"(?<![\w-])(?:(?:after|since|before|when) (?:we |they |it |you )?)?"
                          r"(?:launch(?:ed|ing)?|shipped|released|rolled out)(?: (?:it|them|this|that|the feature))?(?![\w-])")


def read_events(state: ReadingState, ctx: ParseContext) -> Clarification | None:
    pb = state.playbook
    if pb is not None and pb.param("launch_date") is not None and (param_of_type(pb, "events") or pb.param("event")):
        for said in [m.group(0) for m in LAUNCH_WORDS.finditer(state.text)]:
            state.take(said)  # "after we launched it": the launch the answer marks, not an event (Application Opened)
    if pb is not None and "active" in own_stems(pb):  # "adoption of X among active shoppers": its own population
        for m in rx.finditer(_AMONG_ACTIVE, state.full):  # its words may have gone with the playbook's own
            state.take(m.group(0) if m.group(0) in state.text else m.group("who"))
    if pb is not None and pb.param("event") is not None and pb.param("event").default:
        for said in rx.findall(r"\b(?:shoppers|customers|buyers)\b", state.text):
            state.take(said)  # "are shoppers more active after an email": who, not the intervention
    if pb is not None and pb.param("event") is not None and pb.param("event").extra.get("returning"):
        for said in rx.findall(_NEW_PEOPLE, state.text):
            state.take(said)  # "are new users still around after 30 days": the signup cohort, as always
    text = event_text(state)
    takes_none = pb is not None and pb.param("event") is None and param_of_type(pb, "events") is None
    sequence = split_sequence(text)
    if pb is None and sequence and sequence[1] == "arrows":
        takers = [p for p in ctx.library.all() if _needs_steps(p)]
        if len(takers) > 1:
            return Clarification(state.raw, "What should I show for these steps?", choices=tuple(p.id for p in takers),
                                 param="playbook", example=_example_for(takers[0]))
        if takers:
            state.playbook = pb = takers[0]
            state.readings.append(Reading("playbook", pb.id, "(a sequence of steps)"))
    list_spec = param_of_type(pb, "events")
    if list_spec is not None and list_spec.name not in state.params and sequence:
        steps = match_steps(state.raw, sequence[0], list_spec.name, pb, ctx)
        if isinstance(steps, Clarification) and (list_spec.required or sequence[1] == "arrows"):
            return steps
        if isinstance(steps, Clarification):  # "actions that go along with staying, for people who": not steps
            sequence = None
    if list_spec is not None and list_spec.name not in state.params and sequence:
        state.set(list_spec.name, steps, " → ".join(sequence[0]))
        for part in sequence[0]:
            state.take(part)
        state.text = rx.sub(r"(?<![\w-])(?:->|=>|>|→|then|followed by|from|to)(?![\w-])", " ", state.text).strip()
        return None
    if "event" in state.params or (list_spec is not None and list_spec.name in state.params) or takes_none and not text:
        return None
    match = _match_with_hint(text, state, ctx)
    if match is None or takes_none and _describes(match, pb, ctx):
        return None
    if _names_the_cohort(match, pb, ctx):  # "retention of october signups": who the cohort is, not a return
        for word in match.words.split():
            state.take(word)
        return None
    if takes_none and match.event is not None:  # "session flows ... when they open the app": said, not an error
        state.notes.append(f"{pb.title} covers every event: I did not narrow it to {match.event}.")
        for word in match.words.split():
            state.take(word)
        return None
    spec = pb.param("event") if pb is not None else None
    if match.verb_only and spec is not None and not spec.required:
        return None  # "the emails we sent": an action said about the playbook's own (default) event
    if match.event is None and match.choices and not takes_none:
        return Clarification(state.raw, f"Which event do you mean by “{match.words}”?", choices=match.choices,
                             param="event", example=f"{match.choices[0].lower()} "
                                                    f"{state.rng.words if state.rng else 'last 7 days'}",
                             replace=match.words)
    if match.event and match.proxy:  # "logins": no login event here; its stand-in is offered, not assumed
        choices = tuple(dict.fromkeys([match.event, *ctx.matcher.suggestions(match.words)]))[:4]
        typed = _as_typed(match.words, state.raw)
        ask = " Count that instead?" if len(choices) == 1 else " Which one do you mean?"
        return Clarification(state.raw, f"No event in this warehouse records “{typed}”; the closest is "
                                        f"{match.event}.{ask}",
                             choices=choices, param="event", replace=typed,
                             example=f"{match.event.lower()} last 7 days")
    if match.event:
        if match.by_action:
            state.guessed_event = match.words
        if match.by_synonym:
            state.synonym_words = match.words
        name = "event" if list_spec is None or pb.param("event") is not None else list_spec.name
        state.set(name, match.event if name == "event" else (match.event,), match.words)
        viewing = VIEWING.search(state.text) if "viewed" in match.words.split() or match.event.startswith("Viewed ") else None
        if viewing:  # "opened the pricing page", "looked at a product": read as viewed
            state.take(viewing.group(0))
        for word in match.words.split():
            state.take(word)
        cart = rx.search(_TO_CART, state.text) if match.event in SYNONYMS["cart"] else None
        if cart:  # "adding a product to cart": where it is added, part of the event
            state.take(cart.group(0))
    return None


_TO_CART = r"\b(?:to|into|in) (?:the |their |a |your |my )?(?:cart|basket|bag)\b"


def _match_with_hint(text: str, state: ReadingState, ctx: ParseContext):
    """The event said; the platform filter decides between a page and a screen only when the words alone do not
    ("inbox views on web": the page; "signs up on web": still Signed Up)."""
    hint = _platform_hint(state)
    match = _checkouts(ctx.matcher.match(text), ctx)
    if hint and (match is None or match.event is None or match.event.endswith((" Page", " Screen"))):
        hinted = _checkouts(ctx.matcher.match(text + hint), ctx)
        return hinted if hinted is not None and (hinted.event or match is None) else match
    return match


def _checkouts(match, ctx: ParseContext):
    """"checkouts yesterday": begun or finished? The checkout's start and the completed order are offered (a
    checkout said with its verb, "checkouts started", is the start)."""
    if match is None or match.event is None or match.words.strip() not in ("checkout", "checkouts"):
        return match
    done = next((n for n in ("Order Completed", "Completed Order") if ctx.catalog.event(n) is not None), None)
    if done is None or "checkout" not in match.event.lower():
        return match
    return dataclasses.replace(match, event=None, choices=(match.event, done), score=0.0)


def _platform_hint(state: ReadingState) -> str:
    """"inbox views on web": the filter already read says which of a page and a screen is meant."""
    platforms = {v for d, v in state.params.get("filters") or () if d in ("platform", "os")}
    return " web" if "Web" in platforms else (" ios" if platforms & {"iOS", "Android"} else "")


def _names_the_cohort(match, pb: Playbook | None, ctx: ParseContext) -> bool:
    """The activation event said to a playbook whose event is what counts as coming back ("weekly retention
    for october signups", "d1 retention of people who signed up"): the cohort, already its default."""
    spec = pb.param("event") if pb is not None else None
    return spec is not None and bool(spec.extra.get("returning")) and match.event is not None \
        and match.event == ctx.activation_event


def _describes(match, pb: Playbook, ctx: ParseContext) -> bool:
    """For a playbook that takes no event, words that describe what it counts rather than name an event:
    the people it is about ("signups" of an LTV cohort) or its own words ("start a session")."""
    if match.event is not None and match.event == ctx.activation_event:
        return True
    return all(stem(w) in own_stems(pb) for w in match.words.split())


def read_step_set(state: ReadingState, ctx: ParseContext) -> None:
    """No steps named: a set the header names ("checkout funnel" -> the e-commerce spec's four steps); each
    step is then matched to the catalog like typed ones, so spec v1 names are found too."""
    spec = param_of_type(state.playbook, "events")
    if spec is None or spec.name in state.params or "event" in state.params:
        return
    sequence = split_sequence(event_text(state))
    if sequence and sequence[1] in ("arrows", "from-to"):
        return  # steps said one by one win over a named set
    for steps, phrases in spec.extra.get("words", {}).items():
        hit = next((w for w in phrases if phrase_re(w).search(state.full)), None)
        if hit:
            state.set(spec.name, steps, hit)
            state.take(hit)
            return


def _as_typed(words: str, raw: str) -> str:
    """The words as the question typed them ("sign ins" for the "signins" it was read as)."""
    pattern = r"[- ]?".join(re.escape(ch) for ch in words.replace(" ", ""))
    m = rx.search(rf"(?<![\w-]){pattern}\w*", raw, re.IGNORECASE)
    return m.group(0) if m else words


def match_steps(raw: str, parts: list[str], name: str, pb: Playbook, ctx: ParseContext) -> tuple[str, ...] | Clarification:
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
        if match.event is None and match.verb_only:  # "view-to-purchase": the one tracked view event, if one
            tracked = [c for c in match.choices if (ctx.catalog.event(c) or _NONE).kind == "track"]
            if len(tracked) == 1:
                match = replace(match, event=tracked[0])
        if match.event is None and match.choices:  # "product viewed > added": the choice its neighbours name
            near = set(parts[i - 2].lower().split()) if i >= 2 else set()  # the step before it
            fits = [c for c in match.choices if {w.lower() for w in c.split()} & near]
            if len(fits) == 1:
                match = replace(match, event=fits[0])
        if match.event is None:
            return Clarification(raw, f"Which event do you mean by “{match.words}” (step {i})?", choices=match.choices,
                                 param=name, example=_example_for(pb), replace=match.words)
        steps.append(match.event)
    return tuple(steps)


def _needs_steps(pb: Playbook) -> bool:
    spec = param_of_type(pb, "events")
    return spec is not None and spec.required
