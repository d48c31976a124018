"""Telegram: a python-telegram-bot Application <-> Command/Reply, and sending for delivery.

The Application runs inside the bot's own event loop (never ``run_polling``, which owns the
loop): ``start()`` initialises it, starts it and starts long polling (or the webhook server);
``stop()`` reverses that in well under 2 s. Every command message and every tapped inline
button becomes a chat-neutral ``Command`` for ``handlers.router.dispatch``; the ``Reply`` comes
back rendered as Telegram HTML. A tapped button edits its own message in place.

Rate limiting: no ``AIORateLimiter``. Notifications, the bulk of the traffic, are already paced
by ``bot.delivery.Pacer`` from ``TelegramTransport.limits`` (overall, per chat, per group), and a
429 there must reach delivery as ``TransientSendError(retry_after)`` so that only that one chat
waits. AIORateLimiter would pace the same requests a second time (adding latency to a fan-out),
and on a 429 it either raises anyway (``max_retries=0``) or, with retries, pauses *every* request
of the bot while it sleeps, which would stall delivery to all other chats. Command replies are a
trickle (one per user action); when one meets a 429 it waits ``retry_after`` once (capped) and
tries again, in its own task, without touching anyone else.

Webhook mode (``[telegram] webhook_url``): PTB's ``Updater.start_webhook`` needs tornado (the
``[webhooks]`` extra), which the bot does not depend on, so the adapter serves the webhook itself
with aiohttp (already a dependency): ``POST <path of webhook_url>`` on webhook_listen:port, the
``X-Telegram-Bot-Api-Secret-Token`` header checked against ``TELEGRAM_WEBHOOK_SECRET`` (a random
secret when that is unset), updates put on ``application.update_queue`` as the Updater would.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import logging
import re
import secrets
import time
import warnings
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.models import Card, Chat, Command, Reply, Span
from bot.platforms.base import (
    TELEGRAM_LIMITS,
    ChatMovedError,
    PermanentSendError,
    RateLimits,
    TransientSendError,
)
from bot.platforms.telegram_http import AiohttpRequest
from handlers.deps import Deps

log = logging.getLogger("newsbot.telegram")

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the parsed text
MAX_CALLBACK_DATA = 64  # bytes
ADMIN_CACHE_SECONDS = 60.0
REPLY_RETRY_CAP = 30.0  # a command reply waits at most this long for a 429 to pass
POOL_SIZE = 64
ALLOWED_UPDATES = ["message", "channel_post", "callback_query"]
_ADMIN = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
# BadRequest descriptions that mean the chat cannot be written to any more
_GONE = ("chat not found", "user is deactivated", "group chat was deactivated",
         "bot is not a member", "have no rights to send", "not enough rights to send",
         "chat_write_forbidden", "peer_id_invalid", "bot was kicked", "channel_private")


# ---- rendering ------------------------------------------------------------------------------

def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _link_ok(url: str | None) -> bool:
    return bool(url) and re.match(r"^(https?|tg)://\S+$", url or "") is not None


def _span_html(span: Span) -> str:
    text = _esc(span.text)
    style = span.style
    if style == "bold" or style == "mark":
        return f"<b>{text}</b>"
    if style == "italic":
        return f"<i>{text}</i>"
    if style == "code":
        return f"<code>{text}</code>"
    if style == "link" and _link_ok(span.url):
        return f'<a href="{html.escape(span.url or "", quote=True)}">{text}</a>'
    return text


def _card_spans(card: Card) -> list[Span]:
    number = f"{card.number}. " if card.number is not None else ""
    spans: list[Span] = [Span(number + card.title, "link", card.url)]
    meta = " · ".join(p for p in (card.date_text, ", ".join(card.topic_labels)) if p)
    if meta:
        spans += [Span("\n"), Span(meta, "italic")]
    body = card.snippet or ([Span(card.lead)] if card.lead else [])
    if body:
        spans += [Span("\n"), *body]
    if card.url:
        spans += [Span("\n"), Span(card.url, "link", card.url)]
    return spans


def _card_html(card: Card) -> list[str]:
    spans = _card_spans(card)
    title = _span_html(spans[0])
    pieces = [f"<b>{title}</b>"] + [_span_html(s) for s in spans[1:]]
    return pieces


def _ulen(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _split_piece(span: Span, limit: int) -> list[str]:
    """One span too long for a message: cut its raw text on whitespace, each part re-tagged."""
    overhead = _ulen(_span_html(replace(span, text="")))
    out: list[str] = []
    rest = span.text
    while rest:
        room = max(1, limit - overhead)
        # the escaped text may grow (&amp; is 5): shrink the cut until it fits
        cut = min(len(rest), room)
        while True:
            chunk = rest[:cut]
            if cut < len(rest):
                space = max(chunk.rfind("\n"), chunk.rfind(" "))
                if space > cut // 2:
                    chunk = rest[:space + 1]
            rendered = _span_html(replace(span, text=chunk))
            if _ulen(rendered) <= limit or cut == 1:
                break
            cut = max(1, cut - max(1, (_ulen(rendered) - limit)))
        out.append(rendered)
        rest = rest[len(chunk):]
    return out


def _fit(pieces: list[str], spans: list[Span] | None, limit: int) -> list[str]:
    """A paragraph as one or more HTML strings of at most `limit`, cut between its spans."""
    whole = "".join(pieces)
    if _ulen(whole) <= limit:
        return [whole]
    out: list[str] = []
    current = ""
    for i, piece in enumerate(pieces):
        parts = [piece]
        if _ulen(piece) > limit:
            span = spans[i] if spans is not None else Span(html.unescape(piece))
            parts = _split_piece(span, limit)
        for part in parts:
            if current and _ulen(current) + _ulen(part) > limit:
                out.append(current)
                current = ""
            current += part
    if current:
        out.append(current)
    return out


def render_html(reply: Reply, limit: int = MAX_MESSAGE) -> list[str]:
    """The reply as Telegram HTML messages of at most `limit` characters each.

    Every text is escaped (html.escape, quote=False; URLs in href with quote=True). Paragraphs
    are separated by a line break, cards by a blank line; a message is cut between paragraphs or
    cards, and a paragraph too long on its own between its spans or on whitespace, never inside
    a tag or an entity.
    """
    blocks: list[tuple[str, list[str]]] = []  # (separator before it, html pieces per paragraph)
    for para in reply.paragraphs:
        blocks.append(("\n", [_span_html(s) for s in para]))
    paragraph_spans: list[list[Span] | None] = [list(p) for p in reply.paragraphs]
    for card in reply.cards:
        spans = _card_spans(card)
        blocks.append(("\n\n", _card_html(card)))
        paragraph_spans.append(spans)
    messages: list[str] = []
    current = ""
    for (sep, pieces), spans in zip(blocks, paragraph_spans, strict=True):
        for part in _fit(pieces, spans, limit):
            if not part and not current:
                continue
            if current and _ulen(current) + _ulen(sep) + _ulen(part) <= limit:
                current += sep + part
            else:
                if current:
                    messages.append(current)
                current = part
    if current.strip():
        messages.append(current)
    return messages


def keyboard(rows: Iterable[Iterable[Any]]) -> InlineKeyboardMarkup | None:
    """Reply.buttons -> an inline keyboard (callback data = the button's command line)."""
    out: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons: list[InlineKeyboardButton] = []
        for b in row:
            if b.url and _link_ok(b.url):
                buttons.append(InlineKeyboardButton(b.label, url=b.url))
            elif b.action and len(b.action.encode()) <= MAX_CALLBACK_DATA:
                buttons.append(InlineKeyboardButton(b.label, callback_data=b.action))
            else:
                log.warning("event=button_dropped label=%r reason=%s", b.label,
                            "callback data over 64 bytes" if b.action else "no action or url")
        if buttons:
            out.append(buttons)
    return InlineKeyboardMarkup(out) if out else None


def _preview(reply: Reply) -> LinkPreviewOptions:
    if not reply.link_preview:
        return LinkPreviewOptions(is_disabled=True)
    url = reply.cards[0].url if len(reply.cards) == 1 and _link_ok(reply.cards[0].url) else None
    return LinkPreviewOptions(is_disabled=False, url=url)


def chat_target(chat_id: str) -> int | str:
    """Stored chat ids are strings: numeric ones are sent as ints, "@name" as is."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id if chat_id.startswith("@") else "@" + chat_id


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def map_send_error(exc: TelegramError) -> Exception:
    """A PTB error -> the SendError delivery understands."""
    if isinstance(exc, RetryAfter):
        return TransientSendError("rate limited", retry_after=_retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return ChatMovedError(str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return PermanentSendError(exc.message)
    if isinstance(exc, BadRequest) and any(g in exc.message.lower() for g in _GONE):
        return PermanentSendError(exc.message)
    return TransientSendError(f"{type(exc).__name__}: {exc.message}")


# ---- sending ----------------------------------------------------------------------------------

class TelegramTransport:
    """Sends delivery's notifications; raises the SendError each Telegram failure means."""

    platform = "telegram"
    # 16 in flight covers 30 msg/s at Telegram's usual latency; the pool (64) has room to spare
    limits: RateLimits = replace(TELEGRAM_LIMITS, concurrency=16)

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.application = application

    async def send(self, chat: Chat, reply: Reply) -> None:
        if reply.silent:
            return
        chunks = render_html(reply)
        if not chunks:
            return
        target = chat_target(chat.chat_id)
        markup = keyboard(reply.buttons)
        gap = 1.0 if chat.kind == "private" else 60.0 / (self.limits.group_per_minute or 20)
        for i, text in enumerate(chunks):
            if i:
                await asyncio.sleep(gap)  # delivery paced the first; keep the chat's limit
            last = i == len(chunks) - 1
            try:
                await self._send_one(target, text, reply, markup if last else None)
            except TelegramError as exc:
                raise map_send_error(exc) from exc

    async def _send_one(self, target: int | str, text: str, reply: Reply,
                        markup: InlineKeyboardMarkup | None) -> None:
        bot = self.application.bot
        try:
            await bot.send_message(target, text, parse_mode=ParseMode.HTML,
                                   link_preview_options=_preview(reply), reply_markup=markup,
                                   disable_notification=False)
        except BadRequest as exc:
            message = exc.message.lower()
            if any(g in message for g in _GONE):
                raise
            # our markup or a feed's URL was refused: the plain text still gets through
            log.warning("event=send_fallback_plain chat=%s reason=%r", target, exc.message)
            await bot.send_message(target, html.unescape(re.sub(r"<[^>]+>", "", text)),
                                   link_preview_options=_preview(reply), reply_markup=None)


# ---- receiving --------------------------------------------------------------------------------

class TelegramAdapter:
    def __init__(self, settings: Settings, deps: Deps) -> None:
        self.settings = settings
        self.deps = deps
        tg = settings.telegram
        if not tg.token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.admins = {str(a) for a in tg.admins}
        request = AiohttpRequest(pool_size=POOL_SIZE, read_timeout=15.0, connect_timeout=10.0)
        updates_request = AiohttpRequest(pool_size=2, read_timeout=10.0, connect_timeout=10.0)
        self.application = (
            ApplicationBuilder()
            .token(tg.token)
            .base_url(tg.api_base_url)
            .request(request)
            .get_updates_request(updates_request)
            .concurrent_updates(32)
            .build()
        )
        self.transport = TelegramTransport(self.application)
        self.username: str | None = tg.bot_username
        self.bot_id: int | None = None
        self._admin_cache: dict[tuple[int, int], tuple[float, bool]] = {}
        self._locks = [asyncio.Lock() for _ in range(64)]  # per-chat ordering, striped
        self._webhook_runner: Any = None
        self._webhook_secret = ""
        self._started = False
        app = self.application
        app.add_handler(MessageHandler(
            filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST),
            self._on_command))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_error_handler(self._on_error)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = self.application
        await app.initialize()  # getMe
        self.bot_id = app.bot.id
        self.username = (self.settings.telegram.bot_username or app.bot.username or "").lstrip("@")
        await app.start()
        self._started = True
        await self._set_commands()
        self.deps.channel_check["telegram"] = self.check_channel
        if self.settings.telegram.webhook_url:
            await self._start_webhook()
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=timedelta(seconds=10), allowed_updates=ALLOWED_UPDATES,
                error_callback=self._on_polling_error)
        log.info("event=telegram_started bot=@%s mode=%s", self.username,
                 "webhook" if self.settings.telegram.webhook_url else "polling")

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            with contextlib.suppress(Exception):
                await app.updater.stop()
        if self._webhook_runner is not None:
            with contextlib.suppress(Exception):
                await self._webhook_runner.cleanup()
            self._webhook_runner = None
        if app.running:
            with contextlib.suppress(Exception):
                await app.stop()
        if self._started:
            self._started = False
            with contextlib.suppress(Exception):
                await app.shutdown()
        self.deps.channel_check.pop("telegram", None)

    async def _set_commands(self) -> None:
        from handlers.router import COMMANDS

        commands: list[BotCommand] = []
        for name, spec in COMMANDS.items():
            description, admin_only = str(spec[1]), bool(spec[2])
            if admin_only or not _COMMAND_NAME.match(name):
                continue
            commands.append(BotCommand(name, (description or name)[:256]))
        try:
            await self.application.bot.set_my_commands(commands)
        except TelegramError as exc:
            log.warning("event=set_commands_failed error=%r", exc.message)

    async def _start_webhook(self) -> None:
        from aiohttp import web

        tg = self.settings.telegram
        assert tg.webhook_url
        self._webhook_secret = tg.webhook_secret or secrets.token_urlsafe(32)
        path = urlsplit(tg.webhook_url).path or "/"
        web_app = web.Application()
        web_app.router.add_post(path, self._on_webhook)
        runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=1.0,
                               handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, tg.webhook_listen, tg.webhook_port).start()
        self._webhook_runner = runner
        await self.application.bot.set_webhook(url=tg.webhook_url,
                                               secret_token=self._webhook_secret,
                                               allowed_updates=ALLOWED_UPDATES)

    async def _on_webhook(self, request: Any) -> Any:
        from aiohttp import web

        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self._webhook_secret.encode()):
            log.warning("event=webhook_rejected reason=bad_secret peer=%s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except Exception:
            return web.Response(status=400, text="bad update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    # -- alerts and channels -------------------------------------------------------------------

    async def alert_admins(self, reply: Reply) -> None:
        for admin in sorted(self.admins):
            chat = Chat(platform="telegram", chat_id=admin, kind="private")
            try:
                await self.transport.send(chat, reply)
            except Exception as exc:
                log.warning("event=admin_alert_failed admin=%s error=%r", admin, str(exc))

    async def check_channel(self, name: str) -> str | None:
        """None if the bot can post in the channel, else what the admin should do."""
        target = chat_target(name.strip())
        shown = target if isinstance(target, str) else str(target)
        bot = self.application.bot
        try:
            chat = await bot.get_chat(target)
            member = await bot.get_chat_member(chat.id, bot.id)
        except (BadRequest, Forbidden):
            return (f"the bot cannot see {shown}; check the name, then add the bot to it as an "
                    "admin with permission to post")
        except TelegramError as exc:
            return f"could not check {shown} ({exc.message}); try again in a minute"
        if member.status not in _ADMIN:
            return (f"the bot is not an administrator of {shown}; add it as an admin with "
                    "permission to post")
        if chat.type == ChatType.CHANNEL and getattr(member, "can_post_messages", True) is False:
            return f"the bot is an administrator of {shown} but may not post; allow it to post"
        return None

    # -- updates -------------------------------------------------------------------------------

    def _lock(self, chat_id: int) -> asyncio.Lock:
        return self._locks[hash(chat_id) % len(self._locks)]

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
        from handlers.router import parse_command_text

        parsed = parse_command_text(text, self.username)
        if parsed is None:
            return None  # not a command, or addressed to another bot
        name, args, raw_args = parsed
        chat = update.effective_chat
        user = update.effective_user
        message = update.effective_message
        assert chat is not None
        kind = {ChatType.PRIVATE: "private", ChatType.CHANNEL: "channel"}.get(chat.type, "group")
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
        language = (user.language_code or "")[:2] if user else ""
        return Command(
            platform="telegram", chat_id=str(chat.id), name=name, args=list(args),
            chat_kind=kind, chat_title=title,  # type: ignore[arg-type]
            user_id=str(user.id) if user else "",
            user_name=(user.username or user.full_name) if user else "",
            is_chat_admin=is_chat_admin,
            is_bot_admin=user is not None and str(user.id) in self.admins,
            language=language if language in ("en", "az", "ru") else "en",
            raw_args=raw_args, via_button=via_button,
        )

    async def _dispatch(self, cmd: Command) -> Reply:
        from handlers.router import dispatch

        started = time.monotonic()
        try:
            reply = await dispatch(cmd, self.deps)
        except Exception:  # dispatch never raises, but a bug there must not kill the update
            log.exception("event=dispatch_error chat=%s command=%s", cmd.chat_key, cmd.name)
            reply = Reply.text("Something went wrong; the error is logged.")
        log.info("event=command platform=telegram chat=%s command=%s button=%s seconds=%.3f",
                 cmd.chat_key, cmd.name, cmd.via_button, time.monotonic() - started)
        return reply

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        cmd = await self._command(update, message.text, via_button=False)
        if cmd is None:
            return
        async with self._lock(message.chat_id):
            reply = await self._dispatch(cmd)
            if not reply.silent:
                await self._reply(message.chat_id, reply)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            message = query.message
            if message is None or not query.data:
                return
            cmd = await self._command(update, "/" + query.data, via_button=True)
            if cmd is None:
                return
            async with self._lock(message.chat.id):
                reply = await self._dispatch(cmd)
                if not reply.silent:
                    await self._reply(message.chat.id, reply, edit=message.message_id)
        finally:
            try:
                await query.answer()
            except TelegramError as exc:
                log.info("event=callback_answer_failed error=%r", exc.message)

    async def _reply(self, chat_id: int, reply: Reply, edit: int | None = None) -> None:
        """Answer a command: edit the tapped message when there is one, else send."""
        chunks = render_html(reply)
        if not chunks:
            return
        markup = keyboard(reply.buttons)
        bot = self.application.bot
        if edit is not None and len(chunks) == 1:
            try:
                await bot.edit_message_text(chunks[0], chat_id=chat_id, message_id=edit,
                                            parse_mode=ParseMode.HTML, reply_markup=markup,
                                            link_preview_options=_preview(reply))
                return
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return
                log.info("event=edit_failed chat=%s error=%r; sending instead", chat_id,
                         exc.message)
            except TelegramError as exc:
                log.warning("event=edit_failed chat=%s error=%r", chat_id, exc.message)
                return
        chat = Chat(platform="telegram", chat_id=str(chat_id),
                    kind="private" if chat_id > 0 else "group")
        for attempt in range(2):
            try:
                await self.transport.send(chat, reply)
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

    def _on_polling_error(self, exc: TelegramError) -> None:
        log.warning("event=polling_error error=%r", f"{type(exc).__name__}: {exc.message}")

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, NetworkError):
            log.warning("event=update_error error=%r", f"{type(error).__name__}: {error}")
            return
        log.error("event=update_error error=%r", repr(error), exc_info=error)
