"""Block Kit for answers, help, errors and the "working on it" state. Pure functions: plain objects in,
(text fallback, blocks) out, within Slack's documented limits: 50 blocks a message; section text 3,000,
header 150, context 2,000 and button text 75 characters; one table per message (`table`: 100 rows x 20
columns; `data_table`: a header plus 1-100 rows, 1-20 columns, a caption, page_size 1-100 and at most
10,000 characters across its cells); an image block's alt text 2,000; two data_visualization blocks.

Every text is escaped once here (handlers/slack/text.py), the `text` fallback included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from answers import Answer, Failure
from handlers.terminal import format_table
from playbooks import Library
from questions import Clarification
from questions.explain import describe_reading

from .text import cut, esc, fallback, neutralize, slack_length

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
CONTEXT_CHARS = 2000
ALT_TEXT_CHARS = 2000
TABLE_MAX_ROWS = 100  # `table`: including the header row
TABLE_MAX_COLUMNS = 20
DATA_TABLE_MAX_ROWS = 100  # `data_table`: rows below its header
DATA_TABLE_CELL_CHARS = 10_000  # across all cells of the table (and of the message)
COMPACT_ROWS = 10  # up to this many rows: the plain `table` block; more: a `data_table` that pages

ACTION_REFRESH = "playbot_refresh"
ACTION_SQL = "playbot_sql"
ACTION_CSV = "playbot_csv"
ACTION_SCHEDULE = "playbot_schedule"
ACTION_POST = "playbot_post"  # a private answer's "Post to channel"
ACTION_FEEDBACK = "playbot_feedback"
ACTION_CHOICE = "playbot_choice"  # a choice of a question asked back: answers the whole question with it

Message = tuple[str, list[dict]]
NUMBER = re.compile(r"^[-+−]?[$€£]?\d[\d,]*(\.\d+)?%?$")


@dataclass(frozen=True)
class ChartPart:
    """What the answer shows for its chart: an uploaded PNG (Slack file id), Slack's own chart block, or
    a line saying why there is none (an upload the workspace refused)."""

    file_id: str | None = None
    native: dict | None = None
    note: str = ""


def plain(text: str, limit: int = SECTION_CHARS) -> dict:
    return {"type": "plain_text", "text": cut(str(text), limit) or " ", "emoji": True}


def section(text: str) -> dict:
    """A mrkdwn section; `text` is mrkdwn already (escape user text with esc before)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_CHARS) or " "}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, CONTEXT_CHARS) or " "}]}


def confirm(title: str, text: str, yes: str, no: str = "Cancel", danger: bool = False) -> dict:
    """Slack's confirmation dialog (title 100, text 300, buttons 30 characters)."""
    out = {"title": plain(title, 100), "text": plain(text, 300), "confirm": plain(yes, 30), "deny": plain(no, 30)}
    if danger:
        out["style"] = "danger"
    return out


def button(text: str, action_id: str, value: str, style: str | None = None, confirm_with: dict | None = None) -> dict:
    out = {"type": "button", "text": plain(text, 75), "action_id": action_id, "value": value}
    if style:
        out["style"] = style
    if confirm_with:
        out["confirm"] = confirm_with
    return out


# ---- tables ----
def _cell(value) -> dict:
    text = str(value) if str(value) != "" else " "  # Slack rejects empty cells: a blank is a space
    return {"type": "raw_text", "text": text}


def _number_cell(value: str) -> dict:
    """A numeric column's cell: raw_number (sorted as a number), shown exactly as formatted."""
    text = str(value)
    if not NUMBER.match(text.strip()):
        return _cell(value)
    number = float(text.strip().replace(",", "").replace("−", "-").strip("$€£%"))
    return {"type": "raw_number", "value": int(number) if number.is_integer() else number, "text": text}


def table_block(columns: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[bool, ...]) -> dict | None:
    """Slack's compact table block, or None when the table does not fit one."""
    if not columns or len(columns) > TABLE_MAX_COLUMNS or len(rows) + 1 > TABLE_MAX_ROWS:
        return None
    return {"type": "table",
            "column_settings": [{"align": "right" if i < len(numeric) and numeric[i] else "left"} for i in range(len(columns))],
            "rows": [[_cell(c) for c in columns]] + [[_cell(v) for v in row] for row in rows]}


