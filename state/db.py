"""One SQLAlchemy engine for the bot's state database, shared by handlers and the scheduler.

Tables are declared by the modules that own them (on `metadata` below) and created at start.
SQLite gets WAL and a busy timeout so a Slack worker thread and the scheduler can write at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from config import mask_secrets
from errors import ConfigError

metadata = MetaData()
STATE_CONNECT_TIMEOUT_SECONDS = 10  # a state database that does not answer is reported, not waited for
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable(text: str) -> str:
    """Text every state database stores as given: NUL (PostgreSQL refuses it in text) and lone surrogates
    (not UTF-8: both drivers refuse them) become U+FFFD; a surrogate pair becomes the character it encodes.
    Whatever a question holds, its audit row is written."""
    if not _UNSTORABLE.search(text):
        return text
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text.replace("\x00", REPLACEMENT)


class StateDB:
    """The bot's state database: an engine plus the shared table metadata."""

    def __init__(self, url: str):
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            raise ConfigError("state_db", f"{mask_secrets(repr(url))} cannot be read as a SQLAlchemy URL",
                              "e.g. sqlite:///var/state.sqlite or postgresql+psycopg://bot@db:5432/playbot") from None
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict = {"pool_pre_ping": True, "future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        elif parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": STATE_CONNECT_TIMEOUT_SECONDS}
        try:
            self.engine: Engine = create_engine(url, **kwargs)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise ConfigError("state_db", f"no driver for {parsed.drivername}: {exc}", "install it or fix state_db") from None
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def create_all(self) -> None:
        """Create every table declared on `metadata` that does not exist yet (idempotent). A database that
        cannot be reached is a one-line ConfigError (the URL masked), not a traceback."""
        try:
            metadata.create_all(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            text = str(getattr(exc, "orig", None) or exc).strip()
            first = mask_secrets(text.splitlines()[0] if text else type(exc).__name__)
            raise ConfigError("state_db", f"cannot open the state database {mask_secrets(self.url)}: {first}",
                              "check that it is running and that state_db (or PLAYBOT_STATE_DB) is right") from None

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_state(url: str) -> StateDB:
    """Open the state database and create missing tables."""
    state = StateDB(url)
    state.create_all()
    return state
