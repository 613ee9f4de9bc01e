"""Matching the words of a question to events in the live warehouse catalog.

"invites", "invited", "sent an invite" -> Invite Sent; "signups" -> Signed Up; "orders",
"purchases" -> Order Completed; "inbox page" -> Viewed Inbox Page. Typos are forgiven (close
matches); several equally good matches are an ambiguity to ask about, never a guess.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from segment import Catalog, EventInfo

from . import rx
from .typos import distance, is_english

IRREGULAR = {
    "sent": "send", "sending": "send", "sends": "send", "bought": "buy", "buying": "buy", "made": "make",
    "paid": "pay", "began": "begin", "begun": "begin", "did": "do", "done": "do", "went": "go", "gone": "go",
    "saw": "see", "seen": "see", "got": "get", "gave": "give", "given": "give", "ran": "run",
    "shared": "share", "sharing": "share", "viewed": "view", "viewing": "view", "views": "view",
    "signups": "signup", "sign-ups": "signup", "sign-up": "signup", "logins": "login", "log-in": "login",
    "checkouts": "checkout", "opened": "open", "opens": "open", "opening": "open",
    "started": "start", "starts": "start", "completed": "complete", "completes": "complete",
    "finish": "complete", "finished": "complete", "finishes": "complete", "finishing": "complete",
    "added": "add", "adds": "add", "adding": "add", "invited": "invite", "invites": "invite", "inviting": "invite",
    "messages": "message", "messaging": "message", "messaged": "message", "photos": "photo", "pics": "pic",
    "images": "image", "stickers": "sticker", "friends": "friend", "orders": "order", "ordered": "order",
    "purchases": "purchase", "purchased": "purchase", "products": "product", "emails": "email", "emailed": "email",
    "pages": "page", "screens": "screen", "registrations": "registration", "registered": "register",
    "signed": "sign", "signing": "sign", "applications": "application", "apps": "app", "users": "user",
    "msg": "message", "msgs": "message", "mesage": "message", "convo": "conversation", "convos": "conversation",
    "pic": "pic", "vid": "video", "vids": "video", "dms": "dm",
    # who does it -> what they do: "senders", "inviters", "adders", "buyers", "sharers", "viewers", "shoppers"
    "sender": "send", "senders": "send", "inviter": "invite", "inviters": "invite", "adder": "add", "adders": "add",
    "buyer": "buy", "buyers": "buy", "shopper": "buy", "shoppers": "buy", "purchaser": "purchase",
    "purchasers": "purchase", "sharer": "share", "sharers": "share", "viewer": "view", "viewers": "view",
    "visitor": "visit", "visitors": "visit", "signer": "signup", "joiner": "join", "joiners": "join",
    "looked": "view", "visits": "visit", "visited": "visit", "landed": "view",
    "browser": "view", "browsers": "view", "browsed": "view", "browsing": "view", "browse": "view", "browses": "view",
}
# phrases of viewing: "looked at a product", "hit the sign-up page", "visits to the store page"
VIEWING = re.compile(r"\b(?:look(?:ed|ing|s)? at(?! (?:the |only )?(?:last|past|previous|first|next|this|same|data|numbers?)\b"
                     r"| ?\.?$)|hit(?:s|ting)?|visits? to|land(?:ed|s|ing)? on|went to|go to"
                     r"|opened(?! (?:the |their |our |an? )?(?:[a-z]+ )?(?:app|application)s?\b"
                     r"| (?:the |their |our )?(?:ios|web|android)$)"
                     r"(?= (?:(?:the|a|an|their|our) )?(?!the\b|their\b|our\b)[a-z]+)"
                     r"|open(?:s|ing)?(?= (?:the |a |an |their )?(?:[a-z]+ ){0,2}(?:screen|page)s?\b))\b")
IRREGULAR_PAST = {"sent", "bought", "made", "paid", "did", "went", "saw", "got", "gave", "ran"}
# words that are actions rather than the thing acted on
VERBS = {"send", "view", "add", "complete", "start", "share", "open", "sign", "up", "buy", "make", "create",
         "click", "submit", "load", "receive", "read", "upgrade", "cancel", "remove", "delete", "update", "see",
         "page", "screen", "viewed", "visit", "tap", "log", "in", "out"}
STOPWORDS = {"the", "a", "an", "of", "for", "per", "by", "in", "on", "at", "to", "how", "many", "much", "what",
             "was", "were", "did", "do", "does", "is", "are", "me", "show", "give", "number", "count", "and", "or",
             "we", "our", "my", "i", "you", "have", "has", "had", "been", "be", "there", "that", "this", "with",
             "people", "times", "total", "please", "can", "could", "get", "tell", "which", "who", "when", "from",
             "it", "its", "their", "they", "as", "vs", "versus", "compared", "than", "so", "far", "s", "playbot",
             "daily", "weekly", "monthly", "hourly", "day", "week", "month", "hour", "year", "quarter", "days",
             "weeks", "months", "hours", "years", "quarters", "since", "until", "between", "each", "every", "all"}
# built-in synonyms: a word -> event names it may mean (used only when the event exists)
SYNONYMS = {
    "signup": ["Signed Up"], "registration": ["Signed Up"], "register": ["Signed Up"], "join": ["Signed Up"],
    "purchase": ["Order Completed", "Completed Order"], "order": ["Order Completed", "Completed Order"],
    "buy": ["Order Completed", "Completed Order"], "sale": ["Order Completed", "Completed Order"],
    "invitation": ["Invite Sent"], "pic": ["Photo Shared"], "picture": ["Photo Shared"], "image": ["Photo Shared"],
    "chat": ["Message Sent"], "text": ["Message Sent"], "app": ["Application Opened"],
    "launch": ["Application Opened"], "login": ["Signed In", "Logged In", "Application Opened"],
    "signin": ["Signed In", "Logged In", "Application Opened"],
    "cart": ["Product Added", "Added Product"], "checkout": ["Checkout Started", "Started Checkout"],
    "dm": ["Message Sent"], "conversation": ["Message Sent"],
    # e-commerce shorthand: product detail page, add to cart
    "pdp": ["Product Viewed", "Viewed Product"], "atc": ["Product Added", "Added Product"],
}
# synonyms that name a stand-in, not the thing itself: asked about, never answered silently
PROXIES = {"login": "Application Opened", "signin": "Application Opened"}


def stem(word: str) -> str:
    word = word.lower().strip("'’")
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if len(word) > 5 and word.endswith("ed"):
        base = word[:-2]
        return base + "e" if base.endswith(("at", "iv", "ar", "ur", "ir", "ok", "os", "as")) else base
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    return word


def tokens(text: str) -> list[str]:
    return [t for t in rx.split(r"[^a-z0-9]+", text.lower()) if t]


MAX_WORDS, MAX_WORD = 60, 40  # a question is short: a wall of text costs no more than its start


def _content_words(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) <= MAX_WORD][:MAX_WORDS]


@dataclass(frozen=True)
class EventTerms:
    info: EventInfo
    objects: frozenset[str]  # stems of the thing: invite, message, inbox
    verbs: frozenset[str]  # stems of the action: send, view
    compounds: frozenset[str]  # adjacent stems joined: signup


def event_terms(info: EventInfo) -> EventTerms:
    words = [stem(t) for t in tokens(info.name)]
    objects = {w for w in words if w not in VERBS}
    verbs = {w for w in words if w in VERBS}
    raw = tokens(info.name)
    compounds = {raw[i] + raw[i + 1] for i in range(len(raw) - 1)} | {
        stem(raw[i]) + stem(raw[i + 1]) for i in range(len(raw) - 1)}
    if info.kind == "track" and info.key:
        compounds.add(info.key.replace("_", ""))
    return EventTerms(info, frozenset(objects), frozenset(verbs), frozenset(compounds))


@dataclass(frozen=True)
class EventMatch:
    event: str | None
    words: str  # the words of the question it came from
    choices: tuple[str, ...] = ()  # when ambiguous
    score: float = 0.0
    verb_only: bool = False  # only an action was said ("sent", "views"): the thing acted on was not
    by_action: bool = False  # the one event with that action ("started" -> Checkout Started): a guess
    proxy: str = ""  # a word for something this warehouse does not track, read as its stand-in ("login")
    by_synonym: bool = False  # found through a built-in synonym only ("app" -> Application Opened)


# words that say how to count, never what: not matched to an event even when close to one ("stats" is not "start")
NOT_EVENT_WORDS = frozenset("stickier sticky stickiness stat stats statistic statistics data metric metrics number "
                            "numbers figure figures report "
                            "reports kpi kpis total totals count counts summary overview".split())
FUZZY_WORDS = 40  # content words of one span looked up for typos; a real question has a dozen


class EventMatcher:
    """Built once per catalog; matches word spans against every event."""

    def __init__(self, catalog: Catalog, synonyms: dict[str, str] | None = None):
        self.catalog = catalog
        self.terms = [event_terms(info) for info in catalog.events.values()]
        self.vocabulary = sorted({w for t in self.terms for w in t.objects | t.verbs | t.compounds}
                                 | set(SYNONYMS))
        self.admin_synonyms = {k.lower(): v for k, v in (synonyms or {}).items() if catalog.event(v)}
        self.by_name = {info.name.lower(): info.name for info in catalog.events.values()}
        self._normalized: dict[str, str] = {}
        self._by_length: dict[int, list[str]] = {}
        for w in self.vocabulary:
            self._by_length.setdefault(len(w), []).append(w)

    def _near_in_length(self, s: str) -> list[str]:
        """The vocabulary words that can reach a likeness of 0.8 with `s`: 2·shorter/(both) >= 0.8 means
        the shorter is at least 2/3 of the longer (the same words difflib would keep, found without trying all)."""
        lo, hi = -(-2 * len(s) // 3), 3 * len(s) // 2
        return [w for n in range(lo, hi + 1) for w in self._by_length.get(n, ())]

    def normalize(self, word: str) -> str:
        if word in self._normalized:
            return self._normalized[word]
        if len(self._normalized) > 20_000:  # shared by every question: bounded
            self._normalized.clear()
        s = stem(word)
        if not (s in self.vocabulary or len(s) < 4 or s in STOPWORDS or word in NOT_EVENT_WORDS):
            close = difflib.get_close_matches(s, self._near_in_length(s), n=1, cutoff=0.8) or self._one_edit_away(word, s)
            # an English word is read as an event word only one letter added or dropped ("messager"), not
            # "came" as camera, nor "older" as order (a letter changed turns one English word into another)
            if close and not (is_english(word) and (distance(s, close[0], 1) > 1 or len(s) == len(close[0])
                                                    or len(close[0]) < 5)):  # "pick" (up) is not "pic"
                s = close[0]
        self._normalized[word] = s
        return s

    def _one_edit_away(self, word: str, s: str) -> list[str]:
        """"veiws" -> view, "invties" -> invite: letters swapped, which difflib's ratio forgives too little;
        only a word with the same first letter, and only when it is the one that close."""
        if is_english(word):
            return []
        limit = 1 if len(word) <= 6 else 2
        near = {v for v in self.vocabulary if v[:1] == s[:1] and len(v) >= 4
                and (distance(s, v, 1) <= 1 or distance(word, v, limit) <= limit)}
        return list(near) if len(near) == 1 else []

    def match(self, text: str) -> EventMatch | None:
        """The best event for the words in `text`, an ambiguity, or None."""
        lowered = VIEWING.sub(" viewed ", text.lower())
        # 1. an exact event name or an admin synonym phrase
        for phrase, name in sorted(self.admin_synonyms.items(), key=lambda kv: -len(kv[0])):
            if rx.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered):
                return EventMatch(name, phrase, score=10)
        for low, name in sorted(self.by_name.items(), key=lambda kv: -len(kv[0])):
            if rx.search(rf"(?<!\w){re.escape(low)}(?!\w)", lowered):
                return EventMatch(name, low, score=10)
        raw = _content_words(lowered)
        if not raw:
            return None
        # word soup: only the first FUZZY_WORDS content words are worth a close-match search (by position,
        # so the reading of a text never depends on what was asked before)
        words = [self.normalize(t) if i < FUZZY_WORDS else stem(t) for i, t in enumerate(raw)]
        joined = {words[i] + words[i + 1] for i in range(len(words) - 1)} | {
            raw[i] + raw[i + 1] for i in range(len(raw) - 1)}
        wset = set(words)
        # "invited", "sending": the action itself, so an event of that thing beats a page named after it
        actions = {w for r, w in zip(raw, words) if r != w and (r.endswith(("ed", "ing")) or r in IRREGULAR_PAST)}
        wants_page = "page" in wset or "web" in wset or "website" in wset
        wants_screen = "screen" in wset or "ios" in wset or "iphone" in wset or "mobile" in wset
        scored: list[tuple[float, EventTerms, set[str]]] = []
        for t in self.terms:
            hit_objects = t.objects & wset
            hit_verbs = t.verbs & wset
            hit_compound = t.compounds & (wset | joined)
            if not hit_objects and not hit_compound:
                continue
            # a compound ("signup") counts when its parts are not already matched one by one
            compound = 2.5 if hit_compound and not hit_objects else 0.0
            score = (2.0 * len(hit_objects) / max(1, len(t.objects)) + 0.5 * len(hit_verbs) + compound
                     + 0.3 * len(hit_objects & actions))
            if t.info.kind == "page":
                score += 0.6 if wants_page else (-0.3 if "view" not in wset else 0)
            elif t.info.kind == "screen":
                score += 0.6 if wants_screen else (-0.3 if "view" not in wset else 0)
            else:
                score += 0.1  # a track event is what people usually mean
            scored.append((score, t, hit_objects | hit_verbs | hit_compound))
        proxies, by_synonym = {}, set()
        for w in wset:
            for name in SYNONYMS.get(w, []):
                info = self.catalog.event(name)
                if info is not None:  # "app opens": the synonym and the event's own action ("open")
                    terms = event_terms(info)
                    scored.append((2.2, terms, {w} | (terms.verbs & wset)))
                    by_synonym.add(id(scored[-1]))
                    if PROXIES.get(w) == name:
                        proxies[name] = w
                    break
        if not scored:
            verbs = wset & VERBS - {"page", "screen", "in", "up", "out"}
            if verbs:  # only an action ("sent", "views"): its track events are the choices; viewing, its pages too
                ranked = sorted((t for t in self.terms if t.verbs & verbs and (t.info.kind == "track" or "view" in verbs)),
                                key=lambda t: (-t.info.count, t.info.name))
                choices = [t.info.name for t in ranked]
                said = " ".join(r for r, w in zip(raw, words) if w in verbs) or " ".join(sorted(verbs))
                if len(choices) > 1:
                    return EventMatch(None, said, tuple(choices[:6]), verb_only=True)
                if len(choices) == 1:
                    return EventMatch(choices[0], said, score=1, by_action=True)
            return None
        scored.sort(key=lambda s: (-s[0], -s[1].info.count, s[1].info.name))
        best = scored[0]
        ties = [s for s in scored if abs(s[0] - best[0]) < 1e-9 and s[1].info.name != best[1].info.name]
        used = " ".join(r for r, w in zip(raw, words)
                        if w in best[2] or len(w) >= 4 and any(w in c for c in best[2]))  # "sign" of "signup"
        if ties:
            names = [best[1].info.name] + [s[1].info.name for s in ties]
            return EventMatch(None, used, tuple(dict.fromkeys(names))[:6])
        proxy = proxies.get(best[1].info.name, "")
        if proxy and best[2] - {proxy} - best[1].verbs:
            proxy = ""  # the event's own words were said too ("app opens after login")
        return EventMatch(best[1].info.name, used, score=best[0], proxy=proxy, by_synonym=id(best) in by_synonym)

    def suggestions(self, text: str, n: int = 3) -> list[str]:
        """Events whose names look like the words in `text` (for "I don't know that")."""
        words = list(dict.fromkeys(self.normalize(t) for t in _content_words(text.lower())
                                   if t.isalpha() and 3 <= len(t) <= 20))[:8]
        matchers = [difflib.SequenceMatcher(b=w) for w in words]  # each word's index built once
        ranked = []
        for t in self.terms:
            best = 0.5  # below it nothing is suggested: no ratio is worked out for what cannot reach it
            for m in matchers:
                for o in t.objects | t.compounds | t.verbs:
                    m.set_seq1(o)
                    if m.real_quick_ratio() > best and m.quick_ratio() > best:  # cheap bounds first
                        best = max(best, m.ratio())
            ranked.append((best, t.info.count, t.info.name))
        ranked.sort(key=lambda r: (-r[0], -r[1]))
        return [name for score, _, name in ranked[:n] if score > 0.5]
