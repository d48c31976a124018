"""Slack: slack-bolt AsyncApp <-> Command/Reply, and sending notifications with Block Kit.

One slash command, `/news <subcommand> ...`, carries every chat command. Requests arrive over
HTTP (`POST /slack/events`, verified by bolt with the signing secret) or Socket Mode, inside the
bot's own event loop: bolt's blocking `app.start()` is never called. Every request is acked at
once; the work happens after the ack and the answer goes to the command's `response_url`
(ephemeral, or in the channel when the reply announces a change of the channel's subscription).

Everything that came from a feed is escaped for mrkdwn (`&`, `<`, `>`), so a title can never
produce `<!channel>`, `<!here>` or a mention.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.models import Button, Card, Chat, Command, Reply, Span
from bot.platforms.base import (
    SLACK_LIMITS,
    PermanentSendError,
    RateLimits,
    TransientSendError,
)
from bot.summary import cut_words
from handlers.deps import Deps

log = logging.getLogger("newsbot.slack")

HEADER_MAX = 150  # header block plain_text
SECTION_MAX = 3000  # section / context text
FALLBACK_MAX = 3000  # the message's `text` (notifications and screen readers)
TITLE_IN_LIST_MAX = 300
BUTTON_LABEL_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTON_URL_MAX = 3000
ACTIONS_MAX = 25  # elements in one actions block
MAX_BLOCKS = 50  # a message; a Home view takes 100
HOME_MAX_BLOCKS = 100
API_TIMEOUT = 15  # seconds, every Web API call
RESPONSE_URL_TIMEOUT = 10.0

ACTION_PREFIX = "news:"  # action_id of buttons carrying a command line in `value`
LINK_PREFIX = "newslink:"  # action_id of link buttons (clicks are acked, nothing else)
HOME_COMMAND = ("subscribe", [])  # no argument: a toggle button per topic, for this chat

# The chat cannot be reached any more: delivery deactivates it.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive",
    "user_not_found", "user_disabled", "cannot_dm_bot", "team_access_not_granted",
})
# The bot's own credentials are wrong: an operator must act; sends wait and retry.
AUTH_ERRORS = frozenset({
    "invalid_auth", "not_authed", "token_revoked", "token_expired", "missing_scope",
    "not_allowed_token_type", "no_permission", "ekm_access_denied",
})
# Slack refused our markup: send the plain text instead (retrying the same would fail again).
MARKUP_ERRORS = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "too_many_blocks",
    "invalid_arguments", "invalid_attachments",
})
AUTH_RETRY_SECONDS = 60.0

_SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s]+$", re.IGNORECASE)


# ---- rendering ---------------------------------------------------------------------------


def escape_mrkdwn(text: str) -> str:
    """Escape Slack's three control characters; nothing else is special to the parser."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut_escaped(text: str, limit: int) -> str:
    """Escape `text`, cut on a word boundary so that the escaped form fits in `limit`."""
    out = escape_mrkdwn(text)
    if len(out) <= limit:
        return out
    n = limit
    while n > 1:
        out = escape_mrkdwn(cut_words(text, n))
        if len(out) <= limit:
            return out
        n -= max(1, len(out) - limit)
    return "…"


def _safe_url(url: str | None) -> str | None:
    """A URL fit to sit inside <url|text>, or None (no javascript:, no spaces)."""
    if not url or not _SAFE_URL.match(url):
        return None
    url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return url.replace("&", "&amp;")


_MARKS = {"bold": "*", "mark": "*", "italic": "_", "code": "`"}


def render_span(span: Span) -> str:
    text = escape_mrkdwn(span.text)
    if span.style == "link":
        url = _safe_url(span.url or span.text)
        if url is None:
            return text
        return f"<{url}|{text}>" if span.text else f"<{url}>"
    mark = _MARKS.get(span.style)
    core = text.strip()
    if mark is None or not core:
        return text
    if mark == "`":
        core = core.replace("`", "'")
    left = text[: len(text) - len(text.lstrip())]
    right = text[len(text.rstrip()):]
    return f"{left}{mark}{core}{mark}{right}"


def render_spans(spans: list[Span]) -> str:
    return "".join(render_span(s) for s in spans)


def _plain_spans(spans: list[Span]) -> str:
    return "".join(s.text for s in spans)


