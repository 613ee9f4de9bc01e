"""Pieces of the Slack app that need no server: redaction of secrets in logs, stored requests,
Block Kit limits, the state tables (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import logging

from handlers.redact import RedactingFilter, redact

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
