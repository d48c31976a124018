"""HTML news pages as a source, against a real Fetcher and a local site on 127.0.0.1.

The pages in tests/fixtures/html/ imitate customs.gov.az: navigation menus and footers around the
text, the site's banner line, the title twice, a sign-off, local date lines (some with a view
counter glued on), HTML entities, Azerbaijani and Russian sections.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import FetchSettings
from bot.models import FeedSpec, FeedState, Item, PendingLink
from bot.sources import poll_source
from bot.sources.boilerplate import is_sign_off
from bot.sources.dates import find_local_date, parse_date
from bot.sources.fetch import Fetcher, FetchError
from bot.sources.html import MAX_ARTICLE_FAILURES, poll_html
from bot.sources.ids import numeric_id
from bot.sources.page_dates import date_line
from bot.sources.text import content_hash
from tests.fakes.site_server import Fault, Page, SiteServer

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "html"
SECTION = "/{lang}/faydali/xeberler"
ARTICLES = {
    "en": ["4503", "4502", "4501", "4426_/"],
    "az": ["9127", "9120", "9101"],
    "ru": ["7702", "7688", "5210_/"],
}
BANNERS = [
    "Customs service is one of the main attributes of the independence of any state.",
    "Gömrük xidməti hər bir dövlətin müstəqilliyinin əsas atributlarından biridir.",
    "Таможенная служба является одним из главных атрибутов независимости любого государства.",
]
SIGN_OFFS = [
    "Press and Public Affairs Department",
    "Mətbuat və ictimaiyyətlə əlaqələr şöbəsi",
    "Отдел по связям с общественностью",
]
CHROME = ["Home", "About the Committee", "Call center", "Inshaatchilar", "Share", "Other news",
          "All rights reserved", "Əsas səhifə", "Главная", "Read more"]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def load_customs_site(server: SiteServer) -> None:
    for lang, ids in ARTICLES.items():
        server.set_page(SECTION.format(lang=lang), fixture(f"{lang}_list.html"))
        for article in ids:
            number = article.rstrip("_/")
            server.set_page(f"{SECTION.format(lang=lang)}/{article}",
                            fixture(f"{lang}_{number}.html"))


def spec_for(server: SiteServer, lang: str = "en", **kwargs: object) -> FeedSpec:
    options: dict = {"request_delay_seconds": 0, **kwargs}
    return FeedSpec(
        id=f"customs-{lang}", url=server.url(SECTION.format(lang=lang)), type="html",
        link_pattern=rf"/{lang}/faydali/xeberler/\d+_?/?$", **options,
    )


@pytest.fixture
async def server() -> AsyncIterator[SiteServer]:
    async with SiteServer() as srv:
        load_customs_site(srv)
        yield srv


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    # 2 s: small pages from loopback, so a timeout means a hang even on a loaded machine
    fetcher = Fetcher(FetchSettings(timeout_seconds=2.0, connect_timeout_seconds=2.0))
    yield fetcher
    await fetcher.aclose()


class Known:
    """The store's view: ids of the items already stored."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def __call__(self, item_id: str) -> bool:
        return item_id in self.ids

    def add(self, items: list[Item]) -> list[Item]:
        self.ids.update(i.id for i in items)
        return items


async def poll(spec: FeedSpec, state: FeedState, fetcher: Fetcher,
               known: Known | None = None) -> list[Item]:
    known = known if known is not None else Known()
    return known.add(await poll_html(spec, state, fetcher, BAKU, NOW, known))


def by_number(items: list[Item]) -> dict[int, Item]:
    return {numeric_id(i.url) or 0: i for i in items}


def assert_clean(item: Item) -> None:
    for line in BANNERS + SIGN_OFFS + CHROME:
        assert line not in item.body, (item.url, line)
    assert item.title not in item.body.split("\n")  # neither copy of the doubled title
    assert "&amp;" not in item.body + item.title and "&quot;" not in item.body
    assert "|" not in item.title and "Committee of the Republic" not in item.title
    assert not any(date_line(line, BAKU) for line in item.body.split("\n"))


