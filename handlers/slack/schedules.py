"""Schedules in Slack: `/playbot schedule "<question>" every monday 9:00`, `/playbot alert "<condition>" daily 8:00`,
`/playbot schedules` (this channel's list with Pause / Resume / Run now / Delete), the Schedule… modal on an
answer, and SlackPoster, the scheduler's way into Slack. The scheduling itself lives in scheduler/."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from answers import Answer
from policy.rules import Subject
from questions import Clarification, Request
from questions.persist import StoredRequestError, request_from_json
from scheduler import (
    AlertError,
    Schedule,
    ScheduleRunner,
    ScheduleStore,
    WhenError,
    can_change,
    list_schedules,
    parse_alert,
    parse_when,
    utc_now,
)
from scheduler.runner import PostError
from scheduler.triggers import EXAMPLES as WHEN_EXAMPLES
from service import AnswerService, Refusal
from state.slack import SlackState

from .access import refusal_message, subject_of
from .blocks import (
    Message,
    button,
    clarification_blocks,
    confirm,
    context,
    failure_blocks,
    notice,
    refusal_blocks,
    section,
)
from .replies import NOT_IN_CHANNEL, Asker, post_answer
from .text import cut, esc, neutralize

log = logging.getLogger("playbot.slack")

ACTION_PAUSE = "playbot_sched_pause"
ACTION_RESUME = "playbot_sched_resume"
ACTION_RUN = "playbot_sched_run"
ACTION_DELETE = "playbot_sched_delete"
ACTION_EDIT = "playbot_sched_edit"
_CHANGES = {ACTION_PAUSE: "paused", ACTION_RESUME: "resumed", ACTION_DELETE: "deleted", ACTION_RUN: "run now"}
_CONDITION_WORDS = {"below": "drops below {}", "above": "rises above {}", "change": "changes more than {}%",
                    "drop": "drops more than {}%", "rise": "rises more than {}%"}
MODAL_CALLBACK = "playbot_schedule_modal"
MAX_DIGEST_QUESTIONS = 10
# Slack errors a retry cannot fix: the run stops at once (and its owner is told) instead of posting again
PERMANENT_ERRORS = (*NOT_IN_CHANNEL, "invalid_auth", "account_inactive", "token_revoked", "invalid_blocks",
                    "msg_too_long", "no_text", "user_not_found", "file_uploads_disabled",
                    "file_uploads_except_images_disabled", "file_type_not_allowed", "file_upload_size_restricted",
                    "missing_scope")
_WHEN_START = re.compile(r"\b(every|daily|weekdays?|weekly|monthly|hourly|cron|on day)\b|(?:^|\s)[\d*/,\-]+( [\d*/,\-a-z]+){4}$")


class SlackPoster:
    """scheduler.Poster for Slack: messages by channel ID, answers with their chart, DMs to owners."""

    def __init__(self, client: WebClient, state: SlackState | None = None, max_rows: int = 25, native: bool = False):
        self.client, self.state, self.max_rows, self.native = client, state, max_rows, native

    def post_text(self, channel: str, text: str, thread_ts: str | None = None) -> str:
        """`text` is the runner's mrkdwn (its channel links kept): no broadcast in it, within the limits."""
        text = neutralize(text)
        return self._call(lambda: self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=cut(text, 4000),
                                                               blocks=[section(text)])["ts"], channel)

    def post_answer(self, channel: str, answer: Answer, thread_ts: str | None = None) -> str:
        """The answer is posted once: a chart Slack refuses is said in the message, never retried as a run."""
        return self._call(lambda: post_answer(self.client, channel, answer, thread_ts, state=self.state,
                                              max_rows=self.max_rows, native=self.native).ts, channel)

    def notify_owner(self, owner: str, text: str) -> None:
        if not owner:
            log.warning("schedule failure with no owner to tell: %s", text)
            return
        try:
            dm = self.client.conversations_open(users=owner)["channel"]["id"]
            text = neutralize(text)
            self.client.chat_postMessage(channel=dm, text=cut(text, 4000), blocks=[section(text)])
        except SlackApiError as exc:
            log.warning("could not DM the schedule owner %s: %s", owner, exc.response.get("error"))

    @staticmethod
    def _call(post: Callable[[], str], channel: str) -> str:
        try:
            return post()
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "error")
            hint = f" (invite Playbot to <#{channel}> with /invite @Playbot)" if error in NOT_IN_CHANNEL else ""
            raise PostError(f"Slack answered {error}{hint}", retryable=error not in PERMANENT_ERRORS) from None


