"""The chat commands in the chat's language: which language, /language, stories in lists, and
a sweep of every command in az and ru for text left in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.classify import Classifier
from bot.config import Settings
from bot.i18n import LANGUAGES, load_catalog, tr
from bot.models import Chat, Command, FeedSpec, FeedState, Item, Reply
from bot.search import SearchIndex
from bot.search.query import parse_query
from handlers.deps import Deps
from handlers.relayed import NOTES, reason, search_note
from handlers.router import COMMANDS, dispatch, parse_command_text
from tests.fakes.memory_store import MemoryStore

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ADMIN = {"is_bot_admin": True, "user_id": "42"}
GROUP = {"chat_id": "-200", "chat_kind": "group", "chat_title": "Brokers", "user_id": "7",
         "is_chat_admin": False}


def edition(story: str, lang: str, title: str, body: str, minutes: int,
            topics: dict[str, list[str]]) -> Item:
    return Item(id=f"{story or 'own'}-{lang}", feed_id=f"customs-{lang}",
                url=f"https://customs.example/{lang}/{story or 'own'}", title=title,
                body=body, published=NOW - timedelta(minutes=minutes), language=lang,
                topics=list(topics), reasons=topics, content_hash=f"{story}-{lang}",
                story=story)


def releases() -> list[Item]:
    """Three stories: mines in three editions (newest), WCO in two, trade only in az."""
    return [
        edition("mines", "az", "Ağdamda minatəmizləmə", "Ağdamda minalar təmizlənib.", 10,
                {"demining": ['title: "minatəmizləmə"']}),
        edition("mines", "ru", "Разминирование в Агдаме",
                "Сапёры нашли верблюжью тропу и обезвредили мины в Агдаме.", 12,
                {"demining": ['title: "разминирование"', 'body: "мины"']}),
        edition("mines", "en", "Mine clearance in Aghdam", "Mines were cleared in Aghdam.", 15,
                {"demining": ['title: "mine clearance"']}),
        edition("wco", "en", "WCO Policy Commission meets", "The WCO Policy Commission met.",
                60, {"wco": ['title: "WCO"']}),
        edition("wco", "ru", "Заседание Комиссии по политике ВТамО",
                "Комиссия по политике ВТамО провела заседание.", 65,
                {"wco": ['title: "ВТамО"']}),
        edition("", "az", "Xarici ticarət dövriyyəsi artıb",
                "Xarici ticarət dövriyyəsi artıb.", 120, {"trade": ['title: "ticarət"']}),
    ]


@pytest.fixture
def deps() -> Deps:
    store = MemoryStore()
    store.ingest(releases(), notify=False, now=NOW)
    index = SearchIndex(get_item=store.get_item)
    index.add_many(store.iter_items())
    return Deps(store=store, index=index, classifier=Classifier(), settings=Settings(),
                clock=lambda: NOW)


def command(text: str, **kw: Any) -> Command:
    parsed = parse_command_text(text)
    assert parsed is not None, text
    name, args, raw = parsed
    kw.setdefault("platform", "telegram")
    kw.setdefault("chat_id", "100")
    return Command(name=name, args=args, raw_args=raw, **kw)


async def run(deps: Deps, text: str, **kw: Any) -> Reply:
    return await dispatch(command(text, **kw), deps)


# ---- which language ----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "lang", "hello"), [
    ("ru-RU", "ru", "Здравствуйте!"), ("az", "az", "Salam!"), ("de", "en", "Hello!"),
    ("", "en", "Hello!"),
])
async def test_start_answers_in_the_users_language_and_the_chat_keeps_it(
    deps: Deps, code: str, lang: str, hello: str
) -> None:
    reply = await run(deps, "/start", language=code)
    assert reply.plain().startswith(hello)
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.language == lang
    # the topic buttons are in that language too
    labels = [b.label for row in reply.buttons for b in row]
    demining = {"ru": "Разминирование", "az": "Minatəmizləmə", "en": "Demining"}[lang]
    assert demining in labels


async def test_a_stored_chat_answers_in_its_own_language_whoever_writes(deps: Deps) -> None:
    await run(deps, "/start", language="ru", **GROUP)
    reply = await run(deps, "/topics", language="en-GB", **GROUP)  # another member
    assert "Темы" in reply.plain() and "Разминирование" in reply.plain()


# ---- /language ---------------------------------------------------------------------------------


async def test_language_shows_the_current_one_and_three_buttons(deps: Deps) -> None:
    reply = await run(deps, "/language", language="az")
    assert "Bu çatın dili: Azərbaycan dili." in reply.plain()
    [row] = reply.buttons
    assert [b.action for b in row] == [f"language {code}" for code in LANGUAGES]
    assert {b.label for b in row} == {"✅ Azərbaycan dili", "Русский", "English"}


async def test_language_changes_the_replies_and_confirms_in_the_new_one(deps: Deps) -> None:
    await run(deps, "/subscribe demining")
    reply = await run(deps, "/language ru", via_button=True)
    assert reply.plain() == "Готово: теперь язык этого чата — русский."
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.language == "ru"
    assert chat.subscription.topics == {"demining"}  # nothing else changed
    settings = (await run(deps, "/settings")).plain()
    assert "Язык: русский" in settings and "Темы: Разминирование" in settings
    assert "уже выбран" in (await run(deps, "/language русский")).plain()
    back = await run(deps, "/language English")
    assert back.plain() == "Done: this chat's language is now English."
    assert "Settings of this chat" in (await run(deps, "/settings")).plain()
    wrong = await run(deps, "/language de")
    assert "'de' is not a language I write in" in wrong.plain()


async def test_language_works_as_a_slack_subcommand(deps: Deps) -> None:
    reply = await run(deps, "/language az", platform="slack", chat_id="D1")
    assert reply.plain() == "Hazırdır: bu çatın yeni dili — Azərbaycan dili."
    usage = (await run(deps, "/help language", platform="slack", chat_id="D1")).plain()
    assert "/news language [az|ru|en]" in usage


async def test_only_a_groups_admins_change_its_language(deps: Deps) -> None:
    await run(deps, "/subscribe wco", language="ru", **GROUP | {"is_chat_admin": True})
    refused = await run(deps, "/language en", **GROUP)
    assert "Язык этой группы могут менять только её администраторы." in refused.plain()
    chat = deps.store.get_chat("telegram:-200")
    assert chat is not None and chat.language == "ru"
    assert "Русский" in [b.label.lstrip("✅ ") for b in (await run(
        deps, "/language", **GROUP)).buttons[0]]  # looking is fine for anyone
    done = await run(deps, "/language az", **GROUP | {"is_chat_admin": True})
    assert done.announce and "Azərbaycan dili" in done.plain()
    channel = await run(deps, "/language az", platform="slack", chat_id="C1",
                        chat_kind="channel", is_chat_admin=False)
    assert "bot's administrators can change this channel's language" in channel.plain()


# ---- stories in lists --------------------------------------------------------------------------


async def test_latest_lists_each_story_once_in_the_chats_language(deps: Deps) -> None:
    await run(deps, "/language ru")
    reply = await run(deps, "/latest")
    assert [c.title for c in reply.cards] == [
        "Разминирование в Агдаме", "Заседание Комиссии по политике ВТамО",
        "Xarici ticarət dövriyyəsi artıb"]  # the az-only story in its one edition
    mines, wco, trade = reply.cards
    assert sorted(mines.editions) == [("az", "https://customs.example/az/mines"),
                                      ("en", "https://customs.example/en/mines")]
    assert wco.editions == [("en", "https://customs.example/en/wco")]
    assert trade.editions == []
    assert mines.topic_labels == ["Разминирование"] and "марта 2026" in mines.date_text


async def test_latest_pages_count_stories_not_editions(deps: Deps) -> None:
    first = await run(deps, "/latest 2", language="az")
    assert [c.title for c in first.cards] == [  # WCO has no az edition: the ru one is next best
        "Ağdamda minatəmizləmə", "Заседание Комиссии по политике ВТамО"]
    [[more]] = first.buttons
    assert more.label == tr("az", "More") != "More"
    second = await run(deps, "/" + more.action, via_button=True, language="az")
    assert [c.title for c in second.cards] == ["Xarici ticarət dövriyyəsi artıb"]
    assert [c.number for c in second.cards] == [3] and not second.buttons
    on_topic = await run(deps, "/latest demining", language="az")
    assert [c.title for c in on_topic.cards] == ["Ağdamda minatəmizləmə"]


async def test_search_finds_a_story_through_another_editions_text(deps: Deps) -> None:
    reply = await run(deps, "/search верблюжью", language="en")
    [card] = reply.cards
    assert card.title == "Mine clearance in Aghdam"  # the en edition, found via the ru text
    assert ("ru", "https://customs.example/ru/mines") in card.editions
    assert "Results 1–1 of 1 for: верблюжью" in reply.plain()
    asked = await run(deps, "/search Агдаме lang:ru", language="en")
    assert [c.title for c in asked.cards] == ["Разминирование в Агдаме"]  # lang: was asked
    assert ("en", "https://customs.example/en/mines") in asked.cards[0].editions


async def test_search_shows_a_story_once_whichever_editions_match(deps: Deps) -> None:
    reply = await run(deps, "/search Aghdam Агдаме Ağdamda", language="ru")
    titles = [c.title for c in reply.cards]
    assert titles.count("Разминирование в Агдаме") == 1
    mines = await run(deps, "/search topic:demining", language="ru")
    assert [c.title for c in mines.cards] == ["Разминирование в Агдаме"]
    assert "из 1" in mines.plain()


async def test_why_gives_each_editions_reasons_with_its_language(deps: Deps) -> None:
    await run(deps, "/latest 1", language="ru")
    text = (await run(deps, "/why 1", language="ru")).plain()
    assert text.startswith("1. Разминирование в Агдаме")
    assert 'русский: title: "разминирование"; body: "мины"' in text
    assert 'английский: title: "mine clearance"' in text
    assert 'азербайджанский: title: "minatəmizləmə"' in text
    await run(deps, "/latest", chat_id="101")
    english = (await run(deps, "/why 2", chat_id="101")).plain()
    assert "World Customs Organization:" in english
    assert 'English: title: "WCO"' in english and 'Russian: title: "ВТамО"' in english


# ---- nothing left in English -------------------------------------------------------------------

SEARCH_TROUBLE = ["since:abc", "until:2023-13", "lang:xx customs", "-lang:az customs", "topic:",
                  "customs since:2024 until:2020", " ".join(f"w{n}" for n in range(25)),
                  "Aghdam zyxwvut", "...", "the"]

PRIVATE = [
    "/start", "/start demining", "/start demning", "/help", "/help search", "/help latest",
    "/help nope", "/topics", "/subscribe", "/subscribe demining wco", "/subscribe demining",
    "/subscribe demine", "/subscribe toggle trade", "/subscribe toggle trade",
    "/subscribe toggle nope", "/unsubscribe", "/unsubscribe trade", "/unsubscribe trad",
    "/unsubscribe wco", "/watch", "/watch georgia", "/watch GEORGIA", "/watch .",
    "/watch " + "x" * 41, "/unwatch", "/unwatch nothing", "/unwatch georgia", "/digest",
    "/digest 25:00", "/digest 08:30", "/settings", "/digest off", "/language", "/language xx",
    "/latest", "/latest 50", "/latest 0", "/latest demning", "/latest --page x",
    "/latest 1 2 3", "/latest 2 trade", "/latest --page 9", "/latest training",
    "/latest --page 2 5 demining", "/search", "/search Aghdam",
    "/search --page 2 --q deadbeef", "/search " + "word " * 50, "/search zyxwvut",
    "/search --page 2 --q x", "/why", "/why 1", "/why 99", "/why x", "/unsubscribe all",
    "/unsubscribe all", "/unwatch all", "/subscrbe", "/stats", "/watch " + "w " * 40,
    "/settings", *(f"/search {query}" for query in SEARCH_TROUBLE),
    "/digest weekly", "/digest weekly fri 18:00", "/digest weekly funday", "/digest daily 07:00",
    "/pause", "/pause 2h keep", "/pause soon", "/pause 900d", "/settings", "/resume", "/resume",
    "/pause", "/settings", "/resume", "/quiet", "/quiet 22:00-08:00", "/settings", "/quiet 25-8",
    "/quiet off",
]
ADMINS = [
    "/feeds", "/addfeed", "/addfeed https://x.example/rss", "/addfeed https://x.example/rss",
    "/addfeed https://y.example/ y html", "/addfeed https://y.example/ y html (",
    "/addfeed https://z.example/ a b", "/addfeed https://z.example/ customs",
    "/removefeed", "/removefeed nope", "/removefeed customs", "/removefeed x-example",
    "/removefeed x-example", "/stats", "/channel", "/channel list",
    "/channel add @CustomsNews demining", "/channel add @CustomsNews",
    "/channel add customs wco", "/channel add @CustomsNews mines", "/channel add @Other wco",
    "/channel list", "/channel remove @nope", "/channel remove @CustomsNews", "/channel list",
    "/help", "/help addfeed", "/addfeed ftp://x.example/f", "/addfeed https:///rss",
    "/addfeed https://m.example/ B!",
    "/broadcast", "/broadcast Hello all", "/broadcast " + "x" * 3001,
]
# English words that no az or ru text of the bot needs (outside commands, ids and code)
ENGLISH_WORDS = {"the", "is", "are", "to", "you", "your", "this", "with", "for", "of", "was",
                 "not", "has", "have", "will", "can", "from", "there", "which", "no", "on",
                 "it", "its", "one", "any", "releases", "release", "chat", "feed", "feeds",
                 "topic", "topics", "try", "send", "use", "type", "tap", "more", "none"}


def untranslated(lang: str) -> tuple[list[re.Pattern[str]], set[str]]:
    """The English msgids that `lang` translates differently, as patterns ({x} -> anything),
    and the words its translations use (so "the" in the search help's own example is fine)."""
    catalog = load_catalog(lang)
    patterns: list[re.Pattern[str]] = []
    words: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            words.update(re.findall(r"\w+", form.casefold()))
        for msgid in ids:
            if msgid in forms or not re.search(r"[A-Za-z]{2}", re.sub(r"\{\w+\}", "", msgid)):
                continue
            parts = [re.escape(p) for p in re.split(r"\{\w+\}", msgid)]
            patterns.append(re.compile(r"(?<!\w)" + ".+?".join(parts) + r"(?!\w)"))
    return patterns, words


def texts_of(reply: Reply) -> list[str]:
    """What the bot wrote itself: paragraphs without code and links, button labels (the
    language buttons name each language in itself, so they are left out)."""
    out = ["".join(s.text for s in para if s.style not in ("code", "link"))
           for para in reply.paragraphs]
    out += [b.label for row in reply.buttons for b in row if not b.action.startswith("language")]
    return out


def english_words(text: str, allowed: set[str]) -> set[str]:
    text = re.sub(r"\S*/\S*|@\S+|\S+:\S+|'[^']*'|«[^»]*»|\"[^\"]*\"", " ", text)  # commands...
    return {w for w in re.findall(r"\w+", text.casefold())
            if w in ENGLISH_WORDS and w not in allowed}


@pytest.mark.parametrize("lang", ["az", "ru"])
async def test_every_reply_of_every_command_is_in_the_chats_language(
    deps: Deps, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patterns, allowed = untranslated(lang)
    deps.settings.fetch.allow_private = True
    deps.settings.feeds = [FeedSpec(id="customs", url="https://customs.example/rss")]
    memory = deps.store
    assert isinstance(memory, MemoryStore)
    memory.save_feed_state(FeedState(feed_id="customs", last_success=NOW - timedelta(days=3),
                                     last_error="HTTP 503", consecutive_failures=2,
                                     last_error_at=NOW - timedelta(minutes=5), gone=True))
    memory.save_chat(Chat("telegram", "300", language=lang, active=False,
                          deactivated_reason="blocked"))
    memory.save_chat(Chat("telegram", "-200", kind="group", language=lang, active=False))
    memory.save_chat(Chat("slack", "C9", kind="channel", language=lang))
    runs: list[tuple[str, dict[str, Any]]] = [(t, {}) for t in PRIVATE]
    runs += [(t, ADMIN) for t in ADMINS]
    runs += [(t, {"chat_id": "300"}) for t in ("/settings", "/start", "/watch zone")]
    runs += [(t, GROUP) for t in ("/start", "/subscribe wco", "/language ru", "/weather",
                                  "/subscrbe demining")]
    runs += [(t, {"platform": "slack", "chat_id": "C9", "chat_kind": "channel",
                  "is_chat_admin": False}) for t in ("/subscribe wco", "/language az")]
    problems: list[str] = []
    seen: set[str] = set()
    for text, kw in runs:
        reply = await run(deps, text, language=lang, **kw)
        if text not in ("/weather",):
            assert reply.paragraphs or reply.cards, text
        seen.add(text.split()[0])
        for line in texts_of(reply):
            problems += [f"{text} -> {line!r} ~ {p.pattern!r}" for p in patterns
                         if p.search(line)]
            if words := english_words(line, allowed):
                problems.append(f"{text} -> {line!r}: {sorted(words)}")
    deps.settings.fetch.allow_private = False
    refused = await run(deps, "/addfeed http://127.0.0.1/rss", language=lang, **ADMIN)
    assert "127.0.0.1" in refused.plain() and "allow_private" in refused.plain()
    problems += [f"{refused.plain()!r} ~ {p.pattern}" for p in patterns
                 if p.search(refused.plain())]
    assert problems == []
    assert {f"/{name}" for name in COMMANDS} <= seen  # every command was run
    # the one apology, for a handler that fails
    async def broken(cmd: Command, deps: Deps) -> Reply:
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "topics", COMMANDS["topics"]._replace(handler=broken))
    sorry = (await run(deps, "/topics", language=lang)).plain()
    assert sorry and not any(p.search(sorry) for p in patterns)


@pytest.mark.parametrize("lang", ["az", "ru"])
async def test_the_empty_bot_answers_in_the_chats_language(lang: str) -> None:
    patterns, allowed = untranslated(lang)
    store = MemoryStore()
    empty = Deps(store=store, index=SearchIndex(), classifier=Classifier(), settings=Settings())
    building = Deps(store=MemoryStore(), index=SearchIndex(), classifier=Classifier(),
                    settings=Settings())
    assert isinstance(building.store, MemoryStore)
    building.store.ingest(releases(), notify=False, now=NOW)
    replies = [await run(empty, t, language=lang, **kw) for t, kw in (
        ("/latest", {}), ("/latest demining", {}), ("/search customs", {}), ("/feeds", ADMIN),
        ("/why 1", {}), ("/unwatch x", {}), ("/unsubscribe x", {}), ("/stats", ADMIN))]
    replies.append(await run(building, "/search customs", language=lang))
    for reply in replies:
        for line in texts_of(reply):
            assert not [p.pattern for p in patterns if p.search(line)], line
            assert not english_words(line, allowed), line


def test_every_warning_of_the_search_is_translated(deps: Deps) -> None:
    """The notes table (handlers/relayed.py) knows what bot.search writes today."""
    seen: list[str] = [parse_query("x" * 300).warnings[0]]
    for query in SEARCH_TROUBLE:
        outcome = deps.index.search(query)
        seen += [*outcome.query.warnings, *([outcome.error] if outcome.error else [])]
    assert len(seen) >= 9
    for note in seen:
        assert any(p.fullmatch(note) for p, _ in NOTES), note
        for lang in ("az", "ru"):
            assert search_note(lang, note) != search_note("en", note), (lang, note)
    assert search_note("ru", "lang: accepts en, az or ru, not 'xx'") == (
        "lang: принимает только en, az или ru, а не 'xx'.")
    assert search_note("ru", "a note the table lacks") == "A note the table lacks."


def test_the_reasons_for_refusing_a_feed_are_translated() -> None:
    assert reason("ru", "the host 'nowhere.example' could not be resolved") == (
        "не удалось определить адрес хоста 'nowhere.example'")
    assert reason("az", "the URL has no host name") == "URL-də host adı yoxdur"
    assert reason("ru", "something new") == "something new"