def data_table_block(caption: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[bool, ...],
                     page_size: int) -> dict | None:
    """Slack's data_table (paging, sorting, filtering built in), or None when it does not fit one."""
    if not columns or len(columns) > TABLE_MAX_COLUMNS or not 1 <= len(rows) <= DATA_TABLE_MAX_ROWS:
        return None
    if _cell_chars(columns, rows) > DATA_TABLE_CELL_CHARS:
        return None
    body = [[_number_cell(v) if i < len(numeric) and numeric[i] else _cell(v) for i, v in enumerate(row)] for row in rows]
    return {"type": "data_table", "caption": cut(caption, 150), "page_size": max(1, min(page_size, 100)),
            "rows": [[_cell(c) for c in columns]] + body}


def _cell_chars(columns, rows) -> int:
    return sum(slack_length(str(c) or " ") for c in columns) + sum(slack_length(str(v) or " ") for r in rows for v in r)


def table_text(columns: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[bool, ...]) -> str:
    """The same table as monospaced text (escaped: cell values are data), cut to fit one section."""
    text = format_table(columns, tuple(rows), numeric, max_rows=len(rows))
    return "```" + cut(esc(text), SECTION_CHARS - 6) + "```"


def _is_total(row: tuple[str, ...]) -> bool:
    return bool(row) and str(row[0]).strip().lower() in ("total", "all", "overall")


def shown_rows(rows: tuple[tuple[str, ...], ...], limit: int) -> list[tuple[str, ...]]:
    """At most `limit` rows; a closing Total row stays (the last row shown) when rows are cut."""
    if len(rows) <= limit:
        return list(rows)
    if _is_total(rows[-1]):
        return list(rows[: limit - 1]) + [rows[-1]]
    return list(rows[:limit])


