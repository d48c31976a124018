"""One lock per chat: a chat's commands are answered one at a time, in order, and a chat whose
answer is slow (a long reply paced out, a 429, a slow network) holds up nobody else.

A chat's lock exists only while a command of that chat holds it or waits for it (a weak
reference): a million chats that wrote once leave nothing behind.
"""

from __future__ import annotations

import asyncio
import weakref


class ChatLocks:
    """`locks(key)`: the lock of the chat `key` (any hashable id), made on first use."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[object, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    def __call__(self, key: object) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    def __len__(self) -> int:
        """How many chats have a lock now (those with a command running or waiting)."""
        return len(self._locks)
