"""Text that survives Slack, both ways.

In: Slack delivers `&`, `<` and `>` encoded and mentions as `<@U…|name>`, `<#C…|name>`, `<!here>`, links as
`<url|label>`. `read_text` turns that into the words a person typed (the bot's own mention dropped) before
the answer service reads it, so the parser never sees `&amp;` or a user id.

Out: everything the bot sends is escaped once (`esc`), the `text` fallback included (Slack builds
notifications from it), and a broadcast word from user text can never become one: `@here`, `@channel`
and `@everyone` get a word joiner after the `@`. Limits are counted as Slack counts them: characters of
the text as sent (after escaping; UTF-16 code units, as JavaScript counts), and a cut never splits an
entity such as `&amp;`.
"""

from __future__ import annotations

import re

ENTITY = re.compile(r"<([^<>]*)>")
ESCAPED = re.compile(r"&(amp|lt|gt);")
BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
WORD_JOINER = "\u2060"
SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _unescape(text: str) -> str:
    return ESCAPED.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def _entity_words(inner: str, bot_user: str | None) -> str:
    """One `<…>` entity as the words it shows in Slack."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # a user: <@U123|alice> or <@U123>
        if bot_user and target[1:] == bot_user:
            return ""
        return "@" + (label or target[1:])
    if target.startswith("#"):  # a channel: <#C123|general> or <#C123>
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        word = target[1:].split("^", 1)[0]
        if word in SPECIAL:
            return SPECIAL[word]
        return label or ("@" + word if word == "subteam" else word)
    return label or target.removeprefix("mailto:")  # a link: <https://x|label>, <mailto:a@b.c|a@b.c>


def read_text(text: str | None, bot_user: str | None = None) -> str:
    """Slack's encoded message text -> the plain words, with the bot's own mention removed."""
    words = ENTITY.sub(lambda m: _entity_words(_unescape(m.group(1)), bot_user), text or "")
    return " ".join(_unescape(words).split())


def defuse(text: str) -> str:
    """`@here`, `@channel`, `@everyone` typed as words stay words (a word joiner after the `@`)."""
    return BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


def neutralize(mrkdwn: str) -> str:
    """For mrkdwn built elsewhere (its links kept): a broadcast entity or word in it becomes plain text."""
    return defuse(re.sub(r"<!(here|channel|everyone)(\|[^>]*)?>", lambda m: "@" + m.group(1), mrkdwn))


def esc(text) -> str:
    """Escape Slack's three control characters once and defuse broadcast words: safe in any mrkdwn or
    `text` field, whatever the user typed."""
    return defuse(str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def slack_length(text: str) -> int:
    """Length as Slack counts it: UTF-16 code units of the text as sent."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` within `limit` as Slack counts it, cut at a character (never inside `&amp;` and friends)."""
    if slack_length(text) <= limit:
        return text
    budget = limit - slack_length(ellipsis)
    out, used = [], 0
    for piece in re.findall(r"&(?:amp|lt|gt);|[\s\S]", text):
        size = slack_length(piece)
        if used + size > budget:
            break
        out.append(piece)
        used += size
    return "".join(out) + ellipsis


def fallback(text: str, limit: int = 4000) -> str:
    """The `text` of a message (its notification and screen-reader text): escaped, within Slack's 4,000."""
    return cut(esc(text), limit)
