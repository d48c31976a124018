"""One notification per story per chat, in the chat's language (issue 14), over a real store,
a recording transport and a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.delivery import Delivery, expected_languages
from bot.models import Chat, FeedSpec, Item, Subscription
from bot.store import Store
from tests.fakes.recording_transport import ChatMovedError, RecordingTransport

BAKU = ZoneInfo("Asia/Baku")
# near the real time: the store prunes sent-story records older than a week when it opens
START = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")
AZ_MONTHS = ("yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr",
             "oktyabr", "noyabr", "dekabr")
WAIT = 600.0  # seconds a chat waits for its own edition
FEEDS = [FeedSpec(id=f"customs-{lang}", url=f"https://customs.gov.az/{lang}/rss",
                  language=lang, group="customs") for lang in ("az", "ru", "en")]
TITLES = {"az": "Gömrük orqanları yeni qaydalar", "ru": "Таможенные органы: новые правила",
          "en": "Customs bodies: new rules"}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def edition(lang: str, story: str = "s1", topics: tuple[str, ...] = ("demining",)) -> Item:
    """The `lang` edition of a release; `story` is the id of the story's first edition."""
    return Item(id=f"{story}-{lang}", feed_id=f"customs-{lang}",
                url=f"https://customs.gov.az/{lang}/news/{story}", title=f"{TITLES[lang]} {story}",
                body="Mətn.", published=START - timedelta(minutes=5), language=lang,
                topics=list(topics), content_hash=f"{story}{lang}", story=f"{story}-az")


def chat(chat_id: str, language: str, topics: set[str] | None = None) -> Chat:
    return Chat("console", chat_id, language=language,
                subscription=Subscription(topics=topics or {"demining"}))


def delivery_for(store: Store, transport: RecordingTransport, clock: Clock,
                 wait: float = WAIT) -> Delivery:
    return Delivery(store, {"console": transport}, BAKU, clock=clock, edition_wait=wait,
                    expected_languages=expected_languages(FEEDS))


async def settle(delivery: Delivery) -> None:
    """A pass: queue what is new, send what is due, then stop at the held releases."""
    delivery.scan()
    await delivery.drain(timeout=10)


def urls(transport: RecordingTransport, chat_id: str) -> list[str]:
    return [s.reply.cards[0].url for s in transport.sent if s.chat_id == chat_id]


def url(lang: str, story: str = "s1") -> str:
    return f"https://customs.gov.az/{lang}/news/{story}"


async def test_editions_arriving_together_reach_each_chat_once_in_its_language(
    tmp_path: Path,
) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        for lang in ("az", "ru", "en"):
            store.save_chat(chat(lang, lang))
        store.ingest([edition("az"), edition("ru"), edition("en")], now=clock())
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        assert delivery.held == 0  # nobody waits: every chat's own edition is there
        for lang in ("az", "ru", "en"):
            assert urls(transport, lang) == [url(lang)]
        card = next(s.reply.cards[0] for s in transport.sent if s.chat_id == "ru")
        assert card.title == TITLES["ru"] + " s1"
        assert RU_MONTHS[START.month - 1] in card.date_text  # the date in the chat's language
        assert sorted(card.editions) == [("az", url("az")), ("en", url("en"))]
        await delivery.stop()


async def test_own_edition_within_the_wait_is_the_only_one_sent(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("az", "az"))
        store.save_chat(chat("ru", "ru"))
        store.ingest([edition("az")], now=clock())
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        assert urls(transport, "az") == [url("az")]  # its own: at once
        assert urls(transport, "ru") == [] and delivery.held == 1
        clock.advance(5)
        store.ingest([edition("ru")], now=clock())
        await settle(delivery)
        clock.advance(WAIT)
        await settle(delivery)
        assert urls(transport, "ru") == [url("ru")]
        assert urls(transport, "az") == [url("az")]
        assert delivery.held == 0 and store.cursor("console:ru") == store.max_seq
        await delivery.stop()


