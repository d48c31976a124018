"""Telegram's receiving side: a python-telegram-bot Application <-> Command/Reply.

The Application runs inside the bot's own event loop (never ``run_polling``, which owns the
loop): ``start()`` initialises it, starts it and starts long polling (or the webhook server);
``stop()`` reverses that in well under 2 s. Every command message and every tapped inline
button becomes a chat-neutral ``Command`` for ``handlers.router.dispatch`` (which never raises
and owns the one fallback answer); the ``Reply`` goes back through ``TelegramTransport.answer``,
a tapped button's answer editing its own message in place.

Language: a command carries its user's Telegram `language_code` (az, ru, else English); the
answer's own texts (the apology, channel checks) are in the chat's language, the stored one once
the chat exists. The command menu is set once per language (`language_code` az and ru, English
as the default), so each user sees it in theirs.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from contextvars import ContextVar
from datetime import timedelta

from telegram import BotCommand, BotCommandScopeChat, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick_language, tr
from bot.models import Chat, ChatKind, Command, Reply, thread_chat_id
from bot.platforms.base import AdminAlert, chat_language
from bot.platforms.chat_locks import ChatLocks
from bot.platforms.telegram.request import AiohttpRequest
from bot.platforms.telegram.transport import TelegramTransport, chat_target
from bot.platforms.telegram.webhook import TelegramWebhook
from handlers.deps import Deps
from handlers.router import COMMANDS, dispatch, parse_command_text

log = logging.getLogger("newsbot.telegram")

ADMIN_CACHE_SECONDS = 60.0
POOL_SIZE = 64
ALLOWED_UPDATES = ["message", "channel_post", "callback_query"]
MAX_TOAST = 200  # characters of an answerCallbackQuery text
_ADMIN = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
# the language of the chat whose command is being answered (for texts written during dispatch)
_answering_in: ContextVar[str] = ContextVar("answering_in", default=DEFAULT_LANGUAGE)


def build_application(token: str, base_url: str, pool_size: int = POOL_SIZE) -> Application:
    """The PTB Application the bot runs: aiohttp requests (see request.py), 32 updates at once."""
    request = AiohttpRequest(pool_size=pool_size, read_timeout=15.0, connect_timeout=10.0)
    updates_request = AiohttpRequest(pool_size=2, read_timeout=10.0, connect_timeout=10.0)
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .request(request)
        .get_updates_request(updates_request)
        .concurrent_updates(32)
        .build()
    )


def _thread(message: object) -> int | None:
    """The forum topic a message belongs to; None in the General topic and outside forums
    (a reply thread of an ordinary supergroup also has a message_thread_id: not a topic)."""
    if not getattr(message, "is_topic_message", False):
        return None
    thread_id = getattr(message, "message_thread_id", None)
    return thread_id if isinstance(thread_id, int) else None


def _chat_kind(chat_type: str) -> ChatKind:
    if chat_type == ChatType.PRIVATE:
        return "private"
    return "channel" if chat_type == ChatType.CHANNEL else "group"


class TelegramAdapter:
    def __init__(self, settings: Settings, deps: Deps) -> None:
        self.settings = settings
        self.deps = deps
        tg = settings.telegram
        if not tg.token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.admins = {str(a) for a in tg.admins}
        self.application = build_application(tg.token, tg.api_base_url)
        self.transport = TelegramTransport(self.application)
        self.username: str | None = tg.bot_username
        self.bot_id: int | None = None
        self._admin_cache: dict[tuple[int, int], tuple[float, bool]] = {}
        self._lock = ChatLocks()  # one chat's commands in order; no chat waits for another
        self._webhook = TelegramWebhook(self.application, ALLOWED_UPDATES)
        self._started = False
        app = self.application
        app.add_handler(MessageHandler(
            filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST),
            self._on_command))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_error_handler(self._on_error)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = self.application
        tg = self.settings.telegram
        await app.initialize()  # getMe
        self.bot_id = app.bot.id
        self.username = (tg.bot_username or app.bot.username or "").lstrip("@")
        await app.start()
        self._started = True
        await self._set_commands()
        self.deps.channel_check["telegram"] = self.check_channel
        if tg.webhook_url:
            await self._webhook.start(tg.webhook_url, tg.webhook_listen, tg.webhook_port,
                                      tg.webhook_secret)
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=timedelta(seconds=10), allowed_updates=ALLOWED_UPDATES,
                error_callback=self._on_polling_error)
        log.info("event=telegram_started bot=@%s mode=%s", self.username,
                 "webhook" if tg.webhook_url else "polling")

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            with contextlib.suppress(Exception):
                await app.updater.stop()
        with contextlib.suppress(Exception):
            await self._webhook.stop()
        if app.running:
            with contextlib.suppress(Exception):
                await app.stop()
        if self._started:
            self._started = False
            with contextlib.suppress(Exception):
                await app.shutdown()
        self.deps.channel_check.pop("telegram", None)

    async def _set_commands(self) -> None:
        """Telegram's command menu, every command that is not for bot admins only, once per
        language: English as the default, then for users whose app is in Azerbaijani or
        Russian (`language_code`). Each bot admin's private chat gets every command (Telegram
        refuses a chat that never wrote to the bot: that admin keeps the common menu)."""
        languages = (DEFAULT_LANGUAGE, *(x for x in LANGUAGES if x != DEFAULT_LANGUAGE))
        for lang in languages:
            commands = self._menu(lang, admin=False)
            code = None if lang == DEFAULT_LANGUAGE else lang
            try:
                await self.application.bot.set_my_commands(commands, language_code=code)
            except TelegramError as exc:
                log.warning("event=set_commands_failed language=%s error=%r", lang, exc.message)
        for admin in sorted(a for a in self.admins if a.lstrip("-").isdigit()):
            try:
                for lang in languages:
                    code = None if lang == DEFAULT_LANGUAGE else lang
                    await self.application.bot.set_my_commands(
                        self._menu(lang, admin=True), scope=BotCommandScopeChat(int(admin)),
                        language_code=code)
            except TelegramError as exc:
                log.info("event=admin_menu_not_set admin=%s error=%r", admin, exc.message)

    @staticmethod
    def _menu(lang: str, admin: bool) -> list[BotCommand]:
        return [BotCommand(name, tr(lang, spec.description or name)[:256] or name)
                for name, spec in COMMANDS.items()
                if (admin or not spec.admin_only) and _COMMAND_NAME.match(name)]

    # -- alerts and channels -------------------------------------------------------------------

    async def alert_admins(self, alert: AdminAlert) -> None:
        """Each admin's private chat, in its stored language (English if it has none)."""
        for admin in sorted(self.admins):
            lang = chat_language(self.deps.store, "telegram", admin)
            chat = Chat(platform="telegram", chat_id=admin, kind="private", language=lang)
            try:
                await self.transport.send(chat, alert(lang))
            except Exception as exc:
                log.warning("event=admin_alert_failed admin=%s error=%r", admin, str(exc))

    async def check_channel(self, name: str, lang: str | None = None) -> str | None:
        """None if the bot can post in the channel, else what the admin should do, in `lang`
        (by default the language of the chat whose command is being answered)."""
        lang = lang or _answering_in.get()
        target = chat_target(name.strip())
        shown = target if isinstance(target, str) else str(target)
        bot = self.application.bot
        try:
            chat = await bot.get_chat(target)
            member = await bot.get_chat_member(chat.id, bot.id)
        except (BadRequest, Forbidden):
            return tr(lang, "the bot cannot see {channel}; check the name, then add the bot to "
                      "it as an admin with permission to post", channel=shown)
        except TelegramError as exc:
            return tr(lang, "could not check {channel} ({error}); try again in a minute",
                      channel=shown, error=exc.message)
        if member.status not in _ADMIN:
            return tr(lang, "the bot is not an administrator of {channel}; add it as an admin "
                      "with permission to post", channel=shown)
        if chat.type == ChatType.CHANNEL and getattr(member, "can_post_messages", True) is False:
            return tr(lang, "the bot is an administrator of {channel} but may not post; allow "
                      "it to post", channel=shown)
        return None

    # -- updates -------------------------------------------------------------------------------

    async def _is_chat_admin(self, chat_id: int, user_id: int) -> bool:
        now = time.monotonic()
        cached = self._admin_cache.get((chat_id, user_id))
        if cached and cached[0] > now:
            return cached[1]
        try:
            member = await self.application.bot.get_chat_member(chat_id, user_id)
            is_admin = member.status in _ADMIN
        except TelegramError as exc:
            log.warning("event=chat_member_failed chat=%s user=%s error=%r", chat_id, user_id,
                        exc.message)
            return False
        if len(self._admin_cache) > 10_000:
            self._admin_cache = {k: v for k, v in self._admin_cache.items() if v[0] > now}
        self._admin_cache[(chat_id, user_id)] = (now + ADMIN_CACHE_SECONDS, is_admin)
        return is_admin

    async def _command(self, update: Update, text: str, via_button: bool) -> Command | None:
        parsed = parse_command_text(text, self.username)
        if parsed is None:
            return None  # not a command, or addressed to another bot
        name, args, raw_args = parsed
        chat = update.effective_chat
        user = update.effective_user
        message = update.effective_message
        assert chat is not None
        kind = _chat_kind(chat.type)
        if kind == "private":
            is_chat_admin = True
        elif kind == "channel":
            is_chat_admin = False  # channel posts carry no user: only bot admins change things
        elif message is not None and not via_button and message.sender_chat is not None \
                and message.sender_chat.id == chat.id:
            is_chat_admin = True  # an anonymous group admin
        elif user is not None:
            is_chat_admin = await self._is_chat_admin(chat.id, user.id)
        else:
            is_chat_admin = False
        title = chat.title or chat.username or (chat.full_name or "")
        return Command(
            platform="telegram", chat_id=thread_chat_id(chat.id, _thread(message)),
            name=name, args=list(args),
            chat_kind=kind, chat_title=title,
            user_id=str(user.id) if user else "",
            user_name=(user.username or user.full_name) if user else "",
            is_chat_admin=is_chat_admin,
            is_bot_admin=user is not None and str(user.id) in self.admins,
            language=pick_language(user.language_code if user else None),
            raw_args=raw_args, via_button=via_button,
        )

    def _language(self, cmd: Command) -> str:
        return chat_language(self.deps.store, cmd.platform, cmd.chat_id, cmd.language)

    async def _dispatch(self, cmd: Command) -> tuple[Reply, str]:
        """The reply, and the chat's language after it (a /language command changes it)."""
        started = time.monotonic()
        token = _answering_in.set(self._language(cmd))
        try:
            reply = await dispatch(cmd, self.deps)  # never raises: its fallback is the answer
        finally:
            _answering_in.reset(token)
        log.info("event=command platform=telegram chat=%s command=%s button=%s seconds=%.3f",
                 cmd.chat_key, cmd.name, cmd.via_button, time.monotonic() - started)
        return reply, self._language(cmd)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        cmd = await self._command(update, message.text, via_button=False)
        if cmd is None:
            return
        async with self._lock(message.chat_id):
            reply, lang = await self._dispatch(cmd)
            if not reply.silent:
                await self.transport.answer(message.chat_id, reply, lang=lang,
                                            thread_id=_thread(message))

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        toast: str | None = None
        try:
            message = query.message
            if message is None or not query.data:
                return
            cmd = await self._command(update, "/" + query.data, via_button=True)
            if cmd is None:
                return
            async with self._lock(message.chat.id):
                reply, lang = await self._dispatch(cmd)
                if reply.toast:  # for the tapper alone: the message stays as it is
                    toast = reply.plain()[:MAX_TOAST]
                elif reply.replace and isinstance(message, Message) and message.photo:
                    await self._replace_photo(message, reply, lang)  # an alert with a picture
                elif not reply.silent:
                    await self.transport.answer(message.chat.id, reply,
                                                edit=message.message_id, lang=lang,
                                                thread_id=_thread(message))
        finally:
            try:
                await query.answer(text=toast, show_alert=toast is not None)
            except TelegramError as exc:
                log.info("event=callback_answer_failed error=%r", exc.message)

    async def _replace_photo(self, message: Message, reply: Reply, lang: str) -> None:
        """A tapped alert that went as a photo: its caption and buttons become the answer."""
        chat = Chat(platform="telegram", chat_id=thread_chat_id(message.chat.id,
                                                                _thread(message)),
                    kind=_chat_kind(message.chat.type), language=lang)
        try:
            await self.transport.edit(chat, f"photo:{message.message_id}", reply)
        except Exception as exc:  # a rate limit or a network failure: the tap did its work
            log.warning("event=alert_edit_failed chat=%s error=%r", chat.key, str(exc))

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup (Telegram says so in both: migrate_to_chat_id in the
        old one, migrate_from_chat_id in the new one): its subscriptions, General and forum
        topics alike, move to the new id at once, before any command there needs them."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat_id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat_id
        else:
            return
        async with self._lock(old):
            moved = self.deps.store.move_group("telegram", str(old), str(new))
        if moved:
            log.info("event=chat_migrated old=%s new=%s chats=%d", old, new, len(moved))

    def _on_polling_error(self, exc: TelegramError) -> None:
        log.warning("event=polling_error error=%r", f"{type(exc).__name__}: {exc.message}")

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, NetworkError):
            log.warning("event=update_error error=%r", f"{type(error).__name__}: {error}")
            return
        log.error("event=update_error error=%r", repr(error), exc_info=error)
