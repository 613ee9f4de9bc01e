"""Answers in a terminal: the local prompt when no Slack tokens are configured, and `bot.py ask`.

Like every surface, it only turns what was typed into a call to the answer service and the Outcome
into text; the operator at the terminal is CLI_SUBJECT (holds the config, so no rate limit).
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from answers import Answer, Failure
from charts import render_png
from playbooks import Library
from playbooks.params import json_safe
from questions import Clarification
from questions.choices import choice_named
from questions.explain import explain_lines
from service import CLI_SUBJECT, AnswerService

log = logging.getLogger("playbot.terminal")


def format_answer(answer: Answer, chart_path: str | None, max_rows: int = 40) -> str:
    out = [answer.title, "", answer.headline]
    out += [line for line in answer.summary.splitlines()[1:] if line]
    out.append("")
    out.append(format_table(answer.table.columns, answer.table.rows, answer.table.numeric, max_rows))
    for warning in answer.warnings:
        out.append(f"! {warning}")
    out.append("")
    out += [f"  {d}" for d in answer.definitions]
    if chart_path:
        out.append(f"Chart: {chart_path}")
    return "\n".join(out)


def format_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], numeric: tuple[bool, ...] = (),
                 max_rows: int = 40) -> str:
    shown = list(rows[:max_rows])
    widths = [max([len(str(c))] + [len(str(r[i])) for r in shown]) for i, c in enumerate(columns)]

    def line(cells) -> str:
        parts = []
        for i, cell in enumerate(cells):
            right = i < len(numeric) and numeric[i]
            parts.append(str(cell).rjust(widths[i]) if right else str(cell).ljust(widths[i]))
        return "  ".join(parts).rstrip()

    text = [line(columns), line("-" * w for w in widths)] + [line(r) for r in shown]
    if len(rows) > max_rows:
        text.append(f"… {len(rows) - max_rows} more rows (use --json for all)")
    return "\n".join(text)


def format_clarification(c: Clarification) -> str:
    out = [c.message]
    if c.options:  # each answers the whole question: the prompt takes its number or its name
        out += [f"  {i}. {o.label}" for i, o in enumerate(c.options, 1)]
        out.append("Answer with a number or a name.")
    elif c.choices:
        out.append("Choose one: " + ", ".join(c.choices))
    if c.suggestions:
        out.append("Did you mean: " + ", ".join(c.suggestions))
    if c.example:
        out.append(f"Try: {c.example}")
    return "\n".join(out)


def format_failure(f: Failure) -> str:
    return f.message + (f"\n{f.next_step}" if f.next_step else "")


def error_json(outcome: Clarification | Failure) -> dict[str, Any]:
    if isinstance(outcome, Clarification):
        return {"error": outcome.message, "suggestions": list(outcome.suggestions) + list(outcome.choices),
                "choices": list(outcome.choices), "example": outcome.example,
                "options": [{"label": o.label, "params": json_safe(o.request.params), "playbook": o.request.playbook}
                            for o in outcome.options]}
    return {"error": outcome.message, "suggestions": [outcome.next_step] if outcome.next_step else [],
            "kind": outcome.kind}


def explain(answer_or_request) -> str:
    request = getattr(answer_or_request, "request", answer_or_request)
    lines = ["How I read this:", *(f"  {line}" for line in explain_lines(request))]
    lines.append("  resolved: " + json.dumps(json_safe(request.params)))
    return "\n".join(lines)


def format_outcome(outcome, chart_path: str | None = None) -> str:
    if isinstance(outcome, Answer):
        return format_answer(outcome, chart_path)
    if isinstance(outcome, Clarification):
        return format_clarification(outcome)
    return format_failure(outcome)


def playbook_list(library: Library) -> str:
    lines = []
    for pb in library.all():
        lines.append(f"{pb.id:<18} {pb.question}")
        if pb.examples:
            lines.append(f"{'':<18} e.g. " + " · ".join(pb.examples[:3]))
    return "\n".join(lines)


def save_chart(answer: Answer, path: str | None, chart_dir: Path) -> str | None:
    """Draw the answer's chart into `path` (or a new file in `chart_dir`); its absolute path, or None."""
    if answer.chart is None:
        return None
    png = render_png(answer.chart)
    if path is None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        target = chart_dir / f"{answer.playbook.id}-{datetime.now():%Y%m%d-%H%M%S-%f}.png"
    else:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(png)
    return str(target.resolve())


