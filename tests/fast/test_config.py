"""Configuration: defaults, environment overrides, and one-line errors that name the key and the fix."""

import subprocess
import sys

import pytest

from config import ConfigError, load_config

from ..conftest import ROOT


def write(tmp_path, text):
    path = tmp_path / "playbot.yaml"
    path.write_text(text)
    return path


def test_no_config_means_the_demo(tmp_path):
    config = load_config(env={"PLAYBOT_DEMO_DIR": str(tmp_path)})
    assert config.is_demo
    assert set(config.warehouses) == {"segment", "product"}
    assert config.segment.sources == ("messenger_web", "messenger_ios")
    assert config.segment.activity_exclude_events == ("Email Sent",)


def test_full_config_and_env_overrides(tmp_path):
    path = write(tmp_path, """
timezone: Europe/Berlin
week_start: sunday
warehouses:
  segment: {url: "postgresql+psycopg://reader:secret@db.example.com/segment", timeout_seconds: 30, row_cap: 1000}
segment:
  sources: [ios_production, web_prod]
  activation_event: Signed Up
synonyms: {convos: Message Sent}
""")
    config = load_config(path, env={})
    assert not config.is_demo
    assert config.timezone == "Europe/Berlin" and config.week_start == "sunday"
    assert config.warehouses["segment"].timeout_seconds == 30
    assert "secret" not in config.warehouses["segment"].safe_url
    assert config.event_synonyms == {"convos": "Message Sent"}
    config = load_config(path, env={"PLAYBOT_TIMEZONE": "America/Chicago",
                                    "PLAYBOT_WAREHOUSE_URL": "postgresql+psycopg://other/db",
                                    "PLAYBOT_SOURCES": "a_src, b_src"})
    assert config.timezone == "America/Chicago"
    assert config.warehouses["segment"].url == "postgresql+psycopg://other/db"
    assert config.warehouses["segment"].timeout_seconds == 30  # the file's settings stay
    assert config.segment.sources == ("a_src", "b_src")


@pytest.mark.parametrize("text,key,words", [
    ("timezon: UTC", "timezon", "did you mean 'timezone'"),
    ("timezone: Mars/Olympus", "timezone", "IANA"),
    ("week_start: friday", "week_start", "monday or sunday"),
    ("warehouses:\n  segment: {ur: x}", "warehouses.segment.ur", "did you mean 'url'"),
    ("warehouses:\n  segment: {url: not-a-url}\nsegment: {sources: [a]}", "warehouses.segment.url", "SQLAlchemy URL"),
    ("warehouses:\n  wh: {url: 'duckdb:///x'}\nsegment: {warehouse: nope, sources: [a]}", "segment.warehouse", "not configured"),
    ("warehouses:\n  segment: {url: 'duckdb:///x'}", "segment.sources", "list the Segment source schemas"),
    ("segment: {sources: ['bad-name!']}", "segment.sources[0]", "not a schema name"),
    ("demo: {events: lots}", "demo.events", "event count"),
    ("timezone: [unclosed", "playbot.yaml", "not valid YAML"),
])
def test_bad_config_names_the_key(tmp_path, text, key, words):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env={})
    assert info.value.key.endswith(key)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def _bot(*args, env=None):
    import os

    full = {**os.environ, **(env or {})}
    full.pop("PLAYBOT_CONFIG", None)
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], capture_output=True, text=True,
                          env=full, cwd=ROOT, timeout=120)


def test_unreachable_warehouse_is_one_line_within_seconds(tmp_path):
    path = write(tmp_path, "warehouses:\n  segment: {url: 'postgresql+psycopg://postgres@127.0.0.1:1/nope'}\n"
                           "segment: {sources: [web]}\n")
    result = _bot("--config", str(path), "ask", "invites yesterday")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "warehouses.segment.url" in lines[0] and "not reachable" in lines[0]


def test_the_documented_example_config_loads():
    config = load_config(ROOT / "playbot.example.yaml", env={})
    assert config.segment.sources == ("ios_production", "web_prod")
    assert config.timezone == "America/New_York"


def test_state_db_defaults_to_a_sqlite_file_and_env_overrides(tmp_path):
    cfg = load_config(None, env={})
    assert cfg.state_db.startswith("sqlite:///") and cfg.state_db.endswith("state.sqlite")
    cfg = load_config(None, env={"PLAYBOT_STATE_DB": f"sqlite:///{tmp_path}/s.sqlite"})
    assert cfg.state_db == f"sqlite:///{tmp_path}/s.sqlite"
    with pytest.raises(ConfigError, match="state_db"):
        load_config(None, env={"PLAYBOT_STATE_DB": "var/state.sqlite"})


def test_state_db_opens_sqlite_and_creates_declared_tables(tmp_path):
    from sqlalchemy import Column, Integer, Table, inspect

    from state.db import metadata, open_state
    table = Table("test_probe_rows", metadata, Column("id", Integer, primary_key=True))
    try:
        state = open_state(f"sqlite:///{tmp_path}/deep/dir/state.sqlite")
        assert "test_probe_rows" in inspect(state.engine).get_table_names()
        assert state.is_sqlite and state.backend == "sqlite"
        state.dispose()
    finally:
        metadata.remove(table)
