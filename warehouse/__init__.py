"""Warehouses: one engine module per kind (engines/) behind one Warehouse that runs read-only, bounded
queries with bound parameters, a result cache and dialect translation. Knows nothing about Segment,
playbooks, Slack or charts.
"""

from .errors import QueryFailed, QueryRefused, QueryTimeout, QueryTooBig, WarehouseError, WarehouseUnavailable
from .rows import RepeatedRows, expand
from .warehouse import Result, Warehouse

__all__ = ["QueryFailed", "QueryRefused", "QueryTimeout", "QueryTooBig", "RepeatedRows", "Result", "Warehouse",
           "WarehouseError", "WarehouseUnavailable", "expand"]
