"""Typos in the words that are not event names: "weke" -> week, "montly" -> monthly, "retntion" ->
retention. A word is corrected only to a single closest word of the bot's own vocabulary (one edit for
short words, two for long ones, same first letter), and the answer says what it read ("weke" read as
"week"). Event names have their own forgiving matcher (vocabulary.py), so words close to an event's are
left to it.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from functools import cache, lru_cache

from english_words import get_english_words_set

TIME_WORDS = ("today yesterday tomorrow hour hours hourly day days daily week weeks weekly month months monthly "
              "quarter quarters quarterly year years yearly annual last past previous prior this current since until "
              "between fortnight weekend weekends ago so far to date morning evening night full complete whole entire").split()
MONTH_WORDS = [m.lower() for m in calendar.month_name if m] + [d.lower() for d in calendar.day_name]
OTHER_WORDS = ("average median total rate ratio percent percentage share compare compared versus breakdown "
               "broken split grouped segment segmented within least first steps after before during trend "
               "growth cohort cohorts retention retained active users signups sessions revenue funnel conversion "
               "adoption engagement stickiness better worse higher lower faster slower finish finished complete completed "
               "people convert converted return returned started receive received lose losing launched").split()
# filler words that still carry a reading (a conversion's "actually send"): corrected into when misspelt
CONNECTORS = frozenset("actually eventually usually really which number".split())


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours), capped."""
    if abs(len(a) - len(b)) > limit or len(set(a) ^ set(b)) > 2 * limit:
        return limit + 1  # (an edit changes the set of letters by two at most: far apart in letters, far apart)
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
        if min(prev) > limit:
            return limit + 1
    return prev[-1]


class Speller:
    """Corrects words against a vocabulary; built once per library (its header words join the vocabulary)."""

    def __init__(self, words: set[str], protected: set[str], event_words: set[str] = frozenset()):
        self.words = frozenset(words)
        self.protected = frozenset(protected)  # known words that are never corrected (fillers, values)
        self._by_start = _index(self.words)
        self._events = _index({w for w in event_words if w.isalpha() and len(w) >= 4})  # left to the event matcher
        self.correct = lru_cache(maxsize=4096)(self._correct)

    def _correct(self, word: str) -> str | None:
        """The one vocabulary word `word` is a typo of, or None (a known word, an English word, or no single
        close one: "shipped" is never read as "stopped")."""
        if word in self.words or word in self.protected:
            return None
        if len(word) == 3 and word.isalpha() and not is_english(word):
            # three letters are too few to guess from, except a time unit with a letter left out ("wek", "dys")
            units = [u for u in SHORT_UNITS if any(u[:i] + u[i + 1:] == word for i in range(len(u)))]
            return units[0] if len(units) == 1 else None
        if len(word) < 4 or word in self.words or word in self.protected or not word.isalpha() or is_english(word):
            return None
        limit = 1 if len(word) <= 6 else 2
        near = range(len(word) - limit, len(word) + limit + 1)  # a longer or shorter word is further than the limit
        if any(distance(word, w, limit) <= limit for n in near for w in self._events.get((word[0], n), ())):
            return None  # a typo of an event word: the event matcher forgives it itself
        best: list[tuple[int, str]] = []
        for candidate in (w for n in near for w in self._by_start.get((word[0], n), ())):
            d = distance(word, candidate, limit)
            if d <= limit:
                best.append((d, candidate))
        if not best:
            return None
        best.sort()
        if len(best) > 1 and best[1][0] == best[0][0]:
            # two equally close words: a guess only when the word is one of them with a letter left out (the
            # commonest typo: "monthy" is monthly, not month), else not a guess to make
            dropped = [c for d, c in best if d == 1 == best[0][0] and len(c) == len(word) + 1
                       and any(c[:i] + c[i + 1:] == word for i in range(len(c)))]
            if len(dropped) == 1:
                return dropped[0]
            # or the same letters, two of them swapped ("dasy" is days, not day)
            swapped = [c for d, c in best if d == best[0][0] and sorted(c) == sorted(word)]
            return swapped[0] if len(swapped) == 1 else None
        return best[0][1]


_INFLECTIONS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""),
                ("er", ""), ("ers", ""), ("d", ""))


# in the dictionaries (archaic or rare words) but, in a question about data, the typo of a time word
RARE_NOT_MEANT = frozenset({"quater", "quaters", "weakly", "mounths", "yeer", "dyas", "loose", "loosing", "loosed", "frist",
                            "monthy", "viewd", "signd", "openned", "opend", "orderd", "addd", "clickd", "retaind",
                            "churnd", "lats"})

SHORT_UNITS = ("week", "days", "year", "hour", "month")


@cache
def _english() -> frozenset[str]:
    return frozenset(get_english_words_set(["web2", "gcide"], lower=True)) - RARE_NOT_MEANT


def is_english(word: str) -> bool:
    """In the dictionary, or an inflection of a word that is (shipped, tried, senders)."""
    known = _english()
    if word in RARE_NOT_MEANT:
        return False
    if word in known:
        return True
    stems = [word[: len(word) - len(end)] + add for end, add in _INFLECTIONS if word.endswith(end)
             and len(word) - len(end) + len(add) >= 3]
    if len(word) > 5 and word[-3] == word[-4] and word.endswith("ed"):
        stems.append(word[:-3])  # shipped -> ship
    return any(s in known for s in stems)


# where a month name is the only thing a word can be: "since agust", "in novmeber", "agust 14", "septmber 2026"
_MONTH_SLOT_BEFORE = frozenset("since in during from of starting until through thru to and vs early mid late "
                               "before after for".split())
_MONTH_NAMES = tuple(m.lower() for m in calendar.month_name if m)


def month_typo(word: str, before: str, after: str) -> str | None:
    """The month a word is a typo of (one edit, two for long words, same first letter), or None. A word
    of the dictionary ("agust" is an old word in one) is read as a month only where nothing else fits: after
    "since", "in", "of"... or before a day or a year; one that is not is read anywhere."""
    if len(word) < 4 or not word.isalpha() or word in _MONTH_NAMES or word in ("sept", "june", "july"):
        return None
    limit = 1 if len(word) <= 5 else 2
    close = [m for m in _MONTH_NAMES if m[0] == word[0] and distance(word, m, limit) <= limit]
    if len(close) != 1:
        return None
    slot = before in _MONTH_SLOT_BEFORE or bool(after) and (after[0].isdigit() or after in ("to", "through", "-"))
    return close[0] if slot or not is_english(word) else None


def _index(words) -> dict[tuple[str, int], list[str]]:
    """Words by their first letter and length (a typo keeps the first letter and is within two of the length)."""
    by_start: dict[tuple[str, int], list[str]] = defaultdict(list)
    for w in sorted(words):
        by_start[(w[0], len(w))].append(w)
    return by_start


def vocabulary(header_words: list[str]) -> set[str]:
    """The words the bot reads besides event names: time words, month and day names, header words."""
    words = set(TIME_WORDS) | set(MONTH_WORDS) | set(OTHER_WORDS)
    for phrase in header_words:
        words |= {w for w in phrase.lower().replace("-", " ").split() if w.isalpha() and len(w) >= 4}
    return words
