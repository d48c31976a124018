"""A fake Slack Web API on 127.0.0.1 (a free port), plus a signed-request client for bolt.

    async with FakeSlack() as slack:
        settings.slack.api_base_url = slack.api_base_url    # http://127.0.0.1:PORT/api/
        slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
        slack.fail("chat.postMessage", error="channel_not_found", channel="C1")
        resp = await slash_command(bolt_url, SECRET, text="latest",
                                   response_url=slack.response_url("r1"), channel_id="C1")
        msgs = await slack.wait_for(lambda: slack.posted(channel="C1"), timeout=5)

Every call is recorded (`slack.calls`: method, params merged from query, form and JSON bodies,
HTTP status answered). `response_url(key)` gives a URL the fake serves too: what the bot posts
there is kept in `slack.responses[key]`. Faults apply to the next `times` matching calls:
`status` (429 carries `Retry-After`; 5xx answers a text body), `error` (200 with
`{"ok": false, "error": ...}`, or `error_status` to send another status), optionally only for
one `channel`. `delay(method, seconds)` holds the answers to a method (a slow Slack).

Posted messages are kept in `slack.messages[(channel, ts)]`; chat.update replaces their text
and blocks (message_not_found for an unknown ts). An image block's `image_url` is downloaded as
Slack does: an unreachable or non-image URL answers invalid_blocks ("downloading image failed").

users.info answers `locale` (default "en-US"; `slack.set_locale(user, "ru-RU")`) when asked
with include_locale=true, as Slack does.

Socket Mode: apps.connections.open answers `ws://127.0.0.1:PORT/socket`; the fake says hello,
`await slack.socket_send("slash_commands", slash_command_fields(...))` pushes an envelope and
the bot's acks are kept in `slack.socket_acks`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from bot.webserver import start_site
from tests.fakes.slack_limits import message_error, view_error

T = TypeVar("T")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200  # what the fake answered
    error: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class SlackFault:
    method: str
    status: int | None = None
    error: str | None = None
    error_status: int = 200
    retry_after: float | None = None
    channel: str | None = None
    times: int | None = 1  # None: until cleared

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method not in (method, "*"):
            return False
        return self.channel is None or params.get("channel") == self.channel


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeSlack:
    def __init__(self, bot_user_id: str = "UBOT", team_id: str = "T0001") -> None:
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.calls: list[Call] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}
        # what the bot posted to a response_url over Slack's limits (answered 400)
        self.refused_responses: dict[str, list[dict[str, Any]]] = {}
        self.faults: list[SlackFault] = []
        # conversations.info answers; unknown ids -> channel_not_found
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.locales: dict[str, str] = {}  # user id -> Slack locale (users.info)
        self.delays: dict[str, float] = {}  # method -> seconds before it answers
        # (channel, ts) -> the bot's message as it is now (chat.update changes it)
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.image_fetches: list[str] = []  # image block URLs the fake downloaded
        self.base = ""
        self._ts = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # Socket Mode: apps.connections.open hands out ws://.../socket; acks land here
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []
        self._envelopes = itertools.count(1)

    # -- set-up ---------------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base}/response/{key}"

    def add_channel(self, channel_id: str, name: str = "", *, is_member: bool = True,
                    is_private: bool = False, is_archived: bool = False) -> None:
        self.channels[channel_id] = {"id": channel_id, "name": name or channel_id.lower(),
                                     "is_channel": not is_private, "is_private": is_private,
                                     "is_member": is_member, "is_archived": is_archived}

    def fail(self, method: str, *, status: int | None = None, error: str | None = None,
             error_status: int = 200, retry_after: float | None = None,
             channel: str | None = None, times: int | None = 1) -> SlackFault:
        """Answer the next `times` calls of `method` ("*" = any) with a failure."""
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = SlackFault(method, status, error, error_status, retry_after, channel, times)
        self.faults.append(fault)
        return fault

    def set_locale(self, user_id: str, locale: str) -> None:
        """The user's Slack language, as users.info with include_locale=true reports it."""
        self.locales[user_id] = locale

    def delay(self, method: str, seconds: float) -> None:
        """Answer every later call of `method` only after `seconds` (0: at once again)."""
        self.delays[method] = seconds

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- what happened --------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posted(self, channel: str | None = None, ok_only: bool = True) -> list[dict[str, Any]]:
        """chat.postMessage params that were accepted (or all attempts with ok_only=False)."""
        return [c.params for c in self.calls_to("chat.postMessage")
                if (channel is None or c.params.get("channel") == channel)
                and (not ok_only or c.status == 200 and c.error is None)]

    async def wait_for(self, probe: Callable[[], T], timeout: float = 5.0) -> T:
        """Until `probe()` is truthy (re-checked after every request); TimeoutError if never."""
        async with asyncio.timeout(timeout):
            while True:
                value = probe()
                if value:
                    return value
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=0.25)

    def _notify(self) -> None:
        self._changed.set()

    # -- server ---------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner, port = await start_site(app, shutdown_timeout=0.5)
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for ws in list(self.sockets):  # wake the readers, or teardown waits for them
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                params.update({k: _maybe_json(v) for k, v in form.items()
                               if isinstance(v, str)})
        return params

    def _fault_for(self, method: str, params: dict[str, Any]) -> SlackFault | None:
        for fault in self.faults:
            if fault.matches(method, params):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        try:
            if not request.headers.get("Authorization", "").startswith("Bearer "):
                call.error = "not_authed"
                return web.json_response({"ok": False, "error": "not_authed"})
            if self.delays.get(method):
                await asyncio.sleep(self.delays[method])
            fault = self._fault_for(method, params)
            if fault is not None:
                if fault.status is not None:
                    call.status = fault.status
                    headers = {}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(int(fault.retry_after))
                    if fault.status == 429:
                        return web.json_response({"ok": False, "error": "ratelimited"},
                                                 status=429, headers=headers)
                    return web.Response(status=fault.status, text=f"error {fault.status}",
                                        headers=headers)
                call.error = fault.error
                call.status = fault.error_status
                return web.json_response({"ok": False, "error": fault.error},
                                         status=fault.error_status)
            answer = await self._check_images(method, params) or self._answer(method, params)
            if answer.get("ok") is False:
                call.error = answer.get("error")
            return web.json_response(answer)
        finally:
            self._notify()

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake",
                    "user": "newsbot", "team_id": self.team_id, "user_id": self.bot_user_id,
                    "bot_id": "BBOT"}
        if method == "chat.postMessage":
            if not p.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not p.get("text") and not p.get("blocks"):
                return {"ok": False, "error": "no_text"}
            refused = message_error(p)
            if refused is not None:
                return refused
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            self.messages[(p["channel"], ts)] = {"text": p.get("text"), "ts": ts,
                                                 "blocks": p.get("blocks") or []}
            return {"ok": True, "channel": p["channel"], "ts": ts,
                    "message": {"text": p.get("text"), "ts": ts}}
        if method == "chat.update":
            return self._update(p)
        if method == "chat.postEphemeral":
            refused = message_error(p)
            if refused is not None:
                return refused
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "views.publish":
            refused = view_error(p)
            if refused is not None:
                return refused
            return {"ok": True, "view": {"id": "V1", "type": "home", **(p.get("view") or {})}}
        if method == "conversations.info":
            info = self.channels.get(str(p.get("channel", "")))
            if info is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": info}
        if method == "users.info":
            user_id = str(p.get("user", ""))
            user = dict(self.users.get(user_id, {"id": user_id, "name": user_id.lower(),
                                                 "is_admin": False, "is_owner": False}))
            if str(p.get("include_locale", "")).lower() in ("true", "1"):
                user["locale"] = self.locales.get(user_id, "en-US")
            return {"ok": True, "user": user}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(p.get("users", "X"))[1:]}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.base.replace("http://", "ws://") + "/socket"}
        return {"ok": False, "error": "unknown_method"}

    def _update(self, p: dict[str, Any]) -> dict[str, Any]:
        """chat.update: the bot's own message, by channel and ts; its text and blocks replaced
        (blocks=[] removes them, as Slack does; absent keeps them)."""
        channel, ts = str(p.get("channel", "")), str(p.get("ts", ""))
        if not channel or not ts:
            return {"ok": False, "error": "invalid_arguments"}
        message = self.messages.get((channel, ts))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        refused = message_error(p)
        if refused is not None:
            return refused
        message["text"] = p.get("text") or message["text"]
        if "blocks" in p:
            message["blocks"] = p.get("blocks") or []
        message["edited"] = {"user": self.bot_user_id, "ts": f"{int(time.time())}.000000"}
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"],
                "message": dict(message)}

    async def _check_images(self, method: str, p: dict[str, Any]) -> dict[str, Any] | None:
        """Slack downloads an image block's picture when the message is posted: an unreachable
        or non-image URL refuses the whole message (invalid_blocks, "downloading image
        failed"); a missing alt_text too."""
        if method not in ("chat.postMessage", "chat.update"):
            return None
        blocks = p.get("blocks") if isinstance(p.get("blocks"), list) else []
        for n, block in enumerate(blocks):
            if not isinstance(block, dict) or block.get("type") != "image":
                continue
            url = str(block.get("image_url", ""))
            if not block.get("alt_text") or len(str(block["alt_text"])) > 2000:
                return _invalid_blocks(f"must be between 1 and 2000 characters "
                                       f"[json-pointer:/blocks/{n}/alt_text]")
            self.image_fetches.append(url)
            if not await _is_image(url):
                return _invalid_blocks(f"downloading image failed "
                                       f"[json-pointer:/blocks/{n}/image_url]")
        return None

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0001"},
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600}})
        self._notify()
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    with contextlib.suppress(ValueError):
                        self.socket_acks.append(json.loads(msg.data))
                        self._notify()
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
        return ws

    async def socket_send(self, kind: str, payload: dict[str, Any]) -> str:
        """Push an envelope ("slash_commands", "interactive", "events_api") to the bot."""
        envelope_id = f"env-{next(self._envelopes)}"
        await self.sockets[-1].send_json({"envelope_id": envelope_id, "type": kind,
                                          "payload": payload,
                                          "accepts_response_payload": kind != "events_api",
                                          "retry_attempt": 0, "retry_reason": ""})
        return envelope_id

    async def _response(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        try:
            body = await request.json()
        except ValueError:
            body = {"raw": await request.text()}
        if isinstance(body, dict) and message_error(body) is not None:
            self.refused_responses.setdefault(key, []).append(body)
            self._notify()
            return web.Response(status=400, text="invalid_blocks")  # as Slack's webhooks do
        self.responses.setdefault(key, []).append(body)
        self._notify()
        return web.Response(text="ok")


# ---- requests to the bot, signed as Slack signs them ---------------------------------------


def _invalid_blocks(message: str) -> dict[str, Any]:
    return {"ok": False, "error": "invalid_blocks", "errors": [message],
            "response_metadata": {"messages": [f"[ERROR] {message}"]}}


async def _is_image(url: str) -> bool:
    if not url.startswith(("http://", "https://")):
        return False
    try:
        async with aiohttp.ClientSession() as session, session.get(
                url, timeout=aiohttp.ClientTimeout(total=5)) as response:
            await response.read()
            return response.status == 200 and \
                response.headers.get("Content-Type", "").startswith("image/")
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
        return False


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Answer:
    status: int
    body: str
    seconds: float


async def post_signed(url: str, secret: str, body: str, content_type: str, *,
                      timestamp: int | None = None, bad_signature: bool = False,
                      unsigned: bool = False, timeout: float = 5.0) -> Answer:
    headers = {"Content-Type": content_type}
    if not unsigned:
        headers.update(sign("not-the-secret" if bad_signature else secret, body, timestamp))
    started = time.monotonic()
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
        session.post(url, data=body.encode(), headers=headers) as resp,
    ):
        text = await resp.text()
        return Answer(resp.status, text, time.monotonic() - started)


