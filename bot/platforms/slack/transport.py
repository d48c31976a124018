"""Sending to Slack: chat.postMessage for delivery, response_url for command answers.

Slack's failures map onto SendError: a chat that is gone is permanent, a rate limit or a server
error transient (with Retry-After), bad credentials transient too (an operator must act; sends
wait and retry), and refused markup is sent again as plain text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.models import Chat, Reply
from bot.platforms.base import (
    SLACK_LIMITS,
    PermanentSendError,
    RateLimits,
    SendError,
    TransientSendError,
    fallback_reply,
)
from bot.platforms.slack.blocks import Block, render_blocks, without_images

log = logging.getLogger("newsbot.slack")

RESPONSE_URL_TIMEOUT = 10.0
AUTH_RETRY_SECONDS = 60.0

# The chat cannot be reached any more: delivery deactivates it.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive",
    "user_not_found", "user_disabled", "cannot_dm_bot", "team_access_not_granted",
})
# chat.update: the message was deleted or may no longer be edited (nothing to retry)
EDIT_GONE_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
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


def send_error(exc: SlackApiError, where: str = "") -> SendError:
    """Map a failed chat.postMessage (or chat.update) to the SendError delivery
    understands."""
    status, error, retry_after = slack_error(exc)
    if status == 429 or error == "ratelimited":
        return TransientSendError(f"slack rate limited ({where})",
                                  retry_after=retry_after if retry_after is not None else 1.0)
    if error in PERMANENT_ERRORS or error in EDIT_GONE_ERRORS:
        return PermanentSendError(f"slack: {error}")
    if error in AUTH_ERRORS:
        log.error("event=slack_auth_error error=%s where=%s fix='check SLACK_BOT_TOKEN and the "
                  "app's scopes, then reinstall the app'", error, where)
        return TransientSendError(f"slack: {error}", retry_after=AUTH_RETRY_SECONDS)
    return TransientSendError(f"slack: {error} (HTTP {status})", retry_after=retry_after)


class SlackTransport:
    """chat.postMessage, with Slack's failures mapped onto SendError."""

    platform = "slack"
    limits: RateLimits = SLACK_LIMITS

    def __init__(self) -> None:
        # both set by SlackAdapter.start(), cleared by stop()
        self.client: AsyncWebClient | None = None
        self.session: aiohttp.ClientSession | None = None

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """Post; the message's id ("CHANNEL:TS", what chat.update takes)."""
        text, blocks = render_blocks(reply, lang=chat.language)
        return await self.post(chat.chat_id, text, blocks)

    async def post(self, channel: str, text: str, blocks: list[Block] | None) -> str | None:
        if self.client is None:
            raise TransientSendError("slack is not started yet", retry_after=5.0)
        try:
            return await self._call("chat_postMessage", {"channel": channel}, text, blocks)
        except SlackApiError as exc:
            return await self._without_markup(exc, channel, "chat_postMessage",
                                              {"channel": channel}, text, blocks)

    async def _without_markup(self, exc: SlackApiError, channel: str, method: str,
                              target: dict[str, Any], text: str,
                              blocks: list[Block] | None) -> str | None:
        """Refused markup: again without the picture when there was one (Slack could not
        download it: invalid_blocks), then as plain text. Other errors -> SendError."""
        _, error, _ = slack_error(exc)
        if error not in MARKUP_ERRORS or not blocks:
            raise send_error(exc, channel) from None
        if without_images(blocks) != blocks:
            log.info("event=slack_image_refused channel=%s error=%s: sending without it",
                     channel, error)
            try:
                return await self._call(method, target, text, without_images(blocks))
            except SlackApiError as again:
                _, error, _ = slack_error(again)
                if error not in MARKUP_ERRORS:
                    raise send_error(again, channel) from None
        log.warning("event=slack_markup_refused channel=%s error=%s: sending plain text",
                    channel, error)
        try:
            return await self._call(method, target, text, None)
        except SlackApiError as again:
            raise send_error(again, channel) from None

    async def _call(self, method: str, target: dict[str, Any], text: str,
                    blocks: list[Block] | None) -> str | None:
        assert self.client is not None
        kwargs: dict[str, Any] = {**target, "text": text}
        if method == "chat_postMessage":
            kwargs.update(unfurl_links=False, unfurl_media=False)
        if blocks or method == "chat_update":
            kwargs["blocks"] = blocks or []  # chat.update: [] removes the old blocks
        try:
            response = await getattr(self.client, method)(**kwargs)
        except SlackApiError:
            raise
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            raise TransientSendError(f"slack network error: {exc!r}") from None
        channel, ts = response.get("channel"), response.get("ts")
        return f"{channel}:{ts}" if channel and ts else None

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> None:
        """A corrected notification, in place (chat.update). A message deleted or no longer
        editable is let be."""
        channel, _, ts = message_id.rpartition(":")
        if not channel or not ts:
            return
        if self.client is None:
            raise TransientSendError("slack is not started yet", retry_after=5.0)
        text, blocks = render_blocks(reply, lang=chat.language)
        target = {"channel": channel, "ts": ts}
        try:
            try:
                await self._call("chat_update", target, text, blocks)
            except SlackApiError as exc:
                await self._without_markup(exc, channel, "chat_update", target, text, blocks)
        except TransientSendError:
            raise
        except SendError as exc:  # message_not_found, cant_update_message, edit_window_closed
            log.info("event=edit_skipped channel=%s ts=%s reason=%s", channel, ts, exc)

    async def answer(self, reply: Reply, *, response_url: str | None, channel_id: str,
                     user_id: str, replace: bool = False, lang: str = "en") -> None:
        """Answer a command: ephemeral to the caller, or in the channel when the reply
        announces a change. Through `response_url`, else the Web API. Never raises. `lang`:
        the chat's language, for the blocks' own texts."""
        if reply.silent:
            return
        try:
            text, blocks = render_blocks(reply, lang=lang)
        except Exception:  # a rendering bug: the user still hears that something went wrong
            log.exception("event=slack_render_failed channel=%s", channel_id)
            text, blocks = render_blocks(fallback_reply(lang), lang=lang)
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
            client = self.client
            assert client is not None
            if in_channel:
                await client.chat_postMessage(channel=channel_id, text=text, blocks=blocks)
            else:
                await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text,
                                                blocks=blocks)
        except Exception as exc:
            log.warning("event=slack_answer_failed channel=%s user=%s error=%s",
                        channel_id, user_id, exc)

    async def update(self, channel: str, ts: str, reply: Reply, lang: str = "en") -> bool:
        """Put `reply` in place of the message `ts` (an alert whose button was pressed), through
        chat.update: a response_url lasts 30 minutes, an alert's buttons much longer. False
        when Slack refused (the caller answers another way)."""
        if self.client is None:
            return False
        try:
            text, blocks = render_blocks(reply, lang=lang)
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except Exception as exc:
            log.warning("event=slack_update_failed channel=%s error=%s", channel, exc)
            return False
        return True

    async def _post_response_url(self, url: str, payload: dict[str, Any]) -> bool:
        if self.session is None or not url.startswith(("https://", "http://")):
            return False
        try:
            async with self.session.post(
                url, json=payload, timeout=aiohttp.ClientTimeout(total=RESPONSE_URL_TIMEOUT)
            ) as resp:
                if resp.status == 200:
                    return True
                log.warning("event=slack_response_url_failed status=%s body=%r", resp.status,
                            (await resp.text())[:200])
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("event=slack_response_url_failed error=%r", exc)
        return False