def _mrkdwn(text: str, verbatim: bool = True) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": verbatim}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _paragraph_blocks(paragraphs: list[list[Span]]) -> list[dict[str, Any]]:
    """Paragraphs as few sections as possible, each under Slack's 3000 characters."""
    blocks: list[dict[str, Any]] = []
    lines: list[str] = []
    size = 0
    for para in paragraphs:
        line = render_spans(para)
        if len(line) > SECTION_MAX:  # too long to keep its markup: plain text, cut on words
            line = cut_escaped(_plain_spans(para), SECTION_MAX)
        if lines and size + 1 + len(line) > SECTION_MAX:
            blocks.append(_section("\n".join(lines)))
            lines, size = [], 0
        lines.append(line)
        size += len(line) + (1 if size else 0)
    if lines and any(x.strip() for x in lines):
        blocks.append(_section("\n".join(lines)))
    return blocks


def _meta(card: Card) -> str:
    parts = [card.date_text] if card.date_text else []
    if card.topic_labels:
        parts.append(", ".join(card.topic_labels))
    return "  ·  ".join(parts)


def _card_list_block(card: Card) -> dict[str, Any]:
    """A release in a list (/latest, /search, digests): one section."""
    head = f"{card.number}. " if card.number is not None else ""
    title = cut_escaped(card.title, TITLE_IN_LIST_MAX)
    url = _safe_url(card.url)
    first = f"*{head}<{url}|{title}>*" if url else f"*{head}{title}*"
    meta = escape_mrkdwn(_meta(card))
    room = SECTION_MAX - len(first) - len(meta) - 2
    if card.snippet:
        body = render_spans(card.snippet)
        if len(body) > room:
            body = cut_escaped(_plain_spans(card.snippet), room)
    else:
        body = cut_escaped(card.lead, room) if card.lead else ""
    text = "\n".join(x for x in (first, meta, body) if x)
    return _section(text)


