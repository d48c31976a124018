"""/help: the command list, one command's usage, or the search syntax.

The command table is handed in by the router (which owns it), so this module never imports
the router. Its descriptions and usages are msgids, translated here.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import N_, tr
from bot.models import Command, Reply, Span
from handlers.commands import CommandSpec
from handlers.common import (
    HELP_HINT,
    clean,
    hint,
    typed,
)

# The search syntax (bot.search.SEARCH_HELP, in the chat's language): each example with what it
# does; the examples are typed as they are, in any language.
SEARCH_EXAMPLES = (
    ("customs revenue", N_("releases with all the words (any form: parcel, parcels)")),
    ('"Policy Commission"', N_("an exact phrase")),
    ("heroin -Iran", N_("leave out releases with a word")),
    ("topic:demining", N_("only releases of a topic (topic:smuggling, topic:trade ...)")),
    ("lang:az", N_("only one language: en, az or ru")),
    ("since:2022-06-01",
     N_("published on or after a date (also since:2022 or since:2022-06)")),
    ("until:2023-01-31",
     N_("published on or before a date (also until:2023 or until:2023-01)")),
)
SEARCH_NOTES = (
    N_("Words match in any of English, Azerbaijani and Russian, whatever their ending "
       "(mina finds minalardan, разминирование finds разминированию)."),
    N_("Capitals, and ə/e, ı/i, ö/o, ü/u, ç/c, ş/s, ğ/g in Azerbaijani words, do not matter."),
    N_("Very common words (the, and, və, и) are skipped unless quoted."),
    N_("When no release has all the words, the releases with most of them are shown instead."),
    N_("Best matches first; equally good ones newest first."),
    N_("At most 200 characters and 20 words per search."),
)


def _search_help(cmd: Command) -> Reply:
    lang = cmd.language
    reply = Reply()
    reply.add(tr(lang, "Search all releases: {command}", command=typed(cmd, "search words")))
    for example, meaning in SEARCH_EXAMPLES:
        reply.add(Span(example, "code"), "  " + tr(lang, meaning))
    reply.add(tr(lang, "Combine them: {example}",
                 example=typed(cmd, "search mines topic:demining since:2023 lang:en")))
    for note in SEARCH_NOTES:
        reply.add(tr(lang, note))
    return reply


def usage_of(cmd: Command, spec: CommandSpec) -> str:
    """The command's usage in the chat's language, as typed on the caller's platform."""
    return typed(cmd, tr(cmd.language, spec.usage).lstrip("/"))


def help_reply(cmd: Command, commands: Mapping[str, CommandSpec],
               aliases: Mapping[str, str]) -> Reply:
    """The answer to /help [search|command], from the command table given."""
    lang = cmd.language
    topic = cmd.args[0].lstrip("/").casefold() if cmd.args else ""
    if topic == "search":
        return _search_help(cmd)
    if topic:
        name = aliases.get(topic, topic)
        spec = commands.get(name)
        if spec is None or (spec.admin_only and not cmd.is_bot_admin):
            return Reply.text(tr(lang, "There is no command '{name}'. {help_cmd} lists them all.",
                                 name=clean(topic), help_cmd=typed(cmd, "help")))
        reply = Reply().add(Span(usage_of(cmd, spec), "code"))
        reply.add(tr(lang, spec.description))
        if name == "search":
            reply.add(tr(lang, "{command} shows the search syntax.",
                         command=typed(cmd, "help search")))
        return reply
    reply = Reply().add(Span(tr(lang, "Commands"), "bold"))
    admin: list[tuple[str, str]] = []
    for spec in commands.values():
        line = (usage_of(cmd, spec), tr(lang, spec.description))
        if spec.admin_only:
            admin.append(line)
        else:
            reply.add(line[0], " – " + line[1])
    if cmd.is_bot_admin and admin:
        reply.add(Span(tr(lang, "For administrators"), "bold"))
        for usage, description in admin:
            reply.add(usage, " – " + description)
    reply.add(tr(lang, "{help_search_cmd} explains the search syntax; {help_command_cmd} explains "
                 "one command.", help_search_cmd=typed(cmd, "help search"),
                 help_command_cmd=hint(cmd, HELP_HINT)))
    return reply