async def test_without_its_own_edition_a_chat_gets_the_best_other_after_the_wait(
    tmp_path: Path,
) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("en", "en"))
        store.ingest([edition("az")], now=clock())
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        clock.advance(60)
        store.ingest([edition("ru")], now=clock())
        await settle(delivery)
        clock.advance(WAIT - 61)  # the wait runs from the first edition's arrival
        await settle(delivery)
        assert transport.sent == [] and delivery.held == 2
        clock.advance(1)
        await settle(delivery)
        assert urls(transport, "en") == [url("ru")]  # an English reader prefers Russian
        assert transport.sent[0].reply.cards[0].editions == [("az", url("az"))]
        # the English edition after the notification: nothing more
        store.ingest([edition("en")], now=clock())
        await settle(delivery)
        assert len(transport.sent) == 1 and delivery.held == 0
        await delivery.stop()


async def test_a_held_release_is_sent_by_the_timer_and_holds_up_nothing_else(
    tmp_path: Path,
) -> None:
    transport = RecordingTransport()
    with Store(tmp_path) as store:
        store.save_chat(chat("ru", "ru"))
        store.ingest([edition("az", "s1")])
        store.ingest([edition("ru", "s2"), edition("az", "s2")])
        delivery = Delivery(store, {"console": transport}, BAKU, edition_wait=0.3,
                            expected_languages=expected_languages(FEEDS))
        await settle(delivery)
        assert urls(transport, "ru") == [url("ru", "s2")]  # not held up by s1
        assert store.cursor("console:ru") == 0  # s1 is not decided yet
        await delivery.settle(timeout=5)  # the timer wakes delivery at s1's deadline
        assert urls(transport, "ru") == [url("ru", "s2"), url("az", "s1")]
        assert store.cursor("console:ru") == store.max_seq
        await delivery.stop()


async def test_a_restart_during_the_wait_still_sends_exactly_one(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("ru", "ru"))
        store.ingest([edition("az", "s1")], now=clock())
        store.ingest([edition("ru", "s2"), edition("az", "s2")], now=clock())
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        assert urls(transport, "ru") == [url("ru", "s2")] and delivery.held == 1
        await delivery.stop()
    clock.advance(WAIT / 2)
    with Store(tmp_path) as store:  # s2 is above the cursor, but was sent: not again
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        assert len(transport.sent) == 1 and delivery.held == 1
        await delivery.stop()
    clock.advance(WAIT / 2)
    with Store(tmp_path) as store:
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        assert urls(transport, "ru") == [url("ru", "s2"), url("az", "s1")]
        await delivery.stop()
    with Store(tmp_path) as store:
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        assert len(transport.sent) == 2
        await delivery.stop()


async def test_the_chats_language_chooses_the_edition(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("c", "en"))
        delivery = delivery_for(store, transport, clock)
        store.ingest([edition(lang, "s1") for lang in ("az", "ru", "en")], now=clock())
        await settle(delivery)
        changed = store.get_chat("console:c")
        assert changed is not None
        changed.language = "az"  # what /language az records
        store.save_chat(changed)
        store.ingest([edition(lang, "s2") for lang in ("az", "ru", "en")], now=clock())
        await settle(delivery)
        assert urls(transport, "c") == [url("en", "s1"), url("az", "s2")]
        assert AZ_MONTHS[START.month - 1] in transport.sent[1].reply.cards[0].date_text
        await delivery.stop()


async def test_a_story_matches_on_the_topics_of_any_edition(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("en", "en"))
        # the English rules missed the topic; the Azerbaijani edition has it
        store.ingest([edition("az"), edition("en", topics=())], now=clock())
        await settle(delivery := delivery_for(store, transport, clock))
        assert urls(transport, "en") == [url("en")]
        assert transport.sent[0].reply.cards[0].topic_labels == ["demining"]
        await delivery.stop()


async def test_releases_of_feeds_without_a_group_never_wait(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("en", "en"))
        lone = Item(id="x1", feed_id="elsewhere", url="https://x.example/1", title="Lone",
                    body="b", published=START, language="az", topics=["demining"])
        store.ingest([lone], now=clock())
        await settle(delivery := delivery_for(store, transport, clock))
        assert urls(transport, "en") == ["https://x.example/1"]
        await delivery.stop()


