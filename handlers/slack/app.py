"""The Bolt app: listeners of a few lines each. They ack at once and hand the work to the Replier's
bounded pool, so a slow warehouse never delays anyone's ack. Text from Slack is decoded here
(handlers/slack/text.py: entities, mentions, the bot's own mention) before the service reads it."""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_sdk import WebClient

from config import SlackConfig
from service import AnswerService
from state.slack import SlackState

from .access import use_slack_groups
from .blocks import (
    ACTION_CHOICE,
    ACTION_CSV,
    ACTION_FEEDBACK,
    ACTION_POST,
    ACTION_REFRESH,
    ACTION_SCHEDULE,
    ACTION_SQL,
    help_blocks,
    refusal_blocks,
)
from .home import publish_home, set_prompts
from .replies import Asker, Replier
from .text import read_text

log = logging.getLogger("playbot.slack")

# One command per common playbook: command -> words put before the user's text.
PLAYBOOK_COMMANDS = {"/retention": "retention", "/active-users": "active users", "/volume": ""}
SHORTCUT_ASK = "playbot_ask"  # the message shortcut "Ask Playbot"
MENTION_RE = re.compile(r"<@([A-Z0-9]+)(\|[^>]*)?>")
PRIVATE_RE = re.compile(r"(?:^|\s)--private(?=\s|$)")


def command_names(config: SlackConfig) -> dict[str, str]:
    """Every slash command the app answers, with the words it puts before the text."""
    names = {config.command: ""}
    if config.playbook_commands:
        names.update({k: v for k, v in PLAYBOOK_COMMANDS.items() if k != config.command})
    return names


def create_app(service: AnswerService, state: SlackState, client: WebClient, config: SlackConfig, *,
               signing_secret: str | None = None, schedules=None, status_every: float | None = None) -> tuple[App, Replier]:
    """Build the Bolt app. `signing_secret` None means Socket Mode (requests arrive over the socket).
    `service` answers everything (policies, rate limits and the audit log included).
    `schedules` (handlers.slack.schedules.ScheduleCommands) adds the schedule commands, buttons and modal."""
    app = App(client=client, signing_secret=signing_secret or "",
              request_verification_enabled=signing_secret is not None, name="playbot")
    use_slack_groups(service, client)
    replier = Replier(service, state, client, workers=config.workers, max_rows=config.max_table_rows,
                      command=config.command, schedule=schedules is not None, native_charts=config.native_charts,
                      **({"status_every": status_every} if status_every else {}))
    state.forget_events_before(days=2)  # Slack retries within minutes; old event ids can go
    _command_listeners(app, replier, config, schedules)
    _event_listeners(app, replier, state)
    _button_listeners(app, replier)
    _home_listeners(app, replier, config, schedules)
    if schedules is not None:
        _schedule_listeners(app, replier, schedules)
    return app, replier


def _command_listeners(app: App, replier: Replier, config: SlackConfig, schedules) -> None:
    commands = command_names(config)

    def command_listener(prefix: str):
        def on_command(ack, body):
            text = read_text(body.get("text"))
            if not prefix and text.lower() in ("", "help", "?"):
                hint, blocks = help_blocks(replier.service.library, config.command, commands)
                ack(text=hint, blocks=blocks)
                return
            ack()
            private = bool(PRIVATE_RE.search(text))
            asker = Asker(body.get("user_id"), body["channel_id"], None, body.get("response_url"),
                          body.get("channel_name") == "directmessage", body.get("team_id"), private)
            if not prefix and schedules is not None and schedules.handles(text):
                replier.submit(schedules.command_text, asker, text)
                return
            replier.submit(replier.question, asker, f"{prefix} {PRIVATE_RE.sub(' ', text).strip()}".strip())
        return on_command

    for name, prefix in commands.items():
        app.command(name)(command_listener(prefix))