def split_questions_and_when(text: str) -> tuple[tuple[str, ...], str]:
    """`"dau" "invites yesterday" every monday 9:00` -> (("dau", "invites yesterday"), "every monday 9:00"): each
    quoted question is one item of the digest; an unquoted question is one item."""
    text = " ".join(text.replace("“", '"').replace("”", '"').split())
    quoted = re.match(r'^((?:"[^"]+"\s*(?:,|\band\b|&|\+)?\s*)+)(.*)$', text)
    if quoted:
        questions = tuple(q.strip() for q in re.findall(r'"([^"]+)"', quoted.group(1)) if q.strip())
        return questions, quoted.group(2).strip()
    question, when = split_question_and_when(text)
    return ((question,) if question else ()), when


def split_question_and_when(text: str) -> tuple[str, str]:
    """`"invites yesterday" every monday 9:00` or `invites yesterday every monday 9:00` -> (question, when)."""
    text = " ".join(text.replace("“", '"').replace("”", '"').split())
    quoted = re.match(r'^"([^"]+)"\s*(.*)$', text)
    if quoted:
        return quoted.group(1).strip(), quoted.group(2).strip()
    starts = [m.start() for m in _WHEN_START.finditer(text)]
    for start in starts:  # the earliest split whose rest reads as a time ("retention weekly | monthly on day 1")
        try:
            parse_when(text[start:])
        except WhenError:
            continue
        return text[:start].strip(), text[start:].strip()
    return (text[:starts[0]].strip(), text[starts[0]:].strip()) if starts else (text, "")


