"""Sending to Telegram: notifications for delivery, answers to commands; PTB errors -> SendError.

Rate limiting: no ``AIORateLimiter``. Notifications, the bulk of the traffic, are already paced
by ``bot.delivery.Pacer`` from ``TelegramTransport.limits`` (overall, per chat, per group), and a
429 there must reach delivery as ``TransientSendError(retry_after)`` so that only that one chat
waits. AIORateLimiter would pace the same requests a second time (adding latency to a fan-out),
and on a 429 it either raises anyway (``max_retries=0``) or, with retries, pauses *every* request
of the bot while it sleeps, which would stall delivery to all other chats. Command replies are a
trickle (one per user action); when one meets a 429 it waits ``retry_after`` once (capped) and
tries again, in its own task, without touching anyone else.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import replace
from datetime import timedelta

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application

from bot.models import Chat, Reply, split_thread, thread_chat_id
from bot.platforms.base import (
    TELEGRAM_LIMITS,
    ChatMovedError,
    PermanentSendError,
    RateLimits,
    SendError,
    ThreadGoneError,
    TransientSendError,
    fallback_reply,
)
from bot.platforms.telegram.fit import fit_html
from bot.platforms.telegram.picture import caption, edited_caption, picture, preview_options
from bot.platforms.telegram.render import keyboard, link_preview, plain_text

log = logging.getLogger("newsbot.telegram")

NO_TEXT = "there is no text in the message to edit"  # a photo: its caption is edited instead
BROKEN_IMAGES_KEPT = 1000  # pictures Telegram refused, remembered so as not to try them again
REPLY_RETRY_CAP = 30.0  # a command reply waits at most this long for a 429 to pass
# BadRequest descriptions that mean the chat cannot be written to any more
_GONE = ("chat not found", "user is deactivated", "group chat was deactivated",
         "bot is not a member", "have no rights to send", "not enough rights to send",
         "chat_write_forbidden", "peer_id_invalid", "bot was kicked", "channel_private")
# a forum topic was deleted: Telegram's wordings of it
THREAD_GONE = ("message thread not found", "topic_deleted")


def _thread_gone(exc: BadRequest) -> bool:
    message = exc.message.lower()
    return any(g in message for g in THREAD_GONE)


def chat_target(chat_id: str) -> int | str:
    """Stored chat ids are strings: numeric ones are sent as ints, "@name" as is."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id if chat_id.startswith("@") else "@" + chat_id


