"""How Segment's warehouse tables become the two relations every playbook reads.

naming.py: how page and screen calls are named as events (once, for Python and SQL); catalog.py:
which sources, tables, events and values a warehouse holds; relations.py: the `events`, `users`,
`identity` and `orders` CTEs; dimensions.py: the breakdowns and filters people name; demo.py: the
embedded demo warehouse's generator.
"""

from .catalog import Catalog, CatalogCache, CatalogError, EventInfo, discover
from .naming import PAGES, SCREENS, VIEW_TABLES

__all__ = ["Catalog", "CatalogCache", "CatalogError", "EventInfo", "PAGES", "SCREENS", "VIEW_TABLES", "discover"]
