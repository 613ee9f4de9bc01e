"""What a PostgreSQL plan must not contain to be safe on tables that were never analysed: read from
EXPLAIN (FORMAT JSON), no execution. Without statistics the planner guesses a few rows for every
bounded scan of the event tables, and a nested loop between two inputs that both come from tables
then costs their product (minutes at 1M events). A nested loop over constants (a VALUES list, the
`windows` or `idle` CTE of a playbook), or over a LIMIT or an aggregate without GROUP BY (a row), is
linear and allowed.
"""

from __future__ import annotations

from typing import Any

TABLE_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan", "Sample Scan"}


def _walk(node: dict[str, Any]):
    yield node
    for child in node.get("Plans", ()):
        yield from _walk(child)


def _cte_definitions(root: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """CTE name -> its plan (PostgreSQL shows a materialised CTE as an InitPlan named 'CTE name')."""
    out = {}
    for node in _walk(root):
        name = node.get("Subplan Name", "")
        if name.startswith("CTE "):
            out[name[4:]] = node
    return out


def _reads_tables(node: dict[str, Any], ctes: dict[str, dict[str, Any]], seen: frozenset[str] = frozenset()) -> bool:
    """Whether the subtree's rows come from a table: a table scan, or a scan of a CTE that reads
    one. A Limit or an aggregate without GROUP BY bounds what is under it (counted as constants)."""
    if _bounded(node):
        return False
    kind = node.get("Node Type")
    if kind in TABLE_SCANS:
        return True
    if kind == "CTE Scan":
        name = node.get("CTE Name", "")
        body = ctes.get(name)
        if body is not None and name not in seen and _reads_tables(body, ctes, seen | {name}):
            return True
    return any(_reads_tables(child, ctes, seen) for child in node.get("Plans", ())
               if not child.get("Subplan Name", "").startswith("CTE "))


def _bounded(node: dict[str, Any]) -> bool:
    return node.get("Node Type") == "Limit" or (node.get("Node Type") == "Aggregate"
                                                 and node.get("Strategy") == "Plain")


def risky_nested_loops(explain_json: Any) -> list[str]:
    """Each nested loop whose outer and inner sides both read tables, described by its two sides."""
    root = explain_json[0]["Plan"] if isinstance(explain_json, list) else explain_json["Plan"]
    ctes = _cte_definitions(root)
    found = []
    for node in _walk(root):
        if node.get("Node Type") != "Nested Loop":
            continue
        sides = node.get("Plans", ())
        outer = next((p for p in sides if p.get("Parent Relationship") == "Outer"), None)
        inner = next((p for p in sides if p.get("Parent Relationship") == "Inner"), None)
        if outer is None or inner is None:
            continue
        if _reads_tables(outer, ctes) and _reads_tables(inner, ctes):
            found.append(f"Nested Loop ({node.get('Join Type')}) over {_label(outer)} x {_label(inner)}")
    return found


def _label(node: dict[str, Any]) -> str:
    for n in _walk(node):
        if n.get("Node Type") == "CTE Scan":
            return f"CTE {n.get('CTE Name')}"
        if n.get("Node Type") in TABLE_SCANS:
            return f"{n.get('Node Type')} on {n.get('Schema', '')}.{n.get('Relation Name', '')}".replace(" .", " ")
    return str(node.get("Node Type"))
