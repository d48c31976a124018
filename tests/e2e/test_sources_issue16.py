"""Issue 16's source defects, each on a small feed or page written for it and served by a local
site on 127.0.0.1, through the real Fetcher, the Poller and the store: what a user would see in
the stored releases (titles, text, links, dates) and what would be pushed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.classify import Classifier
from bot.config import FetchSettings
from bot.models import FeedSpec, FeedState, Item
from bot.poller import Poller, PollReport
from bot.sources import Fetcher
from bot.sources.html import poll_html
from bot.store import Store
from tests.fakes.site_server import Page, SiteServer

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    fetcher = Fetcher(FetchSettings(timeout_seconds=2, connect_timeout_seconds=1))
    yield fetcher
    await fetcher.aclose()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data")
    yield store  # type: ignore[misc]
    store.close()


def serve_feed(site: SiteServer, path: str, body: bytes) -> None:
    site.set_page(path, Page(body, "application/rss+xml", charset=None))


def poller_for(store: Store, fetcher: Fetcher, *specs: FeedSpec) -> Poller:
    return Poller(store, fetcher, Classifier(), None, list(specs), fetcher.settings, BAKU)


async def poll(poller: Poller) -> PollReport:
    (report,) = await poller.poll_all()
    assert report.ok, report.error
    return report


def rss(*items: str, channel: str = "<link>https://customs.example.az/ru/</link>",
        attrs: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"{attrs}><channel>'
            f"<title>Новости</title>{channel}<description>d</description>"
            + "".join(f"<item>{i}</item>" for i in items) + "</channel></rss>").encode()


def item(title: str, body: str, guid: str = "", link: str = "", date: str = "") -> str:
    return (f"<title>{title}</title>" + (f"<guid>{guid}</guid>" if guid else "")
            + (f"<link>{link}</link>" if link else "")
            + (f"<pubDate>{date}</pubDate>" if date else "")
            + f"<description>{body}</description>")


# ---- encodings: a UTF-8 feed with one Cyrillic character cut in half ------------------------

RU = [
    ("Таможня изъяла партию сигарет", "Сотрудники таможни изъяли партию сигарет в Астаре.", "1"),
    ("Новый пункт пропуска", "Пункт пропуска будет работать круглосуточно.", "2"),
    ("Брифинг для участников ВЭД", "На брифинге обсуждались изменения Таможенного кодекса.", "3"),
]


def ru_feed(*extra: str) -> bytes:
    return rss(*extra, *(item(t, b, guid=g, date="Mon, 30 Nov 2026 10:00:00 +0400")
                         for t, b, g in RU))


def cut(feed: bytes, word: str) -> bytes:
    """The feed with the first character of `word` cut in half: its second byte dropped, as a
    CMS that truncates bytes, not characters, leaves it."""
    whole = word.encode()
    assert feed.count(whole) >= 1
    return feed.replace(whole, whole[:1] + whole[2:], 1)


async def test_a_cut_character_costs_one_replacement_character_and_never_downgrades_stored_text(
    site: SiteServer, fetcher: Fetcher, store: Store
) -> None:
    spec = FeedSpec(id="ru", url=site.url("/ru.xml"))
    poller = poller_for(store, fetcher, spec)
    serve_feed(site, "/ru.xml", ru_feed())
    first = await poll(poller)
    assert first.result.counts() == {"new": 3, "updated": 0, "seen": 0}

    # the CMS cuts one character of a stored release and one of a new one
    fresh = item("Совещание в Гяндже", "Обсуждались вопросы анализа рисков.", guid="4",
                 date="Sun, 06 Dec 2026 10:00:00 +0400")
    damaged = cut(cut(ru_feed(fresh), "круглосуточно"), "анализа")
    with pytest.raises(UnicodeDecodeError):
        damaged.decode("utf-8")
    serve_feed(site, "/ru.xml", damaged)
    second = await poll(poller)

    (new,) = second.result.new
    assert new.body == "Обсуждались вопросы \ufffdнализа рисков."  # one U+FFFD, the rest intact
    assert new.title == "Совещание в Гяндже" and new.language == "ru"
    assert second.result.updated == []  # a worse copy of a stored release is no update
    stored = {i.id: i for i in store.iter_items()}
    for title, body, guid in RU:
        assert (stored[guid].title, stored[guid].body, stored[guid].language) == (title, body, "ru")

    # the feed mended and the release really corrected: that is an update again
    serve_feed(site, "/ru.xml", ru_feed().replace("круглосуточно".encode(),
                                                  "круглосуточно с 1 января".encode()))
    third = await poll(poller)
    assert [i.id for i in third.result.updated] == ["2"]
    assert store.get_item("2").body.endswith("круглосуточно с 1 января.")  # type: ignore[union-attr]


# ---- ids: an id-less entry, and entries sharing a guid ---------------------------------------


async def test_an_id_less_item_polled_three_times_as_the_feed_changes_is_stored_once(
    site: SiteServer, fetcher: Fetcher, store: Store
) -> None:
    """No guid, no link, no date: its id comes from its normalised title and text, so neither
    new entries above it nor a re-rendering (spacing, case) make it new again."""
    spec = FeedSpec(id="bare", url=site.url("/bare.xml"))
    poller = poller_for(store, fetcher, spec)
    old = item("Customs procedures for the holidays", "Border posts work as usual.")
    serve_feed(site, "/bare.xml", rss(old))
    assert [i.title for i in (await poll(poller)).result.new] == [
        "Customs procedures for the holidays"]

    serve_feed(site, "/bare.xml", rss(item("Seizure at Astara", "Cigarettes found."), old))
    assert [i.title for i in (await poll(poller)).result.new] == ["Seizure at Astara"]

    rerendered = item("Customs  procedures for the holidays ", "<p>Border posts work as  usual."
                      "</p>")
    serve_feed(site, "/bare.xml", rss(item("Training in Ganja", "Risk analysis."),
                                      item("Seizure at Astara", "Cigarettes found."), rerendered))
    third = await poll(poller)
    assert [i.title for i in third.result.new] == ["Training in Ganja"]
    assert third.result.updated == []
    titles = sorted(i.title for i in store.iter_items())
    assert titles == ["Customs procedures for the holidays", "Seizure at Astara",
                      "Training in Ganja"]


async def test_two_items_sharing_a_guid_are_kept_apart_as_the_feed_changes(
    site: SiteServer, fetcher: Fetcher, store: Store
) -> None:
    """A CMS that writes the site's address as every entry's guid: each release is stored once,
    none overwrites another, none comes back as new."""
    spec = FeedSpec(id="same", url=site.url("/same.xml"))
    pushed: list[Item] = []
    poller = poller_for(store, fetcher, spec)
    poller.on_new = pushed.extend
    guid = "https://customs.example.az/"

    def entry(n: int, title: str) -> str:
        published = datetime.now(UTC) - timedelta(hours=10 - n)
        return item(title, f"Text of release {n}.", guid=guid,
                    link=f"https://customs.example.az/en/news/{n}",
                    date=format_datetime(published))

    serve_feed(site, "/same.xml", rss(entry(2, "Training in Ganja"), entry(1, "Seizure at Astara")))
    first = await poll(poller)
    assert sorted(i.title for i in first.result.new) == ["Seizure at Astara", "Training in Ganja"]

    serve_feed(site, "/same.xml", rss(entry(3, "Delegation of Georgia"),
                                      entry(2, "Training in Ganja"), entry(1, "Seizure at Astara")))
    second = await poll(poller)
    assert [i.title for i in second.result.new] == ["Delegation of Georgia"]
    assert second.result.updated == []
    assert [i.title for i in pushed] == ["Delegation of Georgia"]

    serve_feed(site, "/same.xml", rss(entry(3, "Delegation of Georgia")))  # the others scrolled off
    third = await poll(poller)
    assert third.result.new == [] and third.result.updated == []
    by_url = {i.url: i.title for i in store.iter_items()}
    assert by_url == {"https://customs.example.az/en/news/1": "Seizure at Astara",
                      "https://customs.example.az/en/news/2": "Training in Ganja",
                      "https://customs.example.az/en/news/3": "Delegation of Georgia"}


async def test_a_one_entry_feed_whose_guid_never_changes_keeps_each_release(
    site: SiteServer, fetcher: Fetcher, store: Store
) -> None:
    """The same guid, one entry at a time: the second release is a new one (its own link), not
    a correction of the first."""
    spec = FeedSpec(id="one", url=site.url("/one.xml"))
    pushed: list[Item] = []
    poller = poller_for(store, fetcher, spec)
    poller.on_new = pushed.extend
    guid = "https://customs.example.az/"
    serve_feed(site, "/one.xml", rss(item("Seizure at Astara", "Cigarettes.", guid=guid,
                                          link="https://customs.example.az/en/news/1")))
    await poll(poller)
    serve_feed(site, "/one.xml", rss(item("Training in Ganja", "Risk analysis.", guid=guid,
                                          link="https://customs.example.az/en/news/2")))
    second = await poll(poller)
    assert [i.title for i in second.result.new] == ["Training in Ganja"]
    assert second.result.updated == []
    assert [i.title for i in pushed] == ["Training in Ganja"]
    assert sorted(i.title for i in store.iter_items()) == ["Seizure at Astara",
                                                           "Training in Ganja"]


async def test_a_corrected_release_under_a_shared_guid_is_still_an_update(
    site: SiteServer, fetcher: Fetcher, store: Store
) -> None:
    """Kept apart is not split apart: the same link (or, with no links, the same title or text)
    under the shared guid is the stored release corrected, whether stored plain or suffixed."""
    spec = FeedSpec(id="fix", url=site.url("/fix.xml"))
    poller = poller_for(store, fetcher, spec)
    guid = "https://customs.example.az/"
    one = item("Seizure at Astra", "Cigarettes.", guid=guid,
               link="https://customs.example.az/en/news/1")
    two = item("Training in Ganja", "Risk analysis.", guid=guid,
               link="https://customs.example.az/en/news/2")
    bare = item("Holiday hours", "Posts work as usual.", guid="h")
    serve_feed(site, "/fix.xml", rss(one, bare))
    await poll(poller)
    serve_feed(site, "/fix.xml", rss(two, one.replace("Astra", "Astara"),
                                     bare.replace("Holiday", "New Year")))
    second = await poll(poller)
    assert [i.title for i in second.result.new] == ["Training in Ganja"]
    assert sorted(i.title for i in second.result.updated) == ["New Year hours",
                                                              "Seizure at Astara"]
    serve_feed(site, "/fix.xml", rss(two.replace("Risk analysis.", "Risk analysis, day two.")))
    third = await poll(poller)
    assert third.result.new == [] and [i.body for i in third.result.updated] == [
        "Risk analysis, day two."]
    assert store.count_items() == 3


# ---- links: relative, with and without xml:base ------------------------------------------------


async def test_relative_links_are_stored_absolute(
    site: SiteServer, fetcher: Fetcher, store: Store
) -> None:
    rss_feed = rss(
        item("Plain relative", "a", guid="a", link="/blog/2013/01/30/Plex"),
        item("Dot relative", "b", guid="b", link="news/2"),
        '<title>Own base</title><guid>c</guid><description>c</description>'
        '<link xml:base="https://cdn.example.az/x/">n/3</link>',
        channel="<link>https://customs.example.az/en/</link>")
    atom = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            b'xml:base="https://mirror.example.az/press/"><title>Press</title><id>p</id>'
            b'<updated>2026-12-06T10:00:00Z</updated>'
            b'<entry><title>Atom relative</title><id>d</id><link href="releases/4"/>'
            b'<updated>2026-12-06T10:00:00Z</updated><summary>d</summary></entry></feed>')
    bare = rss(item("No channel link", "e", guid="e", link="e/5"), channel="")
    serve_feed(site, "/en/rss.xml", rss_feed)
    serve_feed(site, "/atom/feed.xml", atom)
    serve_feed(site, "/feeds/bare.xml", bare)
    specs = [FeedSpec(id="rss", url=site.url("/en/rss.xml")),
             FeedSpec(id="atom", url=site.url("/atom/feed.xml")),
             FeedSpec(id="bare", url=site.url("/feeds/bare.xml"))]
    poller = poller_for(store, fetcher, *specs)
    reports = await poller.poll_all()
    assert all(r.ok for r in reports)
    urls = {i.title: i.url for i in store.iter_items()}
    assert urls == {
        "Plain relative": "https://customs.example.az/blog/2013/01/30/Plex",
        "Dot relative": "https://customs.example.az/en/news/2",
        "Own base": "https://cdn.example.az/x/n/3",
        "Atom relative": "https://mirror.example.az/press/releases/4",
        "No channel link": site.url("/feeds/e/5"),
    }


# ---- time zones written in the feed ----------------------------------------------------------


async def test_written_zones_are_honoured_and_zoneless_dates_read_in_the_source_zone(
    site: SiteServer, fetcher: Fetcher, store: Store
) -> None:
    dates = {"met": "Wed, 22 Jun 2022 22:30:00 MET",
             "et": "Wed, 22 Jun 2022 21:00:00 ET",
             "utc": "Wed, 22 Jun 2022 22:00:00 -0000",
             "local": "Wed, 22 Jun 2022 09:50:00"}
    serve_feed(site, "/z.xml", rss(*(item(k, "Text.", guid=k, date=d) for k, d in dates.items())))
    await poll(poller_for(store, fetcher, FeedSpec(id="z", url=site.url("/z.xml"))))
    got = {i.id: i.published for i in store.iter_items()}
    assert got == {"met": datetime(2022, 6, 22, 21, 30, tzinfo=UTC),  # MET = UTC+1
                   "et": datetime(2022, 6, 23, 1, 0, tzinfo=UTC),  # EDT in June
                   "utc": datetime(2022, 6, 22, 22, 0, tzinfo=UTC),
                   "local": datetime(2022, 6, 22, 5, 50, tzinfo=UTC)}  # Baku, UTC+4


# ---- HTML pages: titles and the page's own date -----------------------------------------------

TEXT = ("<p>Officers of the Astara customs post found 12,000 packs of undeclared cigarettes in a "
        "lorry. The case has been sent to the investigation department for further action.</p>")


def list_page(numbers: list[int]) -> str:
    links = "".join(f"<li><a href='/news/{n}'>Release {n}</a></li>" for n in numbers)
    return f"<html><body><ul>{links}</ul></body></html>"


def html_spec(site: SiteServer) -> FeedSpec:
    return FeedSpec(id="ministry", url=site.url("/news"), type="html",
                    link_pattern=r"/news/\d+$", request_delay_seconds=0)


async def poll_pages(site: SiteServer, fetcher: Fetcher, pages: dict[int, str],
                     state: FeedState | None = None) -> list[Item]:
    for n, html in pages.items():
        site.set_page(f"/news/{n}", html)
    site.set_page("/news", list_page(sorted(pages, reverse=True)))
    return await poll_html(html_spec(site), state or FeedState(feed_id="ministry"), fetcher,
                           BAKU, NOW, lambda _id: False)


async def test_two_h1s_with_the_section_first_store_the_article_title(
    site: SiteServer, fetcher: Fetcher
) -> None:
    html = ("<html><head><title>Customs officers seized 12,000 packs of cigarettes in Astara - "
            "Medienmitteilungen - State Customs Committee</title>"
            "<meta property='og:title' content='Medienmitteilungen'></head><body>"
            "<nav><a href='/'>Home</a></nav><h1>Medienmitteilungen</h1><div class='article'>"
            "<h1>Customs officers seized 12,000 packs of cigarettes in Astara</h1>"
            f"<p class='date'>12.05.2024</p>{TEXT}</div></body></html>")
    (got,) = await poll_pages(site, fetcher, {1: html})
    assert got.title == "Customs officers seized 12,000 packs of cigarettes in Astara"
    assert got.published == datetime(2024, 5, 11, 20, 0, tzinfo=UTC)


async def test_a_heading_on_every_page_of_the_site_is_learnt_and_never_a_title(
    site: SiteServer, fetcher: Fetcher
) -> None:
    """Every page: <title>, og:title and the first <h1> are the section's name ("Navigation und
    Service" style); read alone each page would answer it. Across the source it is learnt."""
    subjects = ["Astara post seizes cigarettes", "Training on risk analysis held in Ganja",
                "Winter schedule for border posts", "Delegation of Georgia visits Baku"]
    pages = {n: ("<html><head><title>Fachmeldungen | Customs</title>"
                 "<meta property='og:title' content='Fachmeldungen'></head><body>"
                 f"<h1>Fachmeldungen</h1><h1>{subject}</h1><p>{subject}. Release {n}.</p>{TEXT}"
                 "</body></html>")
             for n, subject in enumerate(subjects, 1)}
    state = FeedState(feed_id="ministry")
    items = await poll_pages(site, fetcher, pages, state)
    assert sorted(i.title for i in items) == sorted(subjects)
    assert all("Fachmeldungen" not in i.body for i in items)
    # a later article alone still gets its own title: the site's heading is remembered
    late = ("<html><head><title>Fachmeldungen | Customs</title></head><body><h1>Fachmeldungen"
            f"</h1><h1>New green corridor opens</h1><p>Release 5.</p>{TEXT}</body></html>")
    site.set_page("/news/5", late)
    site.set_page("/news", list_page([5, 4, 3, 2, 1]))
    (fifth,) = await poll_html(html_spec(site), state, fetcher, BAKU, NOW,
                               lambda id_: not id_.endswith("/5"))
    assert fifth.title == "New green corridor opens"


async def test_a_body_date_before_the_page_date_is_not_the_publication_date(
    site: SiteServer, fetcher: Fetcher
) -> None:
    html = ("<html><head><title>Neue Zollverordnung in Kraft | Ministerium</title></head><body>"
            "<h1>Neue Zollverordnung in Kraft</h1><div class='text'>"
            "<p>Die Verordnung wurde im Bundesgesetzblatt vom 17. August 2021 verkündet und gilt "
            "für alle Einfuhren aus Drittländern. Die Zollstellen wenden sie ab sofort an.</p>"
            "<p>Weitere Hinweise erteilt die Generalzolldirektion.</p></div>"
            "<div class='meta'>Datum: 18.10.2021</div></body></html>")
    (got,) = await poll_pages(site, fetcher, {1: html})
    assert got.published.astimezone(BAKU).date().isoformat() == "2021-10-18"
    assert not got.published_estimated
