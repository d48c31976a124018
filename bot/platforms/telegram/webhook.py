"""Telegram's webhook, served with aiohttp inside the bot's loop.

PTB's ``Updater.start_webhook`` needs tornado (the ``[webhooks]`` extra), which the bot does not
depend on, so the webhook is served here with aiohttp (already a dependency): ``POST <path of
webhook_url>`` on webhook_listen:port, the ``X-Telegram-Bot-Api-Secret-Token`` header checked
against ``TELEGRAM_WEBHOOK_SECRET`` (a random secret when that is unset), updates put on
``application.update_queue`` as the Updater would.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.webserver import start_site

log = logging.getLogger("newsbot.telegram")


class TelegramWebhook:
    def __init__(self, application: Application, allowed_updates: list[str]) -> None:
        self.application = application
        self.allowed_updates = allowed_updates
        self._secret = ""
        self._runner: web.AppRunner | None = None

    async def start(self, url: str, host: str, port: int, secret: str | None) -> None:
        """Listen on host:port, then tell Telegram to post updates to `url`."""
        self._secret = secret or secrets.token_urlsafe(32)
        web_app = web.Application()
        web_app.router.add_post(urlsplit(url).path or "/", self._on_update)
        self._runner, _ = await start_site(web_app, host, port, shutdown_timeout=1.0)
        await self.application.bot.set_webhook(url=url, secret_token=self._secret,
                                               allowed_updates=self.allowed_updates)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _on_update(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("event=webhook_rejected reason=bad_secret peer=%s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except Exception:
            return web.Response(status=400, text="bad update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")
