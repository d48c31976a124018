"""The command registry and the one entry point the platform adapters call.

Adapters turn typed text and tapped buttons into a `Command` with `parse_command_text`, then
call `dispatch`, which never raises: a handler's bug is logged and answered politely.

Button actions are command lines without the slash, parsed the same way as typed text:
    subscribe toggle <topic id>        flip one topic (the keyboard comes back refreshed)
    latest --page <N> <n> [<topic>]    the next page of /latest
    search --page <N> --q <hash>       the next page of the chat's search with that hash
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import re
import unicodedata
from dataclasses import replace

from bot.models import Command, Reply
from handlers import admin, channels, digest, keywords, news, subscriptions
from handlers.commands import CommandSpec, Handler
from handlers.common import NOT_ADMIN, prefix
from handlers.deps import Deps
from handlers.help import help_reply

__all__ = ["ALIASES", "COMMANDS", "CommandSpec", "Handler", "dispatch", "parse_command_text",
           "split_args"]

log = logging.getLogger(__name__)

MAX_ARG_CHARS = 500
MAX_ARGS = 30
OWN_LIMITS = {"search"}  # commands that check their text's length themselves, with a better hint
SORRY = "Something went wrong on our side; the error was logged."


async def _help(cmd: Command, deps: Deps) -> Reply:
    """/help reads the table below; help.py gets it from here rather than importing it."""
    return help_reply(cmd, COMMANDS, ALIASES)


COMMANDS: dict[str, CommandSpec] = {
    "start": CommandSpec(subscriptions.start, "What this bot does, and how to begin", False,
                         "/start [topic]"),
    "help": CommandSpec(_help, "The commands; /help search: the search syntax",
                        False, "/help [search|command]"),
    "topics": CommandSpec(subscriptions.topics, "Every topic, and whether this chat follows it",
                          False, "/topics"),
    "subscribe": CommandSpec(subscriptions.subscribe, "Follow topics (no argument: buttons)",
                             False, "/subscribe <topic...>"),
    "unsubscribe": CommandSpec(subscriptions.unsubscribe, "Stop following topics, or all",
                               False, "/unsubscribe <topic...|all>"),
    "watch": CommandSpec(keywords.watch, "Alerts for releases containing a word",
                         False, "/watch <word>"),
    "unwatch": CommandSpec(keywords.unwatch, "Stop a keyword alert", False,
                           "/unwatch <word|all>"),
    "digest": CommandSpec(digest.digest, "One message a day at HH:MM, or off", False,
                          "/digest off|HH:MM"),
    "settings": CommandSpec(subscriptions.settings, "This chat's topics, keywords and mode",
                            False, "/settings"),
    "latest": CommandSpec(news.latest, "The newest releases, optionally of one topic", False,
                          "/latest [n] [topic]"),
    "search": CommandSpec(news.search, "Search every release ever published", False,
                          "/search <words>"),
    "why": CommandSpec(news.why, "Why a release of the last list got its topics", False,
                       "/why <n>"),
    "feeds": CommandSpec(admin.feeds, "Each source's health", True, "/feeds"),
    "addfeed": CommandSpec(admin.addfeed, "Watch another source", True,
                           "/addfeed <url> [id] [html <link_pattern>]"),
    "removefeed": CommandSpec(admin.removefeed, "Stop watching a source added with /addfeed",
                              True, "/removefeed <id>"),
    "channel": CommandSpec(channels.channel, "Bind a channel to topics", True,
                           "/channel add <channel> <topics...> | remove <channel> | list"),
    "stats": CommandSpec(admin.stats, "Releases, chats, subscriptions, feeds", True, "/stats"),
}

ALIASES: dict[str, str] = {"sub": "subscribe", "unsub": "unsubscribe"}

# quotes that group words ("free zone", “free zone”, «free zone»); only at a word's start,
# so apostrophes and inch marks inside words stay as they are
_HEAD = re.compile(r"(\S*)\s*(.*)", re.S)  # any whitespace (newline, tab) ends the name
_CLOSING = {'"': '"', "“": "”", "„": "“", "«": "»", "”": "”"}


def split_args(text: str) -> list[str]:
    """Words, with quoted runs kept together; an unclosed quote runs to the end. Never fails."""
    args: list[str] = []
    buf: list[str] = []
    closing: str | None = None
    for ch in text:
        if closing is not None:
            if ch == closing or (closing != '"' and ch == '"'):
                closing = None
            else:
                buf.append(ch)
        elif ch.isspace():
            if buf:
                args.append("".join(buf))
                buf = []
        elif not buf and ch in _CLOSING:
            closing = _CLOSING[ch]
        else:
            buf.append(ch)
    if buf:
        args.append("".join(buf))
    return [a for a in (arg.strip() for arg in args) if a]


def parse_command_text(
    text: str, bot_username: str | None = None
) -> tuple[str, list[str], str] | None:
    """("latest", ["5", "demining"], "5 demining") from "/latest@mybot 5 demining".

    None when the text is not a command, or names another bot (`/latest@otherbot`).
    """
    text = text.lstrip()
    if not text.startswith("/"):
        return None
    match = _HEAD.match(text, 1)
    assert match is not None  # the pattern matches any text
    head, raw_args = match.group(1), match.group(2)
    name, at, target = head.partition("@")
    if at and target and bot_username and \
            target.casefold() != bot_username.lstrip("@").casefold():
        return None
    name = name.casefold()
    if not name:
        return None
    raw_args = raw_args.strip()
    return name, split_args(raw_args), raw_args


def _shown(name: str) -> str:
    printable = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ")
    return printable[:32] + ("…" if len(printable) > 32 else "")


def _unknown(cmd: Command) -> Reply:
    visible = [n for n, spec in COMMANDS.items() if cmd.is_bot_admin or not spec.admin_only]
    # in a group, "/weather" is probably for another bot: answer only a likely typo of ours
    cutoff = 0.75 if cmd.chat_kind == "group" else 0.6
    close = difflib.get_close_matches(cmd.name, visible + list(ALIASES), n=1, cutoff=cutoff)
    if not close and cmd.chat_kind == "group":
        return Reply(silent=True)
    pre = prefix(cmd)
    reply = Reply()
    guess = f" Did you mean {pre}{ALIASES.get(close[0], close[0])}?" if close else ""
    reply.add(f"I don't know the command {pre}{_shown(cmd.name)}.{guess}")
    reply.add("Commands: " + ", ".join(pre + n for n in visible))
    reply.add(f"{pre}help explains them.")
    return reply


async def dispatch(cmd: Command, deps: Deps) -> Reply:
    """Run the command's handler. Never raises (except cancellation): errors are logged."""
    try:
        deps.stats["commands"] = deps.stats.get("commands", 0) + 1
        name = ALIASES.get(cmd.name, cmd.name)
        spec = COMMANDS.get(name)
        if spec is None:
            return _unknown(cmd)
        if name != cmd.name:
            cmd = replace(cmd, name=name)
        if spec.admin_only and not cmd.is_bot_admin:
            return Reply.text(NOT_ADMIN)
        too_many = len(cmd.args) > MAX_ARGS and name not in OWN_LIMITS
        if len(cmd.raw_args) > MAX_ARG_CHARS or too_many:
            return Reply.text(
                f"That is too long: a command takes at most {MAX_ARG_CHARS} characters and "
                f"{MAX_ARGS} words after its name. Please shorten it.")
        reply = await spec.handler(cmd, deps)
        if not isinstance(reply, Reply):
            raise TypeError(f"handler {name} returned {type(reply).__name__}, not a Reply")
        return reply
    except Exception:
        with contextlib.suppress(Exception):  # a broken log handler must not break the answer
            deps.stats["command_errors"] = deps.stats.get("command_errors", 0) + 1
            log.exception("event=command_error chat=%s command=%.40r args=%.200r",
                          cmd.chat_key, cmd.name, cmd.raw_args)
        return Reply.text(SORRY)
