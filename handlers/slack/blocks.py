"""Block Kit for answers, help, errors and the "working on it" state. Pure functions: plain objects in,
(text fallback, blocks) out, within Slack's limits (50 blocks, 3,000-char sections, 150-char headers,
a table block of at most 100 rows x 20 columns)."""

from __future__ import annotations

from datetime import datetime

from answers import Answer, Failure
from handlers.terminal import format_table
from playbooks import Library
from questions import Clarification
from questions.explain import describe_reading

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
CONTEXT_CHARS = 2000
TABLE_MAX_ROWS = 100  # including the header row
TABLE_MAX_COLUMNS = 20

ACTION_REFRESH = "playbot_refresh"
ACTION_SQL = "playbot_sql"
ACTION_CSV = "playbot_csv"
ACTION_SCHEDULE = "playbot_schedule"
ACTION_POST = "playbot_post"  # a private answer's "Post to channel"

Message = tuple[str, list[dict]]


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_CHARS) -> dict:
    return {"type": "plain_text", "text": cut(text, limit), "emoji": True}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_CHARS)}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, CONTEXT_CHARS)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    out = {"type": "button", "text": plain(text, 75), "action_id": action_id, "value": value}
    if style:
        out["style"] = style
    return out


def table_block(columns: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[bool, ...]) -> dict | None:
    """Slack's table block, or None when the table does not fit one (then the caller uses text)."""
    if not columns or len(columns) > TABLE_MAX_COLUMNS or len(rows) + 1 > TABLE_MAX_ROWS:
        return None

    def cell(value) -> dict:
        return {"type": "raw_text", "text": str(value) if str(value) != "" else " "}

    return {"type": "table",
            "column_settings": [{"align": "right" if i < len(numeric) and numeric[i] else "left"} for i in range(len(columns))],
            "rows": [[cell(c) for c in columns]] + [[cell(v) for v in row] for row in rows]}


def table_text(columns: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[bool, ...]) -> str:
    """The same table as monospaced text, cut to fit one section."""
    text = format_table(columns, tuple(rows), numeric, max_rows=len(rows))
    return "```" + cut(text, SECTION_CHARS - 6) + "```"


def answer_blocks(answer: Answer, answer_id: str | None, max_rows: int = 25, schedule: bool = False,
                  refreshed_at: datetime | None = None) -> Message:
    """The answer message: header, key number and comparisons, table, warnings, definitions, buttons."""
    title = answer.title
    lines = [line for line in answer.summary.splitlines() if line.strip()]
    blocks: list[dict] = [{"type": "header", "text": plain(title, HEADER_CHARS)}]
    key = f"*{esc(lines[0])}*" if lines else ""
    blocks.append(section("\n".join([key] + [esc(line) for line in lines[1:]]) or " "))
    table = answer.table
    shown = list(table.rows[:max_rows])
    block = table_block(table.columns, shown, table.numeric)
    blocks.append(block if block is not None else section(table_text(table.columns, shown, table.numeric)))
    hidden = len(table.rows) - len(shown)
    if hidden > 0:
        blocks.append(context(f"… {hidden:,} more rows: *CSV* has them all."))
    for warning in answer.warnings[:5]:
        blocks.append(context(f":warning: {esc(warning)}"))
    blocks.append(context(esc(describe_reading(answer.request))))
    blocks.append(context("\n".join(esc(d) for d in answer.definitions) or " "))
    if refreshed_at is not None:
        blocks.append(context(f":arrows_counterclockwise: Refreshed {refreshed_at:%Y-%m-%d %H:%M}"))
    if answer_id:  # buttons refer to the stored request by this id
        buttons = [button("Refresh", ACTION_REFRESH, answer_id), button("Show SQL", ACTION_SQL, answer_id),
                   button("CSV", ACTION_CSV, answer_id)]
        if schedule:
            buttons.append(button("Schedule…", ACTION_SCHEDULE, answer_id))
        blocks.append({"type": "actions", "elements": buttons})
    return cut(f"{title}: {lines[0] if lines else ''}", 3000), blocks[:MAX_BLOCKS]


def working_blocks(question: str, user: str | None = None) -> Message:
    who = f" for <@{user}>" if user else ""
    text = f":hourglass_flowing_sand: Working on “{esc(cut(question, 200))}”{who}…"
    return f"Working on “{cut(question, 200)}”…", [section(text)]


def failure_blocks(failure: Failure) -> Message:
    """The question was understood but could not be answered now: what happened and what to try."""
    icon = {"timeout": ":stopwatch:", "unavailable": ":electric_plug:", "refused": ":no_entry:"}.get(failure.kind, ":warning:")
    lines = [f"{icon} {esc(failure.message)}"]
    if failure.next_step:
        lines.append(esc(failure.next_step))
    return cut(failure.message, 3000), [section("\n".join(lines))]


def clarification_blocks(c: Clarification, command: str = "/playbot") -> Message:
    lines = [f":thinking_face: {esc(c.message)}"]
    if c.choices:
        lines.append("Choose one: " + ", ".join(f"`{esc(x)}`" for x in c.choices))
    if c.suggestions:
        lines.append("Did you mean: " + ", ".join(f"`{esc(x)}`" for x in c.suggestions))
    if c.example:
        lines.append(f"Try: `{command} {esc(c.example)}`")
    lines.append(f"`{command} help` lists what I can answer.")
    return cut(c.message, 3000), [section("\n".join(lines))]


def refusal_blocks(message: str) -> Message:
    return cut(message, 3000), [section(f":no_entry: {esc(message)}")]


def help_blocks(library: Library, command: str = "/playbot", shortcuts: dict[str, str] | None = None) -> Message:
    blocks: list[dict] = [{"type": "header", "text": plain("What Playbot can answer", HEADER_CHARS)},
                          section(f"Ask `{command} <question>`, mention me in a channel (I answer in a thread), or DM me. "
                                  "Reply in my thread to change the range, interval or event.")]
    for pb in library.all()[:40]:
        examples = " · ".join(f"`{command} {esc(e)}`" for e in pb.examples[:3])
        blocks.append(section(f"*{esc(pb.title)}* ({pb.id})\n{esc(pb.question)}" + (f"\n{examples}" if examples else "")))
    if shortcuts:
        blocks.append(context("Shortcuts: " + " · ".join(f"`{name}`" for name in shortcuts)))
    return "What Playbot can answer", blocks[:MAX_BLOCKS]


def sql_blocks(answer_sql: str, bound: dict) -> Message:
    """The SQL as it ran, split at line ends into as many code sections as it needs, then the bound values."""
    chunks, current = [], ""
    for line in esc(answer_sql).splitlines(keepends=True):
        while len(current) + len(line) > SECTION_CHARS - 6:
            if current:
                chunks.append(current)
                current = ""
            else:  # one line longer than a section
                chunks.append(line[: SECTION_CHARS - 6])
                line = line[SECTION_CHARS - 6:]
        current += line
    chunks.append(current)
    blocks = [section("```" + chunk + "```") for chunk in chunks[: MAX_BLOCKS - 2]]
    if len(chunks) > MAX_BLOCKS - 2:
        blocks.append(context("… the SQL is longer than one message can hold."))
    params = ", ".join(f"{k}={v!r}" for k, v in bound.items())
    if params:
        blocks.append(context(f"Bound parameters: {esc(params)}"))
    return "The SQL behind this answer", blocks
