"""Pieces of the Slack app that need no server: redaction of secrets in logs, stored requests,
Block Kit limits, the state tables (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest
from slack_sdk.models.blocks import Block

from charts.spec import BarChart, Heatmap, LineChart, Series
from handlers.redact import RedactingFilter, redact
from handlers.slack.blocks import data_table_block, table_text
from handlers.slack.native_charts import native_chart
from handlers.slack.text import WORD_JOINER, cut, esc, fallback, neutralize, read_text, slack_length

from ..block_limits import problems
from ..slack_standin import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET


def test_tokens_never_reach_the_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(secrets=(SIGNING_SECRET,)))
    logger = logging.getLogger("playbot.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling with token=%s app=%s", BOT_TOKEN, APP_TOKEN)
        logger.warning("Authorization: Bearer abc.def-ghi_jkl and secret %s", SIGNING_SECRET)
        logger.warning("db postgresql://bot:hunter2pass@db:5432/x")
        try:
            raise RuntimeError(f"failed with {BOT_TOKEN}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, "abc.def-ghi_jkl", "hunter2pass"):
        assert secret not in out
    assert out.count("[redacted]") >= 5 and "boom" in out and "RuntimeError" in out
    assert redact("nothing secret here") == "nothing secret here"


QUESTIONS = ["invites yesterday", "retention weekly", "messages by plan top 3 last 30 days on ios", "dau",
             "signups per week since 2026-09-01"]


# ---- text that survives Slack ----
@pytest.mark.parametrize("raw, words", [
    ("<@UPLAYBOT> invites yesterday", "invites yesterday"),
    ("<@UPLAYBOT|playbot> dau &amp; mau", "dau & mau"),
    ("a &lt; b &gt; c", "a < b > c"),
    ("&amp;lt; stays one level", "&lt; stays one level"),
    ("<!here> dau <!channel> <!everyone>", "@here dau @channel @everyone"),
    ("ask <@U0DAN|dan> in <#C0GEN|general> or <#C0X>", "ask @dan in #general or #C0X"),
    ("<!subteam^S0FIN|@finance> revenue", "@finance revenue"),
    ("see <https://example.com/a?b=1&amp;c=2|the doc> and <mailto:a@b.co|a@b.co>", "see the doc and a@b.co"),
    ("  spaced\n\tout  ", "spaced out"),
])
def test_read_text_decodes_what_slack_encodes(raw, words):
    assert read_text(raw, "UPLAYBOT") == words


def test_escape_once_and_never_broadcast():
    assert esc("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert esc("&lt;") == "&amp;lt;"  # a literal "&lt;" typed by a person shows as typed
    assert esc("<!here>") == "&lt;!here&gt;"
    assert esc("@here and @Channel") == f"@{WORD_JOINER}here and @{WORD_JOINER}Channel"
    assert neutralize("*x* in <#C0A> for <!here|here>") == f"*x* in <#C0A> for @{WORD_JOINER}here"
    assert fallback("<!channel> " + "x" * 5000).startswith("&lt;!channel&gt;") and slack_length(fallback("y" * 5000)) == 4000


def test_cut_counts_as_slack_and_never_splits_an_entity():
    assert cut("ab&amp;cd", 5) == "ab…" and cut(esc("a&b"), 7) == "a&amp;b" and cut(esc("a&b"), 6) == "a…"
    assert "&am" not in cut(esc("x&" * 50), 20).replace("&amp;", "")
    assert slack_length("😀") == 2 and cut("😀😀😀", 4) == "😀…"


def test_the_text_table_fallback_escapes_cells():
    text = table_text(("name", "n"), [("<!here>", "1"), ("a & b", "2")], (False, True))
    assert "<!here>" not in text and "&lt;!here&gt;" in text and "a &amp; b" in text


# ---- the documented limits (tests/block_limits.py) catch what Slack rejects ----
def test_block_limits_catch_what_slack_rejects():
    header = {"type": "plain_text", "text": "x"}
    rows = [[{"type": "raw_text", "text": "h"}]] + [[{"type": "raw_text", "text": str(i)}] for i in range(101)]
    assert problems([{"type": "data_table", "caption": "c", "rows": rows}]) == [
        "data_table: 102 rows (2-101 including the header)"]
    assert problems([{"type": "data_table", "rows": rows[:3]}]) == ["data_table: caption is required"]
    empty = [[{"type": "raw_text", "text": "h"}], [{"type": "raw_text", "text": ""}]]
    assert problems([{"type": "data_table", "caption": "c", "rows": empty}])
    big = [[{"type": "raw_text", "text": "h"}]] + [[{"type": "raw_text", "text": "x" * 200}] for _ in range(60)]
    assert "10,000" in " ".join(problems([{"type": "data_table", "caption": "c", "rows": big}]))
    two = [{"type": "table", "rows": [[{"type": "raw_text", "text": "a"}]]}] * 2
    assert problems(two) == ["more than one table in a message"]
    pie = {"type": "data_visualization", "title": "t", "chart": {"type": "pie", "segments": [
        {"label": str(i), "value": 1} for i in range(7)]}}
    assert problems([pie]) == ["data_visualization: 7 pie segments (1-6)"]
    line = {"type": "data_visualization", "title": "x" * 51, "chart": {"type": "line", "series": [
        {"name": "a", "data": [{"label": "Mon", "value": 1}]}], "axis_config": {"categories": ["Tue"]}}}
    assert len(problems([line])) == 2  # the title, and labels that do not match the categories
    assert problems([{"type": "image", "slack_file": {"id": "F0A1B2C3D4", "url": "u"}, "alt_text": "x"}])
    assert problems([{"type": "header", "text": header}] * 51) == ["more than 50 blocks"]
    with pytest.raises(Exception):  # noqa: B017 - slack_sdk's own validation of a known block
        Block.parse({"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}).validate_json()


def test_data_table_numbers_and_blanks():
    block = data_table_block("Sessions", ("day", "sessions", "rate"), [("Mon", "1,234", "12.5%"), ("Total", "", "–")],
                             (False, True, True), 25)
    assert block["rows"][1][1] == {"type": "raw_number", "value": 1234, "text": "1,234"}
    assert block["rows"][1][2] == {"type": "raw_number", "value": 12.5, "text": "12.5%"}
    assert block["rows"][2][1] == {"type": "raw_text", "text": " "} and block["rows"][2][2]["type"] == "raw_text"
    assert problems([block]) == []


# ---- Slack's own charts: drawn only where they are faithful ----
def test_native_charts_within_slacks_limits():
    days = tuple(date(2026, 11, d) for d in range(1, 15))
    line = LineChart("Daily active users", "", days, (Series("DAU", tuple(range(14))),))
    block = native_chart(line, "Daily active users · last 14 days " + "x" * 40)
    assert block["chart"]["type"] == "line" and len(block["title"]) == 50 and problems([block]) == []
    assert block["chart"]["axis_config"]["categories"][0] == "Sun 01 Nov"
    assert native_chart(LineChart("t", "", days * 2, (Series("a", tuple(range(28))),)), "t") is None  # > 20 points
    two_axes = LineChart("t", "", days, (Series("a", (1,) * 14), Series("b", (1,) * 14, axis="right")))
    assert native_chart(two_axes, "t") is None
    gap = LineChart("t", "", days, (Series("a", (None,) + (1,) * 13),))
    assert native_chart(gap, "t") is None  # a gap is not a zero
    shares = BarChart("Share", "", ("iOS", "Android", "Web"), (Series("share", (0.5, 0.3, 0.2)),), value_format="pct")
    pie = native_chart(shares, "Share by platform")
    assert pie["chart"] == {"type": "pie", "segments": [{"label": "iOS", "value": 50.0}, {"label": "Android", "value": 30.0},
                                                        {"label": "Web", "value": 20.0}]}
    bars = BarChart("Events", "", ("a", "b"), (Series("x", (3, -1)),))
    assert native_chart(bars, "t")["chart"]["type"] == "bar"
    same = BarChart("t", "", ("a" * 25 + "1", "a" * 25 + "2"), (Series("x", (1, 2)),))
    assert native_chart(same, "t") is None  # cutting labels to 20 characters would merge two bars
    assert native_chart(Heatmap("t", "", ("a",), ("b",), ((0.5,),)), "t") is None
