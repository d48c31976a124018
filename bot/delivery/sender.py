"""Sending one message to one chat: paced under the platform's limits, and each platform failure
turned into what delivery does next (retry later, the chat is gone, the chat moved)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Literal

from bot.delivery.pacing import Pacer
from bot.models import Chat, Reply, chat_key, split_thread
from bot.platforms.base import (
    ChatMovedError,
    Editor,
    PermanentSendError,
    ThreadGoneError,
    TransientSendError,
    Transport,
)
from bot.store import Store

log = logging.getLogger("newsbot.delivery")

Outcome = Literal["sent", "retry", "gone", "moved"]


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    deactivated: int = 0
    migrated: int = 0
    digests: int = 0
    edited: int = 0  # notifications corrected in place

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Sender:
    def __init__(self, store: Store, transports: dict[str, Transport],
                 max_backoff: float = 300.0,
                 on_thread_gone: Callable[[Chat], Awaitable[None]] | None = None) -> None:
        """`on_thread_gone(chat)`: told once when a forum topic's chat record was deactivated
        because the topic was deleted (to tell the group)."""
        self.store = store
        self.on_thread_gone = on_thread_gone
        self.transports = transports
        self.max_backoff = max_backoff
        self.stats = DeliveryStats()
        self.pacers = {name: Pacer(t.limits) for name, t in transports.items()}
        self.semaphores = {name: asyncio.Semaphore(t.limits.concurrency)
                           for name, t in transports.items()}
        self._failures: dict[str, int] = {}  # chat key -> failed attempts in a row
        self.moved_to = ""  # the new key of the chat whose send answered "moved"
        # chat key -> the id of the message its last "sent" send made ("" if none was given)
        self.message_ids: dict[str, str] = {}

    async def send(self, chat: Chat, reply: Reply) -> Outcome:
        """One attempt, after the chat's and the platform's pacing; a retry is paced later by
        the backoff (or the platform's retry_after) this sets."""
        transport = self.transports[chat.platform]
        pacer = self.pacers[chat.platform]
        # a group's forum topics share the group's limits
        pace_key = chat_key(chat.platform, split_thread(chat.chat_id)[0])
        await pacer.wait(pace_key, chat.kind != "private")
        try:
            async with self.semaphores[chat.platform]:
                message_id = await transport.send(chat, reply)
        except TransientSendError as exc:
            failures = self._failed(chat.key)
            self.stats.retried += 1
            delay = exc.retry_after if exc.retry_after else min(2.0 ** failures,
                                                                self.max_backoff)
            log.info("event=send_retry chat=%s delay=%.1f reason=%s", chat.key, delay, exc)
            pacer.defer(pace_key, delay)
            return "retry"
        except ThreadGoneError as exc:
            self.deactivate(chat, str(exc))
            if self.on_thread_gone is not None:
                try:
                    await self.on_thread_gone(chat)
                except Exception as notice_exc:  # the notice is a courtesy; delivery goes on
                    log.warning("event=thread_gone_notice_failed chat=%s error=%r", chat.key,
                                str(notice_exc))
            return "gone"
        except PermanentSendError as exc:
            self.deactivate(chat, str(exc))
            return "gone"
        except ChatMovedError as exc:
            new_chat = replace(chat, chat_id=exc.new_chat_id)
            # the group moves with its forum topics (each "<id>:<thread>" record)
            moved = self.store.move_group(chat.platform, split_thread(chat.chat_id)[0],
                                          split_thread(new_chat.chat_id)[0])
            if chat.key not in moved:  # not stored (e.g. a notice to a group's General topic)
                self.store.move_chat(chat.key, new_chat)
            self.stats.migrated += 1
            self.moved_to = new_chat.key
            log.info("event=chat_migrated old=%s new=%s also=%s", chat.key, new_chat.key,
                     ",".join(k for k in moved if k != chat.key) or "-")
            return "moved"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an adapter bug must not stop delivery to everyone else
            failures = self._failed(chat.key)
            self.stats.failed += 1
            log.exception("event=send_error chat=%s error=%s", chat.key, exc)
            pacer.defer(pace_key, min(2.0 ** failures, self.max_backoff))
            return "retry"
        self._failures.pop(chat.key, None)
        self.stats.sent += 1
        self.message_ids[chat.key] = message_id or ""
        return "sent"

    async def edit(self, chat: Chat, message_id: str, reply: Reply, attempts: int = 3) -> bool:
        """Replace a sent notification, paced as a send; a rate limit or a network failure is
        tried again (up to `attempts` in all). False when the platform cannot edit or every
        attempt failed; a message gone or unchanged counts as done (the transport lets it be)."""
        transport = self.transports.get(chat.platform)
        if not isinstance(transport, Editor):
            return False
        pacer = self.pacers[chat.platform]
        pace_key = chat_key(chat.platform, split_thread(chat.chat_id)[0])
        for attempt in range(attempts):
            await pacer.wait(pace_key, chat.kind != "private")
            try:
                async with self.semaphores[chat.platform]:
                    await transport.edit(chat, message_id, reply)
            except TransientSendError as exc:
                delay = exc.retry_after if exc.retry_after else min(2.0 ** attempt,
                                                                    self.max_backoff)
                log.info("event=edit_retry chat=%s delay=%.1f reason=%s", chat.key, delay, exc)
                pacer.defer(pace_key, delay)
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an adapter bug: the correction is dropped, not the bot
                log.exception("event=edit_error chat=%s error=%s", chat.key, exc)
                return False
            self.stats.edited += 1
            return True
        return False

    def _failed(self, key: str) -> int:
        self._failures[key] = self._failures.get(key, 0) + 1
        return self._failures[key]

    def deactivate(self, chat: Chat, reason: str) -> None:
        chat.active = False
        chat.deactivated_reason = reason
        # the stored record, as it is now (settings kept); a chat without one gets none
        stored = self.store.get_chat(chat.key)
        if stored is not None:
            stored.active, stored.deactivated_reason = False, reason
            self.store.save_chat(stored)
        self.stats.deactivated += 1
        log.info("event=chat_deactivated chat=%s reason=%s", chat.key, reason)