def _notification_blocks(card: Card) -> list[dict[str, Any]]:
    """A new release pushed to a chat: header, context line, lead, link button."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(cut_escaped(card.title or "New release", HEADER_MAX))}
    ]
    meta = _meta(card)
    if meta:
        blocks.append({"type": "context",
                       "elements": [_mrkdwn(cut_escaped(meta, SECTION_MAX))]})
    if card.lead:
        blocks.append(_section(cut_escaped(card.lead, SECTION_MAX)))
    if card.url and _safe_url(card.url) and len(card.url) <= BUTTON_URL_MAX:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "action_id": f"{LINK_PREFIX}release",
            "text": _plain("Read the release"), "url": card.url,
        }]})
    return blocks


def _button_blocks(rows: list[list[Button]]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for r, row in enumerate(rows):
        elements: list[dict[str, Any]] = []
        for i, button in enumerate(row[:ACTIONS_MAX]):
            label = cut_words(button.label, BUTTON_LABEL_MAX) or "…"
            element: dict[str, Any] = {"type": "button", "text": _plain(escape_mrkdwn(label))}
            if button.url:
                if not _safe_url(button.url) or len(button.url) > BUTTON_URL_MAX:
                    continue
                element["action_id"] = f"{LINK_PREFIX}{r}:{i}"
                element["url"] = button.url
            elif button.action and len(button.action) <= BUTTON_VALUE_MAX:
                element["action_id"] = f"{ACTION_PREFIX}{r}:{i}"
                element["value"] = button.action
            else:
                continue
            elements.append(element)
        if elements:
            blocks.append({"type": "actions", "elements": elements})
    return blocks


def render_blocks(reply: Reply, max_blocks: int = MAX_BLOCKS) -> tuple[str, list[dict[str, Any]]]:
    """A Reply as (mrkdwn fallback text, Block Kit blocks). All feed text arrives escaped."""
    blocks: list[dict[str, Any]] = []
    single = len(reply.cards) == 1 and not reply.paragraphs and reply.cards[0].number is None
    if single:
        blocks.extend(_notification_blocks(reply.cards[0]))
    else:
        blocks.extend(_paragraph_blocks(reply.paragraphs))
        for n, card in enumerate(reply.cards):
            if n:
                blocks.append({"type": "divider"})
            blocks.append(_card_list_block(card))
    buttons = _button_blocks(reply.buttons)
    room = max_blocks - len(buttons)
    if len(blocks) > room:
        blocks = blocks[: room - 1]
        blocks.append({"type": "context", "elements": [_mrkdwn("…more not shown")]})
    blocks.extend(buttons)
    text = cut_escaped(reply.plain(), FALLBACK_MAX) or " "
    return text, blocks


# ---- errors ------------------------------------------------------------------------------


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    if isinstance(headers, Mapping):
        for key, value in headers.items():
            if str(key).lower() == name.lower():
                return value[0] if isinstance(value, list | tuple) and value else str(value)
    return None


def slack_error(exc: SlackApiError) -> tuple[int, str, float | None]:
    """(HTTP status, Slack error code, Retry-After seconds) of a failed Web API call."""
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    retry_after: float | None = None
    raw = _header(getattr(response, "headers", None), "Retry-After")
    if raw is not None:
        try:
            retry_after = max(0.0, float(raw))
        except ValueError:
            retry_after = None
    return status, str(error or f"http_{status}"), retry_after


def send_error(exc: SlackApiError, where: str = "") -> Exception:
    """Map a failed chat.postMessage to the SendError delivery understands."""
    status, error, retry_after = slack_error(exc)
    if status == 429 or error == "ratelimited":
        return TransientSendError(f"slack rate limited ({where})",
                                  retry_after=retry_after if retry_after is not None else 1.0)
    if error in PERMANENT_ERRORS:
        return PermanentSendError(f"slack: {error}")
    if error in AUTH_ERRORS:
        log.error("event=slack_auth_error error=%s where=%s fix='check SLACK_BOT_TOKEN and the "
                  "app's scopes, then reinstall the app'", error, where)
        return TransientSendError(f"slack: {error}", retry_after=AUTH_RETRY_SECONDS)
    return TransientSendError(f"slack: {error} (HTTP {status})", retry_after=retry_after)


# ---- sending -----------------------------------------------------------------------------


class SlackTransport:
    """chat.postMessage, with Slack's failures mapped onto SendError."""

    platform = "slack"
    limits: RateLimits = SLACK_LIMITS

    def __init__(self) -> None:
        self.client: AsyncWebClient | None = None  # set by SlackAdapter.start()

    async def send(self, chat: Chat, reply: Reply) -> None:
        text, blocks = render_blocks(reply)
        await self.post(chat.chat_id, text, blocks)

    async def post(self, channel: str, text: str, blocks: list[dict[str, Any]] | None) -> None:
        if self.client is None:
            raise TransientSendError("slack is not started yet", retry_after=5.0)
        try:
            await self._call(channel, text, blocks)
        except SlackApiError as exc:
            status, error, _ = slack_error(exc)
            if error not in MARKUP_ERRORS or not blocks:
                raise send_error(exc, channel) from None
            log.warning("event=slack_markup_refused channel=%s error=%s: sending plain text",
                        channel, error)
            try:
                await self._call(channel, text, None)
            except SlackApiError as again:
                raise send_error(again, channel) from None

    async def _call(self, channel: str, text: str, blocks: list[dict[str, Any]] | None) -> None:
        assert self.client is not None
        kwargs: dict[str, Any] = {"channel": channel, "text": text,
                                  "unfurl_links": False, "unfurl_media": False}
        if blocks:
            kwargs["blocks"] = blocks
        try:
            await self.client.chat_postMessage(**kwargs)
        except SlackApiError:
            raise
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            raise TransientSendError(f"slack network error: {exc!r}") from None


# ---- the running app ---------------------------------------------------------------------


_SLACK_REF = re.compile(r"<([#@!]?)([^<>|]*)(?:\|([^<>]*))?>")


