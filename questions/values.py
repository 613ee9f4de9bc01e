"""Filter values said in a question, looked up in what the warehouse holds.

"on ios", "iPhone users", "german users", "from google", "for pro users", "app version 3.4.0": each is
a (dimension, value) the warehouse's profiled values have, or it is missing, and then the bot asks
with the values there are instead of answering for everyone. "mac vs windows", "ios vs web", "pro vs
free": two values of one dimension, read as a breakdown by it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from segment import Catalog
from segment.dimensions import dimension_values

from . import rx
from .lexicon import AMBIGUOUS_ALONE, LANGUAGES, VALUE_WORDS

PREP = (r"(?:on|from|for|in|via|with|using|among|amongst|through|thru|only|just|only for|just for|about)\s+"
        r"(?:the\s+|their\s+|our\s+|his\s+|her\s+|my\s+|an?\s+)?")
NOUN = r"(?:\s+(?:users?|customers?|people|visitors?|signups?|sign-ups|traffic|accounts?|members?|folks|plan|tier|ones|"
NOUN += r"subscribers?|devices?|app|phones?|only|wau|dau|mau|actives?|active users|revenue|sales|orders|locales?))"
ORDER = ("platform", "os", "device", "plan", "channel", "country", "locale", "app_version", "segment_source")
# dimensions whose values are distinctive words: said alone ("ios", "android", "desktop") they filter
BARE_OK = ("platform", "os", "device")


def _lower_map(values: list[str]) -> dict[str, str]:
    return {str(v).lower(): str(v) for v in values}


_VALUES: dict[int, tuple[Catalog, dict[str, dict[str, str]]]] = {}


def data_values(catalog: Catalog) -> dict[str, dict[str, str]]:
    """{dimension: {lowercase value: value as stored}} of this warehouse (worked out once per catalog)."""
    cached = _VALUES.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        if len(_VALUES) > 16:
            _VALUES.clear()
        cached = _VALUES[id(catalog)] = (catalog, {d: _lower_map(v) for d, v in dimension_values(catalog).items()})
    return cached[1]


# two letters typed in capitals that are words, not countries ("IT", "IN" shouting, "OK", "PM")
CAPITAL_WORDS = frozenset({"it", "in", "is", "am", "pm", "ok", "me", "my", "to", "of", "on", "or", "no", "so"})


def _pattern(word: str, dim: str, raw_upper: bool) -> str | None:
    w = re.escape(word)
    if len(word) <= 2:  # country codes: only "in the US", "from DE", "UK only", typed in capitals ("uk" is no word)
        if raw_upper and word not in CAPITAL_WORDS:  # "how are UK orders doing": a code in capitals is the country
            return rf"(?<![\w-]){w}(?![\w-])"
        return rf"(?<![\w-])(?:{PREP}{w}|{w}{NOUN})(?![\w-])" if raw_upper or word not in AMBIGUOUS_ALONE else None
    first = rf"|^{w}(?= |$)" if dim == "plan" else ""  # "premium wau", "pro dau": a plan said before the measure
    if word in AMBIGUOUS_ALONE or dim in ("channel", "locale", "app_version", "segment_source"):
        return rf"(?<![\w-])(?:{PREP}{w}{NOUN}?|{w}{NOUN}{first})(?![\w-])"
    if dim in BARE_OK or dim == "country":  # "germans", "brazil signups": a country's name is distinctive
        return rf"(?<![\w-])(?:{PREP})?{w}{NOUN}?(?![\w-])"
    return rf"(?<![\w-])(?:{PREP}{w}{NOUN}?|{w}{NOUN}{first})(?![\w-])"


_CANDIDATES: dict[int, tuple[Catalog, list, list]] = {}


def _candidate_tables(catalog: Catalog) -> tuple[list, list]:
    """Worked out once per catalog: [(dimension, its stored values, {said word: canonical})] for every
    dimension, and the same as [(said word, canonical)] longest first for those read from a question's text."""
    cached = _CANDIDATES.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        values = data_values(catalog)
        maps = [(dim, values.get(dim) or {}, _candidates(dim, values.get(dim) or {})) for dim in ORDER]
        lists = [(dim, data, sorted(words.items(), key=lambda kv: -len(kv[0])))  # "a german locale" before "german"
                 for dim, data, words in sorted(maps, key=lambda m: m[0] != "locale") if dim != "app_version"]
        if len(_CANDIDATES) > 16:
            _CANDIDATES.clear()
        cached = _CANDIDATES[id(catalog)] = (catalog, maps, lists)
    return cached[1], cached[2]


