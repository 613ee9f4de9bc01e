"""Reading held-out questions the way the bot does, against the two test datasets' catalog snapshots."""

from __future__ import annotations

from tests.fixtures import catalog

from .score import CONTEXT


def library_and_reader():
    from playbooks import load_library
    from questions import Clarification, ParseContext, Request, parse
    from questions.choices import choice_named

    library = load_library()
    catalogs = {name: catalog(name) for name in CONTEXT}

    def read(question: str, dataset: str, earlier: list[str]):
        today, week_start = CONTEXT[dataset]
        previous, asked = None, None
        for said in [*earlier, question]:  # the thread so far: each reply follows up on the last answer
            picked = choice_named(said, [o.label for o in asked.options]) if asked is not None else None
            if picked is not None:  # a choice of the question asked back, as Slack and the terminal take it
                outcome = asked.options[picked].request
            else:
                outcome = parse(said, ParseContext(library, catalogs[dataset], today, week_start, previous=previous))
            previous = outcome if isinstance(outcome, Request) else previous
            asked = outcome if isinstance(outcome, Clarification) and outcome.options else None
        return outcome

    return library, read
