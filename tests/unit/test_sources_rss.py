"""Feeds as publishers really serve them: broken and foreign encodings repaired item by item,
relative links, entries without guid, link or date, guids shared by different entries, zones."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.models import FeedSpec
from bot.sources.quality import damage
from bot.sources.rss import MAX_ITEMS_PER_POLL, parse_feed

BAKU = ZoneInfo("Asia/Baku")
SPEC = FeedSpec(id="news", url="https://customs.example.az/rss")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def rss(*items: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>',
        channel_link: str = "https://customs.example.az/en/", attrs: str = "") -> str:
    return (f'{declaration}<rss version="2.0"{attrs}><channel><title>News</title>'
            f"<link>{channel_link}</link><description>d</description>"
            + "".join(f"<item>{i}</item>" for i in items) + "</channel></rss>")


def item(title: str, body: str = "", guid: str = "", link: str = "", date: str = "") -> str:
    return (f"<title>{title}</title>" + (f"<guid>{guid}</guid>" if guid else "")
            + (f"<link>{link}</link>" if link else "")
            + (f"<pubDate>{date}</pubDate>" if date else "")
            + (f"<description>{body}</description>" if body else ""))


RU = [item("Таможня сообщает", "Сотрудники таможни изъяли партию сигарет.", guid="1"),
      item("Новый пункт пропуска", "Пункт будет работать круглосуточно.", guid="2"),
      item("Брифинг для участников ВЭД", "Обсуждались изменения кодекса.", guid="3")]


def test_one_invalid_byte_costs_one_replacement_character_and_nothing_else() -> None:
    body = rss(*RU).encode()
    broken = body.replace("партию".encode(), "па".encode() + b"\xff" + "тию".encode())
    items = parse_feed(broken, SPEC, BAKU, NOW)
    assert [i.title for i in items] == ["Таможня сообщает", "Новый пункт пропуска",
                                        "Брифинг для участников ВЭД"]
    assert items[0].body == "Сотрудники таможни изъяли па\ufffdтию сигарет."
    assert sum(damage(i.title + i.body) for i in items) == 1


def test_one_item_in_windows_1251_inside_a_utf8_feed_is_read_alone() -> None:
    body = (rss(RU[0], "@@", RU[2]).encode()
            .replace(b"@@", RU[1].encode("cp1251")))
    items = parse_feed(body, SPEC, BAKU, NOW)
    assert [i.title for i in items] == ["Таможня сообщает", "Новый пункт пропуска",
                                        "Брифинг для участников ВЭД"]


def test_a_whole_feed_in_windows_1251_declared_utf8_reads_as_russian() -> None:
    items = parse_feed(rss(*RU).encode("cp1251"), SPEC, BAKU, NOW)
    assert items[1].body == "Пункт будет работать круглосуточно."


def test_hebrew_and_shift_jis_feeds_are_not_forced_into_cyrillic() -> None:
    hebrew = [item("המכס תפס משלוח גדול של סיגריות", "בנמל אשדוד נתפסו סיגריות מוברחות", guid="h")]
    japanese = [item("東京税関のお知らせ", "税関は大量の密輸たばこを押収しました。", guid="j")]
    (he,) = parse_feed(rss(*hebrew, declaration="").encode("cp1255"), SPEC, BAKU, NOW)
    assert he.title == "המכס תפס משלוח גדול של סיגריות"
    (ja,) = parse_feed(rss(*japanese, declaration="").encode("shift_jis"), SPEC, BAKU, NOW)
    assert ja.body == "税関は大量の密輸たばこを押収しました。"
    # declared in the HTTP header only: feedparser reads it as served
    (ja2,) = parse_feed(rss(*japanese, declaration="").encode("shift_jis"), SPEC, BAKU, NOW,
                        content_type="application/rss+xml; charset=Shift_JIS")
    assert ja2.title == "東京税関のお知らせ"


def test_relative_links_resolve_against_xml_base_then_the_feed_link_then_its_address() -> None:
    items = [item("A", guid="a", link="news/1"),
             '<title>B</title><guid>b</guid><link xml:base="https://cdn.example.az/x/">n/2</link>',
             item("C", guid="c", link="javascript:void(0)")]
    got = parse_feed(rss(*items).encode(), SPEC, BAKU, NOW, url="https://feeds.example.net/f")
    assert [i.url for i in got] == ["https://customs.example.az/en/news/1",
                                    "https://cdn.example.az/x/n/2", ""]
    (a,) = parse_feed(rss(items[0], channel_link="").encode(), SPEC, BAKU, NOW,
                      url="https://feeds.example.net/f/rss.xml")
    assert a.url == "https://feeds.example.net/f/news/1"


def test_entries_without_guid_link_or_date_keep_their_ids_as_the_feed_changes() -> None:
    first = parse_feed(rss(item("Old release", "Old text."), item("Older", "Text.")).encode(),
                       SPEC, BAKU, NOW)
    later = parse_feed(rss(item("New release", "New text."), item("Old release", "Old  text. "),
                           item("Older", "Text.")).encode(),
                       SPEC, BAKU, datetime(2026, 12, 7, tzinfo=UTC))
    assert [i.id for i in later][1:] == [i.id for i in first]
    assert len({i.id for i in later}) == 3


def test_different_entries_sharing_a_guid_are_kept_apart_and_stable() -> None:
    a = item("Seizure at Astara", "Cigarettes.", guid="https://customs.example.az/",
             link="https://customs.example.az/n/1")
    b = item("Training in Ganja", "Risk analysis.", guid="https://customs.example.az/",
             link="https://customs.example.az/n/2")
    once = parse_feed(rss(a, b, a).encode(), SPEC, BAKU, NOW)
    assert [i.title for i in once] == ["Seizure at Astara", "Training in Ganja"]
    assert once[0].id != once[1].id
    swapped = parse_feed(rss(b, a).encode(), SPEC, BAKU, NOW)
    assert {i.title: i.id for i in swapped} == {i.title: i.id for i in once}


def test_written_zones_are_honoured_and_zoneless_dates_are_local() -> None:
    items = parse_feed(rss(item("A", guid="a", date="Wed, 22 Jun 2022 22:30:00 MET"),
                           item("B", guid="b", date="Wed, 22 Jun 2022 22:00:00 -0000"),
                           item("C", guid="c", date="22 June 2022 09:50")).encode(),
                       SPEC, BAKU, NOW)
    assert [i.published for i in items] == [datetime(2022, 6, 22, 21, 30, tzinfo=UTC),
                                            datetime(2022, 6, 22, 22, 0, tzinfo=UTC),
                                            datetime(2022, 6, 22, 5, 50, tzinfo=UTC)]


def test_items_per_poll_are_capped_newest_first() -> None:
    many = [item(f"Release {n}", guid=str(n)) for n in range(MAX_ITEMS_PER_POLL + 50)]
    items = parse_feed(rss(*many).encode(), SPEC, BAKU, NOW)
    assert len(items) == MAX_ITEMS_PER_POLL and items[0].title == "Release 0"


def test_a_damaged_update_never_overwrites_good_stored_text(tmp_path) -> None:  # noqa: ANN001
    from bot.classify import Classifier
    from bot.poller import ingest_items
    from bot.store import Store

    store = Store(tmp_path / "data")
    try:
        good = parse_feed(rss(*RU).encode(), SPEC, BAKU, NOW)
        ingest_items(store, Classifier(), None, good, notify=False, now=NOW)
        broken = rss(*RU).encode().replace("Пункт будет".encode(), b"\xcf\xf3\xed\xea\xf2 "
                                           + "будет".encode())
        worse = parse_feed(broken, SPEC, BAKU, NOW)
        assert damage(worse[1].body) > 0
        result = ingest_items(store, Classifier(), None, worse, notify=False, now=NOW)
        assert not result.updated
        assert store.get_item("2").body == "Пункт будет работать круглосуточно."  # type: ignore[union-attr]
        fixed = parse_feed(rss(*RU).encode().replace("круглосуточно".encode(),
                                                     "круглосуточно с 1 июля".encode()),
                           SPEC, BAKU, NOW)
        result = ingest_items(store, Classifier(), None, fixed, notify=False, now=NOW)
        assert [i.id for i in result.updated] == ["2"]
    finally:
        store.close()