@lru_cache(maxsize=4096)
def _compiled(word: str, dim: str, raw_upper: bool) -> re.Pattern | None:
    pattern = _pattern(word, dim, raw_upper)
    return re.compile(pattern) if pattern else None


def _candidates(dim: str, data: dict[str, str]) -> dict[str, str]:
    """Said word -> canonical value for a dimension: the data's own values and the lexicon's words."""
    out = {v: v for v in data}
    for word, canonical in VALUE_WORDS.get(dim, {}).items():
        out.setdefault(word, canonical.lower())
    if dim == "locale":
        for language, prefix in LANGUAGES.items():
            for said in ("speakers", "speaking", "-speaking", "-speakers", "locale", "-locale", "language", "-language"):
                out.setdefault(language + ("" if said.startswith("-") else " ") + said, prefix)
    return out


def said_values(text: str, catalog: Catalog, raw: str = "") -> tuple[list[tuple[str, str, str]],
                                                                       tuple[str, str, list[str]] | None]:
    """([(dimension, value as stored, words)], missing): `missing` is (dimension, what was said, the values
    there are) for the first value the lexicon knows but this warehouse does not have."""
    values = data_values(catalog)
    found, missing = app_version(text, values)
    weekday = SIGNUP_WEEKDAY.search(text)
    if weekday and values.get("signup_weekday"):  # "people who signed up on a sunday", "monday signups"
        day = next(d for d in weekday.groups() if d)
        found.append(("signup_weekday", day.capitalize().rstrip("s"), weekday.group(0)))
    taken: set[str] = set()
    for dim, data, candidates in _candidate_tables(catalog)[1]:
        for word, canonical in candidates:
            if word not in text or word in taken or any(word in t.split() for t in taken):
                continue  # (a substring test first: most words are not in the question at all)
            pattern = _compiled(word, dim, bool(rx.search(rf"\b{re.escape(word.upper())}\b", raw)))
            m = pattern.search(text) if pattern else None
            if m is None or (word == "app" and rx.match(r" (?:opens?|opened|launch(?:es|ed)?|starts?|versions?|builds?"
                                                          r"|releases?)\b", text[m.end():])):
                continue  # "app opens" is the event, "app version" the dimension, not a filter on the app
            stored = _stored(dim, canonical, data)
            if stored is not None:  # "german signups": the signups are the event, not part of the filter
                found.append((dim, stored, rx.sub(r"\s+(?:signups?|sign-ups)$", "", m.group(0).strip())))
                taken.add(word)
                break
            if missing is None and not _elsewhere(word, dim, values):
                missing = (dim, word, list(data.values()))
    if missing is None and not any(f[0] == "plan" for f in found):  # "on the gold plan": a plan the lexicon lacks
        missing = unknown_plan(text, values)
    if missing is None and not any(f[0] == "locale" for f in found):  # "fr-FR users": a code the lexicon lacks
        code, missing = locale_code(text, values)
        found += code
    return [_the_app(f, values, text) for f in _one_per_value(found, text)], missing


