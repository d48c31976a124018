"""The Bot API methods the fake implements (``_m_<method>``), its limits and its answers.

A mixin of ``FakeTelegram`` (tests/fakes/telegram_api.py), whose state the methods read and
change: the attributes annotated below are set by ``FakeTelegram.__init__``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections import deque
from typing import Any

from aiohttp import web

from tests.fakes.telegram_html import HtmlError, parse_telegram_html, utf16_len
from tests.fakes.telegram_records import BOT_ID, Call, ChatState, TelegramLimits, TgFault

_ADMIN_STATUSES = ("administrator", "creator")
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the "
                "message")


class BotApiMethods:
    """What FakeTelegram answers, method by method (its state, declared here, is its own)."""

    bot: dict[str, Any]
    limits: TelegramLimits | None
    validate_html: bool
    messages: dict[tuple[int, int], dict[str, Any]]
    sent: list[dict[str, Any]]
    send_times: list[float]
    rate_limited: int
    commands: list[dict[str, Any]]
    command_menus: dict[str, list[dict[str, Any]]]
    chat_menus: dict[tuple[int, str], list[dict[str, Any]]]
    webhook: dict[str, Any] | None
    blocked: set[int]
    migrated: dict[int, int]
    members: dict[tuple[int, int], str]
    closing: bool
    _chats: dict[int, ChatState]
    _updates: deque[dict[str, Any]]
    _new_update: asyncio.Event
    _overall: deque[float]

    def _resolve(self, chat_id: Any) -> int | None:  # FakeTelegram's
        raise NotImplementedError

    def user(self, user_id: int, username: str | None = None) -> dict[str, Any]:
        raise NotImplementedError

    # ---- answers -------------------------------------------------------------------------------

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.Response(text=json.dumps({"ok": True, "result": result}),
                            content_type="application/json")

    def _error(self, call: Call, status: int, description: str,
               parameters: dict[str, Any] | None = None) -> web.Response:
        call.status = status
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.Response(status=status, text=json.dumps(body),
                            content_type="application/json")

    def _too_many(self, call: Call, retry_after: int) -> web.Response:
        return self._error(call, 429, f"Too Many Requests: retry after {retry_after}",
                           {"retry_after": retry_after})

    async def _answer_fault(self, request: web.Request, call: Call,
                            fault: TgFault) -> web.StreamResponse | None:
        kind = fault.kind
        if kind == "delay":
            await asyncio.sleep(fault.delay)
            return None
        if kind == "retry_after":
            return self._too_many(call, fault.retry_after)
        if kind == "blocked":
            return self._error(call, 403, "Forbidden: bot was blocked by the user")
        if kind == "kicked":
            return self._error(call, 403, "Forbidden: bot was kicked from the group chat")
        if kind == "migrate":
            return self._error(call, 400, "Bad Request: group chat was upgraded to a supergroup "
                               "chat", {"migrate_to_chat_id": fault.migrate_to})
        if kind == "not_found":
            return self._error(call, 400, "Bad Request: chat not found")
        if kind == "bad_request":
            return self._error(call, 400, fault.description or "Bad Request: bad request")
        if kind == "server_error":
            return self._error(call, fault.status, fault.description or "Internal Server Error")
        if kind == "reset":
            call.status = 0
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp drops the connection without an answer
        raise ValueError(f"unknown fault kind {kind!r}")

    # ---- limits --------------------------------------------------------------------------------

    def _over_limit(self, state: ChatState, now: float) -> int:
        """0 if a send to this chat is allowed now, else the retry_after to answer."""
        limits = self.limits
        assert limits is not None
        overall = self._overall
        while overall and overall[0] <= now - 1.0:
            overall.popleft()
        if len(overall) >= limits.overall_per_second:
            return max(1, math.ceil(overall[0] + 1.0 - now))
        if now - state.last_send < limits.per_chat_interval - limits.tolerance:
            return max(1, math.ceil(state.last_send + limits.per_chat_interval - now))
        if state.chat["type"] != "private":
            window = state.window
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= limits.group_per_minute:
                return max(1, math.ceil(window[0] + 60.0 - now))
        return 0

    def _record_send(self, state: ChatState, now: float) -> None:
        state.last_send = now
        self.send_times.append(now)
        if self.limits is not None:
            self._overall.append(now)
            if state.chat["type"] != "private":
                state.window.append(now)

    # ---- methods ---------------------------------------------------------------------------------

    def _public_message(self, msg: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in msg.items() if k != "html"}

    def _chat_or_error(self, call: Call, params: dict[str, Any]) -> ChatState | web.Response:
        cid = self._resolve(params.get("chat_id"))
        if cid is None or cid not in self._chats:
            return self._error(call, 400, "Bad Request: chat not found")
        if cid in self.migrated:
            return self._error(call, 400, "Bad Request: group chat was upgraded to a supergroup "
                               "chat", {"migrate_to_chat_id": self.migrated[cid]})
        if cid in self.blocked:
            return self._error(call, 403, "Forbidden: bot was blocked by the user")
        return self._chats[cid]

    def _shown(self, call: Call, params: dict[str, Any],
               key: str) -> tuple[str, str] | web.Response:
        """(text shown, raw) of ``params[key]`` under the call's parse mode, or Telegram's 400."""
        raw = str(params.get(key, ""))
        text = raw
        if str(params.get("parse_mode", "")).upper() == "HTML" and self.validate_html:
            try:
                text, _ = parse_telegram_html(raw)
            except HtmlError as exc:
                return self._error(call, 400, f"Bad Request: {exc}")
        return text, raw

    def _throttled(self, call: Call, state: ChatState) -> web.Response | None:
        """Telegram's 429 when this send is over the chat's flood limits, else None."""
        if self.limits is None:
            return None
        retry_after = self._over_limit(state, call.time)
        if not retry_after:
            return None
        self.rate_limited += 1
        return self._too_many(call, retry_after)

    def _text(self, call: Call, params: dict[str, Any]) -> tuple[str, str] | web.Response:
        parsed = self._shown(call, params, "text")
        if isinstance(parsed, web.Response):
            return parsed
        text, raw = parsed
        if not text.strip():
            return self._error(call, 400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            return self._error(call, 400, "Bad Request: message is too long")
        return text, raw

    async def _m_getMe(self, call: Call, params: dict[str, Any]) -> web.Response:
        return self._ok(self.bot)

    async def _m_deleteWebhook(self, call: Call, params: dict[str, Any]) -> web.Response:
        self.webhook = None
        return self._ok(True)

    async def _m_setWebhook(self, call: Call, params: dict[str, Any]) -> web.Response:
        self.webhook = {"url": params.get("url", ""), "secret": params.get("secret_token")}
        return self._ok(True)

    async def _m_getWebhookInfo(self, call: Call, params: dict[str, Any]) -> web.Response:
        url = self.webhook["url"] if self.webhook else ""
        return self._ok({"url": url, "has_custom_certificate": False,
                         "pending_update_count": len(self._updates)})

    async def _m_getUpdates(self, call: Call, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()  # confirmed
        deadline = time.monotonic() + timeout
        while not self.closing:
            if self._updates:
                return self._ok(list(itertools.islice(self._updates, limit)))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)
        return self._ok([])

    async def _m_sendMessage(self, call: Call, params: dict[str, Any]) -> web.Response:
        state = self._chat_or_error(call, params)
        if isinstance(state, web.Response):
            return state
        parsed = self._text(call, params)
        if isinstance(parsed, web.Response):
            return parsed
        thread_id = int(params.get("message_thread_id") or 0)
        if thread_id and thread_id not in state.threads:
            return self._error(call, 400, "Bad Request: message thread not found")
        throttled = self._throttled(call, state)
        if throttled is not None:
            return throttled
        self._record_send(state, call.time)
        text, raw = parsed
        msg: dict[str, Any] = {"message_id": state.next_message_id, "date": int(time.time()),
                               "chat": state.chat, "from": self.bot, "text": text, "html": raw}
        state.next_message_id += 1
        if thread_id:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        if params.get("link_preview_options"):
            msg["link_preview_options"] = params["link_preview_options"]
        self.messages[(state.chat["id"], msg["message_id"])] = msg
        self.sent.append(msg)
        return self._ok(self._public_message(msg))

    async def _edit(self, call: Call, params: dict[str, Any], text_too: bool) -> web.Response:
        state = self._chat_or_error(call, params)
        if isinstance(state, web.Response):
            return state
        key = (state.chat["id"], int(params.get("message_id") or 0))
        msg = self.messages.get(key)
        if msg is None:
            return self._error(call, 400, "Bad Request: message to edit not found")
        if text_too and "text" not in msg:  # a photo: its caption is edited instead
            return self._error(call, 400, "Bad Request: there is no text in the message to edit")
        text, raw = msg.get("text", ""), msg["html"]
        if text_too:
            parsed = self._text(call, params)
            if isinstance(parsed, web.Response):
                return parsed
            text, raw = parsed
        markup = params.get("reply_markup")
        if raw == msg["html"] and markup == msg.get("reply_markup"):
            return self._error(call, 400, NOT_MODIFIED)
        msg.update(text=text, html=raw, edit_date=int(time.time()))
        if markup:
            msg["reply_markup"] = markup
        else:
            msg.pop("reply_markup", None)
        return self._ok(self._public_message(msg))

    async def _m_editMessageText(self, call: Call, params: dict[str, Any]) -> web.Response:
        return await self._edit(call, params, text_too=True)

    async def _m_editMessageReplyMarkup(self, call: Call, params: dict[str, Any]) -> web.Response:
        return await self._edit(call, params, text_too=False)

    async def _m_answerCallbackQuery(self, call: Call, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _m_setMyCommands(self, call: Call, params: dict[str, Any]) -> web.Response:
        commands = params.get("commands") or []
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")) or not (
                    1 <= len(c.get("description", "")) <= 256):
                return self._error(call, 400, "Bad Request: BOT_COMMAND_INVALID")
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            return self._error(call, 400, "Bad Request: invalid language code specified")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":  # one chat's own menu (e.g. an admin's private chat)
            cid = self._resolve(scope.get("chat_id"))
            if cid is None or cid not in self._chats:
                return self._error(call, 400, "Bad Request: chat not found")
            self.chat_menus[(cid, language)] = commands
            return self._ok(True)
        if scope.get("type") != "default":
            return self._error(call, 400, "Bad Request: unsupported scope in this fake")
        self.command_menus[language] = commands
        if not language:
            self.commands = commands
        return self._ok(True)

    async def _m_getMyCommands(self, call: Call, params: dict[str, Any]) -> web.Response:
        return self._ok(self.command_menus.get(str(params.get("language_code") or ""), []))

    async def _m_deleteMyCommands(self, call: Call, params: dict[str, Any]) -> web.Response:
        language = str(params.get("language_code") or "")
        self.command_menus.pop(language, None)
        if not language:
            self.commands = []
        return self._ok(True)

    async def _m_getChat(self, call: Call, params: dict[str, Any]) -> web.Response:
        cid = self._resolve(params.get("chat_id"))
        if cid is None or cid not in self._chats:
            return self._error(call, 400, "Bad Request: chat not found")
        gifts = {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                 "premium_subscription": False, "gifts_from_channels": False}
        return self._ok({**self._chats[cid].chat, "accent_color_id": 0, "max_reaction_count": 11,
                         "accepted_gift_types": gifts})

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        user = self.bot if user_id == BOT_ID else self.user(user_id)
        status = self.members.get((chat_id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                can_delete_messages=True, can_manage_video_chats=True,
                can_restrict_members=True, can_promote_members=False, can_change_info=True,
                can_invite_users=True, can_post_stories=False, can_edit_stories=False,
                can_delete_stories=False, can_post_messages=True, can_edit_messages=True,
                can_pin_messages=True,
            )
        elif status == "restricted":
            member.update(is_member=True, can_send_messages=False, until_date=0)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def _m_getChatMember(self, call: Call, params: dict[str, Any]) -> web.Response:
        cid = self._resolve(params.get("chat_id"))
        if cid is None or cid not in self._chats:
            return self._error(call, 400, "Bad Request: chat not found")
        return self._ok(self._member(cid, int(params.get("user_id") or 0)))

    async def _m_getChatAdministrators(self, call: Call, params: dict[str, Any]) -> web.Response:
        cid = self._resolve(params.get("chat_id"))
        if cid is None or cid not in self._chats:
            return self._error(call, 400, "Bad Request: chat not found")
        return self._ok([self._member(c, u) for (c, u), status in self.members.items()
                         if c == cid and status in _ADMIN_STATUSES])
