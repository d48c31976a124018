"""Topic names and descriptions in the chat's language.

The catalogs hold the built-in taxonomy's names and descriptions, keyed by their English text.
A topic from the config (`[[topics]]` with its own name) has no entry, so gettext hands its own
words back: they are shown as the config wrote them, whatever the chat's language.
"""

from __future__ import annotations

from bot.i18n.catalogs import translator
from bot.models import Topic


def topic_name(topic: Topic, lang: str | None) -> str:
    """The topic's name in `lang`; its own name when the catalogs do not know it."""
    if not topic.name:
        return topic.id
    return translator(lang).gettext(topic.name)


def topic_description(topic: Topic, lang: str | None) -> str:
    """The topic's description in `lang`; its own when the catalogs do not know it."""
    if not topic.description:
        return ""
    return translator(lang).gettext(topic.description)