def _one_per_value(found: list[tuple[str, str, str]], text: str) -> list[tuple[str, str, str]]:
    """"on the ios app only": "app only" (the platform) and "on the ios app" (the os) say one value, iOS, in
    overlapping words: one filter, the first dimension's, over all of those words."""
    out: list[tuple[str, str, str]] = []
    spans: list[tuple[int, int]] = []
    for dim, value, words in found:
        start = text.find(words)
        span = (start, start + len(words)) if start >= 0 and words else (-1, -1)
        same = next((k for k, (a, b) in enumerate(spans) if a < span[1] and span[0] < b
                     and out[k][1].lower() == value.lower()), None)
        if same is None:
            out.append((dim, value, words))
            spans.append(span)
            continue
        a, b = min(spans[same][0], span[0]), max(spans[same][1], span[1])
        spans[same], out[same] = (a, b), (out[same][0], out[same][1], text[a:b])
    return out


def _the_app(found: tuple[str, str, str], values: dict[str, dict[str, str]], text: str) -> tuple[str, str, str]:
    """"in the app" where one Segment source is the app ("acme_app"): that source, every platform it
    sends from; else the lexicon's platform."""
    dim, _, words = found
    named = r"\b(?:ios|iphone|android|mobile)\b"
    if dim != "platform" or "app" not in words.split() or rx.search(named, words) or rx.search(named + " app", text):
        return found
    apps = [v for k, v in (values.get("segment_source") or {}).items() if "app" in rx.split(r"[_\W]+", k)]
    return ("segment_source", apps[0], words) if len(apps) == 1 else found


_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
SIGNUP_WEEKDAY = re.compile(rf"\b(?:signed up|signing up|signups?|sign-ups|sign ups|joined|registered) on (?:a ({_DAYS})\b"
                            rf"|({_DAYS})s\b)|\b({_DAYS}) (?:signups|sign-ups|sign ups|cohorts?)\b")
APP_VERSION = re.compile(r"(?<![\w.])(?:(?:(?:on |for |in )?(?:the )?(?:app )?version (\d+(?:\.\d+){0,3})|v(\d+(?:\.\d+){1,3}))"
                         r"|(?:(?:on|for|in) (?:the )?)?(?!\d{4}\.)(\d+\.\d+\.\d+(?:\.\d+)?)"
                         r"|(?:on|for|in|using) (?:the )?(\d+\.\d+)(?= (?:beta|release|build|version)s?\b))"
                         r"(?!\w|\.\d)")  # "v3.3", "on 3.4.0.", "the 4.0 beta"


def app_version(text: str, values: dict[str, dict[str, str]]) -> tuple[list, tuple | None]:
    """"app version 3.4.0", "v3.3": the version said, as stored; or missing, with the versions there are."""
    m = APP_VERSION.search(text)
    if m is None:
        return [], None
    data = values.get("app_version") or {}
    said = m.group(1) or m.group(2) or m.group(3) or m.group(4)
    under = [v for k, v in data.items() if k.startswith(said + ".")]
    if said not in data and len(under) > 1:  # "version 3" over 3.4.0, 3.3.1 and 3.2.0: asked, not one of them silently
        return [], ("app_version", said, under)
    stored = data.get(said) or next(iter(under), None)
    if stored is None:
        return [], ("app_version", said, list(data.values()))
    return [("app_version", stored, m.group(0).strip())], None


_LANGUAGE_CODES = "en|de|fr|es|it|pt|ja|zh|ko|nl|sv|da|nb|no|fi|pl|ru|tr|ar|he|hi|id|th|vi|cs|uk|el|hu|ro"
LOCALE_CODE = re.compile(rf"(?<![\w-])(?:(?:in|for|from|with) )?(?:the )?(?:locales? )?((?:{_LANGUAGE_CODES})[-_][a-z]{{2}})"
                         rf"(?: locales?)?(?![\w-])")


PLAN_NAMED = re.compile(r"\b(?:on|for|in) (?:the |a )?([a-z]+) (?:plan|tier)\b")
_NOT_A_PLAN = frozenset("""payment pricing price paid paying same current each every their our my your his her this that
    which what any new old monthly annual yearly subscription billing""".split())


