"""Finding 9: start-up and shutdown. An unreachable Slack API or state database ended in a raw traceback;
after `kill -9` a running warehouse query went on until its statement timeout. Now: one line naming
what to fix (no traceback, no password), and the server stops the query of a killed or stopped bot within
seconds (client_connection_check_interval; SIGTERM cancels it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import psycopg
import pytest

from ..conftest import DATASETS, ROOT


def _env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYBOT_", "SLACK_"))}
    return {**env, "PLAYBOT_DEMO_DIR": str(tmp_path / "demo"), "PLAYBOT_STATE_DB": f"sqlite:///{tmp_path / 's.sqlite'}",
            **extra}


def _bot(env, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "bot.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _one_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_an_unreachable_slack_api_is_one_line(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket is closed
    env = _env(tmp_path, SLACK_BOT_TOKEN="xoxb-test-1234-abcdefghijkl", SLACK_SIGNING_SECRET="s" * 32,
               SLACK_API_URL=f"http://127.0.0.1:{port}/api/")
    started = time.monotonic()
    line = _one_line(_bot(env, "run"))
    assert line.startswith("config error: SLACK_API_URL: cannot reach the Slack API at http://127.0.0.1:")
    assert "check the network" in line and "xoxb-test" not in line
    assert time.monotonic() - started < 60


def test_a_refused_slack_token_is_one_line(tmp_path):
    from ..slack_standin import SlackStandIn

    standin = SlackStandIn().start()
    try:
        env = _env(tmp_path, SLACK_BOT_TOKEN="xoxb-wrong-1234-abcdefghijkl", SLACK_SIGNING_SECRET="s" * 32,
                   SLACK_API_URL=standin.url)
        line = _one_line(_bot(env, "run"))
    finally:
        standin.stop()
    assert "SLACK_BOT_TOKEN: the Slack API at" in line and "refused the bot token (invalid_auth)" in line


@pytest.mark.parametrize("command", [("audit",), ("schedules",), ("run",)])
def test_an_unreachable_state_database_is_one_line(tmp_path, command):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = _env(tmp_path, PLAYBOT_STATE_DB=f"postgresql+psycopg://bot:Hunter2Secret@127.0.0.1:{port}/playbot",
               SLACK_BOT_TOKEN="xoxb-test-1234-abcdefghijkl", SLACK_SIGNING_SECRET="s" * 32)
    if command == ("run",):
        from ..slack_standin import SlackStandIn

        standin = SlackStandIn().start()
        env["SLACK_API_URL"] = standin.url
    try:
        line = _one_line(_bot(env, *command))
    finally:
        if command == ("run",):
            standin.stop()
    assert line.startswith("config error: state_db: cannot open the state database postgresql+psycopg://bot:***@")
    assert "Hunter2Secret" not in line and "PLAYBOT_STATE_DB" in line


SLOW_PLAYBOOK = """/* playbook
id: slow_probe
title: Slow probe
question: A query that takes a minute
params:
  start: {{type: date}}
  end: {{type: date}}
examples: [slow probe last 30 days]
words: [slow probe]
*/
-- {marker} (first: pg_stat_activity keeps only the first 1 kB of a query)
WITH pause AS (SELECT pg_sleep(60) AS slept)
SELECT source, COUNT(*) AS signups
FROM events CROSS JOIN pause
WHERE occurred_at >= :start AND occurred_at < :end
GROUP BY source
"""


def _running(pg_url: str, marker: str) -> int:
    with psycopg.connect(pg_url, autocommit=True) as admin:
        return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND state = 'active' "
                             "AND pid <> pg_backend_pid()", [f"%{marker}%"]).fetchone()[0]


def _wait(predicate, timeout: float) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, f"not within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill -9", "SIGTERM"])
def test_the_query_of_a_stopped_bot_stops_on_the_server(pg_url, tmp_path, how):
    """`bot.py ask` on PostgreSQL (a 120 s timeout), stopped while its query runs: the server has stopped
    the query within a few seconds, not at its timeout."""
    marker = f"slow_probe_{uuid.uuid4().hex[:10]}"
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "slow_probe.sql").write_text(SLOW_PLAYBOOK.format(marker=marker))
    (tmp_path / "playbot.yaml").write_text(
        f"warehouses:\n  segment: {{url: '{pg_url.replace('postgresql://', 'postgresql+psycopg://')}', "
        f"timeout_seconds: 120}}\nsegment:\n  sources: [{', '.join(DATASETS['messenger'].sources)}]\n"
        f"playbooks:\n  dirs: ['{folder}']\n")
    env = _env(tmp_path, PLAYBOT_CONFIG=str(tmp_path / "playbot.yaml"))
    bot = subprocess.Popen([sys.executable, "bot.py", "ask", "slow probe between 2026-10-01 and 2026-11-01",
                            "--no-chart"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        try:
            _wait(lambda: _running(pg_url, marker) == 1 or bot.poll() is not None, timeout=90)
        finally:
            assert bot.poll() is None, bot.communicate()
        os.kill(bot.pid, how)
        bot.wait(timeout=30)
        stopped = _wait(lambda: _running(pg_url, marker) == 0, timeout=10)
    finally:
        if bot.poll() is None:
            bot.kill()
    assert stopped < 5
    if how == signal.SIGTERM:
        assert bot.returncode == 128 + signal.SIGTERM and "Traceback" not in bot.stderr.read()