# ---- a first poll over the English section ----------------------------------------------


async def test_first_poll_returns_each_article_once_clean_and_dated(
    server: SiteServer, fetcher: Fetcher
) -> None:
    state = FeedState(feed_id="customs-en")
    items = await poll(spec_for(server), state, fetcher)

    assert [numeric_id(i.url) for i in items] == [4426, 4501, 4502, 4503]  # oldest first
    assert len({i.id for i in items}) == 4
    for item in items:
        assert_clean(item)
        assert item.language == "en" and not item.published_estimated
        assert item.content_hash == content_hash(item.title, item.body)
        assert item.feed_id == "customs-en"
    got = by_number(items)

    old = got[4426]  # "21-November-2020 387": date plus view counter; id without the "_/"
    assert old.url == server.url("/en/faydali/xeberler/4426_/")
    assert old.id.endswith("/en/faydali/xeberler/4426") and old.id.startswith("https://")
    assert old.title == "Customs Cooperation Council Policy Commission holding next session"
    assert old.published == datetime(2020, 11, 20, 20, 0, tzinfo=UTC)  # local midnight, UTC+4
    assert old.body.startswith("The next session of the Policy Commission")
    assert "WCO's strategic plan, capacity building & the response" in old.body
    assert "387" not in old.body

    smuggling = got[4501]  # local date line "22 June 2022 09:50" in Asia/Baku
    assert smuggling.title == ("Azerbaijani customs officers prevented smuggling of 12 kg of "
                               "narcotics")
    assert smuggling.published == datetime(2022, 6, 22, 5, 50, tzinfo=UTC)
    assert smuggling.body.startswith("Officers of the Southern Territorial Customs Department")
    assert "«Volvo»" in smuggling.body and "7.5 kg" in smuggling.body
    assert smuggling.body.endswith("has been detained.")

    protocol = got[4502]  # meta article:published_time (11:07) wins over the visible 11:05
    assert protocol.title == "Customs & border agencies sign a cooperation protocol"
    assert protocol.published == datetime(2022, 6, 23, 7, 7, tzinfo=UTC)
    assert "“by at least a third”" in protocol.body
    assert "1 July 2022 & will be reviewed" in protocol.body

    wco = got[4503]  # JSON-LD datePublished
    assert wco.published == datetime(2022, 6, 24, 12, 30, tzinfo=UTC)
    assert 'the "Single Window" system' in wco.body

    assert state.pending_links == []
    assert sorted(state.seen_links) == sorted(i.id for i in items)
    assert state.etag  # validators kept for the next poll


async def test_poll_source_dispatches_html(server: SiteServer, fetcher: Fetcher) -> None:
    items = await poll_source(spec_for(server), FeedState(feed_id="x"), fetcher, BAKU, NOW,
                              lambda _id: False)
    assert len(items) == 4


@pytest.mark.parametrize("etag", [True, False], ids=["304", "unchanged-200"])
async def test_second_poll_fetches_only_the_list_page(
    server: SiteServer, fetcher: Fetcher, etag: bool
) -> None:
    section = SECTION.format(lang="en")
    server.set_page(section, Page(fixture("en_list.html").encode(), etag=etag))
    spec, state, known = spec_for(server), FeedState(feed_id="customs-en"), Known()
    assert len(await poll(spec, state, fetcher, known)) == 4
    server.reset_counts()

    assert await poll(spec, state, fetcher, known) == []
    assert server.requests == {section: 1}
    assert server.not_modified.get(section, 0) == (1 if etag else 0)


