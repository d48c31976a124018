"""Huge titles over Slack (issue 15, item 4): the real slack-bolt app against the fake Slack,
which refuses blocks over Block Kit's limits (tests/fakes/slack_limits.py) as Slack does.

One release is one chat.postMessage, accepted as it is (no refusal, no plain-text second try);
`/news latest 20` of releases with 100,000-character titles is one answer Slack accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import Item
from bot.platforms.slack.blocks import HEADER_MAX
from bot.summary import TITLE_MAX_CHARS
from tests.conftest import settled
from tests.e2e.test_bounds_telegram import DEMINING, huge_title
from tests.e2e.test_slack_e2e import FEED, WAIT, Env, all_text
from tests.e2e.test_slack_e2e import env as env  # the fixture
from tests.fakes.slack_limits import block_errors


async def test_a_release_with_a_20000_character_title_is_one_accepted_post(env: Env) -> None:
    await env.command("subscribe demining")
    await env.publish(huge_title(20_000), DEMINING, "huge-1")
    [post] = await env.slack.wait_for(lambda: env.slack.posted(channel="C100"), WAIT)
    await settled(env.app, 0)
    assert len(env.slack.posted(channel="C100", ok_only=False)) == 1  # accepted at once
    header = post["blocks"][0]
    assert header["type"] == "header" and len(header["text"]["text"]) <= HEADER_MAX
    assert header["text"]["text"].startswith("Customs R&amp;D on demining")
    assert "landmines" in all_text(post["blocks"])
    [stored] = [i for i in env.app.store.latest(5) if i.title.startswith("Customs R&D")]
    assert len(stored.title) <= TITLE_MAX_CHARS


async def test_latest_20_with_100000_character_titles_is_one_accepted_answer(env: Env) -> None:
    now = datetime.now(UTC)
    old = [Item(id=f"old-{n}", feed_id=FEED, url=f"https://customs.example/news/old-{n}",
                title=huge_title(100_000), body=DEMINING + " " + huge_title(50_000),
                published=now - timedelta(hours=n), language="en", content_hash=f"h{n}")
           for n in range(1, 25)]
    env.app.store.ingest(old, notify=False, now=now)  # as stored before titles were capped
    [answer] = await env.command("latest 20")
    assert block_errors(answer["blocks"]) == [] and len(answer["text"]) <= 40_000
    assert not env.slack.refused_responses
    sections = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert sum("Customs R&amp;D on demining" in s for s in sections) == 20
    assert all(len(s) <= 3000 for s in sections)