class ScheduleCommands:
    """What `/playbot schedule|alert|schedules`, the schedule buttons and the modal do. Thread-safe."""

    def __init__(self, store: ScheduleStore, runner: ScheduleRunner, service: AnswerService, client: WebClient,
                 state: SlackState, *, admins: tuple[str, ...] = (), timezone: str = "UTC", command: str = "/playbot",
                 clock: Callable[[], datetime] = utc_now):
        self.store, self.runner, self.service, self.client, self.state = store, runner, service, client, state
        self.admins, self.timezone, self.command, self.clock = admins, timezone, command, clock
        self.tell: Callable[[Asker, Message], None] = lambda asker, message: None  # set by create_app

    @staticmethod
    def handles(text: str) -> bool:
        return text.split(" ", 1)[0].lower() in ("schedule", "schedules", "alert")

    # ---- slash commands ----
    def command_text(self, asker: Asker, text: str) -> None:
        word, _, rest = text.strip().partition(" ")
        word = word.lower()
        if word == "schedules" or (word == "schedule" and not rest.strip()):
            self.tell(asker, self.list_message(asker.channel))
        elif word == "alert":
            self.create_alert(asker, rest)
        else:
            self.create_digest(asker, rest)

    def create_digest(self, asker: Asker, text: str) -> None:
        questions, when_text = split_questions_and_when(text)
        if not questions or not when_text:
            self.tell(asker, refusal_blocks(f'Say what and when: `{self.command} schedule "invites yesterday" every monday '
                                            f'9:00`, or several questions for one digest: `{self.command} schedule "dau" '
                                            f'"invites yesterday" weekdays 9:00` ({", ".join(WHEN_EXAMPLES)}).'))
            return
        if len(questions) > MAX_DIGEST_QUESTIONS:
            self.tell(asker, refusal_blocks(f"A digest holds at most {MAX_DIGEST_QUESTIONS} questions; you gave "
                                            f"{len(questions)}. Split it into two schedules."))
            return
        self._create(asker, questions, when_text, name=" · ".join(questions))

    def create_alert(self, asker: Asker, text: str) -> None:
        condition, when_text = split_question_and_when(text)
        try:
            question, rule = parse_alert(condition)
        except AlertError as exc:
            self.tell(asker, refusal_blocks(f'{exc} Then: `{self.command} alert "daily signups drop below 100" daily 9:00`.'))
            return
        self._create(asker, (question,), when_text or "daily 9:00", name=condition, kind="alert", alert=rule)

    def _create(self, asker: Asker, questions: tuple[str, ...], when_text: str, name: str, **kind) -> None:
        try:
            when = parse_when(when_text)
        except WhenError as exc:
            self.tell(asker, refusal_blocks(str(exc)))
            return
        for question in questions:  # stops at the first it can't read or may not post
            if not self._understood(asker, question, named=len(questions) > 1):
                return
        schedule = self.store.save(Schedule(name=name[:200], questions=questions, when=when,
                                            timezone=self._user_timezone(asker.user), channel=asker.channel,
                                            owner=asker.user or "", source="slack", **kind), self.clock())
        self.service.record_change(subject_of(self.service, asker), "created", schedule.id, schedule.name)
        self.tell(asker, self.created_message(schedule))

    def _understood(self, asker: Asker, question: str, named: bool = False) -> bool:
        """Read and allowed for the schedule's channel, as its owner, by the same rules as each run."""
        subject = self.service.schedule_subject(asker.user or "", asker.channel)
        read = self.service.read(subject, question, purpose="schedule")
        if isinstance(read, Request):
            return True
        if isinstance(read, Refusal):
            self.tell(asker, refusal_message(read, f"I can't schedule “{question}” here: " if named
                                             else "I can't schedule that here: "))
            return False
        if named:  # in a digest of several questions, say which one
            read = replace(read, message=f"“{question}”: {read.message}")
        self.tell(asker, clarification_blocks(read, self.command) if isinstance(read, Clarification)
                  else failure_blocks(read))
        return False

    def _user_timezone(self, user: str | None) -> str:
        """The creator's own IANA timezone from their Slack profile; the bot's when Slack does not say."""
        if user:
            try:
                tz = (self.client.users_info(user=user).get("user") or {}).get("tz")
                if tz:
                    ZoneInfo(tz)
                    return tz
            except Exception:  # noqa: BLE001 - no users:read scope, unknown zone: fall back
                log.info("no timezone for user %s; using %s", user, self.timezone)
        return self.timezone

    def created_message(self, schedule: Schedule) -> Message:
        listing = next(item for item in list_schedules(self.store, self.clock(), schedule.channel)
                       if item.schedule.id == schedule.id)
        what = "Alert" if schedule.kind == "alert" else "Schedule"
        text = (f":calendar: {what} *{esc(schedule.name)}* (`{schedule.id}`): {esc(schedule.when.text)} "
                f"({schedule.timezone}) in <#{schedule.channel}>. Next run {listing.next_run:%a %d %b %H:%M %Z}. "
                f"`{self.command} schedules` to pause, run or delete it.")
        return text, [section(text)]

    # ---- the list and its buttons ----
    def list_message(self, channel: str) -> Message:
        items = list_schedules(self.store, self.clock(), channel)
        if not items:
            text = f'No schedules in this channel yet. Try `{self.command} schedule "invites yesterday" every monday 9:00`.'
            return text, [section(text)]
        blocks: list[dict] = [section(f"*Schedules in <#{channel}>*")]
        for item in items[:15]:  # 3 blocks each, within Slack's 50
            s, last = item.schedule, item.last
            nxt = "paused" if s.paused else (f"{item.next_run:%a %d %b %H:%M %Z}" if item.next_run else "never")
            outcome = f"{last.status} ({last.slot:%a %d %b %H:%M})" + (f": {esc(last.detail)}" if last.detail else "") \
                if last else "not run yet"
            blocks.append(section(f"*{esc(s.name)}* `{s.id}` · {s.kind} · {esc(s.when.text)} {s.timezone} · owner "
                                  f"<@{s.owner}>\nNext: {nxt} · Last: {outcome}"[:3000]))
            blocks.append(schedule_buttons(s))
        if len(items) > 15:
            blocks.append(context(f"… and {len(items) - 15} more (`python bot.py schedules` lists all)."))
        return f"{len(items)} schedule(s) in this channel", blocks

    def rows_for_owner(self, user: str) -> list[dict]:
        """App Home's "My schedules": the person's own schedules in every channel, with their buttons."""
        blocks: list[dict] = []
        for item in [i for i in list_schedules(self.store, self.clock()) if i.schedule.owner == user][:15]:
            s = item.schedule
            nxt = "paused" if s.paused else (f"{item.next_run:%a %d %b %H:%M %Z}" if item.next_run else "never")
            blocks.append(section(f"*{esc(s.name)}* · {s.kind} · {esc(s.when.text)} {s.timezone} · <#{s.channel}>\n"
                                  f"Next: {nxt}"))
            blocks.append(schedule_buttons(s))
        return blocks

    def on_button(self, action: str, asker: Asker, schedule_id: str) -> None:
        schedule = self.store.get(schedule_id)
        if schedule is None:
            self.tell(asker, refusal_blocks("That schedule no longer exists."))
            return
        change = _CHANGES.get(action, "run now")
        subject = subject_of(self.service, asker)
        if not can_change(schedule, asker.user or "", self.admins):
            self.service.record_change(subject, change, schedule.id, schedule.name, refused="not its owner or an admin")
            self.tell(asker, notice(f"Only <@{schedule.owner}> (the owner) or a Playbot admin can change "
                                    f"*{esc(schedule.name)}*."))
            return
        now = self.clock()
        if action == ACTION_DELETE:
            self.store.delete(schedule.id)
            text = f"Deleted *{esc(schedule.name)}*."
        elif action in (ACTION_PAUSE, ACTION_RESUME):
            self.store.set_paused(schedule.id, action == ACTION_PAUSE, now)
            text = f"{'Paused' if action == ACTION_PAUSE else 'Resumed'} *{esc(schedule.name)}*."
        else:
            outcome = self.runner.run_slot(schedule.id, now, trigger="manual")
            text = f"Ran *{esc(schedule.name)}* now: {outcome.status}" + (f" ({esc(outcome.detail)})" if outcome.detail else "")
        self.service.record_change(subject, change, schedule.id, schedule.name)  # (a run also audits its answer)
        self.tell(asker, (text, [section(text)]))

    # ---- the Schedule… modal (new from an answer, or Edit from the list) ----
    def open_edit(self, trigger_id: str, asker: Asker, schedule_id: str) -> None:
        schedule = self.store.get(schedule_id)
        refusal = self._edit_refusal(schedule, asker.user or "")
        if refusal:
            self.tell(asker, notice(refusal))
            return
        condition = _CONDITION_WORDS[schedule.alert.op].format(f"{schedule.alert.threshold:g}") if schedule.alert else ""
        self._open(trigger_id, asker, {"question": schedule.questions[0], "channel": schedule.channel,
                                       "schedule_id": schedule.id},
                   timezone=schedule.timezone, when=schedule.when.text, kind=schedule.kind, condition=condition)

    def _edit_refusal(self, schedule: Schedule | None, user: str) -> str:
        if schedule is None:
            return "That schedule no longer exists."
        if not can_change(schedule, user, self.admins):
            return f"Only <@{schedule.owner}> (the owner) or a Playbot admin can change *{esc(schedule.name)}*."
        if schedule.source == "yaml":
            return f"*{esc(schedule.name)}* is declared in playbot.yaml: change it there."
        return ""

    def open_modal(self, trigger_id: str, asker: Asker, answer_id: str) -> None:
        """The Schedule… button of an answer. views.open comes first (the trigger id lives 3 seconds); the
        creator's own timezone (users.info) is filled in afterwards with views.update."""
        stored = self.state.answer_message(answer_id)
        try:
            request = request_from_json(stored.request_json, self.service.library) if stored else None
        except StoredRequestError:
            request = None
        if request is None:
            self.tell(asker, refusal_blocks("I can't find that answer any more. Ask the question again."))
            return
        payload = {"question": request.question or request.playbook, "channel": asker.channel}
        opened = self._open(trigger_id, asker, payload, timezone=self.timezone)
        if opened is None:
            return
        view_id, request_id = opened
        timezone = self._user_timezone(asker.user)
        if timezone != self.timezone:
            try:
                self.client.views_update(view_id=view_id, view=modal_view(payload["question"], asker.channel, timezone,
                                                                          request_id=request_id))
            except SlackApiError as exc:  # the form still works with the bot's timezone in it
                log.info("modal timezone not filled in: %s", exc.response.get("error"))

    def _open(self, trigger_id: str, asker: Asker, payload: dict, **fields) -> tuple[str, str] | None:
        """Keep the request server-side, open the modal with its id; Slack's refusal is told, not lost."""
        request_id = self.state.new_modal_request(asker.user, json.dumps(payload))
        view = modal_view(payload["question"], payload["channel"], request_id=request_id,
                          editing=bool(payload.get("schedule_id")), **fields)
        try:
            done = self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            error = exc.response.get("error") or "error"
            log.warning("views.open failed: %s %s", error, exc.response.get("response_metadata"))
            self.tell(asker, refusal_blocks(
                f"I couldn't open the schedule form (Slack said {error}). Try the button again, or type "
                f'`{self.command} schedule "{cut(payload["question"], 200)}" every monday 9:00`.'))
            return None
        return (done.get("view") or {}).get("id", ""), request_id

    def submit_modal(self, user: str, view: dict) -> dict[str, str]:
        """Create the schedule from the modal. Returns Slack's {block_id: error} (empty when created)."""
        meta = self._modal_payload(user, view)
        if isinstance(meta, str):
            return {"when": meta}
        values = view.get("state", {}).get("values", {})

        def value(block: str) -> str:
            field = values.get(block, {}).get("value", {})
            return str(field.get("value") or field.get("selected_conversation")
                       or (field.get("selected_option") or {}).get("value") or "").strip()

        errors: dict[str, str] = {}
        when = timezone = rule = None
        try:
            when = parse_when(value("when"))
        except WhenError as exc:
            errors["when"] = str(exc)[:150]
        timezone = value("timezone") or self.timezone
        try:
            ZoneInfo(timezone)
        except Exception:  # noqa: BLE001 - any bad zone name
            errors["timezone"] = f"Unknown timezone {timezone!r}: use an IANA name such as Europe/Berlin."
        question, kind = meta.get("question", ""), value("kind") or "digest"
        if kind == "alert":
            try:
                question, rule = parse_alert(f"{question} {value('condition')}")
            except AlertError:
                errors["condition"] = "Say when to alert, e.g. `drops below 100` or `changes more than 20%`."
        existing = self.store.get(meta["schedule_id"]) if meta.get("schedule_id") else None
        if meta.get("schedule_id"):
            refusal = self._edit_refusal(existing, user)
            if refusal:
                errors["when"] = refusal[:150]
        channel = value("channel") or meta.get("channel", "")
        if not errors:  # the channel's policy, as for `/playbot schedule` and each run
            subject = self.service.schedule_subject(existing.owner if existing else user, channel)
            read = self.service.read(subject, question, purpose="schedule")
            if isinstance(read, Refusal):
                errors["channel"] = " ".join(p for p in (read.message, read.next_step) if p)[:150]
            elif not isinstance(read, Request):
                errors["when" if kind == "digest" else "condition"] = read.message[:150]
        if errors:
            return errors
        if existing is not None:  # an edit keeps the id, owner, name and (for digests) every question
            questions = existing.questions if kind == "digest" else (question,)
            self.store.save(replace(existing, questions=questions, when=when, timezone=timezone, channel=channel,
                                    kind=kind, alert=rule), self.clock())
            self._audit_modal(user, channel, "edited", existing)
            return {}
        saved = self.store.save(Schedule(name=meta.get("question", question)[:200], questions=(question,), when=when,
                                         timezone=timezone, channel=channel, owner=user, kind=kind, alert=rule,
                                         source="slack"), self.clock())
        self._audit_modal(user, channel, "created", saved)
        return {}

    def _audit_modal(self, user: str, channel: str, change: str, schedule: Schedule) -> None:
        subject = Subject.in_channel(user, channel, None, self.service.groups_of(user))
        self.service.record_change(subject, change, schedule.id, schedule.name)

    def _modal_payload(self, user: str, view: dict) -> dict | str:
        """The request the modal was opened for (by its id), or why it can't be used."""
        try:
            request_id = json.loads(view.get("private_metadata") or "{}").get("request", "")
        except ValueError:
            request_id = ""
        stored = self.state.modal_request(request_id) if request_id else None
        if stored is None:
            return "This form has expired: open it again from the answer or the schedule list."
        opener, payload = stored
        if opener and opener != user:
            return "This form was opened by someone else: open your own from the answer."
        return json.loads(payload)