async def test_a_new_link_brings_exactly_one_new_release(
    server: SiteServer, fetcher: Fetcher
) -> None:
    spec, state, known = spec_for(server), FeedState(feed_id="customs-en"), Known()
    await poll(spec, state, fetcher, known)
    section = SECTION.format(lang="en")
    listing = fixture("en_list.html").replace(
        '<div class="news-list">',
        '<div class="news-list">\n<div class="news-item"><a class="news-item__title" '
        'href="/en/faydali/xeberler/4504">Customs posts switch to the winter schedule</a> '
        '<span>25 June 2022 10:00</span></div>',
    )
    server.set_page(section, listing)
    server.set_page(f"{section}/4504", fixture("en_4501.html")
                    .replace("Azerbaijani customs officers prevented smuggling of 12 kg of "
                             "narcotics", "Customs posts switch to the winter schedule")
                    .replace("22 June 2022 09:50", "25 June 2022 10:00"))
    server.reset_counts()

    items = await poll(spec, state, fetcher, known)
    assert [i.title for i in items] == ["Customs posts switch to the winter schedule"]
    assert items[0].published == datetime(2022, 6, 25, 6, 0, tzinfo=UTC)
    assert server.requests == {section: 1, f"{section}/4504": 1}
    assert_clean(items[0])


# ---- failures -------------------------------------------------------------------------------


async def test_404_and_timeout_are_retried_later_without_blocking_the_others(
    server: SiteServer, fetcher: Fetcher
) -> None:
    section = SECTION.format(lang="en")
    server.set_fault(f"{section}/4501", Fault(status=404))
    server.set_fault(f"{section}/4502", Fault(hang=True))
    server.set_fault(f"{section}/4503", Fault(status=503))
    spec, state, known = spec_for(server), FeedState(feed_id="customs-en"), Known()

    first = await asyncio.wait_for(poll(spec, state, fetcher, known), 60)  # bounded: no hang
    # one hanging article costs one short timeout: asked once, not waited on again this poll
    assert server.count(f"{section}/4502") == 1
    assert [numeric_id(i.url) for i in first] == [4426]
    assert sorted(state.pending_links, key=lambda link: link.url) == [
        PendingLink(f"{server.url(section)}/{n}", failures=1) for n in ("4501", "4502", "4503")]

    for path in ("4501", "4502", "4503"):
        server.set_fault(f"{section}/{path}", None)
    second = await poll(spec, state, fetcher, known)
    assert [numeric_id(i.url) for i in second] == [4501, 4502, 4503]
    assert all(i.published.year == 2022 for i in second)
    assert state.pending_links == []
    assert server.count(f"{section}/4426_/") == 1  # never fetched twice


async def test_failed_links_wait_behind_fresh_ones_and_are_given_up_after_five(
    server: SiteServer, fetcher: Fetcher
) -> None:
    section = SECTION.format(lang="en")
    server.set_fault(f"{section}/4426_/", Fault(status=500))
    spec, state = spec_for(server, max_new_per_poll=2), FeedState(feed_id="customs-en")

    first = await poll(spec, state, fetcher)
    assert [numeric_id(i.url) for i in first] == [4501]  # 4426 failed
    second = await poll(spec, state, fetcher)  # fresh 4502, 4503 go before the failed 4426
    assert [numeric_id(i.url) for i in second] == [4502, 4503]
    assert server.count(f"{section}/4426_/") == 1
    for _ in range(MAX_ARTICLE_FAILURES - 1):
        assert await poll(spec, state, fetcher) == []
    assert server.count(f"{section}/4426_/") == MAX_ARTICLE_FAILURES
    assert state.pending_links == []
    assert state.last_error is not None and "gave up" in state.last_error
    assert any(link.endswith("/4426") for link in state.seen_links)
    await poll(spec, state, fetcher)
    assert server.count(f"{section}/4426_/") == MAX_ARTICLE_FAILURES  # not queued again


