"""The shape of one row of the command table (the table itself is in handlers/router.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from bot.models import Command, Reply
from handlers.deps import Deps

Handler = Callable[[Command, Deps], Awaitable[Reply]]


class CommandSpec(NamedTuple):
    handler: Handler
    description: str  # one line, for Telegram's command menu and the help: a msgid, tr() it
    admin_only: bool
    usage: str  # "/name <args>": a msgid when it has words to translate (help.usage_of)