def unknown_plan(text: str, values: dict[str, dict[str, str]]) -> tuple | None:
    """"active users on the gold plan": a plan named that this warehouse's plan values do not have."""
    m = PLAN_NAMED.search(text)
    data = values.get("plan")
    if m is None or not data or m.group(1) in _NOT_A_PLAN or m.group(1) in data:
        return None
    return "plan", m.group(1), list(data.values())


def locale_code(text: str, values: dict[str, dict[str, str]]) -> tuple[list, tuple | None]:
    """"fr-FR users", "en_GB": a locale said as its code, as stored; or missing, with the locales there are."""
    m = LOCALE_CODE.search(text)
    if m is None or "locale" not in values:
        return [], None
    data = values["locale"]
    said = m.group(1).replace("_", "-")
    if said not in data:
        return [], ("locale", said[:3] + said[3:].upper(), list(data.values()))
    return [("locale", data[said], m.group(0).strip())], None


def _stored(dim: str, canonical: str, data: dict[str, str]) -> str | None:
    if canonical in data:
        return data[canonical]
    if dim == "locale":  # a language: its first locale here ("fr" -> fr-FR)
        return next((v for k, v in data.items() if k.split("-")[0] == canonical), None)
    return None


def _elsewhere(word: str, dim: str, values: dict[str, dict[str, str]]) -> bool:
    """The word names a value another dimension has ("android": no platform Android, but an os Android)."""
    for other, words in VALUE_WORDS.items():
        if other != dim and word in words and words[word].lower() in (values.get(other) or {}):
            return True
    return False


def value_of(words: str, catalog: Catalog) -> list[tuple[str, str]]:
    """[(dimension, value)] the words may stand for, in the data (a versus side: "mac", "web users")."""
    words = rx.sub(NOUN + r"$", "", words.strip())
    out = []
    for dim, data, candidates in _candidate_tables(catalog)[0]:
        canonical = candidates.get(words)
        if canonical is not None:
            stored = _stored(dim, canonical, data)
            if stored is not None:
                out.append((dim, stored))
    return out


COMPARATIVE = re.compile(r"\b(better|bettr|beter|worse|wrose|more|less|higher|lower|faster|slower|longer|shorter)\b"
                         r"(?: [\w'-]+){0,2} than "
                         r"(?:(?:the )?(?:ones|those|people|users|folks|customers)(?: (?:from|on|in|who came from|via))? "
                         r"|(?:(?:from|on|via) )?the |(?:from|on|via) )?(\w[\w.-]*)(?![\w-])")
VERSUS = re.compile(r"(?<![\w-])((?:\w[\w.-]*)(?: \w[\w.-]*)?)(?: (?:vs\.?|versus|v\.?|compared to|against|or|and)"
                    r" (?:on |from |in |via |with )?|/)"
                    r"((?:\w[\w.-]*)(?: \w[\w.-]*)?)(?![\w-])")  # "pro vs free", "free/pro/team"


FAR_VERSUS = re.compile(r"(?<![\w-])(?:vs\.?|versus|compared (?:to|with)|against) (?:the )?(?:(?:ones|those|people|users|folks|"
                        r"customers|cohorts|everyone|everybody|anyone|all) )?(?:(?:from|on|via|who came from) )?"
                        r"(\w[\w.-]*)(?![\w-])")

REST = re.compile(r"(?<![\w-])(\w[\w.-]*) (?:vs\.?|versus|compared to|against) (?:everything|everyone|everybody|anything|all) "
                  r"else(?![\w-])|(?<![\w-])(\w[\w.-]*) (?:vs\.?|versus|compared to|against) the rest(?![\w-])"
                  # "3.4.0 vs older builds", "pro vs the other plans": that value against the others
                  r"|(?<![\w-])(\w[\w.-]*) (?:vs\.?|versus|compared to|against) (?:the |all )?(?:older|earlier|previous|prior"
                  r"|newer|later|other|every other) (?:app )?(?:versions?|builds?|releases?|ones|platforms|plans|channels"
                  r"|countries|locales|devices)(?![\w-])")


