"""stdin/stdout as a chat: for `newsbot demo` and dry runs. One private chat, its user an admin.

The console has no user language: it writes English until `/language az|ru` sets the chat's.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.i18n import tr
from bot.models import Chat, Command, Reply
from bot.platforms.base import NO_LIMITS, AdminAlert, RateLimits, chat_language
from handlers.deps import Deps
from handlers.router import dispatch, parse_command_text

CONSOLE_CHAT_ID = "console"


class ConsoleTransport:
    platform = "console"
    limits: RateLimits = NO_LIMITS

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, chat: Chat, reply: Reply) -> None:
        self.sent.append((chat.chat_id, reply))
        heading = tr(chat.language, "New release for you")
        self.out.write(f"\n\U0001f4f0 {heading}\n{reply.plain()}\n")
        self.out.flush()


class ConsoleAdapter:
    def __init__(self, deps: Deps, out: TextIO | None = None, inp: TextIO | None = None) -> None:
        self.deps = deps
        self.out = out or sys.stdout
        self.inp = inp or sys.stdin
        self.transport = ConsoleTransport(self.out)
        self.extra: dict[str, Callable[[list[str]], Awaitable[str]]] = {}  # e.g. the demo's /tick

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def alert_admins(self, alert: AdminAlert) -> None:
        self.print("\u26a0\ufe0f  " + alert(self.language()).plain())

    def language(self) -> str:
        """The console chat's language: its stored one, else English."""
        return chat_language(self.deps.store, "console", CONSOLE_CHAT_ID)

    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def handle_line(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        parsed = parse_command_text(line)
        if parsed is None:
            self.print(tr(self.language(), "Commands start with '/': try {command}",
                          command="/help"))
            return
        name, args, raw = parsed
        if name in self.extra:
            self.print(await self.extra[name](args))
            return
        cmd = Command(platform="console", chat_id=CONSOLE_CHAT_ID, name=name, args=args,
                      raw_args=raw, chat_kind="private", user_id="you", user_name="you",
                      is_chat_admin=True, is_bot_admin=True)
        reply = await dispatch(cmd, self.deps)
        if not reply.silent:
            self.print(reply.plain())

    async def repl(self, prompt: bool = False) -> None:
        """Read commands until end of input."""
        loop = asyncio.get_running_loop()
        while True:
            if prompt:
                self.out.write("> ")
                self.out.flush()
            line = await loop.run_in_executor(None, self.inp.readline)
            if not line:
                return
            await self.handle_line(line)
