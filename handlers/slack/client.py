"""The Web API client: base URL from SLACK_API_URL (a stand-in in tests), retries on 429, 5xx and
connection errors so no answer is dropped."""

from __future__ import annotations

import os

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler

DEFAULT_API_URL = WebClient.BASE_URL  # https://slack.com/api/


def api_url(env: dict[str, str] | None = None) -> str:
    url = (env if env is not None else os.environ).get("SLACK_API_URL") or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def make_client(token: str | None, base_url: str | None = None, retries: int = 3, timeout: int = 30) -> WebClient:
    return WebClient(
        token=token, base_url=base_url or api_url(), timeout=timeout,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=retries),
                        ServerErrorRetryHandler(max_retry_count=retries),
                        ConnectionErrorRetryHandler(max_retry_count=retries)],
    )
