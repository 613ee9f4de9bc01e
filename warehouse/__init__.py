"""Warehouses: engines behind one small interface, dialect translation, catalog, demo data.

Knows nothing about playbooks, Slack or charts.
"""

from .catalog import Catalog, CatalogCache, CatalogError, EventInfo, discover, page_event_name, screen_event_name
from .engine import QueryFailed, QueryRefused, QueryTimeout, Result, Warehouse, WarehouseError, WarehouseUnavailable

__all__ = [
                     "Catalog",
                     "CatalogCache",
                     "CatalogError",
                     "EventInfo",
                     "QueryFailed",
                     "QueryRefused",
                     "QueryTimeout",
                     "Result",
                     "Warehouse",
                     "WarehouseError",
                     "WarehouseUnavailable",
                     "discover",
                     "page_event_name",
                     "screen_event_name",
]
