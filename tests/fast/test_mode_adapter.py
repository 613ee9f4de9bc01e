"""The Mode Playbook adapter of the bench (bench/mode_playbook.py), without a database or Mode's repository:
a tiny fake report with the contract CTEs is adapted as documented, and a missing checkout or file is one
clear sentence (no traceback)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import mode_playbook as mp  # noqa: E402

FAKE = """-- a fake Playbook report
WITH
users AS (
  SELECT user_id, activated_at FROM tutorial.playbook_users
),
events AS (
  SELECT user_id, event_name, occurred_at FROM tutorial.playbook_events WHERE event_type = 'engagement'
)
SELECT DATE_TRUNC('{{time_interval}}', u.activated_at) AS cohort,
{% if time_interval == 'month' %}
       'monthly' AS kind,
{% elsif time_interval == 'week' %}
       'weekly' AS kind,
{% endif %}
       COUNT(DISTINCT e.user_id) AS people
  FROM users u
  JOIN events e ON e.user_id = u.user_id AND e.event_name = 'send_message'
 WHERE e.occurred_at <= '2014-10-31'::TIMESTAMP AND u.activated_at <= NOW()
 GROUP BY 1, 2

{% form %}
time_interval:
  type: select
  default: month
  options: [[week, week], [month, month]]
{% endform %}"""

SOURCES = ["web", "ios"]
TABLES = {(s, t) for s in SOURCES for t in ("tracks", "signed_up", "email_sent")}
NOW = datetime(2026, 11, 27, 18, 0)


def quote(*parts: str) -> str:
    return ".".join(f'"{p}"' for p in parts)


def adapted(text: str = FAKE, names: dict[str, str] | None = None) -> exp.Expression:
    sql, params = mp.render_liquid(text)
    assert params == {"time_interval": "month"}
    relations = mp.segment_relations(SOURCES, TABLES, quote, names or {"send_message": "Message Sent"})
    return sqlglot.parse_one(mp.adapt(sql, relations, NOW, NOW.date()), read="postgres")


def cte(tree: exp.Expression, name: str) -> exp.CTE:
    return next(c for c in tree.find_all(exp.CTE) if c.alias == name)


def tables(node: exp.Expression) -> set[str]:
    return {f"{t.db}.{t.name}" for t in node.find_all(exp.Table)}


def test_liquid_is_rendered_with_the_form_defaults():
    sql, params = mp.render_liquid(FAKE)
    assert params == {"time_interval": "month"}
    assert "DATE_TRUNC('month'" in sql and "'monthly' AS kind" in sql and "weekly" not in sql
    assert "{%" not in sql and "form" not in sql
    sql, _ = mp.render_liquid(FAKE, {"time_interval": "week"})
    assert "'weekly' AS kind" in sql


def test_users_come_from_the_signup_event_and_events_from_tracks():
    tree = adapted()
    assert tables(cte(tree, "users")) == {"web.signed_up", "ios.signed_up"}
    assert tables(cte(tree, "events")) == {"web.tracks", "ios.tracks"}
    assert not any(t.startswith("tutorial.") for t in tables(tree))
    users_sql = cte(tree, "users").sql("postgres")
    assert "MIN(s.\"timestamp\") AS activated_at" in users_sql and "COALESCE(s.user_id, s.anonymous_id)" in users_sql
    events_sql = cte(tree, "events").sql("postgres")
    # the CTE keeps its own select list and filter; Mode's sample event names stand for the demo's events
    assert "event_type = 'engagement'" in events_sql
    assert "WHEN 'Message Sent' THEN 'send_message'" in events_sql
    assert "event_text <> 'Email Sent'" in events_sql
    assert [c.alias_or_name for c in cte(tree, "events").this.expressions] == ["user_id", "event_name", "occurred_at"]


def test_the_main_query_is_mode_s_own_with_the_clock_and_the_data_s_dates():
    tree = adapted()
    main = tree.copy()
    main.set("with", None)
    text = main.sql("postgres")
    assert "e.event_name = 'send_message'" in text and "COUNT(DISTINCT e.user_id) AS people" in text
    assert "'2026-11-27'" in text and "2014" not in text  # the sample data's last day -> the data's last day
    assert "CAST('2026-11-27 18:00:00' AS TIMESTAMP)" in text and "CURRENT_TIMESTAMP" not in text
    assert date(2014, 10, 31) == mp.MODE_DATA_END


def test_mode_tables_outside_the_contract_or_unknown_ones_are_refused():
    outside = FAKE.replace("FROM users u", "FROM tutorial.playbook_users u")
    with pytest.raises(mp.ModeRepoError, match="outside the contract CTEs"):
        adapted(outside)
    unknown = FAKE.replace("tutorial.playbook_events", "tutorial.playbook_experiments")
    with pytest.raises(mp.ModeRepoError, match="tutorial.playbook_experiments"):
        adapted(unknown)


def test_missing_checkout_or_file_is_one_clear_sentence(tmp_path):
    with pytest.raises(mp.ModeRepoError, match="no such directory"):
        mp.read_report(tmp_path / "nowhere", mp.REPORTS[0].path)
    with pytest.raises(mp.ModeRepoError, match="not a checkout"):
        mp.read_report(tmp_path, mp.REPORTS[0].path)
    (tmp_path / "retention_playbook").mkdir()
    with pytest.raises(mp.ModeRepoError, match="describing_retention/postgres.sql is missing"):
        mp.read_report(tmp_path, mp.REPORTS[0].path)
    assert len(mp.check_repo(tmp_path)) == len(mp.REPORTS)


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_the_bench_command_says_so_without_a_traceback(tmp_path, make):
    repo = tmp_path / "nowhere" if make == "missing" else tmp_path
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--mode-repo", str(repo)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert str(repo) in done.stderr and "github.com/mode/playbook" in done.stderr
