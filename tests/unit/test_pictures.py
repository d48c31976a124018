"""A release's picture: found in feeds (image enclosure, media:content, media:thumbnail) and
article pages (og:image, the lead figure), always an absolute http(s) URL; then how each
platform shows it (Telegram photo caption or large preview, Slack image block)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lxml import html as lxml_html

from bot.models import Card, Reply
from bot.platforms.slack.blocks import render_blocks
from bot.platforms.telegram.picture import MAX_CAPTION, caption, picture, preview_options
from bot.sources.images import absolute_image, page_image
from bot.sources.rss import parse_feed
from tests.unit.test_sources_rss import SPEC, item, rss

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
MEDIA = ' xmlns:media="http://search.yahoo.com/mrss/"'


def images(*items: str, attrs: str = MEDIA) -> list[str]:
    body = rss(*items, attrs=attrs).encode()
    return [i.image for i in parse_feed(body, SPEC, BAKU, NOW)]


def test_feed_pictures_from_enclosures_media_content_and_thumbnails() -> None:
    found = images(
        item("A", guid="1") + '<enclosure url="https://cdn.example/a.jpg" type="image/jpeg" '
                              'length="1"/>',
        item("B", guid="2") + '<enclosure url="https://cdn.example/b.mp3" type="audio/mpeg" '
                              'length="1"/><media:content url="/img/b.png" medium="image"/>',
        item("C", guid="3") + '<media:thumbnail url="https://cdn.example/c.webp"/>',
        item("D", guid="4") + '<enclosure url="javascript:alert(1)" type="image/png"/>',
        item("E", guid="5"))
    assert found == ["https://cdn.example/a.jpg", "https://customs.example.az/img/b.png",
                     "https://cdn.example/c.webp", "", ""]


def page(head: str, body: str) -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_page_picture_from_og_image_else_the_lead_figure_never_a_logo_or_sidebar() -> None:
    url = "https://customs.example.az/news/1"
    og = page('<meta property="og:image" content="/uploads/big.jpg">',
              '<img src="/logo.png"><article><p>x</p></article>')
    assert page_image(lxml_html.fromstring(og), url) == \
        "https://customs.example.az/uploads/big.jpg"
    figure = page("", '<header><img src="/static/logo.png"></header>'
                      '<aside class="sidebar"><figure><img src="/other.jpg"></figure></aside>'
                      '<article><h1>T</h1><img src="/pixel.gif" width="1" height="1">'
                      '<figure><img src="photos/lead.jpg"></figure></article>')
    assert page_image(lxml_html.fromstring(figure), url) == \
        "https://customs.example.az/news/photos/lead.jpg"
    assert page_image(lxml_html.fromstring(page("", "<p>no picture</p>")), url) == ""


def test_only_http_urls_are_pictures() -> None:
    assert absolute_image("//cdn.example/a.jpg", "https://x.az/") == "https://cdn.example/a.jpg"
    for bad in ("data:image/png;base64,AAAA", "ftp://x.az/a.jpg", "file:///etc/passwd", ""):
        assert absolute_image(bad, "https://x.az/") == ""


def notification(title: str, lead: str, image: str = "https://cdn.example/a.jpg") -> Reply:
    card = Card(title=title, url="https://x.az/1", date_text="6 December 2026",
                topic_labels=["Smuggling"], lead=lead, image=image)
    return Reply(cards=[card], ephemeral=False, link_preview=True)


def test_telegram_caption_when_the_summary_fits_else_a_large_preview() -> None:
    short = notification("Cigarettes <seized>", "A truck was stopped.")
    assert picture(short) == "https://cdn.example/a.jpg"
    text = caption(short)
    assert text is not None and "Cigarettes &lt;seized&gt;" in text
    assert preview_options(short).url == "https://x.az/1"  # (if sent as text) the release
    long = notification("Cigarettes seized", "word " * 250)
    assert caption(long) is None
    options = preview_options(long)
    assert options.url == "https://cdn.example/a.jpg" and options.prefer_large_media
    assert len(caption(notification("T", "w " * ((MAX_CAPTION - 120) // 2))) or "") <= MAX_CAPTION
    assert picture(notification("T", "x", image="javascript:alert(1)")) is None


def test_slack_image_block_with_the_title_escaped_as_alt_text() -> None:
    _, blocks = render_blocks(notification("Tobacco & <cigars>", "A truck was stopped."))
    [image] = [b for b in blocks if b["type"] == "image"]
    assert image == {"type": "image", "image_url": "https://cdn.example/a.jpg",
                     "alt_text": "Tobacco &amp; &lt;cigars&gt;"}
    _, none = render_blocks(notification("T", "x", image=""))
    assert not [b for b in none if b["type"] == "image"]

