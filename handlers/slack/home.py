"""App Home (views.publish) and the DM's suggested prompts (assistant.threads.setSuggestedPrompts).

Home shows the playbooks with an example each, the person's own schedules with their buttons, and their
recent answers. A home view holds at most 100 blocks; suggested prompts are at most four, each a title
and a message (docs.slack.dev: views.publish, assistant.threads.setSuggestedPrompts).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playbooks import Library
from state.slack import SlackState

from .blocks import context, plain, section
from .text import cut, esc

log = logging.getLogger("playbot.slack")

HOME_BLOCKS = 100
MAX_PROMPTS = 4
PROMPT_TITLE_CHARS = 75
RECENT = 5


def recent_questions(state: SlackState, user: str, limit: int = RECENT) -> list[tuple[str, str, datetime | None]]:
    """(question, channel, when) of the person's latest answers, newest first, each question once."""
    seen, out = set(), []
    for stored in state.recent_answers(user, limit * 3):
        question = str(json.loads(stored.request_json).get("question") or "").strip()
        if question and question.lower() not in seen:
            seen.add(question.lower())
            out.append((question, stored.channel, stored.created_at))
    return out[:limit]


def suggested_prompts(library: Library, recent: list[str]) -> list[dict[str, str]]:
    """Up to four prompts: the person's two latest questions, then the playbooks' first examples."""
    prompts = [{"title": cut(f"Again: {q}", PROMPT_TITLE_CHARS), "message": q} for q in recent[:2]]
    for pb in library.all():
        if len(prompts) >= MAX_PROMPTS:
            break
        if pb.examples and pb.examples[0] not in recent[:2]:
            prompts.append({"title": cut(pb.title, PROMPT_TITLE_CHARS), "message": pb.examples[0]})
    return prompts


def set_prompts(client: WebClient, library: Library, state: SlackState, channel: str, user: str) -> None:
    """The agent view's suggested prompts for this DM (no thread_ts: agent apps set them on the DM)."""
    recent = [q for q, _, _ in recent_questions(state, user, 2)]
    try:
        client.assistant_threads_setSuggestedPrompts(channel_id=channel, title="Try asking",
                                                     prompts=suggested_prompts(library, recent))
    except SlackApiError as exc:  # assistant:write is optional
        log.info("no suggested prompts: %s", exc.response.get("error"))


ScheduleRows = Callable[[str], list[dict]]  # user -> the blocks of their schedules (from ScheduleCommands)


def home_view(library: Library, state: SlackState, user: str, command: str,
              schedule_rows: ScheduleRows | None = None) -> dict:
    blocks: list[dict] = [{"type": "header", "text": plain("Playbot", 150)},
                          section(f"Ask a data question with `{command} …`, mention me in a channel, DM me, or use "
                                  "*Ask Playbot* on any message. Every answer says how it was read and counted.")]
    mine = schedule_rows(user) if schedule_rows else []
    recent = recent_questions(state, user)
    budget = HOME_BLOCKS - len(blocks) - len(mine) - len(recent) - 6
    blocks.append({"type": "header", "text": plain("What I can answer", 150)})
    for pb in library.all()[:max(budget, 0)]:
        example = f"\n`{command} {esc(pb.examples[0])}`" if pb.examples else ""
        blocks.append(section(f"*{esc(pb.title)}*: {esc(pb.question)}{example}"))
    blocks.append({"type": "header", "text": plain("My schedules", 150)})
    blocks.extend(mine or [context(f'None yet: `{command} schedule "invites yesterday" every monday 9:00`, or '
                                   "*Schedule…* under any answer.")])
    blocks.append({"type": "header", "text": plain("Recent answers", 150)})
    if not recent:
        blocks.append(context("Your answers will be listed here."))
    for question, channel, when in recent:
        stamp = f" · {when:%d %b %H:%M} UTC" if when else ""
        blocks.append(context(f"`{esc(question)}` in <#{channel}>{stamp}"))
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}


def publish_home(client: WebClient, library: Library, state: SlackState, user: str, command: str,
                 schedule_rows: ScheduleRows | None = None) -> None:
    try:
        client.views_publish(user_id=user, view=home_view(library, state, user, command, schedule_rows))
    except SlackApiError as exc:
        log.warning("App Home not published for %s: %s", user, exc.response.get("error"))
