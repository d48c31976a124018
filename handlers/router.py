"""The command registry and the one entry point the platform adapters call.

Adapters turn typed text and tapped buttons into a `Command` with `parse_command_text`, then
call `dispatch`, which never raises: a handler's bug is logged and answered politely.

Button actions are command lines without the slash, parsed the same way as typed text:
    subscribe toggle <topic id>        flip one topic (the keyboard comes back refreshed)
    latest --page <N> <n> [<topic>]    the next page of /latest
    search --page <N> --q <hash>       the next page of the chat's search with that hash
    language <az|ru|en>                the chat's language (admins, in groups and channels)
    alert mute|stop|undo|last ...      an alert's buttons (handlers/alert_actions.py)
    broadcast confirm|cancel <id>      send or drop an announcement awaiting confirmation
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import re
import unicodedata
from dataclasses import replace

from bot.i18n import N_, tr
from bot.models import Command, Reply
from handlers import (
    admin,
    alert_actions,
    broadcast,
    channels,
    digest,
    keywords,
    language,
    news,
    pause,
    settings,
    subscriptions,
)
from handlers.commands import CommandSpec, Handler
from handlers.common import NOT_ADMIN, chat_language, prefix
from handlers.deps import Deps
from handlers.help import help_reply

__all__ = ["ALIASES", "COMMANDS", "CommandSpec", "Handler", "dispatch", "parse_command_text",
           "split_args"]

log = logging.getLogger(__name__)

MAX_ARG_CHARS = 500
MAX_ARGS = 30
# commands that check their word count themselves (search: with a better hint)
OWN_LIMITS = {"search", "broadcast"}
LONG_TEXT = {"broadcast"}  # commands whose text may exceed MAX_ARG_CHARS (they cap it themselves)
SORRY = N_("Something went wrong on our side; the error was logged.")  # a msgid: tr() it


async def _help(cmd: Command, deps: Deps) -> Reply:
    """/help reads the table below; help.py gets it from here rather than importing it."""
    return help_reply(cmd, COMMANDS, ALIASES)


# Descriptions and usages are msgids (English), translated where they are shown. In a usage,
# only the words in <> and [] are for translators; command names and keywords are typed as is.
COMMANDS: dict[str, CommandSpec] = {
    "start": CommandSpec(subscriptions.start, N_("What this bot does, and how to begin"), False,
                         N_("/start [topic]")),
    "help": CommandSpec(_help, N_("The commands; /help search: the search syntax"),
                        False, N_("/help [search|command]")),
    "topics": CommandSpec(subscriptions.topics,
                          N_("Every topic, and whether this chat follows it"), False, "/topics"),
    "subscribe": CommandSpec(subscriptions.subscribe, N_("Follow topics (no argument: buttons)"),
                             False, N_("/subscribe <topic...>")),
    "unsubscribe": CommandSpec(subscriptions.unsubscribe, N_("Stop following topics, or all"),
                               False, N_("/unsubscribe <topic...|all>")),
    "watch": CommandSpec(keywords.watch, N_("Alerts for releases containing a word"),
                         False, N_("/watch <word>")),
    "unwatch": CommandSpec(keywords.unwatch, N_("Stop a keyword alert"), False,
                           N_("/unwatch <word|all>")),
    "digest": CommandSpec(digest.digest,
                          N_("One message a day or a week at HH:MM, grouped by topic, or off"),
                          False, N_("/digest off|HH:MM|weekly <day> HH:MM")),
    "pause": CommandSpec(pause.pause, N_("No alerts for a while (2h, 3d) or until /resume"),
                         False, N_("/pause [duration] [keep]")),
    "resume": CommandSpec(pause.resume, N_("Alerts on again after /pause"), False, "/resume"),
    "quiet": CommandSpec(pause.quiet, N_("Quiet hours: alerts held, then sent as one digest"),
                         False, "/quiet HH:MM-HH:MM|off"),
    "language": CommandSpec(language.language,
                            N_("The language of the bot's messages here: az, ru or en"), False,
                            "/language [az|ru|en]"),
    "settings": CommandSpec(settings.settings,
                            N_("This chat's language, topics, digest, pause and quiet hours"),
                            False, "/settings"),
    "latest": CommandSpec(news.latest, N_("The newest releases, optionally of one topic"), False,
                          N_("/latest [n] [topic]")),
    "search": CommandSpec(news.search, N_("Search every release ever published"), False,
                          N_("/search <words>")),
    "why": CommandSpec(news.why, N_("Why a release of the last list got its topics"), False,
                       "/why <n>"),
    "feeds": CommandSpec(admin.feeds, N_("Each source's health"), True, "/feeds"),
    "addfeed": CommandSpec(admin.addfeed, N_("Watch another source"), True,
                           N_("/addfeed <url> [id] [html <link_pattern>]")),
    "removefeed": CommandSpec(admin.removefeed, N_("Stop watching a source added with /addfeed"),
                              True, "/removefeed <id>"),
    "channel": CommandSpec(channels.channel, N_("Bind a channel to topics"), True,
                           N_("/channel add <channel> <topics...> | remove <channel> | list")),
    "stats": CommandSpec(admin.stats, N_("Releases, chats, subscriptions, feeds"), True,
                         "/stats"),
    "broadcast": CommandSpec(broadcast.broadcast,
                             N_("An announcement to every active chat, after a preview"), True,
                             N_("/broadcast <text>")),
}

ALIASES: dict[str, str] = {"sub": "subscribe", "unsub": "unsubscribe"}

# actions only a tapped button sends: in no menu or help, unknown when typed
BUTTON_ACTIONS: dict[str, Handler] = {"alert": alert_actions.alert}

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
    pre, lang = prefix(cmd), cmd.language
    reply = Reply()
    command = pre + _shown(cmd.name)
    if close:
        reply.add(tr(lang, "I don't know the command {command}. Did you mean {suggestion}?",
                     command=command, suggestion=pre + ALIASES.get(close[0], close[0])))
    else:
        reply.add(tr(lang, "I don't know the command {command}.", command=command))
    reply.add(tr(lang, "Commands: {commands}", commands=", ".join(pre + n for n in visible)))
    reply.add(tr(lang, "{command} explains them.", command=pre + "help"))
    return reply


async def dispatch(cmd: Command, deps: Deps) -> Reply:
    """Run the command's handler. Never raises (except cancellation): errors are logged.

    The language of the answer is resolved here, once: `cmd.language` arrives as the user's
    (the platform's language tag) and leaves as the chat's (`chat_language`), which is what
    every handler writes in and what a new chat is created with.
    """
    try:
        deps.stats["commands"] = deps.stats.get("commands", 0) + 1
        cmd = replace(cmd, language=chat_language(cmd, deps))
        name = ALIASES.get(cmd.name, cmd.name)
        spec = COMMANDS.get(name)
        if spec is None and cmd.via_button and name in BUTTON_ACTIONS:
            return await BUTTON_ACTIONS[name](cmd, deps)
        if spec is None:
            return _unknown(cmd)
        if name != cmd.name:
            cmd = replace(cmd, name=name)
        if spec.admin_only and not cmd.is_bot_admin:
            return Reply.text(tr(cmd.language, NOT_ADMIN))
        too_many = len(cmd.args) > MAX_ARGS and name not in OWN_LIMITS
        too_long = len(cmd.raw_args) > MAX_ARG_CHARS and name not in LONG_TEXT
        if too_long or too_many:
            return Reply.text(tr(
                cmd.language, "That is too long: a command takes at most {max_chars} characters "
                "and {max_words} words after its name. Please shorten it.",
                max_chars=MAX_ARG_CHARS, max_words=MAX_ARGS))
        reply = await spec.handler(cmd, deps)
        if not isinstance(reply, Reply):
            raise TypeError(f"handler {name} returned {type(reply).__name__}, not a Reply")
        return reply
    except Exception:
        with contextlib.suppress(Exception):  # a broken log handler must not break the answer
            deps.stats["command_errors"] = deps.stats.get("command_errors", 0) + 1
            log.exception("event=command_error chat=%s command=%.40r args=%.200r",
                          cmd.chat_key, cmd.name, cmd.raw_args)
        return Reply.text(tr(cmd.language, SORRY))
