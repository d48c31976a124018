"""A reply in a bounded number of Telegram messages: one release is one message, a list (/latest,
/search, a digest) at most MAX_MESSAGES.

`render_html` cuts a reply into messages of at most 4096 characters wherever it must. Here the
reply is first made to fit the count: its cards are shortened step by step (titles, then leads,
then leads left out), and if even that is too long the first messages are kept, the last one
ending with "…more not shown" (and still carrying the reply's buttons, e.g. "More").
"""

from __future__ import annotations

import html
from dataclasses import replace

from bot.i18n import tr
from bot.models import Card, Reply
from bot.platforms.telegram.render import MAX_MESSAGE, render_html
from bot.summary import LEAD_MAX_CHARS, TITLE_MAX_CHARS, cut_words

MAX_MESSAGES = 3  # a list reply; a reply of one release (a notification) is one message
# (title, lead) lengths tried in turn until the cards fit; lead 0: no lead, no snippet
STEPS = ((TITLE_MAX_CHARS, LEAD_MAX_CHARS), (200, 200), (150, 100), (120, 0))


def _shorten(card: Card, title_max: int, lead_max: int) -> Card:
    return replace(card, title=cut_words(card.title, title_max),
                   lead=cut_words(card.lead, lead_max) if lead_max else "",
                   snippet=card.snippet if lead_max else [])


def message_budget(reply: Reply) -> int:
    """How many messages `reply` may take: one for a single release, else MAX_MESSAGES."""
    return 1 if len(reply.cards) == 1 and not reply.paragraphs else MAX_MESSAGES


def fit_html(reply: Reply, lang: str = "en", limit: int = MAX_MESSAGE,
             max_messages: int | None = None) -> list[str]:
    """`reply` as at most `max_messages` (by default `message_budget`) Telegram HTML messages
    of at most `limit` characters; `lang` is the chat's, for the note on what was left out."""
    budget = max(1, message_budget(reply) if max_messages is None else max_messages)
    messages = render_html(reply, limit)
    if len(messages) <= budget:
        return messages
    shorter = reply
    for title_max, lead_max in STEPS:
        shorter = replace(reply, cards=[_shorten(c, title_max, lead_max) for c in reply.cards])
        messages = render_html(shorter, limit)
        if len(messages) <= budget:
            return messages
    note = "\n\n<i>" + html.escape(tr(lang, "…more not shown"), quote=False) + "</i>"
    messages = render_html(shorter, limit - len(note))[:budget]
    messages[-1] += note
    return messages
