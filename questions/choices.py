"""Which of the choices of a question asked back a reply names: its number, its name, or a word only it has."""

from __future__ import annotations

import re

# a platform word said for a page-or-screen choice ("the web one"): a page is the web's, a screen the app's
_KIND_WORDS = {"page": ("web", "website", "site", "browser", "desktop", "page"),
               "screen": ("ios", "iphone", "android", "app", "mobile", "phone", "screen")}
_FILLER = frozenset("the a an one ones please pls thanks i mean meant that this it for on in".split())


def choice_named(said: str, labels: list[str]) -> int | None:
    """The index in `labels` of the choice `said` picks ("2", "Invite Sent", "the web one" for a page beside its
    screen, "page"), else None: a reply that fits none or several is a new question."""
    said = said.strip().rstrip(".!?").lower()
    if said.isdigit():
        return int(said) - 1 if 1 <= int(said) <= len(labels) else None
    exact = [i for i, label in enumerate(labels) if label.lower() == said]
    if exact:
        return exact[0]
    words = [w for w in re.findall(r"[a-z0-9-]+", said) if w not in _FILLER]
    if not words or len(words) > 3:
        return None
    fits = [i for i, label in enumerate(labels) if all(_fits(w, label.lower()) for w in words)]
    return fits[0] if len(fits) == 1 else None


def _fits(word: str, label: str) -> bool:
    if re.search(rf"\b{re.escape(word)}", label):
        return True
    kind = next((k for k, said in _KIND_WORDS.items() if word in said), None)
    return kind is not None and label.endswith(" " + kind)