def _fit_cells(columns, rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Drop rows from the end (a Total row stays) until the cells fit 10,000 characters."""
    while len(rows) > 1 and _cell_chars(columns, rows) > DATA_TABLE_CELL_CHARS:
        rows = rows[:-2] + rows[-1:] if _is_total(rows[-1]) else rows[:-1]
    return rows


def answer_table(answer: Answer, page_size: int) -> tuple[dict, int]:
    """The one table of the answer message and how many rows it leaves to the CSV."""
    table = answer.table
    rows = _fit_cells(table.columns, shown_rows(table.rows, DATA_TABLE_MAX_ROWS))
    block = None
    if len(rows) <= COMPACT_ROWS:
        block = table_block(table.columns, rows, table.numeric)
    if block is None:
        block = data_table_block(answer.title, table.columns, rows, table.numeric, page_size)
    if block is None:  # more than 20 columns: monospaced text
        rows = shown_rows(table.rows, page_size)
        block = section(table_text(table.columns, rows, table.numeric))
    return block, len(table.rows) - len(rows)


# ---- the answer ----
def chart_blocks(answer: Answer, chart: ChartPart | None) -> list[dict]:
    if chart is None:
        return []
    if chart.native is not None:
        return [chart.native]
    if chart.file_id:
        title = answer.chart.title if answer.chart is not None else answer.title
        return [{"type": "image", "block_id": f"chart-{chart.file_id}", "slack_file": {"id": chart.file_id},
                 "alt_text": cut(answer.headline or answer.title, ALT_TEXT_CHARS), "title": plain(title, 2000)}]
    return [context(f":frame_with_picture: {esc(chart.note)}")] if chart.note else []


def answer_buttons(answer_id: str, schedule: bool) -> list[dict]:
    buttons = [button("Refresh", ACTION_REFRESH, answer_id), button("Show SQL", ACTION_SQL, answer_id),
               button("CSV", ACTION_CSV, answer_id)]
    if schedule:
        buttons.append(button("Schedule…", ACTION_SCHEDULE, answer_id))
    feedback = {"type": "feedback_buttons", "action_id": ACTION_FEEDBACK,
                "positive_button": {"text": plain("Good answer", 75), "value": f"good:{answer_id}",
                                    "accessibility_label": "This answer was useful"},
                "negative_button": {"text": plain("Not right", 75), "value": f"bad:{answer_id}",
                                    "accessibility_label": "This answer was wrong or not useful"}}
    return [{"type": "actions", "elements": buttons}, {"type": "context_actions", "elements": [feedback]}]


def answer_blocks(answer: Answer, answer_id: str | None, max_rows: int = 25, schedule: bool = False,
                  refreshed_at: datetime | None = None, chart: ChartPart | None = None) -> Message:
    """The answer message: header, key number and comparisons, the chart, one table (pages past
    `max_rows`), warnings, how the question was read, definitions, buttons and feedback."""
    lines = [line for line in answer.summary.splitlines() if line.strip()]
    blocks: list[dict] = [{"type": "header", "text": plain(answer.title, HEADER_CHARS)}]
    key = f"*{esc(lines[0])}*" if lines else ""
    blocks.append(section("\n".join([key] + [esc(line) for line in lines[1:]]) or " "))
    blocks.extend(chart_blocks(answer, chart))
    table, hidden = answer_table(answer, max_rows)
    blocks.append(table)
    if hidden > 0:
        blocks.append(context(f"… {hidden:,} more rows: *CSV* has them all."))
    for warning in answer.warnings[:5]:
        blocks.append(context(f":warning: {esc(warning)}"))
    blocks.append(context(esc(describe_reading(answer.request))))
    blocks.append(context("\n".join(esc(d) for d in answer.definitions) or " "))
    if refreshed_at is not None:
        blocks.append(context(f":arrows_counterclockwise: Refreshed {refreshed_at:%Y-%m-%d %H:%M}"))
    if answer_id:  # buttons refer to the stored request by this id
        blocks.extend(answer_buttons(answer_id, schedule))
    return fallback(f"{answer.title}: {lines[0] if lines else ''}"), blocks[:MAX_BLOCKS]


def working_blocks(question: str, user: str | None = None) -> Message:
    who = f" for <@{user}>" if user else ""  # a Slack user id (from Slack itself): a safe mention
    text = f":hourglass_flowing_sand: Working on “{esc(cut(question, 200))}”{who}…"
    return fallback(f"Working on “{cut(question, 200)}”…"), [section(text)]


def failure_blocks(failure: Failure) -> Message:
    """The question was understood but could not be answered now: what happened and what to try."""
    icon = {"timeout": ":stopwatch:", "unavailable": ":electric_plug:", "refused": ":no_entry:"}.get(failure.kind, ":warning:")
    lines = [f"{icon} {esc(failure.message)}"]
    if failure.next_step:
        lines.append(esc(failure.next_step))
    return fallback(failure.message), [section("\n".join(lines))]


def clarification_blocks(c: Clarification, command: str = "/playbot", option_ids: tuple[str, ...] = ()) -> Message:
    """What to ask back. With `option_ids` (one stored request per option), each choice is a button that
    answers the whole question read with it."""
    lines = [f":thinking_face: {esc(c.message)}"]
    if c.choices and not option_ids:
        lines.append("Choose one: " + ", ".join(f"`{esc(x)}`" for x in c.choices))
    if c.suggestions:
        lines.append("Did you mean: " + ", ".join(f"`{esc(x)}`" for x in c.suggestions))
    if c.example:
        lines.append(f"Try: `{command} {esc(c.example)}`")
    lines.append(f"`{command} help` lists what I can answer.")
    blocks = [section("\n".join(lines))]
    if option_ids:
        blocks.append({"type": "actions", "elements": [button(o.label, ACTION_CHOICE, oid)
                                                       for o, oid in zip(c.options[:25], option_ids)]})
    return fallback(c.message), blocks


def refusal_blocks(message: str) -> Message:
    """A refusal in plain words (user text in it is escaped here)."""
    return fallback(message), [section(f":no_entry: {esc(message)}")]


def notice(mrkdwn: str, icon: str = ":no_entry:") -> Message:
    """A refusal already written as mrkdwn (its mentions kept, its user text escaped by the caller)."""
    text = neutralize(mrkdwn)
    return cut(text, 4000), [section(f"{icon} {text}")]


def help_blocks(library: Library, command: str = "/playbot", shortcuts: dict[str, str] | None = None) -> Message:
    blocks: list[dict] = [{"type": "header", "text": plain("What Playbot can answer", HEADER_CHARS)},
                          section(f"Ask `{command} {esc('<question>')}`, mention me in a channel (I answer in a thread), "
                                  "DM me, or use *Ask Playbot* on any message. "
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
