"""How Playbot replies in Slack: run a question in a bounded worker pool (after the ack), show progress
where Slack shows it (the assistant status on a thread; a "working on it" message only where there is no
thread: slash commands, Refresh), post ONE answer message and put its chart in it (an image block of the
uploaded PNG, or Slack's own chart block), and answer the buttons.

The chart: the PNG is uploaded without a channel (files_upload_v2 with no channel: nothing is posted),
then the answer message is updated with an image block pointing at that file and `file_ids` attaching it
to the message. Refresh uploads the new chart, points the same message at it and deletes the old file, so
no second chart ever appears. A chart Slack refuses (uploads disabled, a missing scope, 5xx past the
client's retries) leaves the answer posted once, without the chart, saying why.

Listeners (app.py) only ack and call `Replier.submit`; the scheduler calls `post_answer`. Every
question and every button goes through the answer service as the Slack user who clicked or asked.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from answers import Answer
from charts import render_png
from errors import Kind
from playbooks.params import json_safe
from questions import Clarification, Request
from questions.choices import choice_named
from questions.persist import StoredRequestError, dumps, request_from_json
from service import AnswerService, Cancelled, Refusal
from state.slack import AnswerMessage, SlackState

from .access import refusal_message, subject_of
from .blocks import (
    ACTION_POST,
    MAX_BLOCKS,
    ChartPart,
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
from .native_charts import native_chart
from .text import cut, defuse, fallback

log = logging.getLogger("playbot.slack")

NOT_IN_CHANNEL = ("not_in_channel", "channel_not_found", "is_archived")
# Slack's answers to a chart upload that no retry changes, and what the answer says instead of the chart
CHART_REFUSALS = {
    "file_uploads_disabled": "this workspace has turned off file uploads",
    "file_uploads_except_images_disabled": "this workspace allows no file uploads from apps here",
    "file_type_not_allowed": "this workspace does not allow PNG files",
    "file_upload_size_restricted": "the picture is larger than this workspace allows",
    "missing_scope": "Playbot was installed without the files:write permission (an admin can reinstall it)",
    "not_allowed_token_type": "Playbot's token may not upload files",
}
UPLOAD_ATTEMPTS = 3  # the upload POST itself is not covered by the client's retry handlers
STATUS_EVERY_SECONDS = 90.0  # Slack clears a status after ~2 minutes without a message: set it again before


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


def _transient(exc: Exception) -> bool:
    if isinstance(exc, SlackApiError):
        return (exc.response.status_code or 200) >= 500 or exc.response.get("error") in ("ratelimited", "fatal_error")
    return isinstance(exc, SlackRequestError | OSError)


def chart_note(exc: Exception) -> str:
    """Why the chart is not shown, in a sentence (the answer itself is complete)."""
    if isinstance(exc, SlackApiError) and exc.response.get("error") in CHART_REFUSALS:
        error = exc.response.get("error")
        return f"The chart isn't shown: {CHART_REFUSALS[error]} (Slack said `{error}`). The numbers above are complete."
    return ("The chart isn't shown: Slack's file service didn't take it after several tries. "
            "The numbers above are complete; *Refresh* tries again.")


def upload_private(client: WebClient, png: bytes, answer: Answer) -> str:
    """Upload the PNG shared nowhere (no channel: no message of its own); returns its file id."""
    for attempt in range(1, UPLOAD_ATTEMPTS + 1):
        try:
            done = client.files_upload_v2(file=png, filename=f"{answer.playbook.id}.png", title=answer.title,
                                          alt_txt=cut(answer.headline or answer.title, 1000))
            return (done.get("file") or {})["id"]
        except (SlackApiError, SlackRequestError, OSError) as exc:
            if attempt == UPLOAD_ATTEMPTS or not _transient(exc):
                raise
            log.warning("chart upload attempt %d failed: %s; trying again", attempt, exc)
    raise AssertionError("unreachable")


Render = Callable[[ChartPart | None], Message]


def put_chart(client: WebClient, channel: str, ts: str, answer: Answer, render: Render,
              old_file: str | None = None) -> str | None:
    """Put the answer's chart into its message (already posted). Never raises: a chart Slack refuses
    becomes a line in the answer saying why. Returns the new file id (the old one is deleted)."""
    png = chart_png(answer)
    if png is None:
        return None
    try:
        file_id = upload_private(client, png, answer)
    except Exception as exc:  # noqa: BLE001 - the answer is posted; only the chart is missing
        log.warning("chart not uploaded playbook=%s: %s", answer.playbook.id, exc)
        _update_quietly(client, channel, ts, render(ChartPart(note=chart_note(exc))))
        return None
    text, blocks = render(ChartPart(file_id=file_id))
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks, file_ids=[file_id])
    except Exception as exc:  # noqa: BLE001 - e.g. Slack has not processed the file: say so, keep the answer
        log.warning("chart not shown playbook=%s: %s", answer.playbook.id, exc)
        _update_quietly(client, channel, ts, render(ChartPart(note=chart_note(exc))))
        _delete_quietly(client, file_id)
        return None
    if old_file and old_file != file_id:
        _delete_quietly(client, old_file)
    return file_id


def _update_quietly(client: WebClient, channel: str, ts: str, message: Message) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, text=message[0], blocks=message[1])
    except Exception as exc:  # noqa: BLE001 - the answer as first posted stays
        log.warning("could not say why the chart is missing: %s", exc)


def _delete_quietly(client: WebClient, file_id: str) -> None:
    try:
        client.files_delete(file=file_id)
    except Exception as exc:  # noqa: BLE001 - an orphan file shared nowhere is harmless
        log.info("could not delete chart file %s: %s", file_id, exc)


def show_answer(client: WebClient, channel: str, answer: Answer, render: Render, *, ts: str | None = None,
                thread_ts: str | None = None, native: bool = False, old_file: str | None = None) -> PostedAnswer:
    """Post (or, with `ts`, update) ONE answer message, then put its chart in it. Only posting the answer
    raises; everything about the chart is handled in the message."""
    block = native_chart(answer.chart, answer.title) if native else None
    text, blocks = render(ChartPart(native=block) if block else None)
    if ts:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    else:
        ts = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)["ts"]
    if block is not None:
        if old_file:
            _delete_quietly(client, old_file)
        return PostedAnswer(ts)
    return PostedAnswer(ts, put_chart(client, channel, ts, answer, render, old_file))


def post_answer(client: WebClient, channel: str, answer: Answer, thread_ts: str | None = None, *,
                state: SlackState | None = None, max_rows: int = 25, schedule: bool = False,
                update_ts: str | None = None, native: bool = False) -> PostedAnswer:
    """Post an Answer with its chart in the message. Used by the scheduler too: raises only when the answer
    itself could not be posted (so a retry never posts it twice).

    With `state`, the message gets the Refresh / Show SQL / CSV buttons; with `update_ts`, an existing
    message (the "working on it" one) is replaced instead of posting a new one.
    """
    answer_id = state.new_answer(channel, thread_ts, None, dumps(answer.request), sql_record(answer)) if state else None

    def render(chart: ChartPart | None) -> Message:
        return answer_blocks(answer, answer_id, max_rows=max_rows, schedule=schedule, chart=chart)

    posted = show_answer(client, channel, answer, render, ts=update_ts, thread_ts=thread_ts, native=native)
    if state and answer_id:
        state.set_answer_ts(answer_id, posted.ts)
        if posted.chart_file_id:
            state.set_chart_file(answer_id, posted.chart_file_id)
    return posted


def sql_record(answer: Answer) -> str:
    return json.dumps({"sql": answer.sql, "bound": json_safe(answer.main.params)})


def result_csv(answer: Answer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(answer.columns)
    for row in answer.rows:
        writer.writerow(["" if v is None else json_safe(v) for v in row])
    return out.getvalue().encode("utf-8")


class Progress:
    """The assistant status of a thread while its answer is worked on (`assistant.threads.setStatus`,
    chat:write): set at once, set again every `every` seconds (Slack drops it after ~2 minutes without a
    message), cleared by the answer posted in the thread, or explicitly when nothing was posted."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str, every: float = STATUS_EVERY_SECONDS):
        self.client, self.channel, self.thread_ts, self.every = client, channel, thread_ts, every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, request: Request) -> bool:
        """True when Slack shows the status here (otherwise the caller posts a placeholder)."""
        self.loading = [defuse(cut(f"Reading “{request.question or request.playbook}”…", 150)),
                        f"Running {request.playbook} on the warehouse…", "Putting the numbers and the chart together…"]
        try:
            self._set("is working on your question…")
        except SlackApiError as exc:
            log.info("no assistant status here (%s): a placeholder message instead", exc.response.get("error"))
            return False
        self._thread = threading.Thread(target=self._keep, name="playbot-status", daemon=True)
        self._thread.start()
        return True

    def _set(self, status: str) -> None:
        self.client.assistant_threads_setStatus(channel_id=self.channel, thread_ts=self.thread_ts, status=status,
                                                loading_messages=self.loading if status else None)

    def _keep(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self._set("is still working on your question…")
            except Exception as exc:  # noqa: BLE001 - a lost status is cosmetic
                log.info("status not set again: %s", exc)

    def stop(self, answered: bool) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not answered:  # nothing was posted in the thread, so Slack would keep showing it for minutes
            try:
                self._set("")
            except Exception as exc:  # noqa: BLE001
                log.info("status not cleared: %s", exc)


@dataclass
class Started:
    """What `on_start` put up while the answer is worked on."""

    answer_id: str
    ts: str | None = None  # the placeholder message, when there is one
    progress: Progress | None = None


class Replier:
    """Answers questions and button clicks for one Slack app. Thread-safe; the pool bounds the work."""

    def __init__(self, service: AnswerService, state: SlackState, client: WebClient, *, workers: int = 4,
                 max_rows: int = 25, command: str = "/playbot", schedule: bool = False, native_charts: bool = False,
                 status_every: float = STATUS_EVERY_SECONDS):
        self.service, self.state, self.client = service, state, client
        self.max_rows, self.command, self.schedule = max_rows, command, schedule
        self.native_charts, self.status_every = native_charts, status_every
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

    def render(self, answer: Answer, answer_id: str | None, refreshed: bool = False) -> Render:
        def render(chart: ChartPart | None) -> Message:
            return answer_blocks(answer, answer_id, max_rows=self.max_rows, schedule=self.schedule, chart=chart,
                                 refreshed_at=answer.answered_at if refreshed else None)
        return render

    # ---- questions ----
    def question(self, asker: Asker, text: str, previous: Request | None = None) -> None:
        """A question typed in Slack (slash command, mention, DM, thread reply, the message shortcut). A reply
        that names a choice of the question asked back in its thread ("Invite Sent", "2") answers that."""
        picked = self.state.pending_choice(asker.channel, asker.thread_ts or "", lambda labels: choice_named(text, labels)) \
            if asker.thread_ts else None
        if picked is not None:
            self.choose(asker, picked)
            return
        self.answer(asker, text=text, previous=previous)

    def choose(self, asker: Asker, answer_id: str) -> None:
        """A choice of a question asked back (a button, or its name typed in the thread): the whole question."""
        where = self.state.answer_message(answer_id)
        if where is None:
            self.tell(asker, refusal_blocks("I can't find that question any more. Ask it again."))
            return
        request = self._request(asker, where)
        if request is not None:
            self.answer(Asker(asker.user, where.channel, where.thread_ts, asker.response_url,
                              where.channel.startswith("D"), asker.team), request=request, purpose="choice")

    def answer(self, asker: Asker, *, text: str | None = None, request: Request | None = None,
               previous: Request | None = None, purpose: str = "") -> None:
        """Ask the service; show progress once the question is allowed, then post the answer (or what
        stopped it) in the channel; what stops it before that is told only to the asker."""
        if asker.private:
            self.preview(asker, text=text, request=request, previous=previous)
            return
        started: list[Started] = []

        def on_start(allowed: Request) -> None:  # allowed: now the channel may see that we are working on it
            started.append(self._start(asker, allowed))

        outcome = self.service.ask(subject_of(self.service, asker), text, request=request, previous=previous,
                                   purpose=purpose, on_start=on_start)
        if not started:  # refused, unclear or failed before anything was shown: only the asker hears it
            if getattr(outcome, "kind", None) != Kind.CANCELLED:  # cancelled: the asker was told already
                self.tell(asker, self.outcome_message(outcome, asker))
            return
        self._finish(asker, started[0], outcome)

    def _start(self, asker: Asker, request: Request) -> Started:
        request_json = dumps(request)
        answer_id = self.state.new_answer(asker.channel, asker.thread_ts, asker.user, request_json)
        started = Started(answer_id)
        if asker.thread_ts:
            progress = Progress(self.client, asker.channel, asker.thread_ts, self.status_every)
            if progress.start(request):
                started.progress = progress
                if asker.is_dm:
                    self._title(asker, request)
        if started.progress is None:
            started.ts = self._placeholder(asker, request)
            self.state.set_answer_ts(answer_id, started.ts)
        # remembered before the answer is shown, so a reply that comes right after it is a follow-up
        self.state.remember_thread(asker.channel, asker.thread_ts or started.ts, request_json)
        if asker.is_dm:
            self.state.remember_thread(asker.channel, "", request_json)  # DMs: the next message follows up
        return started

    def _placeholder(self, asker: Asker, request: Request) -> str:
        text, blocks = working_blocks(request.question or request.playbook, asker.user)
        try:
            return self.client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=text,
                                                blocks=blocks)["ts"]
        except SlackApiError as exc:
            if exc.response.get("error") in NOT_IN_CHANNEL:
                self.tell_not_in_channel(asker)
                raise Cancelled("the bot is not in the channel") from None
            raise

    def _title(self, asker: Asker, request: Request) -> None:
        """The DM thread's title (agent view): the question."""
        try:
            self.client.assistant_threads_setTitle(channel_id=asker.channel, thread_ts=asker.thread_ts,
                                                   title=defuse(cut(request.question or request.playbook, 255)))
        except SlackApiError as exc:  # assistant:write is optional (bot_optional in the manifest)
            log.info("no thread title: %s", exc.response.get("error"))

    def _finish(self, asker: Asker, started: Started, outcome) -> None:
        """Show the outcome where progress was shown; once the answer is posted, nothing after it (the
        chart included) can make the asker hear "something went wrong"."""
        posted = False
        try:
            if isinstance(outcome, Answer):
                self.state.set_answer_sql(started.answer_id, sql_record(outcome))
                render = self.render(outcome, started.answer_id)
                block = native_chart(outcome.chart, outcome.title) if self.native_charts else None
                text, blocks = render(ChartPart(native=block) if block else None)
                ts = self._show(asker, started, text, blocks)
                posted = True
                self.state.set_answer_ts(started.answer_id, ts)
                if block is None:
                    self._chart(asker.channel, ts, started.answer_id, outcome, render)
            else:
                text, blocks = self.outcome_message(outcome, asker)
                self._show(asker, started, text, blocks)
                posted = True
        except Exception:
            if not posted:
                raise
            log.exception("after the answer was posted")  # the asker has the answer: log only
        finally:
            if started.progress is not None:
                started.progress.stop(answered=posted)

    def _show(self, asker: Asker, started: Started, text: str, blocks: list[dict]) -> str:
        if started.ts:
            self.client.chat_update(channel=asker.channel, ts=started.ts, text=text, blocks=blocks)
            return started.ts
        return self.client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=text,
                                            blocks=blocks)["ts"]

    def _chart(self, channel: str, ts: str, answer_id: str, answer: Answer, render: Render) -> None:
        file_id = put_chart(self.client, channel, ts, answer, render, self.state.chart_file(answer_id))
        if file_id:
            self.state.set_chart_file(answer_id, file_id)

    def outcome_message(self, outcome, asker: Asker | None = None) -> Message:
        if isinstance(outcome, Refusal):
            return refusal_message(outcome)
        if isinstance(outcome, Clarification):
            return clarification_blocks(outcome, self.command, self._options(outcome, asker))
        return failure_blocks(outcome)

    def _options(self, c: Clarification, asker: Asker | None) -> tuple[str, ...]:
        """Each option of a question asked back, stored as a request a button (or a typed reply) re-runs."""
        if asker is None or not c.options:
            return ()
        ids = tuple(self.state.new_answer(asker.channel, asker.thread_ts, asker.user, dumps(o.request))
                    for o in c.options)
        if asker.thread_ts:
            self.state.remember_choices(asker.channel, asker.thread_ts, [(o.label, i) for o, i in zip(c.options, ids)])
        return ids

    def preview(self, asker: Asker, *, text: str | None = None, request: Request | None = None,
                previous: Request | None = None) -> None:
        """`--private`: the answer only the asker sees (no PNG: files cannot be ephemeral; Slack's own
        chart when the option is on), with a button that posts it to the channel once its policy allows."""
        outcome = self.service.ask(subject_of(self.service, asker, private=True), text, request=request,
                                   previous=previous, purpose="private")
        if not isinstance(outcome, Answer):
            self.tell(asker, self.outcome_message(outcome))
            return
        answer_id = self.state.new_answer(asker.channel, asker.thread_ts, asker.user, dumps(outcome.request),
                                          sql_record(outcome))
        block = native_chart(outcome.chart, outcome.title) if self.native_charts else None
        text, blocks = answer_blocks(outcome, None, max_rows=self.max_rows, chart=ChartPart(native=block) if block else None)
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

    # ---- buttons ----
    def refresh(self, asker: Asker, answer_id: str) -> None:
        """Run the stored request again and replace the message, chart included, in place."""
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
        self._replace(stored, answer_id, outcome)

    def _replace(self, stored: AnswerMessage, answer_id: str, outcome) -> None:
        if not isinstance(outcome, Answer):
            text, blocks = self.outcome_message(outcome)
            self.client.chat_update(channel=stored.channel, ts=stored.ts, text=text, blocks=blocks)
            return
        self.state.set_answer_sql(answer_id, sql_record(outcome))
        posted = show_answer(self.client, stored.channel, outcome, self.render(outcome, answer_id, refreshed=True),
                             ts=stored.ts, native=self.native_charts, old_file=self.state.chart_file(answer_id))
        if posted.chart_file_id:
            self.state.set_chart_file(answer_id, posted.chart_file_id)

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

    def feedback(self, asker: Asker, value: str) -> None:
        """A feedback button on an answer: kept per person (the last click counts) and in the audit log."""
        verdict, _, answer_id = value.partition(":")
        stored = self.state.answer_message(answer_id)
        request = self._request(asker, stored) if stored else None
        if request is None or verdict not in ("good", "bad") or not asker.user:
            return
        self.state.record_feedback(answer_id, asker.user, verdict)
        self.service.record_feedback(subject_of(self.service, asker, channel=stored.channel), request, verdict)
        thanks = ("Thanks, noted: this answer helped." if verdict == "good" else
                  "Thanks, noted. Reply in the thread with what you expected, or *Show SQL* to check how it was counted.")
        self.tell(asker, (thanks, [context(thanks)]))

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
        if not asker.channel:  # e.g. a button in App Home: the home view itself shows what changed
            log.info("nowhere to tell %s: %s", asker.user, text)
            return
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


__all__ = ["Asker", "PostedAnswer", "Replier", "fallback", "post_answer", "put_chart", "show_answer"]
