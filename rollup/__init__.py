"""The activity rollup (docs/rollup.md): built from the Segment warehouse into the bot's embedded DuckDB
cache, read by the answers that count people by day when it is as fresh as the data."""

from .build import BuildInput, RollupError, build_rollup
from .reader import RollupReader, RollupView
from .store import RollupMeta, RollupStore

__all__ = ["BuildInput", "RollupError", "RollupMeta", "RollupReader", "RollupStore", "RollupView", "build_rollup"]
