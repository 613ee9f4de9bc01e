"""The Bolt app: listeners of a few lines each. They ack at once and hand the work to the Replier's
bounded pool, so a slow warehouse never delays anyone's ack."""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_sdk import WebClient

from config import SlackConfig
from service import AnswerService
from state.slack import SlackState

from .access import use_slack_groups
from .blocks import ACTION_CSV, ACTION_POST, ACTION_REFRESH, ACTION_SCHEDULE, ACTION_SQL, help_blocks
from .replies import Asker, Replier

log = logging.getLogger("playbot.slack")

# One command per common playbook: command -> words put before the user's text.
PLAYBOOK_COMMANDS = {"/retention": "retention", "/active-users": "active users", "/volume": ""}
MENTION_RE = re.compile(r"<@([A-Z0-9]+)(\|[^>]*)?>")
PRIVATE_RE = re.compile(r"(?:^|\s)--private(?=\s|$)")


def command_names(config: SlackConfig) -> dict[str, str]:
    """Every slash command the app answers, with the words it puts before the text."""
    names = {config.command: ""}
    if config.playbook_commands:
        names.update({k: v for k, v in PLAYBOOK_COMMANDS.items() if k != config.command})
    return names


def create_app(service: AnswerService, state: SlackState, client: WebClient, config: SlackConfig, *,
               signing_secret: str | None = None, schedules=None) -> tuple[App, Replier]:
    """Build the Bolt app. `signing_secret` None means Socket Mode (requests arrive over the socket).
    `service` answers everything (policies, rate limits and the audit log included).
    `schedules` (handlers.slack.schedules.ScheduleCommands) adds the schedule commands, buttons and modal."""
    app = App(client=client, signing_secret=signing_secret or "",
              request_verification_enabled=signing_secret is not None, name="playbot")
    use_slack_groups(service, client)
    replier = Replier(service, state, client, workers=config.workers, max_rows=config.max_table_rows,
                      command=config.command, schedule=schedules is not None)
    state.forget_events_before(days=2)  # Slack retries within minutes; old event ids can go
    commands = command_names(config)

    def command_listener(prefix: str):
        def on_command(ack, body):
            text = (body.get("text") or "").strip()
            if not prefix and text.lower() in ("", "help", "?"):
                hint, blocks = help_blocks(service.library, config.command, commands)
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

    @app.event("app_mention")
    def on_mention(body, event):
        if not state.claim_event(body.get("event_id") or event["ts"]):
            return  # an Events API retry: answered already
        thread = event.get("thread_ts")
        asker = Asker(event.get("user"), event["channel"], thread or event["ts"], team=body.get("team_id"))
        replier.submit(replier.question, asker, event.get("text", ""), replier.previous_in_thread(event["channel"], thread))

    @app.event("message")
    def on_message(body, event, context):
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, bots (ourselves included)
        is_dm, thread = event.get("channel_type") == "im", event.get("thread_ts")
        if not is_dm and (thread is None or _mentions(event.get("text", ""), context.bot_user_id)):
            return  # channel chatter, or a mention (answered by on_mention)
        previous = replier.previous_in_thread(event["channel"], thread if thread else ("" if is_dm else None))
        if not is_dm and previous is None:
            return  # a thread that is not ours
        if not state.claim_event(body.get("event_id") or event["ts"]):
            return
        asker = Asker(event["user"], event["channel"], thread, None, is_dm, body.get("team_id"))
        replier.submit(replier.question, asker, event.get("text", ""), previous)

    def button_listener(method):
        def on_button(ack, body):
            ack()
            replier.submit(method, _button_asker(body), body["actions"][0]["value"])
        return on_button

    for action_id, method in ((ACTION_REFRESH, replier.refresh), (ACTION_SQL, replier.show_sql), (ACTION_CSV, replier.csv),
                              (ACTION_POST, replier.post_to_channel)):
        app.action(action_id)(button_listener(method))

    if schedules is not None:
        _schedule_listeners(app, replier, schedules)
    return app, replier


def _schedule_listeners(app: App, replier: Replier, schedules) -> None:
    from .schedules import ACTION_DELETE, ACTION_EDIT, ACTION_PAUSE, ACTION_RESUME, ACTION_RUN, MODAL_CALLBACK

    schedules.tell = replier.tell

    def schedule_button(action_id: str):
        def on_button(ack, body):
            ack()
            replier.submit(schedules.on_button, action_id, _button_asker(body), body["actions"][0]["value"])
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


def _button_asker(body: dict) -> Asker:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return Asker((body.get("user") or {}).get("id"), channel, None, body.get("response_url"),
                 bool(channel and channel.startswith("D")), team)


def _mentions(text: str, bot_user: str | None) -> bool:
    return any(bot_user is None or m.group(1) == bot_user for m in MENTION_RE.finditer(text or ""))
