"""Reading held-out questions the way the bot does, against the two test datasets' catalog snapshots."""

from __future__ import annotations

from tests.fixtures import catalog

from .score import CONTEXT


def library_and_reader():
    from playbooks import load_library
    from questions import ParseContext, Request, parse

    library = load_library()
    catalogs = {name: catalog(name) for name in CONTEXT}

    def read(question: str, dataset: str, earlier: list[str]):
        today, week_start = CONTEXT[dataset]
        previous = None
        for said in earlier:  # the thread so far: each reply follows up on the last answer
            outcome = parse(said, ParseContext(library, catalogs[dataset], today, week_start, previous=previous))
            previous = outcome if isinstance(outcome, Request) else previous
        return parse(question, ParseContext(library, catalogs[dataset], today, week_start, previous=previous))

    return library, read
