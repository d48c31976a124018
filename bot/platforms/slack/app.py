"""Slack's receiving side: slack-bolt AsyncApp <-> Command/Reply.

One slash command, `/news <subcommand> ...`, carries every chat command. Requests arrive over
HTTP (`POST /slack/events`, verified by bolt with the signing secret) or Socket Mode, inside the
bot's own event loop: bolt's blocking `app.start()` is never called. Every request is acked at
once; the work happens after the ack (`handlers.router.dispatch`, which never raises and owns
the one fallback answer) and the answer goes to the command's `response_url`.

Language: a command carries its user's language, from their Slack locale (locales.py, asked
after the ack); the adapter's own texts (blocks, App Home, channel checks) are in the chat's
language, the stored one once the chat exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.i18n import DEFAULT_LANGUAGE, tr
from bot.models import Command, Reply
from bot.platforms.base import AdminAlert, chat_language
from bot.platforms.chat_locks import ChatLocks
from bot.platforms.slack.blocks import ACTION_PREFIX, LINK_PREFIX, home_view, render_blocks
from bot.platforms.slack.commands import command_text, make_command
from bot.platforms.slack.locales import UserLanguages
from bot.platforms.slack.replay import ReplayGuard
from bot.platforms.slack.transport import SlackTransport, slack_error
from bot.webserver import start_site
from handlers.deps import Deps
from handlers.router import dispatch

log = logging.getLogger("newsbot.slack")

API_TIMEOUT = 15  # seconds, every Web API call
HOME_COMMAND = "subscribe"  # no argument: a toggle button per topic, for this chat
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
# the language of the chat whose command is being answered (for texts written during dispatch)
_answering_in: ContextVar[str] = ContextVar("answering_in", default=DEFAULT_LANGUAGE)
class SlackAdapter:
    """slack-bolt in the bot's event loop: commands in, replies and notifications out."""

    def __init__(self, settings: Settings, deps: Deps, host: str | None = None) -> None:
        self.settings = settings
        self.cfg = settings.slack
        self.deps = deps
        self.host = host or settings.slack.host
        self.transport = SlackTransport()
        self.bolt: AsyncApp | None = None
        self.port: int | None = None  # the port actually bound (HTTP mode)
        self.bot_user_id: str | None = None
        self.team_id: str | None = None
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._replays: ReplayGuard | None = None  # HTTP mode: signed requests seen already
        self.user_languages = UserLanguages()
        # one command at a time per chat: handlers read, change and save a chat's settings
        self._locks = ChatLocks()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT))
        client = AsyncWebClient(token=self.cfg.bot_token, base_url=self.cfg.api_base_url,
                                session=session, timeout=API_TIMEOUT,
                                logger=logging.getLogger("newsbot.slack.api"))
        self.transport.session = session
        self.transport.client = client
        await self._whoami(client)
        http = self.cfg.mode == "http"
        # bolt's own client carries no token: `authorize` hands it one per request
        bolt_client = AsyncWebClient(base_url=self.cfg.api_base_url, session=session,
                                     timeout=API_TIMEOUT, logger=client.logger)
        self.bolt = AsyncApp(
            name="customs-newsbot",
            client=bolt_client,
            signing_secret=self.cfg.signing_secret if http else None,
            request_verification_enabled=http,
            authorize=self._authorize_func(),
            logger=logging.getLogger("newsbot.slack.bolt"),
        )
        self._register(self.bolt)
        self.deps.channel_check["slack"] = self.check_channel
        if http:
            assert self.cfg.signing_secret is not None  # http mode is on only with it
            self._replays = ReplayGuard(self.cfg.signing_secret)
            await self._serve_http()
        else:
            await self._connect_socket()

    async def _whoami(self, client: AsyncWebClient) -> None:
        """auth.test once at start: learn the bot's ids, and say loudly if the token is bad."""
        try:
            resp = await asyncio.wait_for(client.auth_test(), timeout=API_TIMEOUT)
            self.bot_user_id = resp.get("user_id")
            self.team_id = resp.get("team_id")
            log.info("event=slack_auth_ok team=%s bot_user=%s", self.team_id, self.bot_user_id)
        except SlackApiError as exc:
            _, error, _ = slack_error(exc)
            log.error("event=slack_auth_failed error=%s fix='check SLACK_BOT_TOKEN (xoxb-...) "
                      "and reinstall the app to the workspace'", error)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("event=slack_auth_unreachable error=%r (will work once Slack answers)",
                        exc)

    def _authorize_func(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Single workspace, token from the environment: no auth.test per request.

        A plain function, not a bound method: bolt passes arguments by the names it finds in
        the signature, and would pass `self` too.
        """

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id or self.team_id,
                                   bot_token=self.cfg.bot_token, bot_user_id=self.bot_user_id)

        return authorize

    async def _serve_http(self) -> None:
        app = web.Application(client_max_size=256 * 1024)
        app.router.add_post("/slack/events", self._http_request)
        self._runner, self.port = await start_site(app, self.host, self.cfg.port,
                                                   shutdown_timeout=1.0)
        log.info("event=slack_http_listening host=%s port=%s path=/slack/events",
                 self.host, self.port)

    async def _http_request(self, request: web.Request) -> web.Response:
        assert self.bolt is not None
        bolt_request = await to_bolt_request(request)
        if self._replays is not None and self._replays.is_replay(bolt_request.raw_body,
                                                                 request.headers):
            log.warning("event=slack_replay_ignored remote=%s", request.remote)
            return web.Response(status=200, text="")  # acked, as the first one was; not run
        bolt_response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _connect_socket(self) -> None:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        assert self.bolt is not None
        self._socket = AsyncSocketModeHandler(self.bolt, self.cfg.app_token)
        try:
            await asyncio.wait_for(self._socket.connect_async(), timeout=API_TIMEOUT)
        except Exception as exc:
            log.error("event=slack_socket_failed error=%r fix='check SLACK_APP_TOKEN (xapp-..., "
                      "scope connections:write) and that Socket Mode is on'", exc)
            raise
        log.info("event=slack_socket_connected")

    async def stop(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._socket.close_async(), timeout=1.0)
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.deps.channel_check.pop("slack", None)
        session = self.transport.session
        self.transport.client = self.transport.session = None
        if session is not None:
            await session.close()

    async def alert_admins(self, alert: AdminAlert) -> None:
        """DM every admin, in their DM's stored language (else English); failures are logged,
        never raised."""
        for admin in self.cfg.admins:
            try:
                lang = chat_language(self.deps.store, "slack", admin)
                text, blocks = render_blocks(alert(lang), lang=lang)
                await self.transport.post(admin, text, blocks)
            except Exception as exc:
                log.warning("event=slack_admin_alert_failed admin=%s error=%s", admin, exc)

    @property
    def busy(self) -> int:
        """Commands, clicks and Home tabs accepted and not finished yet."""
        return len(self._tasks)

    # -- listeners -------------------------------------------------------------------------------

    def _register(self, bolt: AsyncApp) -> None:
        bolt.command(re.compile(r"^/"))(self._on_command)
        bolt.action(re.compile(f"^{re.escape(ACTION_PREFIX)}"))(self._on_button)
        bolt.action(re.compile(f"^{re.escape(LINK_PREFIX)}"))(self._on_link)
        bolt.event("app_home_opened")(self._on_home_opened)

    def _track(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_command(self, ack: Any, command: dict[str, Any]) -> None:
        await ack()  # within Slack's 3 s, whatever follows
        self._track(self._run_command(dict(command)))

    async def _on_link(self, ack: Any) -> None:
        await ack()

    async def _on_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        self._track(self._run_button(dict(body), dict(action)))

    async def _on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            self._track(self.publish_home(str(event["user"])))

    # -- commands ----------------------------------------------------------------------------------

    def _language(self, cmd: Command) -> str:
        return chat_language(self.deps.store, cmd.platform, cmd.chat_id, cmd.language)

    async def _dispatch(self, cmd: Command) -> tuple[Reply, str]:
        """The reply, and the chat's language after it (a /news language command changes it)."""
        async with self._locks(cmd.chat_key):
            token = _answering_in.set(self._language(cmd))
            try:
                reply = await dispatch(cmd, self.deps)  # never raises: its fallback answers
            finally:
                _answering_in.reset(token)
            return reply, self._language(cmd)

    async def _user_language(self, user_id: str) -> str:
        return await self.user_languages.language(self.transport.client, user_id)

    async def _run_command(self, payload: dict[str, Any]) -> None:
        channel_id = str(payload.get("channel_id", ""))
        user_id = str(payload.get("user_id", ""))
        cmd = make_command(
            self.cfg, text=str(payload.get("text", "")), channel_id=channel_id,
            channel_name=str(payload.get("channel_name", "")), user_id=user_id,
            user_name=str(payload.get("user_name", "")),
            language=await self._user_language(user_id),
        )
        log.info("event=slack_command name=%s chat=%s user=%s", cmd.name, cmd.chat_key, user_id)
        reply, lang = await self._dispatch(cmd)
        await self.transport.answer(reply, response_url=payload.get("response_url"),
                                    channel_id=channel_id, user_id=user_id, lang=lang)
        if cmd.chat_kind == "private":
            await self.publish_home(user_id)

    async def _run_button(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = body.get("user") or {}
        user_id = str(user.get("id", ""))
        user_name = str(user.get("username") or user.get("name") or "")
        container = body.get("container") or {}
        channel = body.get("channel") or {}
        from_home = container.get("type") == "view" or not channel.get("id")
        channel_id = "D-home" if from_home else str(channel.get("id", ""))
        cmd = make_command(
            self.cfg, text=str(action.get("value", "")), channel_id=channel_id,
            channel_name="directmessage" if from_home else str(channel.get("name", "")),
            user_id=user_id, user_name=user_name, via_button=True,
            language=await self._user_language(user_id),
        )
        log.info("event=slack_button name=%s chat=%s user=%s", cmd.name, cmd.chat_key, user_id)
        reply, lang = await self._dispatch(cmd)
        if from_home:
            await self.publish_home(user_id, note=reply)
            return
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        where = str(container.get("channel_id") or channel.get("id") or "")
        if reply.replace and ts and where and not container.get("is_ephemeral") \
                and await self.transport.update(where, str(ts), reply, lang=lang):
            pass  # the alert now shows what its button did
        else:
            replace = bool(container.get("is_ephemeral")) and not reply.new_message
            await self.transport.answer(reply, response_url=body.get("response_url"),
                                        channel_id=channel_id, user_id=user_id,
                                        replace=replace, lang=lang)
        if cmd.chat_kind == "private":
            await self.publish_home(user_id)

    async def publish_home(self, user_id: str, note: Reply | None = None) -> None:
        """The Home tab: the user's own (DM) subscription, with buttons to toggle topics."""
        client = self.transport.client
        if client is None or not user_id:
            return
        try:
            cmd = make_command(self.cfg, text=HOME_COMMAND, channel_id="D-home",
                               channel_name="directmessage", user_id=user_id, user_name="",
                               via_button=True, language=await self._user_language(user_id))
            reply, lang = await self._dispatch(cmd)
            view = home_view(reply, note, lang=lang)
            await client.views_publish(user_id=user_id, view=view)
        except Exception as exc:
            log.warning("event=slack_home_failed user=%s error=%s", user_id, exc)

    # -- checks the handlers may ask for ---------------------------------------------------------

    async def check_channel(self, name: str, lang: str | None = None) -> str | None:
        """None if the bot can post in the channel, else what the admin should do, in `lang`
        (by default the language of the chat whose command is being answered)."""
        lang = lang or _answering_in.get()
        channel_id = command_text(name).strip().lstrip("#")
        if not _CHANNEL_ID.fullmatch(channel_id):
            return tr(lang, "{name} is not a channel id; type the channel as #name so that "
                      "Slack sends its id", name=name)
        client = self.transport.client
        if client is None:
            return tr(lang, "Slack is not connected yet; try again in a minute")
        try:
            resp = await client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            _, error, _ = slack_error(exc)
            if error in ("channel_not_found", "not_in_channel"):
                return tr(lang, "the bot cannot see {channel}; invite it there with {command}",
                          channel=channel_id, command="/invite @newsbot")
            return tr(lang, "could not check {channel} ({error}); try again in a minute",
                      channel=channel_id, error=error)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return tr(lang, "could not check {channel} ({error}); try again in a minute",
                      channel=channel_id, error=repr(exc))
        info = resp.get("channel") or {}
        if info.get("is_archived"):
            return tr(lang, "{channel} is archived", channel=channel_id)
        if info.get("is_member") or not info.get("is_private"):
            return None  # a member, or a public channel (chat:write.public)
        return tr(lang, "the bot is not in the private channel {channel}; {command} there",
                  channel=channel_id, command="/invite @newsbot")