async def test_a_site_that_is_down_is_not_waited_out_link_by_link(
    server: SiteServer, fetcher: Fetcher
) -> None:
    section = SECTION.format(lang="en")
    for article in ARTICLES["en"]:
        server.set_fault(f"{section}/{article}", Fault(status=502))
    state = FeedState(feed_id="customs-en")
    assert await poll(spec_for(server), state, fetcher) == []
    assert sum(server.count(f"{section}/{a}") for a in ARTICLES["en"]) == 3
    assert len(state.pending_links) == 4


async def test_list_page_failures_raise_fetch_error(server: SiteServer, fetcher: Fetcher) -> None:
    state = FeedState(feed_id="customs-en")
    server.set_fault(SECTION.format(lang="en"), Fault(status=500))
    with pytest.raises(FetchError, match="HTTP 500"):
        await poll(spec_for(server), state, fetcher)
    server.set_fault(SECTION.format(lang="en"), None)
    server.set_page(SECTION.format(lang="en"), "<html><body><a href='/en'>Home</a></body></html>")
    with pytest.raises(FetchError, match="no links matching link_pattern"):
        await poll(spec_for(server), state, fetcher)
    assert state.etag is None and state.pending_links == []


async def test_article_redirected_to_the_home_page_is_not_news(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.set_page("/en", fixture("en_list.html"))
    server.set_fault("/en/faydali/xeberler/4503", Fault(redirect_to="/en"))
    state = FeedState(feed_id="customs-en")
    items = await poll(spec_for(server), state, fetcher)
    assert [numeric_id(i.url) for i in items] == [4426, 4501, 4502]
    assert state.pending_links == [PendingLink(server.url("/en/faydali/xeberler/4503"), 1)]


# ---- many links ------------------------------------------------------------------------


def list_page(numbers: Iterable[int]) -> str:
    """A list page linking /news/<n> for each number, in the order given."""
    links = "".join(f"<li><a href='/news/{n}'>Release number {n} about customs</a></li>"
                    for n in numbers)
    return f"<html><body><ul>{links}</ul></body></html>"


def small_article(number: int) -> str:
    text = (f"Text of release {number}: customs officers at the border post inspected a lorry "
            "and found goods that were not declared. ")
    return (f"<html><head><title>Release {number} | Site</title></head><body>"
            f"<nav><a href='/'>Home</a></nav><div class='news'><h1>Release number {number}</h1>"
            f"<p>{text * 3}</p><p>{text * 3}</p><p>{text * 2}</p>"
            f"<p>{(number % 28) + 1} June 2022 10:00</p></div></body></html>")


@pytest.mark.slow
async def test_500_links_are_fetched_oldest_first_a_batch_per_poll(
    server: SiteServer, fetcher: Fetcher
) -> None:
    numbers = range(1500, 1000, -1)  # newest first, as list pages are
    links = "".join(f"<li><a href='/news/{n}'>Release number {n}</a></li>" for n in numbers)
    server.set_page("/news", f"<html><body><ul>{links}</ul></body></html>")
    for n in numbers:
        server.set_page(f"/news/{n}", small_article(n))
    spec = FeedSpec(id="big", url=server.url("/news"), type="html", link_pattern=r"/news/\d+$",
                    max_new_per_poll=10, request_delay_seconds=0)
    state, known = FeedState(feed_id="big"), Known()

    # a backlog of 500 is fetched ten times faster than max_new_per_poll (links.batch_size)
    first = await poll(spec, state, fetcher, known)
    assert [numeric_id(i.url) for i in first] == list(range(1001, 1101))
    assert len(state.pending_links) == 400
    second = await poll(spec, state, fetcher, known)  # the list page answers 304
    assert [numeric_id(i.url) for i in second] == list(range(1101, 1201))
    assert server.not_modified["/news"] == 1
    assert server.total_requests() == 2 + 200

    spec.max_new_per_poll = 150
    rest = await poll(spec, state, fetcher, known) + await poll(spec, state, fetcher, known)
    assert [numeric_id(i.url) for i in rest] == list(range(1201, 1501))
    assert state.pending_links == []
    assert all(server.count(f"/news/{n}") == 1 for n in numbers)
    assert await poll(spec, state, fetcher, known) == []


async def test_links_outside_the_pattern_are_ignored(server: SiteServer, fetcher: Fetcher) -> None:
    await poll(spec_for(server), FeedState(feed_id="customs-en"), fetcher)
    fetched = set(server.requests)
    assert fetched == {"/en/faydali/xeberler", *(f"/en/faydali/xeberler/{a}"
                                                 for a in ARTICLES["en"])}
    # the announcement, the pagination, the section itself and off-site links were not followed


async def test_known_and_repeated_links_are_not_fetched(
    server: SiteServer, fetcher: Fetcher
) -> None:
    known = Known()
    known.ids.add("https://" + server.url("/en/faydali/xeberler/4501").split("://", 1)[1])
    items = await poll(spec_for(server), FeedState(feed_id="customs-en"), fetcher, known)
    assert [numeric_id(i.url) for i in items] == [4426, 4502, 4503]
    assert server.count("/en/faydali/xeberler/4501") == 0
    assert server.count("/en/faydali/xeberler/4502") == 1  # listed twice, once with utm_*


# ---- Azerbaijani and Russian --------------------------------------------------------------


async def test_azerbaijani_section(server: SiteServer, fetcher: Fetcher) -> None:
    items = await poll(spec_for(server, "az"), FeedState(feed_id="customs-az"), fetcher)
    got = by_number(items)
    assert [numeric_id(i.url) for i in items] == [9101, 9120, 9127]
    for item in items:
        assert_clean(item)
        assert item.language == "az"
    assert got[9101].published == datetime(2022, 6, 22, 5, 50, tzinfo=UTC)  # "22 İyun 2022 09:50"
    assert got[9120].published == datetime(2023, 8, 3, 8, 0, tzinfo=UTC)  # "-cü il, saat 12:00"
    assert got[9127].published == datetime(2026, 2, 10, 10, 20, tzinfo=UTC)  # "10 fevral 2026"
    assert got[9127].title == "Gömrük əməkdaşları qaçaqmalçılığın qarşısını aldı"
    assert got[9127].body.startswith("Cənub Ərazi Gömrük İdarəsinin əməkdaşları")
    assert "«Vahid pəncərə»" in got[9101].body


async def test_russian_section(server: SiteServer, fetcher: Fetcher) -> None:
    items = await poll(spec_for(server, "ru"), FeedState(feed_id="customs-ru"), fetcher)
    got = by_number(items)
    assert [numeric_id(i.url) for i in items] == [5210, 7688, 7702]
    for item in items:
        assert_clean(item)
        assert item.language == "ru"
    assert got[7688].published == datetime(2022, 6, 22, 5, 50, tzinfo=UTC)  # "22 июня 2022"
    assert got[7702].published == datetime(2023, 2, 15, 6, 15, tzinfo=UTC)  # "15 Февраль 2023"
    # "25.09.2019 1.204": a date and a view counter, not 01:20
    assert got[5210].published == datetime(2019, 9, 24, 20, 0, tzinfo=UTC)
    # <h1> is the section name "Новости": og:title wins, and the section name is not text
    assert got[7688].title == "Встреча с делегацией Всемирной таможенной организации"
    assert got[7688].body.startswith("Председатель Государственного таможенного комитета")
    assert got[5210].title == "Таможенные посты переходят на летний режим работы"
    assert '"бытовая химия"' in got[7702].body


async def test_spec_language_wins_over_detection(server: SiteServer, fetcher: Fetcher) -> None:
    items = await poll(spec_for(server, "ru", language="az"), FeedState(feed_id="x"), fetcher)
    assert {i.language for i in items} == {"az"}


# ---- boilerplate learning -----------------------------------------------------------------

FOLLOW = "Follow the Committee on Telegram and receive the news first: t.me/customs_example"
SHARED = "The investigation is being conducted under Article 206 of the Criminal Code."


def generic_article(number: int, extra: list[str], date: str | None = "12 May 2024 15:00") -> str:
    paragraphs = [
        f"Paragraph one of release {number} describes what the customs officers found.",
        f"Paragraph two of release {number} gives the quantities and the border post.",
        *extra,
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    dated = f"<p class='date'>{date}</p>" if date else ""
    return (f"<html><head><title>Release {number} | Example agency</title></head><body>"
            f"<header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
            f"<main><article><h1>Release {number} about a customs operation</h1>{body}{dated}"
            f"</article></main><footer>Example agency, 2024</footer></body></html>")


def generic_list(numbers: list[int]) -> str:
    links = "".join(f"<li><a href='/news/{n}'>Release {n}</a></li>" for n in sorted(numbers,
                                                                                   reverse=True))
    return f"<html><body><ul>{links}</ul></body></html>"


async def test_boilerplate_is_learnt_across_pages(server: SiteServer, fetcher: Fetcher) -> None:
    spec = FeedSpec(id="agency", url=server.url("/news"), type="html", link_pattern=r"/news/\d+$",
                    request_delay_seconds=0)
    state, known = FeedState(feed_id="agency"), Known()
    server.set_page("/news/1", generic_article(1, [FOLLOW, SHARED]))
    server.set_page("/news/2", generic_article(2, [FOLLOW]))
    server.set_page("/news", generic_list([1, 2]))
    first = await poll(spec, state, fetcher, known)
    assert all(FOLLOW in i.body for i in first)  # 2 articles: too few to learn from

    for n, extra in ((3, [FOLLOW, SHARED]), (4, [FOLLOW]), (5, [FOLLOW])):
        server.set_page(f"/news/{n}", generic_article(n, extra))
    server.set_page("/news", generic_list([1, 2, 3, 4, 5]))
    later = await poll(spec, state, fetcher, known)
    assert [numeric_id(i.url) for i in later] == [3, 4, 5]
    for item in later:
        assert FOLLOW not in item.body  # in 5 of 5 articles
        assert item.body.startswith(f"Paragraph one of release {item.url[-1]}")
        assert item.published == datetime(2024, 5, 12, 11, 0, tzinfo=UTC)
    assert SHARED in later[0].body  # in 2 of 5: a shared paragraph, not boilerplate
    assert FOLLOW in state.boilerplate
    assert SHARED not in state.boilerplate
    assert len(state.line_windows) == 5  # one per article fetched so far


async def test_article_without_any_date_is_estimated(server: SiteServer, fetcher: Fetcher) -> None:
    server.set_page("/news", generic_list([7]))
    server.set_page("/news/7", generic_article(7, [], date=None))
    spec = FeedSpec(id="agency", url=server.url("/news"), type="html", link_pattern=r"/news/\d+$",
                    request_delay_seconds=0)
    (item,) = await poll(spec, FeedState(feed_id="agency"), fetcher)
    assert item.published == NOW and item.published_estimated
    assert item.title == "Release 7 about a customs operation"


# ---- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("22 İyun 2022 09:50", datetime(2022, 6, 22, 5, 50, tzinfo=UTC)),
    ("22 İYUL 2022", datetime(2022, 7, 21, 20, 0, tzinfo=UTC)),
    ("3 Avqust 2023-cü il, saat 12:00", datetime(2023, 8, 3, 8, 0, tzinfo=UTC)),
    ("1 sentyabr 2021-ci il saat 09:15", datetime(2021, 9, 1, 5, 15, tzinfo=UTC)),
    ("25.09.2019 1.204", datetime(2019, 9, 24, 20, 0, tzinfo=UTC)),
    ("25.09.2019 10.30", datetime(2019, 9, 25, 6, 30, tzinfo=UTC)),
    ("21-November-2020 387", datetime(2020, 11, 20, 20, 0, tzinfo=UTC)),
    ("22 June 2022 09:50 1204", datetime(2022, 6, 22, 5, 50, tzinfo=UTC)),
])
def test_local_date_forms(text: str, expected: datetime) -> None:
    found = find_local_date(text, BAKU)
    assert found is not None and found[0] == expected
    assert parse_date(text, BAKU) == expected


