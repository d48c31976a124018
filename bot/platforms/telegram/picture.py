"""A notification's picture on Telegram: a photo with the summary as its caption, or, when the
summary does not fit a caption, the text message with a large preview of the picture.

Telegram's caption holds 1,024 characters after its entities are parsed (UTF-16 code units, as
a message's 4,096); the rendered HTML is never shorter than the text it parses to, so an HTML
caption within 1,024 is within the limit.
"""

from __future__ import annotations

from telegram import LinkPreviewOptions

from bot.models import Reply
from bot.platforms.telegram.fit import fit_html
from bot.platforms.telegram.render import link_ok, link_preview, render_html

MAX_CAPTION = 1024  # Telegram's limit, in UTF-16 code units of the parsed caption



def picture(reply: Reply) -> str | None:
    """The picture of a notification (one card), when it has one Telegram could fetch."""
    if len(reply.cards) != 1 or reply.paragraphs:
        return None
    image = reply.cards[0].image
    return image if image.startswith(("http://", "https://")) and link_ok(image) else None


def caption(reply: Reply) -> str | None:
    """The notification as one photo caption, or None when it does not fit in one."""
    chunks = render_html(reply, limit=MAX_CAPTION)
    return chunks[0] if len(chunks) == 1 else None


def edited_caption(reply: Reply, lang: str = "en") -> str:
    """A corrected notification as the caption of the photo it was sent with, shortened when
    the whole no longer fits (a photo message stays a photo)."""
    chunks = fit_html(reply, lang, limit=MAX_CAPTION, max_messages=1)
    return chunks[0] if chunks else ""


def preview_options(reply: Reply) -> LinkPreviewOptions:
    """A text notification's preview: a large one of its picture when it has one that did not
    go as a photo (the summary is too long for a caption), else the release's page."""
    image = picture(reply)
    if image is not None and caption(reply) is None:
        return LinkPreviewOptions(is_disabled=False, url=image, prefer_large_media=True,
                                  show_above_text=True)
    return link_preview(reply)
