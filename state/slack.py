"""Slack state: Events API dedupe, thread context, answer messages and their chart files, the requests
behind open modals (Slack's private_metadata holds only their id), and feedback on answers; on the shared
state database.

Only JSON text and Slack ids live here (no rows): a stored request is re-run when a button asks for it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, String, Table, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .db import StateDB, metadata

slack_events = Table(
    "slack_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

slack_threads = Table(
    "slack_threads", metadata,
    Column("channel", String(32), primary_key=True),
    Column("thread_ts", String(32), primary_key=True),
    Column("request_json", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

slack_answers = Table(
    "slack_answers", metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("ts", String(32)),
    Column("thread_ts", String(32)),
    Column("user_id", String(32)),
    Column("request_json", Text, nullable=False),
    Column("sql_json", Text),  # the SQL as it last ran and its bound values, for "Show SQL"
    Column("created_at", DateTime(timezone=True), nullable=False),
)


slack_answer_charts = Table(  # the uploaded chart shown in an answer message (Refresh replaces it)
    "slack_answer_charts", metadata,
    Column("answer_id", String(32), primary_key=True),
    Column("file_id", String(32), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

slack_modal_requests = Table(  # what an open modal is about: private_metadata holds only the id
    "slack_modal_requests", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32)),
    Column("payload_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

slack_feedback = Table(  # one verdict per person per answer: the last click counts
    "slack_feedback", metadata,
    Column("answer_id", String(32), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("verdict", String(8), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

slack_pending_choices = Table(  # a question asked back in a thread: a reply naming a choice answers it
    "slack_pending_choices", metadata,
    Column("channel", String(32), primary_key=True),
    Column("thread_ts", String(32), primary_key=True),
    Column("choices_json", Text, nullable=False),  # [[label, answer id], ...]
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

MODAL_REQUEST_DAYS = 7  # a modal left open longer than this is answered "open it again"


@dataclass(frozen=True)
class AnswerMessage:
    id: str
    channel: str
    ts: str | None
    thread_ts: str | None
    user_id: str | None
    request_json: str
    sql_json: str | None = None
    created_at: datetime | None = None


def _now() -> datetime:
    return datetime.now(UTC)


class SlackState:
    """Reads and writes the Slack tables; safe to share between worker threads."""

    def __init__(self, db: StateDB):
        self.db = db

    # ---- Events API dedupe ----
    def claim_event(self, event_id: str) -> bool:
        """True the first time an event id is seen; False for a retry (or a second replica's copy)."""
        try:
            with self.db.engine.begin() as con:
                con.execute(insert(slack_events).values(event_id=event_id, received_at=_now()))
            return True
        except IntegrityError:
            return False

    def forget_events_before(self, days: int = 2) -> int:
        """Slack retries within minutes; ids older than this can go."""
        with self.db.engine.begin() as con:
            return con.execute(delete(slack_events).where(slack_events.c.received_at < _now() - timedelta(days=days))).rowcount

    # ---- thread context ----
    def remember_thread(self, channel: str, thread_ts: str, request_json: str) -> None:
        values = {"request_json": request_json, "updated_at": _now()}
        with self.db.engine.begin() as con:
            done = con.execute(update(slack_threads).where(slack_threads.c.channel == channel,
                                                           slack_threads.c.thread_ts == thread_ts).values(**values))
            if done.rowcount == 0:
                try:
                    with con.begin_nested():
                        con.execute(insert(slack_threads).values(channel=channel, thread_ts=thread_ts, **values))
                except IntegrityError:  # another worker inserted it first: last writer wins
                    con.execute(update(slack_threads).where(slack_threads.c.channel == channel,
                                                            slack_threads.c.thread_ts == thread_ts).values(**values))

    def thread_request(self, channel: str, thread_ts: str) -> str | None:
        with self.db.engine.connect() as con:
            return con.execute(select(slack_threads.c.request_json).where(
                slack_threads.c.channel == channel, slack_threads.c.thread_ts == thread_ts)).scalar()

    # ---- choices asked back (buttons carry the answer id; a typed reply may name the label) ----
    def remember_choices(self, channel: str, thread_ts: str, choices: list[tuple[str, str]]) -> None:
        self._upsert(slack_pending_choices, {"channel": channel, "thread_ts": thread_ts},
                     {"choices_json": json.dumps(choices), "updated_at": _now()})

    def has_pending_choices(self, channel: str, thread_ts: str | None) -> bool:
        with self.db.engine.connect() as con:
            return thread_ts is not None and con.execute(select(slack_pending_choices.c.channel).where(
                slack_pending_choices.c.channel == channel, slack_pending_choices.c.thread_ts == thread_ts)).first() is not None

    def pending_choice(self, channel: str, thread_ts: str, pick: Callable[[list[str]], int | None]) -> str | None:
        """The answer id of the choice `pick` finds among the question's labels (the reply's reading:
        questions/choices.py), and forget the question."""
        with self.db.engine.begin() as con:
            where = (slack_pending_choices.c.channel == channel, slack_pending_choices.c.thread_ts == thread_ts)
            stored = con.execute(select(slack_pending_choices.c.choices_json).where(*where)).scalar()
            if stored is None:
                return None
            choices = json.loads(stored)
            index = pick([label for label, _ in choices])
            picked = choices[index][1] if index is not None else None
            if picked is not None:
                con.execute(delete(slack_pending_choices).where(*where))
            return picked

    # ---- answer messages (buttons refer to them by id) ----
    def new_answer(self, channel: str, thread_ts: str | None, user_id: str | None, request_json: str,
                   sql_json: str | None = None) -> str:
        answer_id = uuid.uuid4().hex
        with self.db.engine.begin() as con:
            con.execute(insert(slack_answers).values(id=answer_id, channel=channel, thread_ts=thread_ts, user_id=user_id,
                                                     request_json=request_json, sql_json=sql_json, created_at=_now()))
        return answer_id

    def set_answer_ts(self, answer_id: str, ts: str) -> None:
        self._set(answer_id, ts=ts)

    def set_answer_sql(self, answer_id: str, sql_json: str) -> None:
        self._set(answer_id, sql_json=sql_json)

    def _set(self, answer_id: str, **values) -> None:
        with self.db.engine.begin() as con:
            con.execute(update(slack_answers).where(slack_answers.c.id == answer_id).values(**values))

    def answer_message(self, answer_id: str) -> AnswerMessage | None:
        with self.db.engine.connect() as con:
            row = con.execute(select(slack_answers).where(slack_answers.c.id == answer_id)).mappings().first()
        if row is None:
            return None
        return _answer(row)

    def recent_answers(self, user_id: str, limit: int = 5) -> list[AnswerMessage]:
        """The person's latest answers that were posted (newest first), for App Home."""
        query = (select(slack_answers).where(slack_answers.c.user_id == user_id, slack_answers.c.ts.is_not(None))
                 .order_by(slack_answers.c.created_at.desc()).limit(limit))
        with self.db.engine.connect() as con:
            return [_answer(row) for row in con.execute(query).mappings()]

    # ---- the chart file shown in an answer ----
    def chart_file(self, answer_id: str) -> str | None:
        with self.db.engine.connect() as con:
            return con.execute(select(slack_answer_charts.c.file_id).where(
                slack_answer_charts.c.answer_id == answer_id)).scalar()

    def set_chart_file(self, answer_id: str, file_id: str) -> None:
        self._upsert(slack_answer_charts, {"answer_id": answer_id}, {"file_id": file_id, "updated_at": _now()})

    # ---- modal requests ----
    def new_modal_request(self, user_id: str | None, payload_json: str) -> str:
        request_id = uuid.uuid4().hex
        with self.db.engine.begin() as con:
            con.execute(insert(slack_modal_requests).values(id=request_id, user_id=user_id, payload_json=payload_json,
                                                            created_at=_now()))
            con.execute(delete(slack_modal_requests).where(
                slack_modal_requests.c.created_at < _now() - timedelta(days=MODAL_REQUEST_DAYS)))
        return request_id

    def modal_request(self, request_id: str) -> tuple[str | None, str] | None:
        """(who opened it, its JSON), or None when unknown or expired."""
        with self.db.engine.connect() as con:
            row = con.execute(select(slack_modal_requests).where(slack_modal_requests.c.id == request_id)).mappings().first()
        return (row["user_id"], row["payload_json"]) if row else None

    # ---- feedback ----
    def record_feedback(self, answer_id: str, user_id: str, verdict: str) -> None:
        self._upsert(slack_feedback, {"answer_id": answer_id, "user_id": user_id}, {"verdict": verdict, "at": _now()})

    def feedback(self, answer_id: str) -> dict[str, str]:
        with self.db.engine.connect() as con:
            rows = con.execute(select(slack_feedback).where(slack_feedback.c.answer_id == answer_id)).mappings()
            return {r["user_id"]: r["verdict"] for r in rows}

    def _upsert(self, table: Table, key: dict, values: dict) -> None:
        where = [table.c[k] == v for k, v in key.items()]
        with self.db.engine.begin() as con:
            if con.execute(update(table).where(*where).values(**values)).rowcount:
                return
            try:
                with con.begin_nested():
                    con.execute(insert(table).values(**key, **values))
            except IntegrityError:  # another worker inserted it first: last writer wins
                con.execute(update(table).where(*where).values(**values))


def _answer(row) -> AnswerMessage:
    return AnswerMessage(row["id"], row["channel"], row["ts"], row["thread_ts"], row["user_id"], row["request_json"],
                         row["sql_json"], row["created_at"])