def command_text(text: str) -> str:
    """Slash-command text as typed: Slack escapes `&<>` and sends `#chan` as `<#C123|chan>`."""

    def ref(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil in ("#", "@"):
            return target  # a channel or user id: what the bot needs to address it
        if sigil == "!":
            return "@" + (label or target)
        return label if label and not target.startswith(("http", "mailto:")) else target

    text = _SLACK_REF.sub(ref, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _is_dm(channel_id: str, channel_name: str = "") -> bool:
    return channel_id.startswith("D") or channel_name == "directmessage"


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
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # one command at a time per chat: handlers read, change and save a chat's settings
        self._locks = [asyncio.Lock() for _ in range(64)]

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=API_TIMEOUT))
        client = AsyncWebClient(token=self.cfg.bot_token, base_url=self.cfg.api_base_url,
                                session=self._session, timeout=API_TIMEOUT,
                                logger=logging.getLogger("newsbot.slack.api"))
        self.transport.client = client
        await self._whoami(client)
        http = self.cfg.mode == "http"
        # bolt's own client carries no token: `authorize` hands it one per request
        bolt_client = AsyncWebClient(base_url=self.cfg.api_base_url, session=self._session,
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

    def _authorize_func(self) -> Any:
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # single workspace, token from the environment: no auth.test per request
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id or self.team_id,
                                   bot_token=self.cfg.bot_token,
                                   bot_user_id=self.bot_user_id)

        return authorize

    async def _serve_http(self) -> None:
        app = web.Application(client_max_size=256 * 1024)
        app.router.add_post("/slack/events", self._http_request)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.cfg.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.cfg.port
        log.info("event=slack_http_listening host=%s port=%s path=/slack/events",
                 self.host, self.port)

    async def _http_request(self, request: web.Request) -> web.Response:
        assert self.bolt is not None
        bolt_response = await self.bolt.async_dispatch(await to_bolt_request(request))
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
        self.transport.client = None
        if self._session is not None:
            await self._session.close()

    async def alert_admins(self, reply: Reply) -> None:
        """DM every admin; failures are logged, never raised."""
        text, blocks = render_blocks(reply)
        for admin in self.cfg.admins:
            try:
                await self.transport.post(admin, text, blocks)
            except Exception as exc:
                log.warning("event=slack_admin_alert_failed admin=%s error=%s", admin, exc)

    # -- listeners -------------------------------------------------------------------------------

    def _register(self, bolt: AsyncApp) -> None:
        bolt.command(re.compile(r"^/"))(self._on_command)
        bolt.action(re.compile(f"^{re.escape(ACTION_PREFIX)}"))(self._on_button)
        bolt.action(re.compile(f"^{re.escape(LINK_PREFIX)}"))(self._on_link)
        bolt.event("app_home_opened")(self._on_home_opened)

    def _track(self, coro: Any) -> None:
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

    def make_command(self, *, text: str, channel_id: str, channel_name: str, user_id: str,
                     user_name: str, via_button: bool = False) -> Command:
        """The chat-neutral Command for a Slack request. DMs are the user's chat with the bot."""
        from handlers.router import parse_command_text

        text = command_text(text).strip()
        parsed = parse_command_text(text if text.startswith("/") else "/" + text) \
            if text else None
        name, args, raw = parsed if parsed else ("help", [], "")
        dm = _is_dm(channel_id, channel_name)
        is_bot_admin = user_id in self.cfg.admins
        # channel_rule "admins": only bot admins change a channel; "members": anyone in it
        is_chat_admin = dm or self.cfg.channel_rule == "members" or is_bot_admin
        return Command(
            platform="slack",
            # posting to a user id reaches the app's DM with that user, whichever DM the
            # command was typed in (the bot cannot post in a DM between two people)
            chat_id=user_id if dm else channel_id,
            name=name, args=args, raw_args=raw,
            chat_kind="private" if dm else "channel",
            chat_title=user_name if dm else (channel_name or channel_id),
            user_id=user_id, user_name=user_name,
            is_chat_admin=is_chat_admin, is_bot_admin=is_bot_admin,
            via_button=via_button,
        )

    async def _dispatch(self, cmd: Command) -> Reply:
        from handlers.router import dispatch

        try:
            async with self._locks[hash(cmd.chat_key) % len(self._locks)]:
                return await dispatch(cmd, self.deps)
        except Exception:  # dispatch never raises, by contract; be safe anyway
            log.exception("event=slack_dispatch_error command=%s", cmd.name)
            return Reply.text("Sorry, something went wrong. Please try again.")

    async def _run_command(self, payload: dict[str, Any]) -> None:
        channel_id = str(payload.get("channel_id", ""))
        user_id = str(payload.get("user_id", ""))
        cmd = self.make_command(
            text=str(payload.get("text", "")), channel_id=channel_id,
            channel_name=str(payload.get("channel_name", "")), user_id=user_id,
            user_name=str(payload.get("user_name", "")),
        )
        log.info("event=slack_command name=%s chat=%s user=%s", cmd.name, cmd.chat_key, user_id)
        reply = await self._dispatch(cmd)
        await self.answer(reply, response_url=payload.get("response_url"),
                          channel_id=channel_id, user_id=user_id)
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
        cmd = self.make_command(
            text=str(action.get("value", "")), channel_id=channel_id,
            channel_name="directmessage" if from_home else str(channel.get("name", "")),
            user_id=user_id, user_name=user_name, via_button=True,
        )
        log.info("event=slack_button name=%s chat=%s user=%s", cmd.name, cmd.chat_key, user_id)
        reply = await self._dispatch(cmd)
        if from_home:
            await self.publish_home(user_id, note=reply)
            return
        await self.answer(reply, response_url=body.get("response_url"), channel_id=channel_id,
                          user_id=user_id, replace=bool(container.get("is_ephemeral")))
        if cmd.chat_kind == "private":
            await self.publish_home(user_id)

    async def answer(self, reply: Reply, *, response_url: str | None, channel_id: str,
                     user_id: str, replace: bool = False) -> None:
        """Ephemeral to the caller, or in the channel when the reply announces a change."""
        if reply.silent:
            return
        text, blocks = render_blocks(reply)
        in_channel = reply.announce or not reply.ephemeral
        payload: dict[str, Any] = {
            "text": text, "blocks": blocks,
            "response_type": "in_channel" if in_channel else "ephemeral",
            "replace_original": bool(replace and not in_channel),
            "unfurl_links": False, "unfurl_media": False,
        }
        if response_url and await self._post_response_url(response_url, payload):
            return
        # no response_url (or it expired): the Web API instead
        try:
            client = self.transport.client
            assert client is not None
            if in_channel:
                await client.chat_postMessage(channel=channel_id, text=text, blocks=blocks)
            else:
                await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text,
                                                blocks=blocks)
        except Exception as exc:
            log.warning("event=slack_answer_failed channel=%s user=%s error=%s",
                        channel_id, user_id, exc)

    async def _post_response_url(self, url: str, payload: dict[str, Any]) -> bool:
        if self._session is None or not url.startswith(("https://", "http://")):
            return False
        try:
            async with self._session.post(
                url, json=payload, timeout=aiohttp.ClientTimeout(total=RESPONSE_URL_TIMEOUT)
            ) as resp:
                if resp.status == 200:
                    return True
                log.warning("event=slack_response_url_failed status=%s body=%r", resp.status,
                            (await resp.text())[:200])
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("event=slack_response_url_failed error=%r", exc)
        return False

    # -- App Home --------------------------------------------------------------------------------

    async def publish_home(self, user_id: str, note: Reply | None = None) -> None:
        """The Home tab: the user's own (DM) subscription, with buttons to toggle topics."""
        client = self.transport.client
        if client is None or not user_id:
            return
        try:
            name, args = HOME_COMMAND
            cmd = self.make_command(text=" ".join([name, *args]), channel_id="D-home",
                                    channel_name="directmessage", user_id=user_id,
                                    user_name="", via_button=True)
            reply = await self._dispatch(cmd)
            blocks: list[dict[str, Any]] = [
                {"type": "header", "text": _plain("Customs news: your alerts")},
                {"type": "context", "elements": [_mrkdwn(
                    "Alerts for the topics below arrive in this app's Messages tab. "
                    "In a channel, type `/news help`.", verbatim=False)]},
            ]
            if note is not None and not note.silent and note.paragraphs:
                blocks.extend(_paragraph_blocks(note.paragraphs)[:2])
                blocks.append({"type": "divider"})
            _, body = render_blocks(reply, max_blocks=HOME_MAX_BLOCKS - len(blocks))
            blocks.extend(body)
            await client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks})
        except Exception as exc:
            log.warning("event=slack_home_failed user=%s error=%s", user_id, exc)

    # -- checks the handlers may ask for ---------------------------------------------------------

    async def check_channel(self, name: str) -> str | None:
        """None if the bot can post in the channel, else what the admin should do."""
        channel_id = command_text(name).strip().lstrip("#")
        if not re.fullmatch(r"[CG][A-Z0-9]{2,}", channel_id):
            return (f"{name} is not a channel id; type the channel as #name so that Slack "
                    "sends its id")
        client = self.transport.client
        if client is None:
            return "Slack is not connected yet; try again in a minute"
        try:
            resp = await client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            _, error, _ = slack_error(exc)
            if error in ("channel_not_found", "not_in_channel"):
                return (f"the bot cannot see {channel_id}; invite it there with "
                        "/invite @newsbot")
            return f"could not check {channel_id} ({error}); try again in a minute"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"could not check {channel_id} ({exc!r}); try again in a minute"
        info = resp.get("channel") or {}
        if info.get("is_archived"):
            return f"{channel_id} is archived"
        if info.get("is_member") or not info.get("is_private"):
            return None  # a member, or a public channel (chat:write.public)
        return f"the bot is not in the private channel {channel_id}; /invite @newsbot there"