MOSTLY = re.compile(r"(?<![\w-])(?:mostly|mainly|largely|primarily|mostly coming) (?:on |from |in |via )?(\w[\w.-]*)(?![\w-])")


def versus_breakdown(text: str, catalog: Catalog) -> tuple[str, str] | None:
    """(dimension, words) for "mac vs windows", "ios vs web", "pro vs free", "free or paid", "ios cohorts
    retaining better than web ones" (its words: the two values); one side may be a value this data lacks
    ("referral vs paid"); "is that mostly mobile?": the share of each value of that one's dimension."""
    mostly = MOSTLY.search(text)
    dims = {d for d, _ in value_of(mostly.group(1), catalog)} if mostly else set()
    if dims:
        return next(d for d in ORDER if d in dims), mostly.group(0)
    for m in COMPARATIVE.finditer(text):  # "ios users retain better than web users": a value before, one after
        found = _value_before(text[:m.start()], m.group(2), catalog)
        if found:
            return found[0], f"{found[1]} {m.group(1)} {m.group(2)}"
    rest = REST.search(text)
    if rest:  # "revenue ios vs everything else": that value against the rest, as a breakdown
        dims = {d for d, _ in value_of(rest.group(1) or rest.group(2) or rest.group(3), catalog)}
        if dims:  # "on app version 3.4.0 vs older versions": the dimension's name said before the value too
            named = rx.search(r"(?:(?:on |for |in )?(?:the )?(?:app )?(?:version|build|release) )$", text[:rest.start()])
            return next(d for d in ORDER if d in dims), (named.group(0) if named else "") + rest.group(0)
    for m in VERSUS.finditer(text):
        left, right = m.group(1), m.group(2)
        for a in (left, left.split()[-1]):
            for b in (right, right.split()[0]):
                dims = _dims_of(a, catalog) & _dims_of(b, catalog)
                if dims and value_of(a, catalog) != value_of(b, catalog):
                    dim = next(d for d in ORDER if d in dims)
                    between = m.group(0)[len(left):len(m.group(0)) - len(right)]
                    words = f"{a}{between}{b}" if between == "/" else f"{a} {between.strip()} {b}"
                    return dim, words + _more_sides(text[m.end() - len(right) + len(b):], dim, catalog)
    for m in FAR_VERSUS.finditer(text):  # "cohorts from google retain vs facebook": the sides a few words apart
        found = _value_before(text[:m.start()], m.group(1), catalog)
        if found:
            return found[0], f"{found[1]} vs {m.group(1)}"
    return None


def _value_before(before: str, right: str, catalog: Catalog) -> tuple[str, str] | None:
    """(dimension, word) of the nearest of the last seven words before a comparison that names another value
    of a dimension `right` names a value of ("google" of "google retain vs facebook")."""
    sides = value_of(right, catalog)
    dims = {d for d, _ in sides}
    for left in reversed(before.split()[-7:]):
        left_sides = value_of(left, catalog)
        shared = {d for d, _ in left_sides} & dims
        if shared and left_sides != sides:
            return next(d for d in ORDER if d in shared), left
    return None


def _more_sides(rest: str, dim: str, catalog: Catalog) -> str:
    """" vs team" of "pro vs free vs team": the further values of the same dimension, one after another."""
    said = ""
    while (m := rx.match(r"(?: (?:vs\.?|versus|or|and) |/)(\w[\w.-]*)(?![\w-])", rest)) and dim in _dims_of(m.group(1), catalog):
        said, rest = said + m.group(0), rest[m.end():]
    return said


def _dims_of(words: str, catalog: Catalog) -> set[str]:
    """The dimensions words name a value of: in this data, or (when the other side is in the data) a value
    the lexicon knows for the dimension ("paid" of channels)."""
    found = {d for d, _ in value_of(words, catalog)}
    if not found:
        word = rx.sub(NOUN + r"$", "", words.strip())
        found = {dim for dim, lexicon in VALUE_WORDS.items() if word in lexicon and len(word) > 2}
    return found
