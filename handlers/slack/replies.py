"""How Playbot replies in Slack: run a question in a bounded worker pool (after the ack), show a
"working on it" message, replace it with the answer (chat.update, not a second message), upload the
chart and CSV with Slack's current upload flow (files_upload_v2), and answer the buttons.

Listeners (app.py) only ack and call `Replier.submit`; the scheduler calls `post_answer`. Every
question and every button goes through the answer service as the Slack user who clicked or asked.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from answers import Answer
from charts import render_png
from errors import Kind
from playbooks.params import json_safe
from questions import Clarification, Request
from questions.persist import StoredRequestError, dumps, request_from_json
from service import AnswerService, Cancelled, Refusal
from state.slack import SlackState

from .access import refusal_message, subject_of
from .blocks import (
    ACTION_POST,
    MAX_BLOCKS,
    Message,
    answer_blocks,
    button,
    clarification_blocks,
    context,
    failure_blocks,
    refusal_blocks,
    sql_blocks,
    working_blocks,
)

log = logging.getLogger("playbot.slack")

NOT_IN_CHANNEL = ("not_in_channel", "channel_not_found", "is_archived")


@dataclass(frozen=True)
class Asker:
    """Who asked and where the answer goes (plain ids; no Slack objects)."""

    user: str | None
    channel: str
    thread_ts: str | None = None  # the thread to answer in; None answers in the channel itself
    response_url: str | None = None  # slash commands and buttons: a way to reach only the asker
    is_dm: bool = False
    team: str | None = None  # the Slack workspace the request came from
    private: bool = False  # `--private`: answer only the asker, with a "Post to channel" button


@dataclass(frozen=True)
class PostedAnswer:
    ts: str
    chart_file_id: str | None = None


def chart_png(answer: Answer) -> bytes | None:
    """The chart as PNG, or None (no chart, or a chart problem: the answer still goes out)."""
    if answer.chart is None:
        return None
    try:
        return render_png(answer.chart)
    except Exception:  # noqa: BLE001 - a chart problem must not lose the answer
        log.exception("chart failed playbook=%s", answer.playbook.id)
        return None


def upload_chart(client: WebClient, channel: str, answer: Answer, thread_ts: str | None = None) -> str | None:
    png = chart_png(answer)
    if png is None:
        return None
    done = client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=png, filename=f"{answer.playbook.id}.png",
                                  title=answer.title, alt_txt=answer.headline[:1000])
    return (done.get("file") or {}).get("id")


def post_answer(client: WebClient, channel: str, answer: Answer, thread_ts: str | None = None, *,
                state: SlackState | None = None, max_rows: int = 25, schedule: bool = False,
                update_ts: str | None = None) -> PostedAnswer:
    """Post an Answer (blocks, then its chart in the same channel and thread). Used by the scheduler too.

    With `state`, the message gets the Refresh / Show SQL / CSV buttons; with `update_ts`, an existing
    message (the "working on it" one) is replaced instead of posting a new one.
    """
    answer_id = state.new_answer(channel, thread_ts, None, dumps(answer.request), sql_record(answer)) if state else None
    text, blocks = answer_blocks(answer, answer_id, max_rows=max_rows, schedule=schedule)
    if update_ts:
        ts = client.chat_update(channel=channel, ts=update_ts, text=text, blocks=blocks)["ts"]
    else:
        ts = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)["ts"]
    if state and answer_id:
        state.set_answer_ts(answer_id, ts)
    return PostedAnswer(ts, upload_chart(client, channel, answer, thread_ts))


def sql_record(answer: Answer) -> str:
    return json.dumps({"sql": answer.sql, "bound": json_safe(answer.main.params)})


def result_csv(answer: Answer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(answer.columns)
    for row in answer.rows:
        writer.writerow(["" if v is None else json_safe(v) for v in row])
    return out.getvalue().encode("utf-8")


class Replier:
    """Answers questions and button clicks for one Slack app. Thread-safe; the pool bounds the work."""

    def __init__(self, service: AnswerService, state: SlackState, client: WebClient, *, workers: int = 4,
                 max_rows: int = 25, command: str = "/playbot", schedule: bool = False):
        self.service, self.state, self.client = service, state, client
        self.max_rows, self.command, self.schedule = max_rows, command, schedule
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="playbot-answer")

    def submit(self, fn: Callable, *args) -> Future:
        """Run `fn(*args)` in the worker pool; a failure is logged and told to the asker, never raised."""
        return self.pool.submit(self._guarded, fn, *args)

    def _guarded(self, fn: Callable, *args) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - the log has the details, Slack gets a friendly line
            log.exception("slack reply failed in %s", getattr(fn, "__name__", fn))
            asker = next((a for a in args if isinstance(a, Asker)), None)
            if asker is not None:
                self.tell(asker, ("Something went wrong on my side while answering.",
                                  [{"type": "section", "text": {"type": "mrkdwn", "text":
                                    ":warning: Something went wrong on my side while answering. "
                                    "Try again in a minute; if it keeps happening, tell the Playbot admins."}}]))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)

    def previous_in_thread(self, channel: str, thread_ts: str | None) -> Request | None:
        if thread_ts is None:
            return None
        stored = self.state.thread_request(channel, thread_ts)
        if stored is None:
            return None
        try:
            return request_from_json(stored, self.service.library)
        except StoredRequestError as exc:
            log.info("thread context dropped: %s", exc)
            return None

    # ---- questions ----
    def question(self, asker: Asker, text: str, previous: Request | None = None) -> None:
        """A question typed in Slack (slash command, mention, DM, thread reply)."""
        self.answer(asker, text=text, previous=previous)

    def answer(self, asker: Asker, *, text: str | None = None, request: Request | None = None,
               previous: Request | None = None, purpose: str = "") -> None:
        """Ask the service; post the answer in the channel (a "working on it" message first, replaced by
        the answer), or tell only the asker what stopped it. `--private` answers only the asker."""
        if asker.private:
            self.preview(asker, text=text, request=request, previous=previous)
            return
        posted: dict[str, str] = {}

        def on_start(allowed: Request) -> None:  # allowed: now the channel may see that we are working on it
            posted.update(self._start(asker, allowed))

        outcome = self.service.ask(subject_of(self.service, asker), text, request=request, previous=previous,
                                   purpose=purpose, on_start=on_start)
        if not posted:  # refused, unclear or failed before anything was posted: only the asker hears it
            if getattr(outcome, "kind", None) != Kind.CANCELLED:  # cancelled: the asker was told already
                self.tell(asker, self.outcome_message(outcome))
            return
        self.show(asker.channel, posted["ts"], asker.thread_ts, posted["answer_id"], outcome)

    def _start(self, asker: Asker, request: Request) -> dict[str, str]:
        text, blocks = working_blocks(request.question or request.playbook, asker.user)
        try:
            ts = self.client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=text,
                                              blocks=blocks)["ts"]
        except SlackApiError as exc:
            if exc.response.get("error") in NOT_IN_CHANNEL:
                self.tell_not_in_channel(asker)
                raise Cancelled("the bot is not in the channel") from None
            raise
        request_json = dumps(request)
        answer_id = self.state.new_answer(asker.channel, asker.thread_ts, asker.user, request_json)
        self.state.set_answer_ts(answer_id, ts)
        # remembered before the answer is shown, so a reply that comes right after it is a follow-up
        self.state.remember_thread(asker.channel, asker.thread_ts or ts, request_json)
        if asker.is_dm and asker.thread_ts is None:
            self.state.remember_thread(asker.channel, "", request_json)  # DMs: the next message follows up
        return {"ts": ts, "answer_id": answer_id}

    def outcome_message(self, outcome) -> Message:
        if isinstance(outcome, Refusal):
            return refusal_message(outcome)
        if isinstance(outcome, Clarification):
            return clarification_blocks(outcome, self.command)
        return failure_blocks(outcome)

    def preview(self, asker: Asker, *, text: str | None = None, request: Request | None = None,
                previous: Request | None = None) -> None:
        """`--private`: the answer only the asker sees (no chart: files cannot be ephemeral), with a button
        that posts it to the channel once the channel's policy allows it."""
        outcome = self.service.ask(subject_of(self.service, asker, private=True), text, request=request,
                                   previous=previous, purpose="private")
        if not isinstance(outcome, Answer):
            self.tell(asker, self.outcome_message(outcome))
            return
        answer_id = self.state.new_answer(asker.channel, asker.thread_ts, asker.user, dumps(outcome.request),
                                          sql_record(outcome))
        text, blocks = answer_blocks(outcome, None, max_rows=self.max_rows)
        post = {"type": "actions", "elements": [button("Post to channel", ACTION_POST, answer_id, "primary")]}
        self.tell(asker, (text, [*blocks[:MAX_BLOCKS - 2], context("Only you can see this."), post]))

    def post_to_channel(self, asker: Asker, answer_id: str) -> None:
        """The "Post to channel" button of a private answer: checked against the channel, then answered there."""
        stored = self.state.answer_message(answer_id)
        if stored is None or stored.user_id != asker.user:
            self.tell(asker, refusal_blocks("I can't find that answer any more. Ask the question again."))
            return
        request = self._request(asker, stored)
        if request is not None:
            self.answer(Asker(asker.user, stored.channel, stored.thread_ts, asker.response_url,
                              stored.channel.startswith("D"), asker.team), request=request, purpose="post")

    def show(self, channel: str, ts: str, thread_ts: str | None, answer_id: str, outcome,
             refreshed: bool = False) -> None:
        """Replace the message at `ts` with the outcome; upload the chart beside it."""
        if isinstance(outcome, Answer):
            self.state.set_answer_sql(answer_id, sql_record(outcome))
            text, blocks = answer_blocks(outcome, answer_id, max_rows=self.max_rows, schedule=self.schedule,
                                         refreshed_at=outcome.answered_at if refreshed else None)
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            upload_chart(self.client, channel, outcome, thread_ts)
        else:
            text, blocks = self.outcome_message(outcome)
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    # ---- buttons ----
    def refresh(self, asker: Asker, answer_id: str) -> None:
        stored = self._stored(asker, answer_id)
        request = self._request(asker, stored) if stored else None
        if request is None:
            return

        def on_start(_allowed: Request) -> None:
            text, blocks = working_blocks(request.question or request.playbook, asker.user)
            self.client.chat_update(channel=stored.channel, ts=stored.ts, text=text, blocks=blocks)

        where = Asker(asker.user, stored.channel, stored.thread_ts, asker.response_url,
                      stored.channel.startswith("D"), asker.team)  # judged by the answer's channel
        outcome = self.service.ask(subject_of(self.service, where), request=request, refresh=True, purpose="refresh",
                                   on_start=on_start)
        if isinstance(outcome, Refusal):  # the message stays as it was; only the clicker hears why
            self.tell(asker, refusal_message(outcome))
            return
        self.show(stored.channel, stored.ts, stored.thread_ts, answer_id, outcome, refreshed=True)

    def show_sql(self, asker: Asker, answer_id: str) -> None:
        stored = self.state.answer_message(answer_id)
        if stored is None or not stored.sql_json:
            self.tell(asker, refusal_blocks("I no longer have the SQL of that answer. Ask the question again."))
            return
        request = self._request(asker, stored)
        if request is None:
            return
        decision = self.service.authorize(subject_of(self.service, asker, channel=stored.channel), request, "sql")
        if not decision.allowed:
            self.tell(asker, refusal_message(decision))
            return
        record = json.loads(stored.sql_json)
        self.tell(asker, sql_blocks(record["sql"], record.get("bound") or {}))

    def csv(self, asker: Asker, answer_id: str) -> None:
        stored = self._stored(asker, answer_id)
        request = self._request(asker, stored) if stored else None
        if request is None:
            return
        where = Asker(asker.user, stored.channel, stored.thread_ts, asker.response_url,
                      stored.channel.startswith("D"), asker.team)
        outcome = self.service.ask(subject_of(self.service, where), request=request, purpose="csv")
        if not isinstance(outcome, Answer):
            self.tell(asker, self.outcome_message(outcome))
            return
        self.client.files_upload_v2(channel=stored.channel, thread_ts=stored.thread_ts or stored.ts,
                                    file=result_csv(outcome), filename=f"{outcome.playbook.id}.csv",
                                    title=f"{outcome.title} ({len(outcome.rows):,} rows)")

    def _stored(self, asker: Asker, answer_id: str):
        stored = self.state.answer_message(answer_id)
        if stored is None or stored.ts is None:
            self.tell(asker, refusal_blocks("I can't find that answer any more. Ask the question again."))
            return None
        return stored

    def _request(self, asker: Asker, stored) -> Request | None:
        try:
            return request_from_json(stored.request_json, self.service.library)
        except StoredRequestError as exc:
            self.tell(asker, refusal_blocks(f"That answer can't be re-run: {exc}. Ask the question again."))
            return None

    # ---- messages only the asker sees ----
    def tell(self, asker: Asker, message: Message) -> None:
        """Tell only the asker: via response_url when there is one, else an ephemeral message (a DM is private)."""
        text, blocks = message
        if asker.response_url:
            webhook = WebhookClient(asker.response_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3),
                                                                          ServerErrorRetryHandler(max_retry_count=3)])
            resp = webhook.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            if resp.status_code == 200:
                return
            log.warning("response_url failed status=%s", resp.status_code)
        try:
            if asker.is_dm or not asker.user:
                self.client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=text, blocks=blocks)
            else:
                self.client.chat_postEphemeral(channel=asker.channel, user=asker.user, thread_ts=asker.thread_ts,
                                               text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("could not tell the asker: %s", exc.response.get("error"))

    def tell_not_in_channel(self, asker: Asker) -> None:
        message = ("I'm not in this channel, so I can't post the answer here. Invite me with `/invite @Playbot` "
                   "and ask again, or DM me.")
        if asker.response_url:
            self.tell(asker, refusal_blocks(message))
            return
        if asker.user:  # no way into the channel: say it in a DM
            dm = self.client.conversations_open(users=asker.user)["channel"]["id"]
            self.tell(Asker(asker.user, dm, is_dm=True), refusal_blocks(message))
