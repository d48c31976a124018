"""Huge titles over Slack (issue 15, item 4): the real slack-bolt app against the fake Slack,
which refuses blocks over Block Kit's limits (tests/fakes/slack_limits.py) as Slack does.

One release is one chat.postMessage, accepted as it is (no refusal, no plain-text second try);
`/news latest 20` of releases with 100,000-character titles is one answer Slack accepts.
"""

from __future__ import annotations

from bot.platforms.slack.blocks import HEADER_MAX
from bot.summary import TITLE_MAX_CHARS
from tests.conftest import settled
from tests.e2e.test_bounds_telegram import DEMINING, huge_title, store_huge_titles
from tests.e2e.test_slack_e2e import WAIT, Env, all_text
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
    store_huge_titles(env.app.store)
    [answer] = await env.command("latest 20")
    assert block_errors(answer["blocks"]) == [] and len(answer["text"]) <= 40_000
    assert not env.slack.refused_responses
    sections = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert sum("Customs R&amp;D on demining" in s for s in sections) == 20
    assert all(len(s) <= 3000 for s in sections)