def ask_once(service: AnswerService, question: str, *, as_json: bool = False, show_explain: bool = False,
             chart: str | None = None, draw: bool = True, out=print) -> int:
    """`bot.py ask`: one question, one printed outcome (one JSON object with --json). 0 answered, 2 not."""
    outcome = service.ask(CLI_SUBJECT, question)
    if not isinstance(outcome, Answer):
        if as_json:
            out(json.dumps(error_json(outcome)))
        else:
            if show_explain and getattr(outcome, "request", None) is not None:
                out(explain(outcome.request) + "\n")
            out(format_outcome(outcome))
        return 2
    chart_path = _chart(outcome, chart, service.config.chart_dir) if draw else None
    if as_json:
        data = outcome.to_json(chart_path)
        if show_explain:
            data["explain"] = [{"param": r.name, "value": json_safe(r.value), "words": r.words}
                               for r in outcome.request.readings]
        out(json.dumps(data, default=str))
    else:
        if show_explain:
            out(explain(outcome) + "\n")
        out(format_answer(outcome, chart_path))
    return 0


def run_prompt(service: AnswerService, warehouse_label: str, read=input, out=print) -> int:
    """The interactive prompt: questions, follow-ups on the previous answer, 'help', 'new', 'quit'."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - importing it gives input() line editing and history
    examples = [pb.examples[0] for pb in service.library.all() if pb.examples][:4]
    out(f"Playbot on {warehouse_label}. Ask a question; 'help' lists playbooks, 'new' forgets the context, "
        "'quit' leaves.")
    out("Try: " + " · ".join(examples))
    previous, pending = None, ()
    while True:
        try:
            question = read("\nplaybot> ").strip()
        except (EOFError, KeyboardInterrupt):
            out("")
            return 0
        if not question:
            continue
        picked = pick_option(pending, question)
        pending = ()
        if picked is not None:  # the answer to the question asked back: the whole question, read with it
            outcome = service.ask(CLI_SUBJECT, request=picked.request, purpose="choice")
            previous = outcome.request if isinstance(outcome, Answer) else previous
            out(format_outcome(outcome, _chart(outcome, None, service.config.chart_dir)
                               if isinstance(outcome, Answer) else None))
            continue
        if question in ("quit", "exit", ":q"):
            return 0
        if question in ("help", "playbooks"):
            out(playbook_list(service.library))
            continue
        if question == "new":
            previous = None
            out("(context cleared)")
            continue
        show_explain = question.startswith("explain ")
        outcome = service.ask(CLI_SUBJECT, question.removeprefix("explain "), previous=previous)
        if isinstance(outcome, Answer):
            previous = outcome.request
            if show_explain:
                out(explain(outcome))
        elif isinstance(outcome, Clarification):
            pending = outcome.options
        out(format_outcome(outcome, _chart(outcome, None, service.config.chart_dir)
                           if isinstance(outcome, Answer) else None))


def pick_option(options, said: str):
    """The option a reply picks: its number ("2"), its name ("Invite Sent") or a word only it has, else None."""
    picked = choice_named(said, [o.label for o in options])
    return options[picked] if picked is not None else None


def _chart(answer: Answer, path: str | None, chart_dir: Path) -> str | None:
    try:
        return save_chart(answer, path, chart_dir)
    except Exception as exc:  # noqa: BLE001 - a chart problem must not lose the answer
        log.warning("chart failed: %s", exc)
        return None
