"""The rollup's folder is keyed by what defines its rows, the warehouse among them: the same DuckDB file
named by a relative or an absolute path is one warehouse, so one folder (a rollup built by `bot.py rollup
build` is found whichever way the config names the file); another file, or another definition, is not."""

from __future__ import annotations

import dataclasses
import os

from rollup.store import fingerprint

from ..conftest import DATASETS, make_config


def test_a_relative_and_an_absolute_path_to_one_duckdb_file_share_a_rollup_folder(tmp_path, monkeypatch):
    ds = DATASETS["messenger"]
    (tmp_path / "var").mkdir()
    monkeypatch.chdir(tmp_path)
    relative = fingerprint(make_config("duckdb:///var/segment.duckdb", ds))
    absolute = fingerprint(make_config(f"duckdb:///{os.path.join(tmp_path, 'var', 'segment.duckdb')}", ds))
    assert relative == absolute
    assert fingerprint(make_config("duckdb:///var/other.duckdb", ds)) != absolute
    other_zone = dataclasses.replace(make_config("duckdb:///var/segment.duckdb", ds), timezone="Asia/Tokyo")
    assert fingerprint(other_zone) != absolute