def _event_listeners(app: App, replier: Replier, state: SlackState) -> None:
    @app.event("app_mention")
    def on_mention(body, event, context):
        if not state.claim_event(body.get("event_id") or event["ts"]):
            return  # an Events API retry: answered already
        thread = event.get("thread_ts")
        asker = Asker(event.get("user"), event["channel"], thread or event["ts"], team=body.get("team_id"))
        replier.submit(replier.question, asker, read_text(event.get("text"), context.bot_user_id),
                       replier.previous_in_thread(event["channel"], thread))

    @app.event("message")
    def on_message(body, event, context):
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, bots (ourselves included)
        is_dm, thread = event.get("channel_type") == "im", event.get("thread_ts")
        if not is_dm and (thread is None or _mentions(event.get("text", ""), context.bot_user_id)):
            return  # channel chatter, or a mention (answered by on_mention)
        previous = replier.previous_in_thread(event["channel"], thread if thread else ("" if is_dm else None))
        if not is_dm and previous is None and not state.has_pending_choices(event["channel"], thread):
            return  # a thread that is not ours (nor one where we asked something back)
        if not state.claim_event(body.get("event_id") or event["ts"]):
            return
        # a DM is answered in its own thread (the agent view's timeline): status, title, follow-ups there
        asker = Asker(event["user"], event["channel"], thread or (event["ts"] if is_dm else None), None, is_dm,
                      body.get("team_id"))
        replier.submit(replier.question, asker, read_text(event.get("text"), context.bot_user_id), previous)

    @app.shortcut(SHORTCUT_ASK)
    def on_ask_shortcut(ack, body, context):
        """"Ask Playbot" on a message: its text is the question, answered in that message's thread."""
        ack()
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id", "")
        thread = message.get("thread_ts") or message.get("ts")
        asker = Asker((body.get("user") or {}).get("id"), channel, thread, body.get("response_url"),
                      channel.startswith("D"), (body.get("team") or {}).get("id"))
        text = read_text(message.get("text"), context.bot_user_id)
        if not text:
            replier.submit(replier.tell, asker, refusal_blocks("That message has no text I can read as a question."))
            return
        replier.submit(replier.question, asker, text, replier.previous_in_thread(channel, thread))


def _button_listeners(app: App, replier: Replier) -> None:
    def button_listener(method):
        def on_button(ack, body):
            ack()
            replier.submit(method, _button_asker(body), body["actions"][0].get("value", ""))
        return on_button

    for action_id, method in ((ACTION_REFRESH, replier.refresh), (ACTION_SQL, replier.show_sql), (ACTION_CSV, replier.csv),
                              (ACTION_POST, replier.post_to_channel), (ACTION_FEEDBACK, replier.feedback),
                              (ACTION_CHOICE, replier.choose)):
        app.action(action_id)(button_listener(method))


def _home_listeners(app: App, replier: Replier, config: SlackConfig, schedules) -> None:
    rows = schedules.rows_for_owner if schedules is not None else None

    @app.event("app_home_opened")
    def on_home_opened(event):
        """The Home tab: playbooks, my schedules, recent answers. The Messages tab (the agent view's DM):
        suggested prompts from the playbooks' examples and the person's recent questions."""
        user = event.get("user", "")
        if event.get("tab") == "messages":
            replier.submit(set_prompts, replier.client, replier.service.library, replier.state, event["channel"], user)
        else:
            replier.submit(publish_home, replier.client, replier.service.library, replier.state, user, config.command,
                           rows)


def _schedule_listeners(app: App, replier: Replier, schedules) -> None:
    from .schedules import ACTION_DELETE, ACTION_EDIT, ACTION_PAUSE, ACTION_RESUME, ACTION_RUN, MODAL_CALLBACK

    schedules.tell = replier.tell

    def schedule_button(action_id: str):
        def on_button(ack, body):
            ack()
            replier.submit(_then_home, _button_asker(body), action_id, body["actions"][0]["value"], replier,
                           schedules, body)
        return on_button

    for action_id in (ACTION_PAUSE, ACTION_RESUME, ACTION_RUN, ACTION_DELETE):
        app.action(action_id)(schedule_button(action_id))

    @app.action(ACTION_SCHEDULE)
    def on_schedule(ack, body):
        ack()  # views.open needs the trigger_id within 3 s: opened here, not in the pool
        schedules.open_modal(body["trigger_id"], _button_asker(body), body["actions"][0]["value"])

    @app.action(ACTION_EDIT)
    def on_edit(ack, body):
        ack()
        schedules.open_edit(body["trigger_id"], _button_asker(body), body["actions"][0]["value"])

    @app.view(MODAL_CALLBACK)
    def on_submit(ack, body, view):
        errors = schedules.submit_modal((body.get("user") or {}).get("id", ""), view)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()


def _then_home(asker: Asker, action_id: str, value: str, replier: Replier, schedules, body: dict) -> None:
    """A schedule button; pressed in App Home, the home view is published again to show what changed."""
    schedules.on_button(action_id, asker, value)
    if (body.get("container") or {}).get("type") == "view" or (body.get("view") or {}).get("type") == "home":
        user = (body.get("user") or {}).get("id", "")
        publish_home(replier.client, replier.service.library, replier.state, user, replier.command,
                     schedules.rows_for_owner)


def _button_asker(body: dict) -> Asker:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return Asker((body.get("user") or {}).get("id"), channel, None, body.get("response_url"),
                 bool(channel and channel.startswith("D")), team)


def _mentions(text: str, bot_user: str | None) -> bool:
    return any(bot_user is None or m.group(1) == bot_user for m in MENTION_RE.finditer(text or ""))
