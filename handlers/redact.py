"""Keep tokens and secrets out of logs: a logging filter that masks them in every record.

Installed on the root logger's handlers at start (`install`), so slack_sdk's debug logs, Bolt's
error logs and our own all pass through it.
"""

from __future__ import annotations

import logging
import re

from config import mask_secrets

# Slack tokens (bot, user, app-level, config, refresh) and Authorization headers; passwords and secrets in
# URLs and connection strings, whatever their form, are masked by config.mask_secrets
TOKEN_RE = re.compile(r"\bx(?:ox[abprseo]|app)-[A-Za-z0-9-]{6,}")
BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}")
MASK = "[redacted]"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, MASK)
    text = TOKEN_RE.sub(MASK, text)
    text = BEARER_RE.sub(lambda m: m.group(1) + MASK, text)
    return mask_secrets(text)


class RedactingFilter(logging.Filter):
    """Formats the record's message once, masks secrets in it, and drops the args."""

    def __init__(self, secrets: tuple[str, ...] = ()):
        super().__init__("redact")
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not drop the record
            message = str(record.msg)
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install(secrets: tuple[str, ...] = (), logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach the filter to every handler of `logger` (root by default), so child loggers are covered too."""
    target = logger or logging.getLogger()
    flt = RedactingFilter(secrets)
    if not target.handlers:
        target.addHandler(logging.StreamHandler())
    for handler in target.handlers:
        handler.addFilter(flt)
    return flt
