"""Finding 7: a password never appears in an error or a log line, whatever the URL's shape. A URL without a
scheme was printed whole by the config error; a password with no username, or in ?password=, was not
masked. Each shape goes through every place a URL is shown: the config error, safe_url, the warehouse's
own errors, and the logging filter."""

from __future__ import annotations

import io
import logging

import pytest

from config import ConfigError, WarehouseConfig, load_config, mask_secrets
from errors import PlaybotError
from handlers.redact import RedactingFilter
from warehouse import Warehouse

SECRET = "Hunter2Secret"
SHAPES = [
    f"postgresql+psycopg://bot:{SECRET}@db.example.com:5432/playbot",
    f"bot:{SECRET}@db.example.com:5432/playbot",  # no scheme
    f"postgresql+psycopg://:{SECRET}@127.0.0.1:1/x",  # a password without a user
    f":{SECRET}@db/x",  # neither
    f"postgresql+psycopg://bot@127.0.0.1:1/x?password={SECRET}",
    f"postgresql+psycopg://127.0.0.1:1/x?sslmode=disable&password={SECRET}&application_name=p",
    f"postgresql+psycopg://bot:{SECRET}@[::1]:1/db",
    f"postgresql+psycopg://bot:p@{SECRET}:w/rd@127.0.0.1:1/x",  # @ : / inside the password, unencoded
    f"postgresql+psycopg://bot:{SECRET}%40x@127.0.0.1:1/x",  # percent-encoded
    f"redshift+redshift_connector://u:{SECRET}@cluster.example.com:5439/dev?iam=true&secret_access_key={SECRET}",
    f"host=db user=bot password={SECRET} dbname=x",  # a libpq connection string
    f"host=db user=bot password='{SECRET} x' dbname=x",
    f"snowflake://bot:{SECRET}@account/db/schema?warehouse=wh",
    f"bigquery://project?credentials_base64={SECRET}",
    f"{{'password': '{SECRET}', 'host': 'db'}}",
]


@pytest.mark.parametrize("url", SHAPES)
def test_masked(url):
    assert SECRET not in mask_secrets(url)
    assert SECRET not in WarehouseConfig("segment", url).safe_url


@pytest.mark.parametrize("url", SHAPES)
def test_not_in_config_errors(url, tmp_path):
    for key in ("warehouses", "state_db"):
        path = tmp_path / "playbot.yaml"
        body = {"warehouses": f"warehouses: {{segment: {{url: \"{url}\"}}}}\nsegment: {{sources: [web]}}\n",
                "state_db": f"state_db: \"{url}\"\n"}[key]
        path.write_text(body.replace('"', "'") if '"' in url else body)
        try:
            config = load_config(path, env={})
        except ConfigError as exc:
            assert SECRET not in str(exc) and SECRET not in exc.message
            continue
        if key == "warehouses":
            _no_secret_from_the_warehouse(config.warehouses["segment"])


def _no_secret_from_the_warehouse(settings: WarehouseConfig) -> None:
    """Opening it and failing to reach it: the message names the URL, masked."""
    try:
        warehouse = Warehouse(WarehouseConfig(settings.name, settings.url, connect_timeout_seconds=1))
    except PlaybotError as exc:
        assert SECRET not in exc.message
        return
    try:
        warehouse.ping()
    except PlaybotError as exc:
        assert SECRET not in exc.message and "***" in exc.message
    finally:
        warehouse.close()


def test_not_in_log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("playbot.test.secrets")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for url in SHAPES:
            logger.warning("connecting to %s", url)
            try:
                raise RuntimeError(f"could not open {url}")
            except RuntimeError:
                logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert out.count("connecting to") == len(SHAPES) and SECRET not in out


def test_what_is_not_a_secret_is_left_alone():
    for text in ("connect to postgresql://bot@db/x failed", "duckdb:///var/demo/segment.duckdb",
                 "mail alice@example.com at 10:30", "sqlite:////tmp/state.sqlite", "token_revoked"):
        assert mask_secrets(text) == text
