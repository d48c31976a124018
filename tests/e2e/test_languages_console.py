"""The console (`newsbot demo`) speaks the chat's language too: English until /language says
otherwise; a card lists the story's other editions."""

from __future__ import annotations

import io

from bot.classify import Classifier
from bot.config import Settings
from bot.i18n import tr
from bot.models import Card, Chat, Reply, card_plain
from bot.platforms.console import CONSOLE_CHAT_ID, ConsoleAdapter
from bot.search import SearchIndex
from handlers.deps import Deps
from handlers.subscriptions import GREETING
from tests.fakes.memory_store import MemoryStore


def console() -> tuple[ConsoleAdapter, io.StringIO]:
    out = io.StringIO()
    deps = Deps(store=MemoryStore(), index=SearchIndex(), classifier=Classifier(),
                settings=Settings())
    return ConsoleAdapter(deps, out=out, inp=io.StringIO()), out


async def test_the_console_writes_english_until_the_chat_chooses_another_language() -> None:
    adapter, out = console()
    await adapter.handle_line("hello")
    await adapter.handle_line("/start")
    assert "Commands start with '/': try /help" in out.getvalue()
    assert GREETING[0] in out.getvalue()
    await adapter.handle_line("/language ru")
    out.truncate(0)
    await adapter.handle_line("hello")
    await adapter.handle_line("/start")
    text = out.getvalue()
    assert tr("ru", "Commands start with '/': try {command}", command="/help") in text
    assert tr("ru", GREETING[0]) in text and GREETING[0] not in text
    recovered = "Feed '{feed}' is working again."
    await adapter.alert_admins(lambda lang: Reply.text(tr(lang, recovered, feed="customs")))
    alert = tr("ru", recovered, feed="customs")
    assert alert != recovered.format(feed="customs") and alert in out.getvalue()


async def test_a_console_notification_names_the_other_editions() -> None:
    adapter, out = console()
    card = Card(title="Gömrük gəlirləri", url="https://customs.gov.az/az/7", date_text="",
                topic_labels=[], lead="",
                editions=[("ru", "https://customs.gov.az/ru/9"), ("en", "https://x/en/8")])
    await adapter.transport.send(Chat("console", CONSOLE_CHAT_ID, language="az"),
                                 Reply(cards=[card]))
    text = out.getvalue()
    assert tr("az", "New release for you") in text and "New release for you" not in text
    assert card_plain(card).splitlines()[-1] == (
        "   RU: https://customs.gov.az/ru/9  EN: https://x/en/8")
    assert card_plain(card) in text
