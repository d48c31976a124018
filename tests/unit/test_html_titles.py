"""Titles of article pages that survive site templates: a section heading first, an og:title that
is only the section's name, a heading the site repeats on every page."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.models import FeedState
from bot.sources.article import extract_article
from bot.sources.boilerplate import is_learnt, learn_boilerplate

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TEXT = ("<p>Officers of the Astara customs post found 12,000 packs of undeclared cigarettes in a "
        "lorry. The case has been sent to the investigation department for further action.</p>")


def page(head: str, body: str) -> bytes:
    return (f"<html><head>{head}</head><body><nav><a href='/news'>News</a> "
            f"<a href='/press'>Press releases</a></nav>{body}</body></html>").encode()


def title_of(html: bytes) -> str:
    article = extract_article(html, "https://customs.example.az/news/1", BAKU, NOW)
    assert article is not None
    return article.title


def test_two_h1s_with_the_section_first_take_the_one_matching_the_title_tag() -> None:
    html = page("<title>SCC - Customs officers seized 12,000 packs of cigarettes in…</title>",
                "<h1>Latest customs news</h1><div class='article'>"
                "<h1>Customs officers seized 12,000 packs of cigarettes in Astara</h1>"
                f"{TEXT}</div>")
    assert title_of(html) == "Customs officers seized 12,000 packs of cigarettes in Astara"


def test_an_og_title_that_is_only_the_section_name_is_refused() -> None:
    html = page("<title>Press releases | State Customs Committee</title>"
                "<meta property='og:title' content='Press releases'>"
                "<meta property='og:site_name' content='State Customs Committee'>",
                "<h1>Press releases</h1>"
                "<h1>New green corridor for trusted traders opens at Astara</h1>" + TEXT)
    assert title_of(html) == "New green corridor for trusted traders opens at Astara"


def test_the_title_tag_minus_the_site_name_matches_a_reworded_heading() -> None:
    html = page("<title>Gömrük əməkdaşları siqaret aşkarlayıb | DGK</title>",
                "<h2>Xəbərlər və elanlar</h2>"
                "<h2>Gömrük əməkdaşları 12 min qutu siqaret aşkarlayıb</h2>" + TEXT)
    assert title_of(html) == "Gömrük əməkdaşları 12 min qutu siqaret aşkarlayıb"


def test_a_heading_repeated_on_every_page_is_learnt_and_refused() -> None:
    """Every page of this site has og:title and <title> set to the section and the section as
    its first <h1>: read alone, a page answers the section; across the source, it is learnt."""
    subjects = ["Astara post seizes cigarettes", "Training on risk analysis held in Ganja",
                "Winter schedule for border posts", "Delegation of Georgia visits Baku"]
    articles = []
    for n, subject in enumerate(subjects):
        html = page("<title>Customs news | SCC</title>"
                    "<meta property='og:title' content='Customs news of the committee'>",
                    f"<h1>Customs news of the committee</h1><h1>{subject}</h1>"
                    f"<p>{subject}: {TEXT} Release {n}.</p>")
        article = extract_article(html, f"https://customs.example.az/news/{n}", BAKU, NOW)
        assert article is not None and article.title == "Customs news of the committee"
        articles.append(article)
    learnt = learn_boilerplate(FeedState(feed_id="scc"), [a.lines + a.titles for a in articles])
    titles = [next(t for t in a.titles if not is_learnt(t, learnt)) for a in articles]
    assert titles == subjects
