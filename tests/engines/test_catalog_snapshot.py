"""The fast tier reads questions against catalog snapshots (tests/fixtures); they must be exactly what
discovery finds in the generated datasets, on both engines, so a generator change cannot leave the fast
tier testing a warehouse that no longer exists. PLAYBOT_WRITE_SNAPSHOTS=1 rewrites them from DuckDB."""

from __future__ import annotations

import json
import os

import pytest

from ..conftest import DATASETS, ENGINES
from ..fixtures import catalog_path


def _comparable(data: dict, engine: str) -> dict:
    """The snapshot is DuckDB's; another engine names the column types its own way (text, varchar)."""
    tables = data["tables"] if engine == "duckdb" else {t: sorted(cols) for t, cols in data["tables"].items()}
    return {**data, "warehouse": None, "tables": tables}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", DATASETS)
def test_snapshot_is_what_discovery_finds(answerers, engine, name):
    found = answerers[(engine, name)].catalog(refresh=True).to_json()
    if os.environ.get("PLAYBOT_WRITE_SNAPSHOTS") and engine == "duckdb":
        catalog_path(name).write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    snapshot = json.loads(catalog_path(name).read_text())
    assert _comparable(found, engine) == _comparable(snapshot, engine), f"rerun with PLAYBOT_WRITE_SNAPSHOTS=1 to refresh {name}"