def _chat_gone(exc: BadRequest) -> bool:
    message = exc.message.lower()
    return any(g in message for g in _GONE)


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def map_send_error(exc: TelegramError, thread_id: int | None = None) -> SendError:
    """A PTB error -> the SendError delivery understands (a moved chat's thread moves with it)."""
    if isinstance(exc, RetryAfter):
        return TransientSendError("rate limited", retry_after=_retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return ChatMovedError(thread_chat_id(exc.new_chat_id, thread_id))
    if isinstance(exc, BadRequest) and thread_id and _thread_gone(exc):
        return ThreadGoneError(exc.message)
    if isinstance(exc, Forbidden):
        return PermanentSendError(exc.message)
    if isinstance(exc, BadRequest) and _chat_gone(exc):
        return PermanentSendError(exc.message)
    return TransientSendError(f"{type(exc).__name__}: {exc.message}")


class TelegramTransport:
    """Sends delivery's notifications; raises the SendError each Telegram failure means."""

    platform = "telegram"
    # 16 in flight covers 30 msg/s at Telegram's usual latency; the pool (64) has room to spare
    limits: RateLimits = replace(TELEGRAM_LIMITS, concurrency=16)

    def __init__(self, application: Application) -> None:
        self.application = application
        self._broken_images: set[str] = set()  # pictures Telegram refused: not tried again

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """Send; the message's id ("photo:ID" for a photo), or None when the reply went as
        several messages or not at all."""
        if reply.silent:
            return None
        base, thread_id = split_thread(chat.chat_id)
        target = chat_target(base)
        markup = keyboard(reply.buttons)
        image = picture(reply)
        if image is not None:
            sent = await self._send_photo(target, image, reply, markup, thread_id)
            if sent is not None:
                return sent
        chunks = fit_html(reply, chat.language)  # one release: one message
        if not chunks:
            return None
        gap = 1.0 if chat.kind == "private" else 60.0 / (self.limits.group_per_minute or 20)
        ids: list[int] = []
        for i, text in enumerate(chunks):
            if i:
                await asyncio.sleep(gap)  # delivery paced the first; keep the chat's limit
            last = i == len(chunks) - 1
            try:
                ids.append(await self._send_one(target, text, reply, markup if last else None,
                                                thread_id))
            except TelegramError as exc:
                raise map_send_error(exc, thread_id) from exc
        return str(ids[0]) if len(ids) == 1 else None

    async def _send_photo(self, target: int | str, image: str, reply: Reply,
                          markup: InlineKeyboardMarkup | None,
                          thread_id: int | None) -> str | None:
        """The notification as a photo with its summary as caption: "photo:ID"; None when the
        summary does not fit a caption or Telegram could not take the picture (the text is
        sent instead, at once)."""
        text = caption(reply)
        if text is None or image in self._broken_images:
            return None
        try:
            message = await self.application.bot.send_photo(
                target, image, caption=text, parse_mode=ParseMode.HTML, reply_markup=markup,
                message_thread_id=thread_id)
        except BadRequest as exc:
            if _chat_gone(exc) or _thread_gone(exc):
                raise map_send_error(exc, thread_id) from exc
            log.info("event=photo_refused chat=%s reason=%r: sending the text", target,
                     exc.message)
            if len(self._broken_images) >= BROKEN_IMAGES_KEPT:
                self._broken_images.clear()
            self._broken_images.add(image)  # the next chats get the text at once
            return None
        except TelegramError as exc:
            raise map_send_error(exc, thread_id) from exc
        return f"photo:{message.message_id}"

    async def _send_one(self, target: int | str, text: str, reply: Reply,
                        markup: InlineKeyboardMarkup | None, thread_id: int | None) -> int:
        bot = self.application.bot
        try:
            message = await bot.send_message(target, text, parse_mode=ParseMode.HTML,
                                             link_preview_options=preview_options(reply),
                                             reply_markup=markup, disable_notification=False,
                                             message_thread_id=thread_id)
        except BadRequest as exc:
            if _chat_gone(exc) or _thread_gone(exc):
                raise
            # our markup or a feed's URL was refused: the plain text still gets through
            log.warning("event=send_fallback_plain chat=%s reason=%r", target, exc.message)
            message = await bot.send_message(target, plain_text(text),
                                             link_preview_options=link_preview(reply),
                                             reply_markup=None, message_thread_id=thread_id)
        return message.message_id

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> None:
        """A corrected notification, in place: editMessageCaption for a photo, else
        editMessageText. Unchanged, deleted or too old messages are let be."""
        kind, _, number = message_id.rpartition(":")
        if not number.isdigit():
            return
        target = chat_target(split_thread(chat.chat_id)[0])  # a message id is the chat's
        bot = self.application.bot
        markup = keyboard(reply.buttons)
        try:
            if kind == "photo":
                await bot.edit_message_caption(
                    chat_id=target, message_id=int(number),
                    caption=edited_caption(reply, chat.language),
                    parse_mode=ParseMode.HTML, reply_markup=markup)
            else:
                chunks = fit_html(reply, chat.language)
                if not chunks:
                    return
                await bot.edit_message_text(
                    chunks[0], chat_id=target, message_id=int(number),
                    parse_mode=ParseMode.HTML, reply_markup=markup,
                    link_preview_options=preview_options(reply))
        except RetryAfter as exc:
            raise TransientSendError("rate limited", retry_after=_retry_seconds(exc)) from exc
        except (BadRequest, Forbidden, ChatMigrated) as exc:
            # "message is not modified", "message to edit not found", "message can't be
            # edited", a chat that left: nothing to do
            if "not modified" not in exc.message.lower():
                log.info("event=edit_skipped chat=%s message=%s reason=%r", target, message_id,
                         exc.message)
        except NetworkError as exc:  # timed out, connection reset, 5xx
            raise TransientSendError(f"{type(exc).__name__}: {exc.message}") from exc
        except TelegramError as exc:
            log.warning("event=edit_failed chat=%s message=%s error=%r", target, message_id,
                        exc.message)

    async def answer(self, chat_id: int, reply: Reply, edit: int | None = None,
                     lang: str = "en", thread_id: int | None = None) -> None:
        """Answer a command: edit the tapped message when there is one, else send (in the
        forum topic `thread_id` the command came from, if any).

        Never raises: a command's answer that cannot be sent is logged. `lang` is the chat's
        language, for the apology when the reply cannot be rendered.
        """
        try:
            chunks = fit_html(reply, lang)
        except Exception:  # a rendering bug: the user still hears that something went wrong
            log.exception("event=render_failed chat=%s", chat_id)
            reply = fallback_reply(lang)
            chunks = fit_html(reply, lang)
        if not chunks:
            return
        if edit is not None and not reply.new_message and len(chunks) == 1 \
                and await self._edit(chat_id, edit, chunks[0], reply, lang):
            return
        chat = Chat(platform="telegram", chat_id=thread_chat_id(chat_id, thread_id),
                    kind="private" if chat_id > 0 else "group", language=lang)
        for attempt in range(2):
            try:
                await self.send(chat, reply)
                return
            except TransientSendError as exc:
                wait = exc.retry_after
                if attempt or wait is None or wait > REPLY_RETRY_CAP:
                    log.warning("event=reply_failed chat=%s error=%r", chat_id, str(exc))
                    return
                await asyncio.sleep(wait)
            except ChatMovedError as exc:
                chat = replace(chat, chat_id=exc.new_chat_id)
            except Exception as exc:
                log.warning("event=reply_failed chat=%s error=%r", chat_id, str(exc))
                return

    async def _edit(self, chat_id: int, message_id: int, text: str, reply: Reply,
                    lang: str = "en") -> bool:
        """Edit a message in place (a photo's caption: an alert sent with its picture); False
        when it must be sent anew instead."""
        bot = self.application.bot
        try:
            try:
                await bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(reply.buttons), link_preview_options=link_preview(reply))
            except BadRequest as exc:
                if NO_TEXT not in exc.message.lower():
                    raise
                await bot.edit_message_caption(
                    chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
                    caption=edited_caption(reply, lang), reply_markup=keyboard(reply.buttons))
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True
            log.info("event=edit_failed chat=%s error=%r; sending instead", chat_id, exc.message)
            return False
        except TelegramError as exc:
            log.warning("event=edit_failed chat=%s error=%r", chat_id, exc.message)
        return True
