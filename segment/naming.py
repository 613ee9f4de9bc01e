"""How page and screen calls are named as events, written once for Python (the catalog) and for SQL
(the events relation): "Viewed <name> Page" for web pages, "Viewed <name> Screen" for mobile screens,
where <name> is the call's `name`, or its `path` when the page has no name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ViewTable:
    table: str  # Segment's table: pages | screens
    kind: str  # the event kind in the catalog: page | screen
    suffix: str  # the last word of the event name

    def event_name(self, label: str) -> str:
        return f"Viewed {label} {self.suffix}"

    def event_name_sql(self, label_sql: str) -> str:
        """The same name built in SQL from a label expression (its suffix is a constant of this module)."""
        return f"'Viewed ' || {label_sql} || ' {self.suffix}'"


PAGES = ViewTable("pages", "page", "Page")
SCREENS = ViewTable("screens", "screen", "Screen")
VIEW_TABLES = (PAGES, SCREENS)


def label_sql(columns: dict[str, str] | set[str], alias: str = "") -> str | None:
    """The label of a page or screen call: its name, else its path; None when the table has neither."""
    prefix = f"{alias}." if alias else ""
    if "name" in columns and "path" in columns:
        return f"COALESCE({prefix}name, {prefix}path)"
    if "name" in columns or "path" in columns:
        return f"{prefix}{'name' if 'name' in columns else 'path'}"
    return None


# Segment's e-commerce spec: v2 event names and the v1 names they replaced (a warehouse may hold either)
ECOMMERCE_V1_NAMES = {"Product Viewed": "Viewed Product", "Product Added": "Added Product",
                      "Checkout Started": "Started Checkout", "Order Completed": "Completed Order",
                      "Product List Viewed": "Viewed Product Category", "Order Refunded": "Refunded Order"}
