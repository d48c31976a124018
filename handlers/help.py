"""/help: the command list, one command's usage, or the search syntax.

The command table is handed in by the router (which owns it), so this module never imports
the router.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.models import Command, Reply, Span
from handlers.commands import CommandSpec
from handlers.common import clean, typed


def _search_help(cmd: Command) -> Reply:
    from bot.search import SEARCH_HELP

    reply = Reply()
    for line in SEARCH_HELP.replace("/search ", typed(cmd, "search ")).splitlines():
        if line.startswith("  ") and "  " in line.strip():
            example, _, meaning = line.strip().partition("  ")
            reply.add(Span(example, "code"), "  " + meaning.strip())
        elif line.strip():
            reply.add(line)
    return reply


def help_reply(cmd: Command, commands: Mapping[str, CommandSpec],
               aliases: Mapping[str, str]) -> Reply:
    """The answer to /help [search|command], from the command table given."""
    topic = cmd.args[0].lstrip("/").casefold() if cmd.args else ""
    if topic == "search":
        return _search_help(cmd)
    if topic:
        name = aliases.get(topic, topic)
        spec = commands.get(name)
        if spec is None or (spec.admin_only and not cmd.is_bot_admin):
            return Reply.text(f"There is no command '{clean(topic)}'. "
                              f"{typed(cmd, 'help')} lists them all.")
        reply = Reply().add(Span(typed(cmd, spec.usage.lstrip("/")), "code"))
        reply.add(spec.description)
        if name == "search":
            reply.add(f"{typed(cmd, 'help search')} shows the search syntax.")
        return reply
    reply = Reply().add(Span("Commands", "bold"))
    admin: list[tuple[str, str]] = []
    for spec in commands.values():
        line = (typed(cmd, spec.usage.lstrip("/")), spec.description)
        if spec.admin_only:
            admin.append(line)
        else:
            reply.add(line[0], " – " + line[1])
    if cmd.is_bot_admin and admin:
        reply.add(Span("For administrators", "bold"))
        for usage, description in admin:
            reply.add(usage, " – " + description)
    reply.add(f"{typed(cmd, 'help search')} explains the search syntax; "
              f"{typed(cmd, 'help <command>')} explains one command.")
    return reply
