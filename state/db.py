"""One SQLAlchemy engine for the bot's state database, shared by handlers and the scheduler.

Tables are declared by the modules that own them (on `metadata` below) and created at start.
SQLite gets WAL and a busy timeout so a Slack worker thread and the scheduler can write at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url

metadata = MetaData()
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
        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict = {"pool_pre_ping": True, "future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def create_all(self) -> None:
        """Create every table declared on `metadata` that does not exist yet (idempotent)."""
        metadata.create_all(self.engine)

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
