"""The front door: `bot.py ask`, `--json`, `--chart`, the interactive prompt, on the embedded demo."""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from charts.render import check_png

from ..conftest import ROOT


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-demo")
    env = {**os.environ, "PLAYBOT_DEMO_DIR": str(folder / "demo"), "PLAYBOT_DEMO_EVENTS": "40k",
           "PLAYBOT_CHART_DIR": str(folder / "charts"), "PLAYBOT_TIMEZONE": "UTC"}
    for key in ("PLAYBOT_CONFIG", "PLAYBOT_WAREHOUSE_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(key, None)
    result = subprocess.run([sys.executable, "bot.py", "demo"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["events"] >= 40_000
    return env, folder


def bot(env, *args, stdin=None):
    return subprocess.run([sys.executable, "bot.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, input=stdin)


def test_ask_prints_number_comparisons_definitions_and_chart(demo_env):
    env, folder = demo_env
    result = bot(env, "ask", "invites yesterday")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    yesterday = datetime.now(UTC).date() - timedelta(days=1)  # the demo runs in UTC here
    assert "Invite Sent" in out and f"{yesterday.day} {yesterday:%b}" in out
    assert "vs the day before" in out and "vs the same day last week" in out
    assert "Range:" in out and "UTC" in out and "Source: messenger_web, messenger_ios" in out
    chart_line = [line for line in out.splitlines() if line.startswith("Chart: ")]
    assert chart_line
    path = chart_line[0][len("Chart: "):]
    assert path.startswith(str(folder / "charts"))
    with open(path, "rb") as fh:
        check_png(fh.read())


def test_ask_json_is_one_object_with_the_contract(demo_env, tmp_path):
    env, _ = demo_env
    chart = tmp_path / "out" / "invites.png"
    result = bot(env, "ask", "--json", "--chart", str(chart), "invites per week since 2026-09-01")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # exactly one JSON document
    assert result.stdout.strip().count("\n") == 0
    for key in ("playbook", "params", "sql", "columns", "rows", "summary", "chart"):
        assert key in data
    assert data["playbook"] == "event_volume"
    assert data["params"]["start"] == "2026-09-01" and data["params"]["interval"] == "week"
    assert data["columns"] == ["period", "events", "users"]
    assert all(isinstance(r, list) for r in data["rows"])
    assert "SELECT" in data["sql"].upper() and ":event" in data["sql"]
    assert data["chart"] == str(chart.resolve())
    check_png(chart.read_bytes())


def test_json_error_exits_2_with_suggestions(demo_env):
    env, _ = demo_env
    result = bot(env, "ask", "--json", "how many flux capacitors")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["error"] and isinstance(data["suggestions"], list) and data["suggestions"]
    result = bot(env, "ask", "--json", "sent yesterday")
    assert result.returncode == 2
    assert "Message Sent" in json.loads(result.stdout)["suggestions"]


def test_explain_shows_the_words_behind_each_parameter(demo_env):
    env, _ = demo_env
    result = bot(env, "ask", "--explain", "--no-chart", "signups per week since 2026-09-01")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(re.search(r"event\s+Signed Up\s+← “signups”", line) for line in lines), result.stdout
    assert any(re.search(r"interval\s+week\s+← “per week”", line) for line in lines), result.stdout
    assert any(re.search(r"range\s+since .*← “since 2026-09-01”", line) for line in lines), result.stdout


def test_interactive_prompt_answers_and_follows_up(demo_env):
    env, folder = demo_env
    result = bot(env, stdin="invites last 7 days\nmonthly\nretention weekly\nwhat is the meaning of life\nquit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Chart: ") == 3
    assert "Invite Sent per month" not in out  # titles are text; charts are files
    assert "Weekly retention" in out
    assert "I don't know" in out


def test_playbooks_lists_examples(demo_env):
    env, _ = demo_env
    result = bot(env, "playbooks")
    assert result.returncode == 0
    for pid in ("event_volume", "active_users", "retention"):
        assert pid in result.stdout


def test_a_demo_written_by_an_older_generator_is_rebuilt(built, tmp_path):
    """The demo file records the spec it was built with, generator version included: the same spec
    reuses it; a file from an older generator (or other settings) is rebuilt."""
    import json
    import shutil

    import duckdb

    from segment.demo import GENERATOR_VERSION, META_TABLE, needs_rebuild

    from ..conftest import DATASETS

    spec = DATASETS["messenger"].spec
    segment, product = tmp_path / "segment.duckdb", tmp_path / "product.duckdb"
    shutil.copyfile(built["messenger"], segment)
    shutil.copyfile(built["messenger"].with_name("product.duckdb"), product)
    assert not needs_rebuild(segment, product, spec, spec.end)
    assert needs_rebuild(segment, product, spec, spec.end.replace(year=spec.end.year + 1))  # stale
    con = duckdb.connect(str(segment))
    stored = json.loads(con.execute(f"SELECT spec FROM {META_TABLE}").fetchone()[0])
    assert stored["generator"] == GENERATOR_VERSION
    del stored["generator"]  # as a file from before the generator had a version
    con.execute(f"UPDATE {META_TABLE} SET spec = ?", [json.dumps(stored, sort_keys=True)])
    con.close()
    assert needs_rebuild(segment, product, spec, spec.end)