def slash_command_fields(*, text: str, channel_id: str, user_id: str, response_url: str,
                         command: str = "/news", channel_name: str = "", user_name: str = "",
                         team_id: str = "T0001") -> dict[str, str]:
    """The fields Slack sends for a slash command (a form over HTTP, JSON over Socket Mode)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": channel_name or ("directmessage" if channel_id.startswith("D")
                                         else channel_id.lower()),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        # Slack escapes these three in the text it forwards
        "text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.1.abc",
    }


async def slash_command(url: str, secret: str, *, text: str, channel_id: str = "C0001",
                        user_id: str = "U0001", response_url: str, timestamp: int | None = None,
                        bad_signature: bool = False, unsigned: bool = False,
                        **extra: Any) -> Answer:
    body = urllib.parse.urlencode(slash_command_fields(
        text=text, channel_id=channel_id, user_id=user_id, response_url=response_url, **extra))
    return await post_signed(url, secret, body, "application/x-www-form-urlencoded",
                             timestamp=timestamp, bad_signature=bad_signature, unsigned=unsigned)


async def button_click(url: str, secret: str, *, value: str, user_id: str = "U0001",
                       channel_id: str | None = "C0001", response_url: str | None = None,
                       action_id: str = "news:0:0", is_ephemeral: bool = True,
                       team_id: str = "T0001") -> Answer:
    """A block_actions interaction, as Slack posts it (form field `payload`, JSON)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "trigger_id": f"{int(time.time())}.1.abc",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1",
                     "value": value, "text": {"type": "plain_text", "text": "x"},
                     "action_ts": f"{time.time():.6f}"}],
    }
    if channel_id is None:  # clicked in the App Home tab
        payload["container"] = {"type": "view", "view_id": "V1"}
        payload["view"] = {"id": "V1", "type": "home"}
    else:
        payload["container"] = {"type": "message", "message_ts": "1.000001",
                                "channel_id": channel_id, "is_ephemeral": is_ephemeral}
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        if response_url:
            payload["response_url"] = response_url
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return await post_signed(url, secret, body, "application/x-www-form-urlencoded")


async def event(url: str, secret: str, ev: dict[str, Any], team_id: str = "T0001") -> Answer:
    """An Events API callback (e.g. {"type": "app_home_opened", "user": "U1", "tab": "home"})."""
    body = json.dumps({"token": "legacy-verification-token", "team_id": team_id,
                       "api_app_id": "A0001", "type": "event_callback", "event": ev,
                       "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time())})
    return await post_signed(url, secret, body, "application/json")