def schedule_buttons(s: Schedule) -> dict:
    """Pause / Resume, Run now, Edit, Delete; Pause and Delete ask first (Slack's confirm dialog)."""
    name = cut(s.name, 120)
    toggle = button("Resume", ACTION_RESUME, s.id) if s.paused else button(
        "Pause", ACTION_PAUSE, s.id, confirm_with=confirm("Pause this schedule?", f"“{name}” stops posting until "
                                                          "someone resumes it.", "Pause"))
    delete = button("Delete", ACTION_DELETE, s.id, style="danger", confirm_with=confirm(
        "Delete this schedule?", f"“{name}” and its run log are deleted. This can't be undone.", "Delete", danger=True))
    return {"type": "actions", "elements": [toggle, button("Run now", ACTION_RUN, s.id), button("Edit", ACTION_EDIT, s.id),
                                            delete]}


def modal_view(question: str, channel: str, timezone: str = "UTC", *, request_id: str, when: str = "every monday 9:00",
               kind: str = "digest", condition: str = "", editing: bool = False) -> dict:
    """The Schedule modal. private_metadata holds only the id of the request kept server-side (Slack's
    limit is 3,000 characters; a long question alone can pass it). One default for the channel picker."""
    def text_input(block: str, label: str, initial: str = "", placeholder: str = "", optional: bool = False) -> dict:
        element = {"type": "plain_text_input", "action_id": "value"}
        if initial:
            element["initial_value"] = cut(initial, 3000)
        if placeholder:
            element["placeholder"] = {"type": "plain_text", "text": cut(placeholder, 150)}
        return {"type": "input", "block_id": block, "optional": optional, "element": element,
                "label": {"type": "plain_text", "text": label}}

    def option(value: str, text: str) -> dict:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    kinds = [option("digest", "Digest: post the answer"), option("alert", "Alert: post only when…")]
    return {
        "type": "modal", "callback_id": MODAL_CALLBACK, "private_metadata": json.dumps({"request": request_id}),
        "title": {"type": "plain_text", "text": "Edit schedule" if editing else "Schedule"},
        "submit": {"type": "plain_text", "text": "Save" if editing else "Schedule"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{esc(question)}*"),
            text_input("when", "When", when, "daily 8:30 · weekdays 9am · monthly on day 1 · 0 9 * * 1"),
            text_input("timezone", "Timezone (IANA)", timezone),
            {"type": "input", "block_id": "channel", "label": {"type": "plain_text", "text": "Post to"},
             "element": {"type": "conversations_select", "action_id": "value", "initial_conversation": channel}},
            {"type": "input", "block_id": "kind", "label": {"type": "plain_text", "text": "Kind"},
             "element": {"type": "static_select", "action_id": "value",
                         "initial_option": kinds[1] if kind == "alert" else kinds[0], "options": kinds}},
            text_input("condition", "Alert when (for alerts)", condition, "drops below 100 · changes more than 20%",
                       optional=True),
        ],
    }