@pytest.mark.parametrize(("line", "is_date"), [
    ("22 June 2022 09:50", True),
    ("21-November-2020 387", True),
    ("25.09.2019 1.204", True),
    ("Date: 10 fevral 2026", True),
    ("Baxış: 387 | 10 fevral 2026 14:20", True),
    ("Просмотров: 12, 22 июня 2022", True),
    ("The protocol enters into force on 1 July 2022.", False),
    ("Baku, 22 June 2022", False),
])
def test_date_lines(line: str, is_date: bool) -> None:
    assert (date_line(line, BAKU) is not None) is is_date


@pytest.mark.parametrize(("line", "expected"), [
    ("Press and Public Affairs Department of the State Customs Committee", True),
    ("Press Service of the State Customs Committee of the Republic of Azerbaijan", True),
    ("Dövlət Gömrük Komitəsinin Mətbuat və ictimaiyyətlə əlaqələr şöbəsi", True),
    ("DÖVLƏT GÖMRÜK KOMİTƏSİNİN MƏTBUAT VƏ İCTİMAİYYƏTLƏ ƏLAQƏLƏR ŞÖBƏSİ", True),
    ("Отдел по связям с общественностью и прессой Государственного таможенного комитета", True),
    ("Пресс-служба ГТК", True),
    ("The Press and Public Affairs Department held a briefing for journalists.", False),
    ("Отдел по связям с общественностью провёл брифинг для журналистов.", False),
])
def test_sign_offs(line: str, expected: bool) -> None:
    assert is_sign_off(line) is expected


