"""Which language a Slack user reads: their Slack locale (users.info, include_locale=true).

Asked once per user and cached for the process (a locale rarely changes; a restart forgets it).
The answer must never hold a command up: the lookup runs after the 3 s ack, waits at most
`LOOKUP_TIMEOUT`, and when Slack is slow or refuses (e.g. the app lacks `users:read`), the user
reads English, and Slack is asked again only after `RETRY_AFTER` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import DEFAULT_LANGUAGE, pick_language

log = logging.getLogger("newsbot.slack")

LOOKUP_TIMEOUT = 1.5  # seconds
RETRY_AFTER = 60.0  # seconds before asking again about a user whose lookup failed
MAX_USERS = 10_000


class UserLanguages:
    """user id -> "az" | "ru" | "en", from users.info, cached."""

    def __init__(self, timeout: float = LOOKUP_TIMEOUT) -> None:
        self.timeout = timeout
        self._known: OrderedDict[str, str] = OrderedDict()
        self._failed: dict[str, float] = {}  # user id -> when to ask again (monotonic)

    async def language(self, client: AsyncWebClient | None, user_id: str) -> str:
        """The user's language; English when it cannot be learnt now."""
        if user_id in self._known:
            self._known.move_to_end(user_id)
            return self._known[user_id]
        if client is None or not user_id or self._failed.get(user_id, 0.0) > time.monotonic():
            return DEFAULT_LANGUAGE
        try:
            resp = await asyncio.wait_for(
                client.users_info(user=user_id, include_locale=True), timeout=self.timeout)
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            log.info("event=slack_locale_unknown user=%s error=%r", user_id, exc)
            self._failed[user_id] = time.monotonic() + RETRY_AFTER
            return DEFAULT_LANGUAGE
        user = resp.get("user") or {}
        lang = pick_language(user.get("locale") if isinstance(user, dict) else None)
        self._failed.pop(user_id, None)
        self._known[user_id] = lang
        if len(self._known) > MAX_USERS:
            self._known.popitem(last=False)
        return lang
