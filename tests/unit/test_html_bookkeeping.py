"""The bookkeeping an HTML source keeps between polls: its link queue, its learnt boilerplate,
and the one spelling of a release's URL that makes its id."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.models import FeedState, PendingLink
from bot.sources.boilerplate import BOILERPLATE_WINDOW, clean_article_text, learn_boilerplate
from bot.sources.ids import feed_entry_id, normalise_url
from bot.sources.links import find_article_links, next_batch, queue_links

BANNER = "Follow the Committee on Telegram: t.me/customs_example"


def article(number: int, *extra: str) -> list[str]:
    return [f"Release {number} opens with its own first paragraph.",
            f"Release {number} goes on with a second one.", *extra]


def test_new_links_join_the_queue_oldest_first_and_failed_ones_keep_their_count() -> None:
    state = FeedState(feed_id="agency", seen_links=["https://agency.example/news/3"],
                      pending_links=[PendingLink("https://agency.example/news/5", failures=2)])
    page = [f"https://agency.example/news/{n}" for n in (7, 6, 5, 4, 3)]  # newest first

    added = queue_links(state, page, is_known=lambda key: key.endswith("/6"))

    assert added == 2  # 3 was seen, 5 is queued already, 6 is stored by another feed
    assert state.pending_links == [
        PendingLink("https://agency.example/news/4"),
        PendingLink("https://agency.example/news/5", failures=2),
        PendingLink("https://agency.example/news/7"),
    ]
    batch = next_batch(state, 2)
    assert [link.url.rsplit("/", 1)[1] for link in batch] == ["4", "7"]  # the failed one last


def test_list_page_links_are_absolute_and_one_per_page() -> None:
    page = (b"<html><body><a href='/news/12_/'>A</a><a href='/news/12?utm_source=x'>A again</a>"
            b"<a href='https://agency.example/news/13#top'>B</a><a href='mailto:x@y'>mail</a>"
            b"<a href='/about'>About</a></body></html>")
    links = find_article_links(page, "https://agency.example/news", re.compile(r"/news/\d+"))
    assert links == ["https://agency.example/news/12_/", "https://agency.example/news/13"]


def test_a_banner_is_learnt_from_three_articles_and_forgotten_when_it_goes() -> None:
    state = FeedState(feed_id="agency")
    learnt = learn_boilerplate(state, [article(n, BANNER) for n in (1, 2, 3)])
    assert BANNER not in clean_article_text(article(4, BANNER), "Release 4", learnt, UTC)
    assert state.boilerplate == [BANNER]  # readable, for operators
    assert len(state.line_windows) == 3

    for n in range(5, 5 + BOILERPLATE_WINDOW):  # the site drops its banner
        learnt = learn_boilerplate(state, [article(n)])
    assert len(state.line_windows) == BOILERPLATE_WINDOW
    assert state.boilerplate == []
    assert BANNER in clean_article_text(article(99, BANNER), "Release 99", learnt, UTC)


def test_two_articles_are_too_few_to_learn_from() -> None:
    state = FeedState(feed_id="agency")
    learnt = learn_boilerplate(state, [article(1, BANNER), article(2, BANNER)])
    assert learnt == set() and state.boilerplate == []
    assert BANNER in clean_article_text(article(3, BANNER), "Release 3", learnt, UTC)


def test_one_url_spelling_per_page() -> None:
    spellings = ["http://www.Agency.example/news/12_/", "https://agency.example/news/12",
                 "https://agency.example//news/12/?utm_source=tg&fbclid=1#share"]
    assert {normalise_url(url) for url in spellings} == {"https://agency.example/news/12"}
    assert normalise_url("https://agency.example/news?id=5&ref=home") == (
        "https://agency.example/news?id=5")


def test_feed_entry_id_prefers_guid_then_link_then_a_stable_hash() -> None:
    when = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert feed_entry_id("urn:1", "https://agency.example/n/1", "f", "T", when) == "urn:1"
    assert feed_entry_id("", "https://www.agency.example/n/1/", "f", "T", when) == (
        "https://agency.example/n/1")
    hashed = feed_entry_id("", "", "f", "T", when)
    assert hashed.startswith("f:") and hashed == feed_entry_id("", "", "f", "T", when)
    assert hashed != feed_entry_id("", "", "f", "Other title", when)
