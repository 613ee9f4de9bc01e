"""`python bot.py manifest`: the Slack app manifest (YAML) to create the app in one step."""

from __future__ import annotations

import yaml

from config import SlackConfig
from playbooks import Library

from .app import PLAYBOOK_COMMANDS, SHORTCUT_ASK, command_names
from .server import EVENTS_PATH

BOT_SCOPES = (
    "app_mentions:read",  # @playbot in channels
    "channels:history",  # replies in the bot's threads (follow-ups) in public channels
    "groups:history",  # ... and in private channels it was invited to
    "im:history",  # DMs to the bot
    "im:write",  # open a DM (e.g. to say it is not in a channel)
    "chat:write",  # answers; the "is working on…" status in threads (assistant.threads.setStatus)
    "commands",  # slash commands and the "Ask Playbot" message shortcut
    "files:write",  # the chart in the answer (uploaded, then shown in it) and CSV files
)
# Scopes that serve only an optional feature: a workspace may install without them (`bot_optional`).
OPTIONAL_BOT_SCOPES = (
    "usergroups:read",  # policies that name user groups (usergroups.users.list)
    "users:read",  # a schedule made in Slack runs in its creator's timezone (users.info)
    "assistant:write",  # the DM's suggested prompts and thread titles (agent view)
)
BOT_EVENTS = ("app_mention", "app_home_opened", "message.channels", "message.groups", "message.im")


def manifest(config: SlackConfig, library: Library | None = None, *, socket_mode: bool = True,
             request_url: str | None = None, name: str = "Playbot") -> dict:
    url = (request_url or "https://playbot.example.com").rstrip("/") + EVENTS_PATH
    commands = []
    for command in command_names(config):
        if command == config.command:
            description, hint = "Ask a data question (or 'help')", "invites yesterday | retention weekly | help"
        else:
            description = f"Ask about {PLAYBOOK_COMMANDS[command] or 'event volume'}"
            hint = {"/retention": "weekly | monthly", "/active-users": "daily | monthly"}.get(command, "invites last 7 days")
        entry = {"command": command, "description": description, "usage_hint": hint, "should_escape": False}
        if not socket_mode:
            entry["url"] = url
        commands.append(entry)
    settings: dict = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = url
        settings["interactivity"]["request_url"] = url
    examples = [e for pb in (library.all() if library else []) for e in pb.examples[:1]][:3]
    description = "Answers data questions with reviewed SQL playbooks" + (f", e.g. {', '.join(examples)}" if examples else "")
    return {
        "display_information": {"name": name, "description": description[:140], "background_color": "#2c3e50"},
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True, "messages_tab_read_only_enabled": False},
            "agent_view": {"agent_description": "Ask a data question; I answer with reviewed SQL, a table and a chart."},
            "bot_user": {"display_name": name.lower(), "always_online": True},
            "shortcuts": [{"name": "Ask Playbot", "type": "message", "callback_id": SHORTCUT_ASK,
                           "description": "Answer this message as a data question"}],
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES), "bot_optional": list(OPTIONAL_BOT_SCOPES)}},
        "settings": settings,
    }


def manifest_yaml(config: SlackConfig, library: Library | None = None, **kwargs) -> str:
    return yaml.safe_dump(manifest(config, library, **kwargs), sort_keys=False, allow_unicode=True)
