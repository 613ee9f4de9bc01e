"""Answers in a terminal: the local mode when no Slack tokens are configured, and `bot.py ask`."""

from __future__ import annotations

import json
from typing import Any

from playbooks import Answer, Clarification, Failure
from playbooks.params import json_safe


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
    if c.choices:
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
                "choices": list(outcome.choices), "example": outcome.example}
    return {"error": outcome.message, "suggestions": [outcome.next_step] if outcome.next_step else [],
            "kind": outcome.kind}


def explain(answer_or_request) -> str:
    from playbooks.explain import explain_lines

    request = getattr(answer_or_request, "request", answer_or_request)
    lines = ["How I read this:", *(f"  {line}" for line in explain_lines(request))]
    lines.append("  resolved: " + json.dumps(json_safe(request.params)))
    return "\n".join(lines)
