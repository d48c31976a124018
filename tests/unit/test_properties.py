"""Property-based tests: whatever a user types and whatever a feed contains, the bot answers,
never raises, and what it sends is valid Telegram HTML and Slack mrkdwn that cannot ping anyone.

Hypothesis and function-scoped fixtures do not mix, so each test builds its own store in a
temporary directory once and runs its examples inside (an inner @given function).
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.classify import Classifier
from bot.config import Settings
from bot.models import Card, Command, FeedSpec, Item, Reply, Span
from bot.platforms.slack.blocks import escape_mrkdwn, render_blocks
from bot.platforms.telegram.fit import fit_html, message_budget
from bot.search import SearchIndex
from bot.sources.rss import NotAFeed, parse_feed
from bot.store import Store
from bot.summary import notification
from handlers import router
from handlers.deps import Deps
from handlers.router import COMMANDS, dispatch, parse_command_text
from tests.fakes.feed_server import Entry, rss_bytes
from tests.fakes.slack_limits import block_errors
from tests.fakes.telegram_html import HtmlError, parse_telegram_html, utf16_len
from tests.helpers import fixture_releases

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
BAKU = ZoneInfo("Asia/Baku")
PROPS = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Slack's special sequences: broadcasts, user/channel mentions, subteams, dates
SLACK_SPECIAL = re.compile(r"<\s*[!@#]")
PINGS = ["<!channel>", "<!here>", "<!everyone>", "<@U024BE7LH>", "<#C024BE7LH>",
         "<!subteam^S123|@team>", "<!date^1392734382^{date}|x>", "@channel", "@here"]
HOSTILE = [
    *PINGS, "<script>alert(1)</script>", "<b>bold</b>", "</i>", "&amp;", "&lt;", "&#0;",
    "&nbsp;", "&bogus;", "&", "<", ">", "\u202e", "\u200f", "\u2066", "\x00", "\x1b[31m",
    "\r\n", "\t", "\ufeff", "שלום", "مرحبا", "𝕳𝖊𝖑𝖑𝖔", "👨‍👩‍👧", "`code`", "*bold*", "_it_",
    "~st~", "<https://evil.example|click>", "<mailto:a@b.c>", "javascript:alert(1)", "|",
    "\u0301", "\U0010fffd",
]


# ---- the checks every reply must pass ------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key != "url":  # a button's URL is never parsed as mrkdwn
                yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def _walk(value: Any, kind: str) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("type") == kind:
            yield value
        for inner in value.values():
            yield from _walk(inner, kind)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner, kind)


def check_telegram(reply: Reply) -> list[str]:
    chunks = fit_html(reply)
    assert len(chunks) <= message_budget(reply)  # one release: one message; a list: <= 3
    for chunk in chunks:
        assert utf16_len(chunk) <= 4096, utf16_len(chunk)
        try:
            _, tags = parse_telegram_html(chunk)
        except HtmlError as exc:
            raise AssertionError(f"{exc}: {chunk[:300]!r}") from None
        for tag, href in tags:
            assert tag in ("b", "i", "code", "a"), tag
            assert tag != "a" or re.match(r"^(https?|tg)://", href), href
    return chunks


def check_slack(reply: Reply) -> None:
    text, blocks = render_blocks(reply)
    assert len(blocks) <= 50
    for piece in [text, *_strings(blocks)]:
        found = SLACK_SPECIAL.search(piece)
        assert found is None, f"unescaped Slack control sequence in {piece[:300]!r}"
    for header in _walk(blocks, "header"):
        assert len(header["text"]["text"]) <= 150
    for section in _walk(blocks, "section"):
        assert len(section["text"]["text"]) <= 3000
    assert len(text) <= 3000
    assert block_errors(blocks) == []  # what the fake Slack refuses, as Slack does
    json.dumps(blocks)  # serialisable as the Web API needs


def check_reply(reply: Reply) -> None:
    assert isinstance(reply, Reply)
    if reply.silent:
        return
    check_telegram(reply)
    check_slack(reply)


# ---- a store with the development releases and a few hostile ones -----------------------------


def _releases() -> list[Item]:
    items = fixture_releases()
    for n, bad in enumerate(HOSTILE):
        items.append(Item(
            id=f"hostile-{n}", feed_id="evil", url=f"https://evil.example/{n}?q={bad}",
            title=f"Customs {bad} WCO <!channel> seizure {n}",
            body=f"Customs officers {bad} seized heroin. <@U123> {bad} & more. " * 3,
            published=NOW - timedelta(days=n), language="en", content_hash=f"h{n}"))
    return items


@contextmanager
def handler_deps() -> Iterator[tuple[Deps, asyncio.AbstractEventLoop]]:
    classifier = Classifier()
    items = _releases()
    for item in items:
        found = classifier.classify(item.title, item.body, item.language)
        item.topics = [m.topic_id for m in found]
        item.reasons = {m.topic_id: m.reasons for m in found}
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "data", backups=0) as store:
        store.ingest(items, notify=False, now=NOW)
        index = SearchIndex(get_item=store.get_item)
        index.add_many(store.iter_items())
        config = Settings()
        config.fetch.allow_private = True  # /addfeed must not look up random host names
        deps = Deps(store=store, index=index, classifier=classifier, settings=config,
                    clock=lambda: NOW)
        loop = asyncio.new_event_loop()
        try:
            yield deps, loop
        finally:
            loop.close()


# ---- strategies --------------------------------------------------------------------------------

ANY_CHAR = st.characters(blacklist_categories=("Cs",))
any_text = st.text(alphabet=ANY_CHAR, max_size=300)
nasty_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(alphabet=ANY_CHAR,
                                                                  max_size=20)),
                      max_size=12).map("".join)
long_text = st.text(alphabet=ANY_CHAR, min_size=1000, max_size=10_000)
words = st.sampled_from(["customs", "WCO", "heroin", "demining", "mina", "таможня",
                         "topic:demining", "since:2022", "until:2023-01", "lang:az", "-WCO",
                         '"customs revenue"', "OR", "*", "topic:", "since:99999", "\"", "-"])
query_text = st.one_of(any_text, nasty_text, st.lists(words, max_size=25).map(" ".join),
                       st.lists(st.one_of(words, nasty_text), max_size=8).map(" ".join))
command_line = st.one_of(
    any_text, nasty_text, long_text,
    st.builds(lambda name, rest: f"/{name} {rest}",
              st.sampled_from([*COMMANDS, "sub", "unsub", "nope", "LATEST", "Search"]),
              st.one_of(any_text, nasty_text, query_text)),
    st.builds(lambda name, rest: f"/{name}@customs_news_bot {rest}",
              st.sampled_from(list(COMMANDS)), nasty_text),
)


def _command(line: str, admin: bool, kind: str, platform: str,
             via_button: bool) -> Command | None:
    parsed = parse_command_text(line, "customs_news_bot")
    if parsed is None:
        return None
    name, args, raw = parsed
    return Command(platform=platform, chat_id="-55" if kind != "private" else "55", name=name,
                   args=args, raw_args=raw, chat_kind=kind,  # type: ignore[arg-type]
                   user_id="7", is_chat_admin=admin, is_bot_admin=admin, via_button=via_button)


def _run(loop: asyncio.AbstractEventLoop, cmd: Command, deps: Deps) -> Reply:
    async def go() -> Reply:
        async with asyncio.timeout(10):
            return await dispatch(cmd, deps)

    return loop.run_until_complete(go())


# ---- commands ----------------------------------------------------------------------------------


def test_parse_command_text_never_fails() -> None:
    @PROPS
    @given(text=st.one_of(any_text, long_text, nasty_text), bot=st.one_of(
        st.none(), st.sampled_from(["customs_news_bot", "@Customs_News_Bot", ""])))
    def prop(text: str, bot: str | None) -> None:
        parsed = parse_command_text(text, bot)
        if parsed is None:
            return
        name, args, raw = parsed
        assert name and name == name.casefold() and not any(c.isspace() for c in name)
        assert all(a and a == a.strip() for a in args)
        assert raw == raw.strip()
        assert len(raw) <= len(text)

    prop()


def test_any_command_text_gets_a_valid_safe_reply() -> None:
    with handler_deps() as (deps, loop):
        @PROPS
        @given(line=command_line, admin=st.booleans(),
               kind=st.sampled_from(["private", "group", "channel"]),
               platform=st.sampled_from(["telegram", "slack"]), via_button=st.booleans())
        def prop(line: str, admin: bool, kind: str, platform: str, via_button: bool) -> None:
            for text in (line, "/" + line):
                cmd = _command(text, admin, kind, platform, via_button)
                if cmd is None:
                    continue
                reply = _run(loop, cmd, deps)
                assert reply.plain() != router.SORRY, text  # no handler raised
                check_reply(reply)

        prop()
        assert deps.stats.get("command_errors", 0) == 0


def test_any_search_query_gets_a_valid_safe_reply() -> None:
    with handler_deps() as (deps, loop):
        @PROPS
        @given(query=st.one_of(query_text, long_text), page=st.integers(1, 3),
               platform=st.sampled_from(["telegram", "slack"]))
        def prop(query: str, page: int, platform: str) -> None:
            # the index itself, with any length of query
            result = deps.index.search(query, limit=5, offset=(page - 1) * 5)
            assert result.total >= len(result.hits)
            # and the command, then its "More" button if it has one
            cmd = Command(platform=platform, chat_id="9", name="search",
                          args=router.split_args(query), raw_args=query.strip())
            reply = _run(loop, cmd, deps)
            assert reply.plain() != router.SORRY, query
            check_reply(reply)
            for row in reply.buttons:
                for button in row:
                    more = _command("/" + button.action, False, "private", platform, True)
                    assert more is not None
                    following = _run(loop, more, deps)
                    assert following.plain() != router.SORRY
                    check_reply(following)
            why = _run(loop, Command(platform=platform, chat_id="9", name="why", args=["1"],
                                     raw_args="1"), deps)
            check_reply(why)

        prop()


def test_hostile_stored_releases_render_safely_in_lists() -> None:
    """/latest and /search over releases whose titles and bodies hold pings, tags, entities."""
    with handler_deps() as (deps, loop):
        for text in ("/latest 20", "/latest 20 --page 2", "/search customs", "/search seized",
                     "/search <!channel>", "/search WCO heroin", "/why 3", "/stats"):
            cmd = _command(text, True, "private", "slack", False)
            assert cmd is not None
            reply = _run(loop, cmd, deps)
            assert reply.plain() != router.SORRY
            check_reply(reply)
            if text.startswith("/latest 20"):
                assert reply.cards and any("<!channel>" in c.title for c in reply.cards)


# ---- feed entries ------------------------------------------------------------------------------

urls = st.one_of(
    st.none(),
    st.sampled_from(["https://customs.gov.az/en/news/1", "javascript:alert(1)",
                     "https://evil.example/<!channel>", "http://a.b/?x=1&y=<2>",
                     "https://x.example/a|b", "data:text/html,<b>x</b>", "tg://resolve?x=1",
                     "https://x.example/\u202eexe.txt", "  https://spaces.example/ a  ",
                     "//no-scheme.example/x", "mailto:a@b.c"]),
    st.text(alphabet=ANY_CHAR, max_size=60).map(lambda s: "https://x.example/" + s),
)
html_bits = st.sampled_from([
    "<p>", "</p>", "<br/>", "<script>alert('<!channel>')</script>", "<style>p{}</style>",
    "<a href='javascript:x'>link</a>", "<b>", "</b>", "<img src=x onerror=alert(1)>",
    "&amp;", "&lt;!channel&gt;", "&#60;@U123&#62;", "&nbsp;", "&bogus;", "&#x202E;", "<!-- c -->",
    "<![CDATA[<!here>]]>", "<table><tr><td>x</td></tr></table>", "\u202e", "עברית", "\x07",
])
entry_text = st.lists(st.one_of(html_bits, st.sampled_from(HOSTILE),
                                st.text(alphabet=ANY_CHAR, max_size=40)),
                      max_size=15).map("".join)
dates = st.one_of(st.none(), st.datetimes(min_value=datetime(1990, 1, 1),
                                          max_value=datetime(2030, 1, 1),
                                          timezones=st.just(UTC)),
                  st.sampled_from(["22 June 2022 09:50", "yesterday", "", "31.02.2020",
                                   "Tue, 10 Jun 2025 04:00:00 GMT", "10 fevral 2026",
                                   "22 июня 2022", "9999-99-99"]))


def _xml_safe(text: str) -> bool:
    """XML 1.0 cannot carry these characters at all, escaped or not."""
    return not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text)


def test_any_feed_entry_becomes_a_valid_notification_that_pings_nobody() -> None:
    @PROPS
    @given(entries=st.lists(st.builds(Entry, title=entry_text, body=entry_text,
                                      guid=st.one_of(st.none(), st.text(ANY_CHAR, max_size=30)),
                                      link=urls, published=dates),
                            min_size=1, max_size=4))
    def prop(entries: list[Entry]) -> None:
        body = rss_bytes(entries)
        spec = FeedSpec(id="evil", url="https://evil.example/rss")
        try:
            items = parse_feed(body, spec, BAKU, fetched_at=NOW)
        except NotAFeed:
            # only a document XML itself cannot express may be refused
            assert not all(_xml_safe(f"{e.title}{e.body}{e.guid}{e.link}") for e in entries)
            return
        for item in items:
            assert item.title == item.title.strip() and "\n" not in item.title
            assert "<script" not in item.body.lower()
            check_reply(notification(item, BAKU))

    prop()


@settings(PROPS, max_examples=100)
@given(spans=st.lists(st.builds(Span, text=st.one_of(entry_text, long_text),
                                style=st.sampled_from(["plain", "bold", "italic", "code",
                                                       "link", "mark"]),
                                url=urls), max_size=6),
       cards=st.lists(st.builds(Card, title=entry_text, url=urls.map(lambda u: u or ""),
                                date_text=st.just("01 Jan 2026, 10:00"),
                                topic_labels=st.lists(entry_text, max_size=2),
                                lead=st.one_of(entry_text, long_text),
                                number=st.one_of(st.none(), st.integers(1, 99))),
                      max_size=4))
def test_any_reply_renders_within_limits(spans: list[Span], cards: list[Card]) -> None:
    """The renderers alone, on replies no handler would build (long spans, odd URLs)."""
    reply = Reply(paragraphs=[spans, list(reversed(spans))], cards=cards)
    chunks = check_telegram(reply)
    check_slack(reply)
    # nothing is lost: every text reaches Telegram (modulo whitespace at the cuts)
    sent = "".join(parse_telegram_html(c)[0] for c in chunks)
    squeeze: Callable[[str], str] = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    for span in spans:
        assert squeeze(span.text) in squeeze(sent) or not squeeze(span.text)


@PROPS
@given(text=st.one_of(entry_text, any_text))
def test_escape_mrkdwn_leaves_no_control_sequence(text: str) -> None:
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_the_checks_catch_what_they_look_for() -> None:
    """The checks above are not vacuous: raw pings and bad HTML fail them."""
    for ping in PINGS[:6]:
        assert SLACK_SPECIAL.search(ping)
        assert not SLACK_SPECIAL.search(escape_mrkdwn(ping))
    for bad in ("<script>x</script>", "a & b", "<b>open", "<a href='javascript:x'>y</a>"):
        try:
            parse_telegram_html(bad)
        except HtmlError:
            continue
        raise AssertionError(f"{bad!r} parsed")
    card = Card(title="<!channel> & <b>", url="https://x.example/1", date_text="today",
                topic_labels=["<@U1>"], lead="<!here>")
    check_reply(Reply(cards=[card]))
    check_reply(Reply(cards=[card, card], paragraphs=[[Span("<!everyone>", "bold")]]))
