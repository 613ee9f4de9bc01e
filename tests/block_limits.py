"""Block Kit limits as Slack documents them (docs.slack.dev reference pages), for the stand-in and the
payload tests. slack_sdk 3.48 has models for most blocks (validated there with `Block.parse(...).validate_json()`);
it has none for `data_table` and `data_visualization`, so those are checked here against the documented
limits, and every block gets the limits the stand-in enforces the way Slack would.

`problems(blocks, surface)` returns what Slack would reject, as sentences; empty means valid.
"""

from __future__ import annotations

import re
from typing import Any

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
SLACK_FILE_ID = re.compile(r"^F[A-Z0-9]{8,}$")
IMAGE_NAME = re.compile(r"\.(png|jpe?g|gif)$", re.IGNORECASE)


def length(text: str) -> int:
    """Characters as Slack counts them (UTF-16 code units)."""
    return len(str(text).encode("utf-16-le")) // 2


def _text_obj(obj: Any, limit: int, where: str, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: not a text object"]
    if plain_only and obj["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    text = obj.get("text", "")
    if not text:
        return [f"{where}: empty text"]
    return [f"{where}: {length(text)} > {limit} characters"] if length(text) > limit else []


def _cell(cell: dict, where: str, header: bool) -> list[str]:
    kind = cell.get("type")
    if kind == "raw_text":
        return [] if cell.get("text") else [f"{where}: an empty raw_text cell"]
    if kind == "raw_number":
        ok = isinstance(cell.get("value"), int | float) and not isinstance(cell.get("value"), bool) and cell.get("text")
        return [] if ok else [f"{where}: raw_number needs a numeric value and a text"]
    if kind == "rich_text" and not header:
        return []
    return [f"{where}: cell type {kind!r} not allowed here"]


def data_table_problems(block: dict) -> list[str]:
    """data_table: caption required; a header plus 1-100 rows, all the same length, 1-20 columns;
    page_size 1-100; no rich_text in the header; at most 10,000 characters across all cells."""
    out = []
    if not block.get("caption"):
        out.append("data_table: caption is required")
    rows = block.get("rows") or []
    if not 2 <= len(rows) <= 101:
        out.append(f"data_table: {len(rows)} rows (2-101 including the header)")
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        out.append("data_table: rows of different lengths")
    if widths and not 1 <= max(widths) <= 20:
        out.append(f"data_table: {max(widths)} columns (1-20)")
    if "page_size" in block and not (isinstance(block["page_size"], int) and 1 <= block["page_size"] <= 100):
        out.append(f"data_table: page_size {block['page_size']!r} (1-100)")
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            out += _cell(cell, f"data_table row {i} col {j}", header=i == 0)
    if cell_chars(block) > 10_000:
        out.append(f"data_table: {cell_chars(block)} characters in cells (max 10,000)")
    return out


def cell_chars(block: dict) -> int:
    return sum(length(c.get("text", "")) for row in block.get("rows") or [] for c in row)


def _series_problems(chart: dict) -> list[str]:
    out = []
    series = chart.get("series") or []
    categories = (chart.get("axis_config") or {}).get("categories") or []
    if not 1 <= len(series) <= 6:
        out.append(f"data_visualization: {len(series)} series (1-6)")
    names = [s.get("name", "") for s in series]
    if len(set(names)) != len(names) or any(not n or length(n) > 20 for n in names):
        out.append("data_visualization: series names must be unique, 1-20 characters")
    if not 1 <= len(categories) <= 20 or any(length(c) > 20 or not c for c in categories):
        out.append("data_visualization: 1-20 categories of at most 20 characters")
    axis = chart.get("axis_config") or {}
    for label in ("x_label", "y_label"):
        if label in axis and length(axis[label]) > 50:
            out.append(f"data_visualization: {label} over 50 characters")
    for s in series:
        data = s.get("data") or []
        if [d.get("label") for d in data] != categories:
            out.append(f"data_visualization: series {s.get('name')!r} labels do not match the categories")
        if not 1 <= len(data) <= 20 or any(not isinstance(d.get("value"), int | float) for d in data):
            out.append(f"data_visualization: series {s.get('name')!r} needs 1-20 numeric points")
    return out


def data_visualization_problems(block: dict) -> list[str]:
    """data_visualization: title 1-50 characters; a pie of 1-6 segments (labels <= 20, values > 0), or
    a line/bar/area chart whose 1-6 series each have one point per category."""
    out = []
    title = block.get("title", "")
    if not title or length(title) > 50:
        out.append(f"data_visualization: title of {length(title)} characters (1-50)")
    chart = block.get("chart") or {}
    kind = chart.get("type")
    if kind == "pie":
        segments = chart.get("segments") or []
        if not 1 <= len(segments) <= 6:
            out.append(f"data_visualization: {len(segments)} pie segments (1-6)")
        for seg in segments:
            if not seg.get("label") or length(seg["label"]) > 20 or not (isinstance(seg.get("value"), int | float)
                                                                          and seg["value"] > 0):
                out.append(f"data_visualization: pie segment {seg!r}")
    elif kind in ("line", "bar", "area"):
        out += _series_problems(chart)
    else:
        out.append(f"data_visualization: chart type {kind!r}")
    return out


def image_problems(block: dict, file_ok=None) -> list[str]:
    """image: alt_text 1-2,000; exactly one of image_url and slack_file; slack_file exactly one of id
    (F…) and url; title plain_text <= 2,000. `file_ok(id)` says whether Slack could show that file here."""
    out = []
    if not block.get("alt_text") or length(block["alt_text"]) > 2000:
        out.append("image: alt_text 1-2,000 characters")
    if ("image_url" in block) == ("slack_file" in block):
        out.append("image: exactly one of image_url and slack_file")
    ref = block.get("slack_file")
    if ref is not None:
        if ("id" in ref) == ("url" in ref):
            out.append("image: slack_file takes an id or a url, not both")
        elif "id" in ref and not SLACK_FILE_ID.match(ref["id"]):
            out.append(f"image: slack_file id {ref['id']!r} is not a file id")
        elif "id" in ref and file_ok is not None and not file_ok(ref["id"]):
            out.append(f"invalid slack file {ref['id']}")
    if "title" in block:
        out += _text_obj(block["title"], 2000, "image title", plain_only=True)
    return out


def _element_problems(element: dict, where: str) -> list[str]:
    out = []
    if element.get("type") == "button":
        out += _text_obj(element.get("text"), 75, f"{where} button text", plain_only=True)
        if length(element.get("value", "")) > 2000:
            out.append(f"{where}: button value over 2,000 characters")
        confirm = element.get("confirm")
        if confirm:
            for key, limit in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
                out += _text_obj(confirm.get(key), limit, f"{where} confirm {key}")
    return out


def block_problems(block: dict, file_ok=None) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return _text_obj(block.get("text"), 150, "header", plain_only=True)
    if kind == "section":
        return _text_obj(block.get("text"), 3000, "section")
    if kind == "context":
        elements = block.get("elements") or []
        out = [] if 1 <= len(elements) <= 10 else ["context: 1-10 elements"]
        return out + [p for e in elements if e.get("type") != "image" for p in _text_obj(e, 2000, "context element")]
    if kind == "actions":
        elements = block.get("elements") or []
        out = [] if 1 <= len(elements) <= 25 else ["actions: 1-25 elements"]
        return out + [p for e in elements for p in _element_problems(e, "actions")]
    if kind == "table":
        rows = block.get("rows") or []
        out = [] if 1 <= len(rows) <= 100 and all(len(r) <= 20 for r in rows) else ["table: 100 rows x 20 columns"]
        return out + [p for i, r in enumerate(rows) for j, c in enumerate(r) for p in _cell(c, f"table {i},{j}", False)]
    if kind == "data_table":
        return data_table_problems(block)
    if kind == "data_visualization":
        return data_visualization_problems(block)
    if kind == "image":
        return image_problems(block, file_ok)
    return []


def problems(blocks: list[dict], surface: str = "message", file_ok=None) -> list[str]:
    """Everything Slack would reject in these blocks on this surface (message | modal | home)."""
    out = []
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS[surface]:
        return [f"more than {MAX_BLOCKS[surface]} blocks"]
    for block in blocks:
        out += block_problems(block, file_ok)
    tables = [b for b in blocks if b.get("type") in ("table", "data_table")]
    if len(tables) > 1:
        out.append("more than one table in a message")
    if sum(cell_chars(b) for b in tables if b["type"] == "data_table") > 10_000:
        out.append("more than 10,000 table characters in a message")
    if len([b for b in blocks if b.get("type") == "data_visualization"]) > 2:
        out.append("more than two data_visualization blocks in a message")
    return out
