"""Chat command handlers over an in-memory store and the real (pure, in-memory) classifier
and search index."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.classify import Classifier
from bot.config import Settings
from bot.delivery import matches
from bot.models import Chat, Command, FeedSpec, FeedState, Item, Reply, Subscription
from bot.search import SEARCH_HELP, SearchIndex
from bot.store import Store
from handlers import router
from handlers.deps import Deps
from handlers.router import COMMANDS, dispatch, parse_command_text, split_args
from tests.fakes.memory_store import MemoryStore
from tests.helpers import fixture_releases

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ADMIN = "42"


def load_releases() -> list[Item]:
    return fixture_releases()


@dataclass
class FakeFeeds:
    """The poller as the admin handlers see it (handlers.ports.FeedControl)."""

    store: MemoryStore
    specs: dict[str, FeedSpec] = field(default_factory=dict)
    states: dict[str, FeedState] = field(default_factory=dict)

    def feed_specs(self) -> list[FeedSpec]:
        return list(self.specs.values())

    def health(self) -> dict[str, FeedState]:
        return {fid: self.states.get(fid, FeedState(feed_id=fid)) for fid in self.specs}

    async def add_feed(self, spec: FeedSpec) -> None:
        self.store.add_admin_feed(spec)
        self.specs[spec.id] = spec

    async def remove_feed(self, feed_id: str) -> bool:
        spec = self.specs.get(feed_id)
        if spec is None or spec.origin != "admin":
            return False
        del self.specs[feed_id]
        return self.store.remove_admin_feed(feed_id)


@pytest.fixture(scope="module")
def classified() -> list[Item]:
    """The 90 development releases, classified once for the whole module."""
    items = load_releases()
    classifier = Classifier()
    for item in items:
        found = classifier.classify(item.title, item.body, item.language)
        item.topics = [m.topic_id for m in found]
        item.reasons = {m.topic_id: m.reasons for m in found}
    return items


@pytest.fixture
def deps(classified: list[Item]) -> Deps:
    store = MemoryStore()
    store.ingest(deepcopy(classified), notify=False, now=NOW)
    index = SearchIndex(get_item=store.get_item)
    index.add_many(store.iter_items())
    feeds = FakeFeeds(store, specs={"customs": FeedSpec(id="customs",
                                                        url="https://customs.example/rss")})
    return Deps(store=store, index=index, classifier=Classifier(), settings=Settings(),
                clock=lambda: NOW, feeds=feeds)


def memory(deps: Deps) -> MemoryStore:
    """The fake behind `deps.store`, for the calls that set a scene (not on the port)."""
    assert isinstance(deps.store, MemoryStore)
    return deps.store


def command(text: str, **kw: Any) -> Command:
    parsed = parse_command_text(text)
    assert parsed is not None, text
    name, args, raw = parsed
    kw.setdefault("platform", "telegram")
    kw.setdefault("chat_id", "100")
    return Command(name=name, args=args, raw_args=raw, **kw)


async def run(deps: Deps, text: str, **kw: Any) -> Reply:
    reply = await dispatch(command(text, **kw), deps)
    assert isinstance(reply, Reply)
    return reply


def group(**kw: Any) -> dict[str, Any]:
    return {"chat_id": "-200", "chat_kind": "group", "chat_title": "Brokers", "user_id": "7",
            "is_chat_admin": False} | kw


def text_of(reply: Reply) -> str:
    return reply.plain()


def new_release(store: MemoryStore, n: int, title: str, topics: list[str], body: str = "") -> Item:
    item = Item(id=f"new-{n}", feed_id="customs", url=f"https://customs.example/new/{n}",
                title=title, body=body or title + ".", published=NOW + timedelta(minutes=n),
                topics=topics, content_hash=f"n{n}")
    store.ingest([item], now=NOW)
    return item


# ---- the fake store ------------------------------------------------------------------------------


def test_memory_store_answers_as_the_real_store(tmp_path: Path, classified: list[Item]) -> None:
    """What the handlers ask of a store, asked of the fake and of the real one alike."""
    fake = MemoryStore()
    with Store(tmp_path / "data", backups=0) as real:
        answers = []
        for store in (fake, real):
            store.ingest(deepcopy(classified), notify=False, now=NOW)
            new_release(store, 1, "Demining news", ["demining"])  # type: ignore[arg-type]
            chat = Chat("telegram", "100", subscription=Subscription(topics={"wco"}))
            store.save_chat(chat)
            chat.subscription.topics.add("demining")  # not saved: the store must not see it
            store.add_admin_feed(FeedSpec(id="extra", url="https://e.example/rss"))
            store.add_admin_feed(FeedSpec(id="gone", url="https://g.example/rss"))
            store.save_feed_state(FeedState(feed_id="gone", consecutive_failures=2))
            removed = (store.remove_admin_feed("gone"), store.remove_admin_feed("nope"))
            latest = [[i.id for i in store.latest(limit=n, offset=o, topic=t)]
                      for n, o, t in ((5, 0, None), (7, 3, None), (3, 0, "demining"),
                                      (20, 2, "wco"), (5, 500, None))]
            answers.append((
                store.max_seq, store.count_items(), latest, removed,
                [(f.id, f.origin) for f in store.admin_feeds()], store.feed_states(),
                store.get_item("new-1"), store.get_item("nope"), store.get_chat("telegram:100"),
                store.get_chat("telegram:101"), store.chats("telegram"), store.chats("slack"),
                [i.id for i in store.iter_items()],
                store.story("new-1"), store.stories(["new-1", "nope", classified[0].id])))
    assert answers[0] == answers[1]
    assert answers[0][8].subscription.topics == {"wco"}  # type: ignore[union-attr]


# ---- parsing ---------------------------------------------------------------------------------


def test_parse_command_text() -> None:
    assert parse_command_text("/latest@mybot 5 demining", "mybot") == (
        "latest", ["5", "demining"], "5 demining")
    assert parse_command_text("/latest@MyBot", "@mybot") == ("latest", [], "")
    assert parse_command_text("/latest@otherbot 5", "mybot") is None
    assert parse_command_text("/latest@otherbot") == ("latest", [], "")  # no name known
    assert parse_command_text("hello /latest") is None
    assert parse_command_text("/") is None
    assert parse_command_text("/ latest") is None
    assert parse_command_text("  /Search\n\"free zone\"  Georgia") == (
        "search", ["free zone", "Georgia"], '"free zone"  Georgia')


def test_split_args_quotes_never_fail() -> None:
    assert split_args('a "b c" d') == ["a", "b c", "d"]
    assert split_args("«free zone» “x y”") == ["free zone", "x y"]
    assert split_args('"unclosed quote here') == ["unclosed quote here"]
    assert split_args("Azerbaijan's customs") == ["Azerbaijan's", "customs"]
    assert split_args('""  ""') == []


# ---- router -----------------------------------------------------------------------------------


def test_registry_shape() -> None:
    for name, spec in COMMANDS.items():
        handler, description, admin_only, usage = spec
        assert callable(handler) and description and usage.startswith("/" + name)
        assert isinstance(admin_only, bool)
    assert {n for n, s in COMMANDS.items() if s.admin_only} == {
        "feeds", "addfeed", "removefeed", "channel", "stats", "broadcast"}


async def test_unknown_command_suggests(deps: Deps) -> None:
    reply = await run(deps, "/subscrbe demining")
    assert "Did you mean /subscribe?" in text_of(reply)
    assert "/latest" in text_of(reply) and "/stats" not in text_of(reply)
    admin = await run(deps, "/stat", is_bot_admin=True)
    assert "/stats" in text_of(admin)
    # another bot's command in a group: no answer at all
    assert (await run(deps, "/weather", **group())).silent
    slack = await run(deps, "/lates", platform="slack")
    assert "/news latest" in text_of(slack)


async def test_aliases(deps: Deps) -> None:
    await run(deps, "/sub demining")
    assert "demining" in deps.store.get_chat("telegram:100").subscription.topics  # type: ignore
    await run(deps, "/unsub demining")
    assert not deps.store.get_chat("telegram:100").subscription.topics  # type: ignore


async def test_handler_errors_are_caught_and_logged(deps: Deps, monkeypatch: Any,
                                                    caplog: Any) -> None:
    async def broken(cmd: Command, deps: Deps) -> Reply:
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "topics", COMMANDS["topics"]._replace(handler=broken))
    reply = await run(deps, "/topics")
    assert text_of(reply) == router.SORRY
    assert "boom" in caplog.text


async def test_too_long_arguments(deps: Deps) -> None:
    reply = await run(deps, "/search " + "x" * 600)
    assert "at most 500 characters" in text_of(reply)
    reply = await run(deps, "/watch " + " ".join(["w"] * 40))
    assert "30 words" in text_of(reply)


async def test_admin_commands_refused_to_others(deps: Deps) -> None:
    for name in ("feeds", "addfeed https://x.example/rss", "removefeed x", "channel list",
                 "stats"):
        reply = await run(deps, "/" + name)
        assert text_of(reply) == "This command is for the bot's administrators."


# ---- start, help, topics ------------------------------------------------------------------------


async def test_start_creates_the_chat_and_greets(deps: Deps) -> None:
    reply = await run(deps, "/start", chat_title="Ann", language="az")
    assert "press-relizlərini" in text_of(reply) and "/subscribe" in text_of(reply)
    assert reply.buttons and reply.buttons[0][0].action.startswith("subscribe toggle ")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.active and chat.kind == "private"
    assert chat.since_seq == deps.store.max_seq and chat.created_at == NOW
    assert chat.language == "az" and chat.title == "Ann"


async def test_start_deep_link_subscribes(deps: Deps) -> None:
    reply = await run(deps, "/start demining")
    assert "subscribed to Demining" in text_of(reply)
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.subscription.topics == {"demining"}
    bad = await run(deps, "/start demning", chat_id="101")
    assert "did you mean 'demining'" in text_of(bad)


async def test_start_reactivates_with_old_settings(deps: Deps) -> None:
    await run(deps, "/subscribe wco trade")
    await run(deps, "/watch georgia")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None
    chat.active, chat.deactivated_reason = False, "Forbidden: bot was blocked by the user"
    deps.store.save_chat(chat)
    new_release(memory(deps), 1, "WCO meeting while blocked", ["wco"])
    reply = await run(deps, "/start")
    assert "Welcome back" in text_of(reply)
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.active and chat.deactivated_reason is None
    assert chat.subscription.topics == {"wco", "trade"} and chat.subscription.keywords == {
        "georgia"}
    assert chat.since_seq == deps.store.max_seq  # nothing from the blocked time is pushed


async def test_start_in_group_by_member_does_not_reactivate(deps: Deps) -> None:
    await run(deps, "/subscribe wco", **group(is_chat_admin=True))
    chat = deps.store.get_chat("telegram:-200")
    assert chat is not None
    chat.active = False
    deps.store.save_chat(chat)
    reply = await run(deps, "/start", **group())
    assert "paused" in text_of(reply)
    assert not deps.store.get_chat("telegram:-200").active  # type: ignore[union-attr]


async def test_help_lists_commands_admin_ones_for_admins(deps: Deps) -> None:
    user = text_of(await run(deps, "/help"))
    assert "/subscribe <topic...>" in user and "/why <n>" in user and "/addfeed" not in user
    admin = text_of(await run(deps, "/help", is_bot_admin=True))
    assert "/addfeed <url>" in admin and "/channel add" in admin
    search = text_of(await run(deps, "/help search"))
    assert "topic:demining" in search and "since:2022-06-01" in search
    assert len(search.splitlines()) >= len([ln for ln in SEARCH_HELP.splitlines() if ln.strip()])
    one = text_of(await run(deps, "/help latest"))
    assert "/latest [n] [topic]" in one
    slack = text_of(await run(deps, "/help", platform="slack"))
    assert "/news subscribe" in slack


async def test_topics_marks_followed(deps: Deps) -> None:
    await run(deps, "/subscribe demining")
    reply = await run(deps, "/topics")
    lines = text_of(reply).splitlines()
    demining = next(ln for ln in lines if "Demining ·" in ln)
    wco = next(ln for ln in lines if "World Customs Organization ·" in ln)
    assert demining.startswith("✅") and not wco.startswith("✅")
    assert "mine-detection dogs" in demining


# ---- subscribe / unsubscribe -----------------------------------------------------------------


async def test_subscribe_and_unknown_topic(deps: Deps) -> None:
    reply = await run(deps, "/subscribe demining, WCO")
    assert "Subscribed to" in text_of(reply) and not reply.announce
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.subscription.topics == {"demining", "wco"}
    again = await run(deps, "/subscribe demining")
    assert "already follows" in text_of(again)
    bad = await run(deps, "/subscribe demine trade")
    assert text_of(bad).startswith("Unknown topic 'demine'; did you mean 'demining'? Topics: wco,")
    assert "trade" not in deps.store.get_chat("telegram:100").subscription.topics  # type: ignore
    by_name = await run(deps, "/subscribe Foreign trade and revenue", chat_id="300")
    assert "Unknown topic" in text_of(by_name)  # words, not one name: say what is unknown


async def test_keyboard_and_toggle(deps: Deps) -> None:
    reply = await run(deps, "/subscribe")
    actions = [b.action for row in reply.buttons for b in row]
    assert actions == [f"subscribe toggle {t.id}" for t in deps.classifier.topics]
    assert all(len(a.encode()) <= 64 for a in actions)  # Telegram's callback_data limit
    tapped = await run(deps, "/" + "subscribe toggle demining", via_button=True)
    labels = {b.action: b.label for row in tapped.buttons for b in row}
    assert labels["subscribe toggle demining"] == "✅ Demining"
    assert labels["subscribe toggle wco"] == "World Customs Organization"
    assert deps.store.get_chat("telegram:100").subscription.topics == {"demining"}  # type: ignore
    await run(deps, "/subscribe toggle demining", via_button=True)
    assert deps.store.get_chat("telegram:100").subscription.topics == set()  # type: ignore


async def test_group_changes_need_an_admin(deps: Deps) -> None:
    refused = await run(deps, "/subscribe demining", **group())
    assert "Only this group's administrators can change its subscriptions." in text_of(refused)
    assert deps.store.get_chat("telegram:-200") is None
    tapped = await run(deps, "/subscribe toggle demining", via_button=True, **group())
    assert "Only this group's administrators" in text_of(tapped)
    for text in ("/watch georgia", "/digest 08:00", "/unsubscribe all"):
        await run(deps, text, **group())
    assert deps.store.get_chat("telegram:-200") is None
    # the keyboard itself and reading are fine for anyone
    assert (await run(deps, "/subscribe", **group())).buttons
    ok = await run(deps, "/subscribe demining", **group(is_chat_admin=True))
    assert ok.announce and not ok.ephemeral
    chat = deps.store.get_chat("telegram:-200")
    assert chat is not None and chat.kind == "group" and chat.title == "Brokers"
    bot_admin = await run(deps, "/subscribe wco", **group(is_bot_admin=True, user_id=ADMIN))
    assert "Subscribed" in text_of(bot_admin)
    channel = await run(deps, "/subscribe wco", platform="slack", chat_id="C100",
                        chat_kind="channel", is_chat_admin=False)
    assert "bot's administrators" in text_of(channel) and channel.ephemeral


async def test_unsubscribe(deps: Deps) -> None:
    await run(deps, "/subscribe demining wco")
    await run(deps, "/watch georgia")
    reply = await run(deps, "/unsubscribe wco")
    assert "Unsubscribed from World Customs Organization" in text_of(reply)
    assert "does not follow" in text_of(await run(deps, "/unsubscribe trade"))
    assert "Unknown topic" in text_of(await run(deps, "/unsubscribe trad"))
    await run(deps, "/unsubscribe all")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and not chat.subscription.topics and not chat.subscription.keywords
    assert "nothing to stop" in text_of(await run(deps, "/unsubscribe all"))


async def test_subscribing_later_never_pushes_older_releases(deps: Deps) -> None:
    old = new_release(memory(deps), 1, "Old demining news", ["demining"])
    await run(deps, "/subscribe wco")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.since_seq >= old.seq
    # a WCO release waits for delivery; the chat then adds demining and watches a word
    pending = new_release(memory(deps), 2, "WCO news on Georgia", ["wco"])
    demining = new_release(memory(deps), 3, "Demining in Georgia before the subscription",
                           ["demining"])
    await run(deps, "/subscribe demining")
    await run(deps, "/watch georgia")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None
    assert matches(chat, pending)  # what it already followed still goes out
    assert not matches(chat, demining)  # stored before demining or the word were added
    later = new_release(memory(deps), 4, "Demining news", ["demining"])
    word = new_release(memory(deps), 5, "Talks with Georgia", ["bilateral"])
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and matches(chat, later) and matches(chat, word)
    # dropped and added again: a new floor
    await run(deps, "/unsubscribe demining")
    await run(deps, "/subscribe demining")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and not matches(chat, later) and matches(chat, pending)


# ---- watch, digest, settings -------------------------------------------------------------------


async def test_watch_and_unwatch(deps: Deps) -> None:
    reply = await run(deps, '/watch Georgia "Free Zone"')
    assert "Watching georgia, free zone" in text_of(reply)
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.subscription.keywords == {"georgia", "free zone"}
    assert "too long" in text_of(await run(deps, "/watch " + "x" * 41))
    assert "too short" in text_of(await run(deps, "/watch ."))
    assert "Already watched" in text_of(await run(deps, "/watch GEORGIA"))
    for n in range(18):
        await run(deps, f"/watch word{n}")
    full = await run(deps, "/watch onemore")
    assert "at most 20 keywords" in text_of(full)
    assert "Stopped watching georgia" in text_of(await run(deps, "/unwatch georgia"))
    assert "Not watched" in text_of(await run(deps, "/unwatch nothing"))
    await run(deps, "/unwatch all")
    assert not deps.store.get_chat("telegram:100").subscription.keywords  # type: ignore


async def test_digest(deps: Deps) -> None:
    reply = await run(deps, "/digest 8:30")
    assert "08:30" in text_of(reply) and "Asia/Baku" in text_of(reply)
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.subscription.mode == "digest"
    assert chat.subscription.digest_time == "08:30"
    for bad in ("25:00", "8:61", "noon", "0830"):
        assert "HH:MM" in text_of(await run(deps, f"/digest {bad}")), bad
    await run(deps, "/digest off")
    assert deps.store.get_chat("telegram:100").subscription.mode == "instant"  # type: ignore


async def test_settings(deps: Deps) -> None:
    assert "no settings yet" in text_of(await run(deps, "/settings"))
    await run(deps, "/subscribe demining")
    await run(deps, "/watch georgia")
    await run(deps, "/digest 07:15")
    text = text_of(await run(deps, "/settings"))
    assert "Topics: Demining" in text and "Keywords: georgia" in text
    assert "07:15" in text and "Status: active" in text


# ---- latest, search, why -----------------------------------------------------------------------


async def test_latest_pages_and_topics(deps: Deps) -> None:
    reply = await run(deps, "/latest")
    newest = deps.store.latest(limit=7)
    assert [c.title for c in reply.cards] == [i.title for i in newest[:5]]
    assert [c.number for c in reply.cards] == [1, 2, 3, 4, 5]
    [[more]] = reply.buttons
    assert more.label == "More" and more.action == "latest --page 2 5"
    page2 = await run(deps, "/" + more.action, via_button=True)
    assert [c.number for c in page2.cards] == [6, 7, 8, 9, 10]
    assert page2.cards[0].title == newest[5].title
    mines = await run(deps, "/latest 3 demining")
    assert len(mines.cards) == 3
    assert all("Demining" in c.topic_labels for c in mines.cards)
    assert mines.buttons[0][0].action == "latest --page 2 3 demining"
    assert "at most 20" in text_of(await run(deps, "/latest 50")).lower()
    assert len((await run(deps, "/latest 50")).cards) == 20
    assert "from 1 to 20" in text_of(await run(deps, "/latest 0"))
    assert "did you mean 'demining'" in text_of(await run(deps, "/latest demning"))
    assert "not valid" in text_of(await run(deps, "/latest --page x"))


async def test_latest_on_an_empty_store() -> None:
    deps = Deps(store=MemoryStore(), index=SearchIndex(), classifier=Classifier(),
                settings=Settings())
    assert "No releases are stored yet" in text_of(await run(deps, "/latest"))
    assert "No release matches" in text_of(await run(deps, "/search customs"))


async def test_search_results_and_paging(deps: Deps) -> None:
    reply = await run(deps, "/search customs")
    assert reply.cards and reply.cards[0].snippet
    assert any(s.style == "mark" for s in reply.cards[0].snippet)
    assert reply.cards[0].number == 1 and reply.cards[0].url.startswith("https://")
    assert "Results 1–5 of" in text_of(reply)
    [[more]] = reply.buttons
    assert more.action.startswith("search --page 2 --q ") and len(more.action.encode()) <= 64
    # another search in between does not change what the first one's button pages
    await run(deps, "/search demining")
    page2 = await run(deps, "/" + more.action, via_button=True)
    assert [c.number for c in page2.cards][:1] == [6]
    assert "Results 6–10" in text_of(page2) and "for: customs" in text_of(page2)
    expired = await run(deps, "/search --page 2 --q deadbeef", via_button=True)
    assert "expired" in text_of(expired)


async def test_search_help_limits_and_nothing_found(deps: Deps) -> None:
    empty = await run(deps, "/search")
    assert "/search customs revenue" in text_of(empty) and "/help search" in text_of(empty)
    nothing = await run(deps, "/search ...")
    assert "Type some words" in text_of(nothing)  # help, not an error
    bad_date = await run(deps, "/search since:abc")
    assert "YYYY-MM-DD" in text_of(bad_date) and "Type some words" in text_of(bad_date)
    long = await run(deps, "/search " + "word " * 50)
    assert "at most 200" in text_of(long) and "249 characters" in text_of(long)
    none = await run(deps, "/search zyxwvut")
    assert "No release matches: zyxwvut" in text_of(none)


async def test_search_topic_labels_are_names(deps: Deps) -> None:
    reply = await run(deps, "/search heroin")
    assert reply.cards
    assert "Smuggling and seizures" in reply.cards[0].topic_labels


@pytest.mark.parametrize(("lang", "unknown"), [("en", "Unknown topic 'nonsense'"),
                                              ("ru", "Неизвестная тема «nonsense»"),
                                              ("az", "Naməlum mövzu: 'nonsense'")])
async def test_search_with_an_unknown_topic_names_the_topics(deps: Deps, lang: str,
                                                             unknown: str) -> None:
    text = text_of(await run(deps, "/search heroin topic:nonsense", language=lang))
    assert unknown in text and "demining, smuggling" in text
    assert "heroin" not in text.split("\n")[0]  # not "No release matches: ..."
    text = text_of(await run(deps, "/search heroin -topic:smugling"))
    assert "did you mean 'smuggling'" in text
    assert "Unknown topic" not in text_of(await run(deps, "/search heroin topic:Smuggling"))


async def test_why(deps: Deps) -> None:
    assert "Nothing to explain yet" in text_of(await run(deps, "/why 1"))
    await run(deps, "/search WCO Policy Commission")
    reply = await run(deps, "/why 1")
    text = text_of(reply)
    assert "World Customs Organization:" in text and 'title: "WCO"' in text
    assert "from 1 to" in text_of(await run(deps, "/why 99"))
    assert "Usage" in text_of(await run(deps, "/why"))
    latest = await run(deps, "/latest --page 2 5", via_button=True)
    assert latest.cards[0].number == 6
    assert "from 6 to 10" in text_of(await run(deps, "/why 1"))
    assert text_of(await run(deps, "/why 6")).startswith("6. " + latest.cards[0].title)


# ---- admin -------------------------------------------------------------------------------------


def admin_kw(**kw: Any) -> dict[str, Any]:
    return {"is_bot_admin": True, "user_id": ADMIN} | kw


async def test_feeds_shows_health(deps: Deps) -> None:
    feeds = deps.feeds
    assert isinstance(feeds, FakeFeeds)
    feeds.states["customs"] = FeedState(
        feed_id="customs", last_success=NOW - timedelta(hours=2), last_error="HTTP 503",
        last_error_at=NOW - timedelta(minutes=5), consecutive_failures=3, items_seen=90)
    text = text_of(await run(deps, "/feeds", **admin_kw()))
    assert "customs" in text and "https://customs.example/rss" in text
    assert "2 h ago" in text and "HTTP 503" in text and "failures in a row: 3" in text
    assert "releases: 90" in text


async def test_feeds_and_addfeed_never_show_a_password(deps: Deps) -> None:
    feeds = deps.feeds
    assert isinstance(feeds, FakeFeeds)
    feeds.specs["private"] = FeedSpec(id="private", url="https://reader:hunter22@p.example/rss",
                                      origin="admin")
    feeds.states["private"] = FeedState(
        feed_id="private", consecutive_failures=1, last_error_at=NOW,
        last_error="redirected to https://reader:hunter22@q.example/login")
    text = text_of(await run(deps, "/feeds", **admin_kw()))
    assert "https://reader:***@p.example/rss" in text and "reader:***@q.example" in text
    assert "hunter22" not in text
    refused = text_of(await run(deps, "/addfeed ftp://reader:hunter22@p.example/rss",
                                **admin_kw()))
    assert "Cannot add ftp://reader:***@p.example/rss" in refused and "hunter22" not in refused


async def test_feeds_without_a_poller_reads_the_store(deps: Deps) -> None:
    deps.feeds = None
    deps.settings.feeds = [FeedSpec(id="cfg", url="https://c.example/rss")]
    deps.store.add_admin_feed(FeedSpec(id="extra", url="https://e.example/rss"))
    memory(deps).save_feed_state(FeedState(feed_id="cfg", consecutive_failures=2,
                                         last_error="timeout"))
    text = text_of(await run(deps, "/feeds", **admin_kw()))
    assert "cfg" in text and "extra" in text and "timeout" in text
    assert "comes from the config" in text_of(await run(deps, "/removefeed cfg", **admin_kw()))
    assert "Removed feed 'extra'" in text_of(await run(deps, "/removefeed extra", **admin_kw()))
    assert deps.store.admin_feeds() == []


async def test_addfeed_and_removefeed(deps: Deps) -> None:
    refused = await run(deps, "/addfeed http://127.0.0.1/rss", **admin_kw())
    assert "non-public address" in text_of(refused)
    assert "only http" in text_of(await run(deps, "/addfeed ftp://x.example/f", **admin_kw()))
    deps.settings.fetch.allow_private = True
    reply = await run(deps, "/addfeed https://www.Customs.gov.example/en/rss", **admin_kw())
    assert "Added feed 'customs-gov-example'" in text_of(reply)
    [spec] = deps.store.admin_feeds()
    assert spec.origin == "admin" and spec.type == "rss"
    dup = await run(deps, "/addfeed https://www.Customs.gov.example/en/rss", **admin_kw())
    assert "already watched" in text_of(dup)
    html = await run(deps, r"/addfeed https://n.example/news news-az html /az/news/\d+",
                     **admin_kw())
    assert "Added feed 'news-az' (html)" in text_of(html)
    assert deps.feeds.specs["news-az"].link_pattern == r"/az/news/\d+"  # type: ignore
    assert "regular expression" in text_of(
        await run(deps, "/addfeed https://m.example/ m html (", **admin_kw()))
    assert "cannot be a feed id" in text_of(
        await run(deps, "/addfeed https://m.example/ Bad!Id", **admin_kw()))
    assert "already exists" in text_of(
        await run(deps, "/addfeed https://m.example/ news-az", **admin_kw()))
    assert "comes from the config" in text_of(await run(deps, "/removefeed customs",
                                                        **admin_kw()))
    assert "no feed 'nope'" in text_of(await run(deps, "/removefeed nope", **admin_kw()))
    assert "Removed" in text_of(await run(deps, "/removefeed news-az", **admin_kw()))
    assert "news-az" not in deps.feeds.specs  # type: ignore[union-attr]


async def test_channel_bind_list_remove(deps: Deps) -> None:
    checked: list[str] = []

    async def check(name: str) -> str | None:
        checked.append(name)
        return "the bot is not an administrator of @private; add it as an admin first" \
            if name == "@private" else None

    deps.channel_check["telegram"] = check
    reply = await run(deps, "/channel add @CustomsNews demining wco", **admin_kw())
    assert "Channel @CustomsNews now gets" in text_of(reply)
    chat = deps.store.get_chat("telegram:@CustomsNews")
    assert chat is not None and chat.kind == "channel" and chat.active
    assert chat.subscription.topics == {"demining", "wco"}
    assert chat.since_seq == deps.store.max_seq
    refused = await run(deps, "/channel add @private demining", **admin_kw())
    assert "not an administrator of @private" in text_of(refused)
    assert deps.store.get_chat("telegram:@private") is None
    assert checked == ["@CustomsNews", "@private"]
    assert "not a channel" in text_of(await run(deps, "/channel add customs wco", **admin_kw()))
    assert "Unknown topic" in text_of(
        await run(deps, "/channel add @CustomsNews mines", **admin_kw()))
    listing = text_of(await run(deps, "/channel list", **admin_kw()))
    assert "@CustomsNews" in listing and "Demining" in listing
    gone = await run(deps, "/channel remove @customsnews", **admin_kw())
    assert "unbound" in text_of(gone)
    chat = deps.store.get_chat("telegram:@CustomsNews")
    assert chat is not None and not chat.active and not chat.subscription.topics
    assert "Usage" in text_of(await run(deps, "/channel", **admin_kw()))


async def test_stats(deps: Deps) -> None:
    await run(deps, "/subscribe demining wco")
    await run(deps, "/subscribe demining", chat_id="101")
    deps.store.save_chat(Chat("slack", "C1", kind="channel", active=False,
                              subscription=Subscription(topics={"demining"})))
    text = text_of(await run(deps, "/stats", **admin_kw()))
    assert "Releases stored: 90" in text
    assert "Chats on telegram: 2 active (2 private), 0 inactive" in text
    assert "Chats on slack: 0 active, 1 inactive" in text
    assert "Demining: 2" in text and "World Customs Organization: 1" in text
    assert "Feeds: 1" in text


# ---- robustness --------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=10_000),
    st.builds(lambda name, rest: f"/{name} {rest}",
              st.sampled_from([*COMMANDS, "sub", "unsub", "nope"]),
              st.text(max_size=200)),
), via_button=st.booleans(), kind=st.sampled_from(["private", "group", "channel"]),
    admin=st.booleans())
async def test_any_text_gets_a_reply_and_never_raises(
    deps: Deps, text: str, via_button: bool, kind: str, admin: bool
) -> None:
    deps.settings.fetch.allow_private = True  # /addfeed must not look up random host names
    for line in (text, "/" + text):
        parsed = parse_command_text(line, "mybot")
        if parsed is None:
            continue
        name, args, raw = parsed
        cmd = Command(platform="telegram", chat_id="555", name=name, args=args, raw_args=raw,
                      chat_kind=kind, is_chat_admin=admin, is_bot_admin=admin,  # type: ignore
                      via_button=via_button)
        reply = await dispatch(cmd, deps)
        assert isinstance(reply, Reply)
        assert reply.plain() != router.SORRY, line


async def test_subscribing_in_a_paused_chat_resumes_it(deps: Deps) -> None:
    await run(deps, "/subscribe wco")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None
    chat.active, chat.deactivated_reason = False, "blocked"
    deps.store.save_chat(chat)
    assert "Status: not receiving alerts (blocked)" in text_of(await run(deps, "/settings"))
    new_release(memory(deps), 1, "Demining while paused", ["demining"])
    reply = await run(deps, "/subscribe demining")
    assert "on again" in text_of(reply)
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.active and chat.since_seq == deps.store.max_seq
