"""Pacing and durability for delivery: sends spaced under each platform's limits, and one fsync
covering every cursor written in a tick (group commit)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.platforms.base import RateLimits
from bot.store import Store

SAFETY = 0.97  # pace a little under the published limits: network jitter bunches requests


class Pacer:
    """Spaces sends to respect a platform's overall, per-chat and per-group limits."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global_next = 0.0
        self._chat_next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    def _interval(self, is_group: bool) -> float:
        gap = 0.0
        if self.limits.per_chat_interval:
            gap = self.limits.per_chat_interval / SAFETY
        if is_group and self.limits.group_per_minute:
            gap = max(gap, 60.0 / self.limits.group_per_minute / SAFETY)
        return gap

    async def wait(self, chat_key: str, is_group: bool) -> None:
        # the chat's own spacing first, so a slow chat never holds up the global queue
        due = self._chat_next.get(chat_key, 0.0)
        now = self.clock()
        if due > now:
            await asyncio.sleep(due - now)
        if self.limits.overall_per_second:
            step = 1.0 / (self.limits.overall_per_second * SAFETY)
            async with self._lock:
                now = self.clock()
                slot = max(now, self._global_next)
                self._global_next = slot + step
            if slot > now:
                await asyncio.sleep(slot - now)
        self._chat_next[chat_key] = self.clock() + self._interval(is_group)

    def defer(self, chat_key: str, seconds: float) -> None:
        self._chat_next[chat_key] = max(self._chat_next.get(chat_key, 0.0),
                                        self.clock() + seconds)


class Committer:
    """Group commit: every sender waits for one fsync that covers all cursors written so far."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._task: asyncio.Future[None] | None = None

    async def durable(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._flush())
        await asyncio.shield(self._task)

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the senders of this tick join
        self._task = None
        self.store.flush_cursors()
