"""A fake Telegram Bot API server for tests and benchmarks: aiohttp on 127.0.0.1, a free port.

It speaks the HTTP protocol python-telegram-bot uses: ``POST /bot<token>/<method>``, form-encoded
(nested objects as JSON text) or JSON, answered with real HTTP status codes (PTB reads the status,
not ``ok``). Point the bot at it with ``base_url(fake.base_url)``.

    async with FakeTelegram() as fake:             # or: fake = await FakeTelegram().start()
        settings.telegram.api_base_url = fake.base_url   # "http://127.0.0.1:PORT/bot"
        settings.telegram.token = fake.token
        fake.push_message(chat_id=42, user_id=42, text="/start")
        await fake.wait_for(lambda calls: fake.sent_to(42), timeout=10)

What it does:
- getMe, deleteWebhook, setWebhook (then pushes updates to the webhook, with the secret header),
  getUpdates long polling with offsets (wakes on a new update and on shutdown), sendMessage,
  editMessageText, editMessageReplyMarkup, sendPhoto (downloads the URL as Telegram does),
  editMessageCaption (see telegram_media.py), answerCallbackQuery, setMyCommands, getMyCommands,
  getChat, getChatMember, getChatAdministrators. Any other method answers ``true`` and is listed
  in ``fake.unknown_methods`` (a 404 would make PTB raise InvalidToken).
- Forum topics: ``add_forum(chat, threads)``; ``push_message(..., thread_id=N)`` writes in a
  topic (``message_thread_id``, ``is_topic_message``); sendMessage with ``message_thread_id``
  posts there, and answers 400 "message thread not found" for an unknown or deleted topic
  (``delete_thread``).
- sendMessage/editMessageText with ``parse_mode=HTML`` are parsed with Telegram's HTML rules
  (allowed tags, the four named entities, nesting): a bad text gets Telegram's 400 "can't parse
  entities". ``message.text`` is the parsed plain text, ``message.html`` what the bot sent.
- Faults (``inject``): 429 with retry_after, 403 blocked, 400 migrate_to_chat_id, 400 chat not
  found, 5xx, connection reset, delay; per chat or global, for the next ``times`` calls (None:
  until cleared). ``fail_ratio=0.1, fail_seed=N``: that share of sendMessage calls, drawn by a
  seeded RNG, fail with a random 429, 5xx or connection reset (never accepted).
  ``block(chat)`` and ``migrate(old, new)`` are lasting chat states.
- Limits (``enforce_limits=True`` or ``fake.limits = TelegramLimits()``): 30 sends/s overall,
  1/s per chat, 20/min per group or channel; excess sends get 429 with retry_after and are
  counted in ``fake.rate_limited``. ``fake.send_times`` holds the arrival time of every accepted
  send, for measuring the achieved rate.

Per-request work is small (one form parse, one HTML scan, deque updates), so 10,000 sends are fine.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.webserver import start_site
from tests.fakes.telegram_html import utf16_len
from tests.fakes.telegram_media import MediaMethods
from tests.fakes.telegram_records import BOT_ID, Call, ChatState, TelegramLimits, TgFault

BOT_USERNAME = "customs_news_bot"
DEFAULT_TOKEN = "7000001:TEST-token-abcdefghijklmnop"

# parameters whose form value is JSON text
_JSON_PARAMS = frozenset({
    "reply_markup", "link_preview_options", "entities", "commands", "allowed_updates", "scope",
    "reply_parameters", "caption_entities", "media", "results", "permissions",
})


class FakeTelegram(MediaMethods):
    def __init__(self, token: str | None = DEFAULT_TOKEN, enforce_limits: bool = False,
                 limits: TelegramLimits | None = None, validate_html: bool = True,
                 record_params: bool = True, fail_ratio: float = 0.0,
                 fail_seed: int | None = None) -> None:
        self.token = token  # None: accept any token
        # random faults: this share of sendMessage calls fail before being accepted, each with
        # a kind drawn from `fail_kinds` (429 retry_after=`fail_retry_after`, 5xx, reset)
        self.fail_ratio = fail_ratio
        self.fail_rng = random.Random(fail_seed)
        self.fail_kinds: tuple[str, ...] = ("retry_after", "server_error", "reset")
        self.fail_retry_after = 1
        self.random_faults: dict[str, int] = {}  # kind -> how many were answered
        self.limits: TelegramLimits | None = limits or (TelegramLimits() if enforce_limits
                                                        else None)
        self.validate_html = validate_html
        self.record_params = record_params  # False: calls keep no params (cheaper, benchmarks)
        self.bot = {"id": BOT_ID, "is_bot": True, "first_name": "Customs News",
                    "username": BOT_USERNAME, "can_join_groups": True,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.method_counts: dict[str, int] = {}
        self.unknown_methods: list[str] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat id, message id)
        self.sent: list[dict[str, Any]] = []  # every accepted sendMessage/sendPhoto, in order
        self.photo_fetches: list[str] = []  # the URLs sendPhoto downloaded
        self.send_times: list[float] = []  # arrival time of every accepted send
        self.rate_limited = 0  # 429s answered because a limit was exceeded
        self.injected = 0  # faults answered from `inject`
        self.commands: list[dict[str, Any]] = []  # the default command menu
        # every menu set: language_code ("" for the default) -> its commands
        self.command_menus: dict[str, list[dict[str, Any]]] = {}
        # menus set for one chat (scope BotCommandScopeChat): (chat id, language_code) -> them
        self.chat_menus: dict[tuple[int, str], list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.faults: list[TgFault] = []
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.members: dict[tuple[int, int], str] = {}  # (chat id, user id) -> status
        self.closing = False
        self.base = ""
        self._chats: dict[int, ChatState] = {}
        self._usernames: dict[str, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._changed = asyncio.Event()
        self._overall: deque[float] = deque()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_tasks: set[asyncio.Task[None]] = set()

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` wants: ``http://127.0.0.1:PORT/bot``."""
        return f"{self.base}/bot"

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner, port = await start_site(app, shutdown_timeout=0.2)
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self.closing = True
        self._new_update.set()  # long polls return now, so teardown never waits for them
        for task in list(self._webhook_tasks):
            task.cancel()
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # ---- what tests set up ---------------------------------------------------------------------

    def add_chat(self, chat_id: int, chat_type: str = "group", title: str | None = None,
                 username: str | None = None) -> dict[str, Any]:
        """Register a chat (push_message does it for you); returns its Chat object."""
        state = self._chats.get(chat_id)
        if state is None:
            chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = title or f"User {chat_id}"
            else:
                chat["title"] = title or f"Chat {chat_id}"
            state = self._chats[chat_id] = ChatState(chat)
        if username:
            state.chat["username"] = username
            self._usernames[username.lower().lstrip("@")] = chat_id
        return state.chat

    def add_forum(self, chat_id: int, threads: tuple[int, ...] = (),
                  title: str | None = None) -> dict[str, Any]:
        """A supergroup with topics (is_forum) and its topics' message_thread_ids (the General
        topic is none of them: messages there carry no thread)."""
        chat = self.add_chat(chat_id, "supergroup", title=title)
        chat["is_forum"] = True
        self._chats[chat_id].threads.update(threads)
        return chat

    def delete_thread(self, chat_id: int, thread_id: int) -> None:
        """The topic is deleted: sends to it get 400 "message thread not found"."""
        state = self._chats[chat_id]
        state.threads.discard(thread_id)
        state.deleted_threads.add(thread_id)

    def set_member(self, chat_id: int, user_id: int, status: str = "administrator") -> None:
        """status: creator | administrator | member | restricted | left | kicked."""
        self.members[(chat_id, user_id)] = status

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends get 403 until they write to the bot again."""
        self.blocked.add(chat_id)

    def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sends to the old id get 400 migrate_to_chat_id."""
        self.migrated[old_chat_id] = new_chat_id
        old = self._chats.get(old_chat_id)
        self.add_chat(new_chat_id, "supergroup", title=old.chat.get("title") if old else None)
        if old is not None and old.threads:  # its topics live on in the supergroup
            self._chats[new_chat_id].chat["is_forum"] = True
            self._chats[new_chat_id].threads.update(old.threads)
        for (chat, user), status in list(self.members.items()):
            if chat == old_chat_id:
                self.members[(new_chat_id, user)] = status

    def push_migration(self, old_chat_id: int, new_chat_id: int, user_id: int) -> None:
        """`migrate`, and the two service messages Telegram sends: migrate_to_chat_id in the
        old group, migrate_from_chat_id in the new supergroup."""
        self.migrate(old_chat_id, new_chat_id)
        for chat_id, field_name, value in ((old_chat_id, "migrate_to_chat_id", new_chat_id),
                                           (new_chat_id, "migrate_from_chat_id", old_chat_id)):
            state = self._chats[chat_id]
            self.push_update({"message": {
                "message_id": state.next_message_id, "date": int(time.time()),
                "chat": state.chat, "from": self.user(user_id), field_name: value}})
            state.next_message_id += 1

    def inject(self, kind: str, chat_id: int | str | None = None, times: int | None = 1,
               methods: tuple[str, ...] | frozenset[str] = ("sendMessage",),
               **kwargs: Any) -> TgFault:
        """Fail the next `times` calls of `methods` (to `chat_id`, or any chat).

        kind: retry_after (429, retry_after=N) | blocked (403) | kicked (403) |
        migrate (400, migrate_to=ID) | not_found (400 chat not found) | bad_request
        (400, description=...) | server_error (status=500/502/...) | reset (connection
        dropped) | delay (delay=seconds, then answered normally).
        """
        fault = TgFault(kind=kind, chat_id=None if chat_id is None else str(chat_id),
                        methods=frozenset(methods), times=times, **kwargs)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()
        self.blocked.clear()
        self.migrated.clear()

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        if self.webhook:
            task = asyncio.ensure_future(self._post_webhook(update))
            self._webhook_tasks.add(task)
            task.add_done_callback(self._webhook_tasks.discard)
        else:
            self._updates.append(update)
            self._wake_pollers()
        self._notify()
        return update

    def push_message(self, chat_id: int, user_id: int | None, text: str,
                     chat_type: str = "private", *, username: str | None = None,
                     title: str | None = None, chat_username: str | None = None,
                     sender_chat: dict[str, Any] | None = None,
                     language_code: str | None = None,
                     thread_id: int | None = None) -> dict[str, Any]:
        """A user (or, for channels, the channel) writes `text`; a leading /command gets its
        bot_command entity; `language_code` is the user's app language (kept for the user's
        later updates); `thread_id`: in that topic of a forum (see add_forum). Returns the
        update."""
        chat = self.add_chat(chat_id, chat_type, title=title, username=chat_username)
        state = self._chats[chat_id]
        message: dict[str, Any] = {"message_id": state.next_message_id, "date": int(time.time()),
                                   "chat": chat, "text": text}
        state.next_message_id += 1
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if chat_type != "channel" and user_id is not None:
            message["from"] = self.user(user_id, username, language_code)
            if chat_type == "private":
                self.blocked.discard(chat_id)  # writing to the bot means it is not blocked
        if chat_type == "channel" or sender_chat is not None:
            message["sender_chat"] = sender_chat or chat
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_len(command)}]
        key = "channel_post" if chat_type == "channel" else "message"
        return self.push_update({key: message})

    def push_callback(self, chat_id: int, user_id: int, data: str,
                      message_id: int | None = None,
                      username: str | None = None) -> dict[str, Any]:
        """A user taps an inline button with callback `data` under a bot message (default: the
        bot's latest message in that chat that has a keyboard)."""
        if message_id is None:
            message_id = self.last_keyboard_message(chat_id)["message_id"]
        message = self._public_message(self.messages[(chat_id, message_id)])
        return self.push_update({"callback_query": {
            "id": str(next(self._callback_ids)), "from": self.user(user_id, username),
            "chat_instance": f"ci{chat_id}", "data": data, "message": message,
        }})

    def tap(self, chat_id: int, user_id: int, label: str) -> dict[str, Any]:
        """Tap the button whose label contains `label` on the latest keyboard in the chat."""
        msg = self.last_keyboard_message(chat_id)
        for row in msg["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label in button["text"] and "callback_data" in button:
                    return self.push_callback(chat_id, user_id, button["callback_data"],
                                              msg["message_id"])
        raise LookupError(f"no button {label!r} in {msg['reply_markup']}")

    def user(self, user_id: int, username: str | None = None,
             language_code: str | None = None) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = {"id": user_id, "is_bot": False,
                                           "first_name": f"User{user_id}"}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    # ---- what tests read -------------------------------------------------------------------------

    def count(self, method: str) -> int:
        return self.method_counts.get(method, 0)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Accepted sendMessage messages to a chat (text = parsed plain text, html = as sent)."""
        cid = self._resolve(chat_id)
        return [m for m in self.sent if m["chat"]["id"] == cid]

    def last_keyboard_message(self, chat_id: int) -> dict[str, Any]:
        for (cid, _), msg in reversed(self.messages.items()):
            if cid == chat_id and msg.get("reply_markup"):
                return msg
        raise LookupError(f"no bot message with a keyboard in chat {chat_id}")

    def achieved_rate(self) -> float:
        """Accepted sends per second between the first and the last one."""
        if len(self.send_times) < 2:
            return 0.0
        return (len(self.send_times) - 1) / (self.send_times[-1] - self.send_times[0])

    async def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 10.0,
                       what: str = "") -> Any:
        """Until predicate(calls) is truthy (returns it); AssertionError after `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = predicate(self.calls)
                    if result:
                        return result
                    await self._changed.wait()
        except TimeoutError:
            recent = [(c.method, c.status, c.chat_id) for c in self.calls[-12:]]
            raise AssertionError(f"timed out after {timeout}s waiting for "
                                 f"{what or predicate}; recent calls: {recent}") from None

    # ---- the server --------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _wake_pollers(self) -> None:
        self._new_update.set()
        self._new_update = asyncio.Event()

    def _resolve(self, chat_id: Any) -> int | None:
        if isinstance(chat_id, int):
            return chat_id
        text = str(chat_id)
        if text.startswith("@"):
            return self._usernames.get(text[1:].lower())
        try:
            return int(text)
        except ValueError:
            return None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if not request.body_exists:
            return {}
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str) and key in _JSON_PARAMS:
                try:
                    params[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            params[key] = value if isinstance(value, str) else "<file>"
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params if self.record_params else {}, time.monotonic())
        if "chat_id" in params:
            call.chat_id = str(params["chat_id"])
        self.calls.append(call)
        self.method_counts[method] = self.method_counts.get(method, 0) + 1
        if method == "getUpdates":
            self._notify()  # a waiter may be watching for the long poll to begin
        try:
            if self.token is not None and request.match_info["token"] != self.token:
                return self._error(call, 401, "Unauthorized")
            if self.faults:
                response = await self._fault(request, call, params)
                if response is not None:
                    return response
            if (self.fail_ratio and method == "sendMessage"
                    and self.fail_rng.random() < self.fail_ratio):
                return await self._random_fault(request, call)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                self.unknown_methods.append(method)
                return self._ok(True)
            return await handler(call, params)
        finally:
            self._notify()

    async def _fault(self, request: web.Request, call: Call,
                     params: dict[str, Any]) -> web.StreamResponse | None:
        target = self._resolve(params.get("chat_id"))
        for fault in self.faults:
            if call.method not in fault.methods:
                continue
            if fault.chat_id is not None and self._resolve(fault.chat_id) != target:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            self.injected += 1
            return await self._answer_fault(request, call, fault)
        return None

    async def _random_fault(self, request: web.Request, call: Call) -> web.StreamResponse:
        kind = self.fail_rng.choice(self.fail_kinds)
        self.random_faults[kind] = self.random_faults.get(kind, 0) + 1
        self.injected += 1
        fault = TgFault(kind=kind, retry_after=self.fail_retry_after,
                        status=self.fail_rng.choice((500, 502, 503)))
        response = await self._answer_fault(request, call, fault)
        assert response is not None
        return response

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        assert self.webhook is not None
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {}
        if self.webhook.get("secret"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret"]
        for _ in range(20):  # like Telegram: retry until the bot answers 200
            try:
                async with self._session.post(self.webhook["url"], json=update,
                                              headers=headers) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