async def test_a_digest_lists_each_story_once_in_the_chats_language(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    clock.now = START.replace(hour=6)  # 10:00 in Baku
    with Store(tmp_path) as store:
        daily = chat("d", "ru")
        daily.subscription.mode = "digest"
        daily.subscription.digest_time = "09:00"
        store.save_chat(daily)
        store.ingest([edition(lang, "s1") for lang in ("az", "ru", "en")]
                     + [edition("az", "s2")], now=clock())
        delivery = delivery_for(store, transport, clock)
        await delivery.send_digests()
        [digest] = transport.sent
        # one line per story, newest first: the chat's edition, then links to the others
        lines = [[s.url for s in p if s.style == "link"] for p in digest.reply.paragraphs
                 if p[0].text == "• "]
        assert lines == [[url("az", "s2")], [url("ru", "s1"), url("az", "s1"), url("en", "s1")]]
        assert "Ваша ежедневная сводка: 2 новых пресс-релиза" in digest.reply.plain()
        # the English edition of s2 the next day: s2 was in the digest already
        store.ingest([edition("en", "s2")], now=clock())
        clock.advance(86400)
        await delivery.send_digests()
        assert len(transport.sent) == 1
        await delivery.stop()


async def test_a_chat_does_not_wait_for_a_language_its_group_does_not_publish(
    tmp_path: Path,
) -> None:
    transport, clock = RecordingTransport(), Clock()
    two_pages = [f for f in FEEDS if f.language != "en"]  # az and ru pages only
    assert expected_languages(two_pages) == {"customs-az": {"az", "ru"},
                                             "customs-ru": {"az", "ru"}}
    with Store(tmp_path) as store:
        store.save_chat(chat("en", "en"))
        store.save_chat(chat("ru", "ru"))
        store.ingest([edition("az")], now=clock())
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock, edition_wait=WAIT,
                            expected_languages=expected_languages(two_pages))
        await settle(delivery)
        assert urls(transport, "en") == [url("az")]  # at once: no English page to wait for
        assert urls(transport, "ru") == [] and delivery.held == 1  # the ru page may publish
        await delivery.stop()


async def test_a_migrated_chat_is_not_sent_a_story_again_under_its_new_id(
    tmp_path: Path,
) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("g", "ru"))
        delivery = delivery_for(store, transport, clock)
        store.ingest([edition("az", "s1")], now=clock())  # held: keeps the cursor below it
        store.ingest([edition("ru", "s2")], now=clock())
        await settle(delivery)
        assert urls(transport, "g") == [url("ru", "s2")]
        transport.faults["g"] = [ChatMovedError("g2")]  # a group became a supergroup
        store.ingest([edition("ru", "s3")], now=clock())
        store.ingest([edition("az", "s2")], now=clock())  # s2's late edition, queued after s3
        await settle(delivery)
        assert urls(transport, "g2") == [url("ru", "s3")]
        clock.advance(WAIT)
        await settle(delivery)
        assert urls(transport, "g2") == [url("ru", "s3"), url("az", "s1")]
        await delivery.stop()


async def test_a_release_corrected_while_held_goes_out_corrected(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(chat("ru", "ru"))
        store.ingest([edition("az", "s1")], now=clock())
        delivery = delivery_for(store, transport, clock)
        await settle(delivery)
        assert delivery.held == 1  # the ru chat waits for its own edition
        fixed = edition("az", "s1")
        fixed.title, fixed.content_hash = "Gömrük orqanları: yeni qaydalar (düzəliş)", "fixed"
        result = store.ingest([fixed], now=clock())
        delivery.correct(result.updated)
        await delivery.corrections.wait()
        clock.advance(WAIT + 1)
        await settle(delivery)
        assert [s.title for s in transport.sent] == ["Gömrük orqanları: yeni qaydalar (düzəliş)"]
        await delivery.stop()
