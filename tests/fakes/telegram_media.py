"""The fake Bot API's photo methods: sendPhoto (by HTTP URL, which the fake downloads as
Telegram does) and editMessageCaption. A mixin of ``FakeTelegram``, beside ``BotApiMethods``.

Telegram's answers, as the real service gives them:
- a ``photo`` that is not an http(s) URL or a file id: 400 "wrong file identifier/HTTP URL
  specified"; a URL that does not answer 200: 400 "failed to get HTTP URL content"; one that
  answers something other than an image: 400 "wrong type of the web page content";
- a caption over 1,024 characters after its entities are parsed: 400 "message caption is too
  long"; HTML that does not parse: 400 "can't parse entities";
- editMessageCaption on a message without a photo: 400 "there is no caption in the message to
  edit"; the same caption and markup again: 400 "message is not modified".
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram_html import utf16_len
from tests.fakes.telegram_methods import NOT_MODIFIED, BotApiMethods
from tests.fakes.telegram_records import Call

MAX_CAPTION = 1024


class MediaMethods(BotApiMethods):
    """sendPhoto and editMessageCaption, on BotApiMethods' state and answers."""

    photo_fetches: list[str]  # every URL the fake downloaded for a sendPhoto

    def _caption(self, call: Call, params: dict[str, Any]) -> tuple[str, str] | web.Response:
        parsed = self._shown(call, params, "caption")
        if isinstance(parsed, web.Response):
            return parsed
        text, raw = parsed
        if utf16_len(text) > MAX_CAPTION:
            return self._error(call, 400, "Bad Request: message caption is too long")
        return text, raw

    async def _download(self, call: Call, url: str) -> dict[str, Any] | web.Response:
        """Fetch the photo as Telegram's servers do; its PhotoSize, or Telegram's 400."""
        if not url.startswith(("http://", "https://")):
            return self._error(call, 400,
                               "Bad Request: wrong file identifier/HTTP URL specified")
        self.photo_fetches.append(url)
        try:
            async with aiohttp.ClientSession() as session, session.get(
                    url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                body = await response.read()
                kind = response.headers.get("Content-Type", "")
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
            return self._error(call, 400, "Bad Request: failed to get HTTP URL content")
        if status != 200:
            return self._error(call, 400, "Bad Request: failed to get HTTP URL content")
        if not kind.startswith("image/"):
            return self._error(call, 400, "Bad Request: wrong type of the web page content")
        digest = hashlib.sha1(body).hexdigest()
        return {"file_id": f"AgAC{digest[:24]}", "file_unique_id": digest[:16],
                "width": 800, "height": 600, "file_size": len(body)}

    async def _m_sendPhoto(self, call: Call, params: dict[str, Any]) -> web.Response:
        state = self._chat_or_error(call, params)
        if isinstance(state, web.Response):
            return state
        parsed = self._caption(call, params)
        if isinstance(parsed, web.Response):
            return parsed
        throttled = self._throttled(call, state)
        if throttled is not None:
            return throttled
        photo = await self._download(call, str(params.get("photo", "")))
        if isinstance(photo, web.Response):
            return photo
        self._record_send(state, call.time)
        text, raw = parsed
        msg: dict[str, Any] = {"message_id": state.next_message_id, "date": int(time.time()),
                               "chat": state.chat, "from": self.bot, "photo": [photo],
                               "photo_url": str(params.get("photo")), "html": raw}
        if text:
            msg["caption"] = text
        state.next_message_id += 1
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        self.messages[(state.chat["id"], msg["message_id"])] = msg
        self.sent.append(msg)
        return self._ok(self._public_message(msg))

    async def _m_editMessageCaption(self, call: Call, params: dict[str, Any]) -> web.Response:
        state = self._chat_or_error(call, params)
        if isinstance(state, web.Response):
            return state
        msg = self.messages.get((state.chat["id"], int(params.get("message_id") or 0)))
        if msg is None:
            return self._error(call, 400, "Bad Request: message to edit not found")
        if "photo" not in msg:
            return self._error(call, 400,
                               "Bad Request: there is no caption in the message to edit")
        parsed = self._caption(call, params)
        if isinstance(parsed, web.Response):
            return parsed
        text, raw = parsed
        markup = params.get("reply_markup")
        if raw == msg["html"] and markup == msg.get("reply_markup"):
            return self._error(call, 400, NOT_MODIFIED)
        msg.update(html=raw, edit_date=int(time.time()))
        if text:
            msg["caption"] = text
        else:
            msg.pop("caption", None)
        if markup:
            msg["reply_markup"] = markup
        else:
            msg.pop("reply_markup", None)
        return self._ok(self._public_message(msg))
