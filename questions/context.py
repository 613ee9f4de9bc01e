"""What a question is read against: the playbooks, the warehouse's catalog, today, the thread so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from playbooks import Library
from segment import Catalog
from segment.dimensions import DIMENSIONS

from .lexicon import FILLER, LANGUAGES, VALUE_WORDS
from .request import Request
from .timerange import HOLIDAYS
from .typos import CONNECTORS, TIME_WORDS, Speller, vocabulary
from .vocabulary import STOPWORDS, EventMatcher


@dataclass
class ParseContext:
    library: Library
    catalog: Catalog
    today: date
    week_start: str = "monday"
    synonyms: dict[str, str] = field(default_factory=dict)
    previous: Request | None = None
    activation_event: str | None = "Signed Up"  # what makes someone a signup (config segment.activation_event)
    now: datetime | None = None  # local, naive: the moment of the question ("the last 6 hours"); None: today only
    _matcher: EventMatcher | None = None

    @property
    def matcher(self) -> EventMatcher:
        if self._matcher is None:
            self._matcher = matcher_for(self.catalog, self.synonyms)
        return self._matcher

    @property
    def speller(self) -> Speller:
        return speller_for(self.library, self.matcher)


_MATCHERS: dict[tuple[int, tuple], EventMatcher] = {}


def matcher_for(catalog: Catalog, synonyms: dict[str, str]) -> EventMatcher:
    """One EventMatcher per catalog (and admin synonyms): built once, not for every question."""
    key = (id(catalog), tuple(sorted(synonyms.items())))
    cached = _MATCHERS.get(key)
    if cached is None or cached.catalog is not catalog:
        if len(_MATCHERS) > 16:
            _MATCHERS.clear()
        cached = _MATCHERS[key] = EventMatcher(catalog, synonyms)
    return cached


_SPELLERS: dict[tuple[int, int], Speller] = {}


def speller_for(library: Library, matcher: EventMatcher) -> Speller:
    """One Speller per (library, catalog): header words are its vocabulary, event words are protected."""
    key = (id(library), id(matcher.catalog))
    if key not in _SPELLERS:
        if len(_SPELLERS) > 16:
            _SPELLERS.clear()
        words = [w for pb in library.all() for w in (*pb.words, pb.id.replace("_", " "))]
        words += [w for pb in library.all() for s in pb.params for ws in s.extra.get("words", {}).values() for w in ws]
        # never "corrected" into a word that means nothing here (a connector of a conversion still means something)
        vocab = vocabulary(words) - (FILLER - set(TIME_WORDS) - CONNECTORS) | CONNECTORS
        event_words = set(matcher.vocabulary) - vocab
        known = {w for d in DIMENSIONS.values() for phrase in d.words for w in phrase.split()}
        known |= {w for words in VALUE_WORDS.values() for phrase in words for w in phrase.split()} | set(LANGUAGES)
        known |= {str(v).lower() for values in matcher.catalog.values.values() for v, _ in values}
        # the names of dimensions and their values, and holidays, are words to correct into too ("platfrom",
        # "germnay", "veterns day")
        known |= {w.strip("'") for name in HOLIDAYS for w in name.split()}
        vocab |= {w for w in known if w.isalpha() and len(w) >= 4}
        _SPELLERS[key] = Speller(vocab, FILLER | STOPWORDS | event_words | known, event_words)
    return _SPELLERS[key]