@pytest.mark.parametrize(("url", "number"), [
    ("https://customs.gov.az/en/faydali/xeberler/4426_/", 4426),
    ("https://customs.gov.az/en/faydali/xeberler/4501", 4501),
    ("https://example.org/news/123-customs-officers-seize", 123),
    ("https://example.org/news.php?id=77&lang=en", 77),
    ("https://example.org/news/some-slug", None),
])
def test_numeric_ids(url: str, number: int | None) -> None:
    assert numeric_id(url) == number


# ---- through the poller and the store ------------------------------------------------------


async def test_poller_stores_the_backlog_silently_and_pushes_what_comes_after(
    tmp_path: Path, server: SiteServer, fetcher: Fetcher
) -> None:
    from bot.classify import Classifier
    from bot.poller import Poller
    from bot.store import Store

    store = Store(tmp_path / "data")
    pushed: list[Item] = []
    spec = spec_for(server, max_new_per_poll=3)
    poller = Poller(store, fetcher, Classifier(), None, [spec], fetcher.settings, BAKU,
                    on_new=pushed.extend, clock=lambda: NOW)
    try:
        first = await poller.poll_feed(spec)  # 3 of 4: the backlog is not drained yet
        assert first.ok and len(first.result.new) == 3
        assert not store.feed_state(spec.id).initialised
        second = await poller.poll_feed(spec)
        assert second.ok and len(second.result.new) == 1
        assert store.feed_state(spec.id).initialised and pushed == []

        section = SECTION.format(lang="en")
        server.set_page(section, fixture("en_list.html").replace(
            '<div class="news-list">',
            '<div class="news-list"><a href="/en/faydali/xeberler/4600">New</a>'))
        server.set_page(f"{section}/4600", generic_article(4600, [], date="1 March 2026 11:00"))
        third = await poller.poll_feed(spec)
        assert [i.title for i in third.result.new] == ["Release 4600 about a customs operation"]
        assert [i.title for i in pushed] == ["Release 4600 about a customs operation"]
        assert pushed[0].published == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
        assert store.count_items() == 5
    finally:
        store.close()
