"""The bot's own state (not the warehouse): Slack threads, schedules, run log, audit log.

One SQLAlchemy database, SQLite by default and PostgreSQL when several bot processes share it.
Each feature declares its tables on `state.db.metadata` in its own module; `StateDB.create_all()`
creates whatever is missing at start.
"""
