"""Security end to end: admin rights through the real Telegram client, no secret in any log
line or traceback of a running App or `newsbot run` whatever fails, admin feeds checked at
fetch and at connection time (over the local feed server). The in-process half is
tests/unit/test_security.py.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings, SlackSettings, TelegramSettings
from bot.models import Chat, Command, FeedSpec, Reply, Subscription
from handlers import router
from handlers.deps import Deps
from handlers.router import COMMANDS
from tests.conftest import until
from tests.fakes.feed_server import FeedServer
from tests.helpers import (
    SECRETS,
    SLACK_APP,
    SLACK_BOT,
    SLACK_SIGNING,
    TG_TOKEN,
    WEBHOOK_SECRET,
    assert_no_secret,
    free_port,
    logs_to,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
WAIT = 15.0  # generous: a loaded 2-core machine is slow, and waits end as soon as met


async def test_admin_rights_come_from_the_user_id_not_the_name(tmp_path: Path) -> None:
    """Over the real Telegram client: a user whose *username* or chat title looks like the
    admin's id, or who posts as a channel, is not an admin."""
    from bot.app import App
    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram(token=TG_TOKEN) as tg:
        settings = Settings()
        settings.storage.path = tmp_path / "data"
        settings.fetch.allow_private = True
        settings.telegram = TelegramSettings(enabled_in_config=True, token=TG_TOKEN,
                                             api_base_url=tg.base_url, admins=["900"])
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        try:
            async def say(chat: int, user: int | None, text: str, **kw: object) -> str:
                before = len(tg.sent_to(chat))
                tg.push_message(chat, user, text, **kw)  # type: ignore[arg-type]
                new = await tg.wait_for(lambda _: tg.sent_to(chat)[before:], WAIT, what=text)
                return str(new[0]["text"])

            assert "administrators" in await say(501, 501, "/addfeed http://10.0.0.1/x a",
                                                 username="900")
            assert "administrators" in await say(-100500, 502, "/feeds", chat_type="group",
                                                 title="900")
            tg.add_chat(-100600, "channel", username="chan900")
            assert "administrators" in await say(-100600, None, "/stats", chat_type="channel")
            assert app.store.admin_feeds() == []
            reply = await say(900, 900, "/addfeed http://10.0.0.1/x a")
            assert "Added feed 'a'" in reply  # the real admin may (allow_private is on)
        finally:
            await asyncio.wait_for(app.stop(), timeout=10)

# ---- secrets never in logs ---------------------------------------------------------------------

@pytest.mark.slow
async def test_no_secret_in_any_log_line_or_traceback_while_everything_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: FeedServer
) -> None:
    """The whole App with Telegram (real PTB vs the fake, faults injected) and Slack (API on a
    closed port: every call fails), DEBUG logs captured from the root handler; a handler that
    raises an exception carrying every secret; a feed that fails."""
    from bot.app import App
    from bot.platforms.base import RateLimits
    from bot.platforms.slack.app import SlackAdapter
    from bot.platforms.telegram.app import TelegramAdapter
    from tests.fakes.feed_server import Entry
    from tests.fakes.telegram_api import FakeTelegram

    buffer = io.StringIO()

    async def leaky(command: Command, deps: Deps) -> Reply:
        raise RuntimeError(f"boom {TG_TOKEN} {SLACK_BOT} {SLACK_SIGNING} {SLACK_APP}")

    monkeypatch.setitem(COMMANDS, "stats", COMMANDS["stats"]._replace(handler=leaky))
    with logs_to(buffer, "DEBUG", "kv", SECRETS[:1] + SECRETS[2:]):
        async with FakeTelegram(token=TG_TOKEN) as tg:
            feeds.publish("news", Entry("Backlog", "Old.", guid="b0"))
            settings = Settings()
            settings.storage.path = tmp_path / "data"
            settings.fetch.allow_private = True
            settings.fetch.alert_after_failures = 1
            settings.fetch.jitter = 0.0
            settings.feeds = [FeedSpec(id="news", url=feeds.url("news"), interval_seconds=1),
                              FeedSpec(id="down", url="http://127.0.0.1:9/rss",
                                       interval_seconds=1)]
            settings.telegram = TelegramSettings(
                enabled_in_config=True, token=TG_TOKEN, api_base_url=tg.base_url,
                admins=["900"], webhook_secret=WEBHOOK_SECRET)
            settings.slack = SlackSettings(
                enabled_in_config=True, mode="http", port=free_port(),
                api_base_url="http://127.0.0.1:9/api/", admins=["U900"],
                bot_token=SLACK_BOT, signing_secret=SLACK_SIGNING, app_token=SLACK_APP)
            app = App(settings)
            telegram = TelegramAdapter(settings, app.deps)
            telegram.transport.limits = RateLimits(concurrency=16)  # retries without pacing
            app.add_adapter("telegram", telegram)
            app.add_adapter("slack", SlackAdapter(settings, app.deps, host="127.0.0.1"))
            app.store.save_chat(Chat("telegram", "501", subscription=Subscription(
                keywords={"customs"})))
            app.store.save_chat(Chat("slack", "C0501", kind="channel",
                                     subscription=Subscription(keywords={"customs"})))
            tg.add_chat(501, "private")
            await asyncio.wait_for(app.start(), timeout=WAIT)
            assert app.delivery is not None
            app.delivery.max_backoff = 0.2  # retries within the test's patience
            try:
                await asyncio.wait_for(app.poller.first_poll_done.wait(), WAIT)
                tg.inject("server_error", chat_id=501, times=2)
                tg.inject("reset", chat_id=501, times=1)
                tg.inject("server_error", methods=("getUpdates",), times=1)
                feeds.publish("news", Entry("New customs release", "Customs text.",
                                            guid="n1", link="https://customs.example/n1",
                                            published=datetime.now(UTC) - timedelta(minutes=1)))
                tg.push_message(900, 900, "/stats")
                await tg.wait_for(lambda _: [m for m in tg.sent_to(900)
                                             if router.SORRY in m["text"]], WAIT)
                await tg.wait_for(lambda _: [m for m in tg.sent_to(501)
                                             if "New customs release" in m["text"]], WAIT)
                await until(lambda: app.delivery.stats.retried >= 4, WAIT,
                            what="Slack delivery retried and logged")
            finally:
                await asyncio.wait_for(app.stop(), timeout=10)
    logs = buffer.getvalue()
    assert_no_secret(logs)
    assert "boom *** *** *** ***" in logs and "Traceback" in logs  # the traceback was logged
    assert "event=send_retry chat=slack:C0501" in logs
    assert "event=poll_failed feed=down" in logs
    assert "level=debug" in logs

ENV_SECRETS = {"TELEGRAM_BOT_TOKEN": TG_TOKEN, "SLACK_BOT_TOKEN": SLACK_BOT,
               "SLACK_SIGNING_SECRET": SLACK_SIGNING, "SLACK_APP_TOKEN": SLACK_APP,
               "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}


def _run_newsbot(config: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    return subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                          cwd=ROOT, env={**env, **ENV_SECRETS}, capture_output=True, text=True,
                          timeout=timeout)


async def test_newsbot_run_with_a_rejected_token_fails_in_one_line_without_it(
    tmp_path: Path
) -> None:
    """PTB puts the whole token into InvalidToken's message: an unreachable or refusing
    platform at start must be one scrubbed line, not a traceback with the token."""
    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram(token="7000001:the-right-one") as tg:  # answers 401 to ours
        config = tmp_path / "config.toml"
        config.write_text(f'[storage]\npath = "data"\n[log]\nlevel = "DEBUG"\n'
                          f'[telegram]\napi_base_url = "{tg.base_url}"\n')
        done = await asyncio.to_thread(_run_newsbot, config)
    output = done.stdout + done.stderr
    assert_no_secret(output)
    assert done.returncode == 1
    assert "Traceback" not in output
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("newsbot: ") and "telegram" in last.lower()


def test_newsbot_run_with_unreachable_platforms_fails_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\npath = "data"\n[log]\nlevel = "DEBUG"\n'
                      '[telegram]\napi_base_url = "http://127.0.0.1:9/bot"\n'
                      '[slack]\nmode = "socket"\napi_base_url = "http://127.0.0.1:9/api/"\n')
    done = _run_newsbot(config)
    output = done.stdout + done.stderr
    assert_no_secret(output)
    assert done.returncode == 1 and "Traceback" not in output
    assert done.stderr.strip().splitlines()[-1].startswith("newsbot: ")


async def test_admin_feeds_are_checked_when_fetched_not_only_when_added() -> None:
    """The check runs on every request of an admin-added source (a hook on the client, so
    redirects too): a host whose address changed to a private one is refused at poll time."""
    from bot.config import FetchSettings
    from bot.sources import Fetcher, FetchError
    from tests.fakes.feed_server import Entry, FeedServer

    async with FeedServer() as server:
        server.publish("news", Entry("Release", "Text.", guid="g1"))
        fetcher = Fetcher(FetchSettings(timeout_seconds=1, connect_timeout_seconds=1))
        try:
            assert (await fetcher.fetch(server.url("news"))).status == 200  # config feeds: ok
            with pytest.raises(FetchError, match="refused: .*non-public address"):
                await fetcher.fetch(server.url("news"), guarded=True)
            fetcher.settings.allow_private = True
            assert (await fetcher.fetch(server.url("news"), guarded=True)).status == 200
        finally:
            await fetcher.aclose()


async def test_admin_feeds_connect_only_to_the_addresses_that_were_checked() -> None:
    """DNS rebinding: a name can answer a public address to the check and 127.0.0.1 to the
    connection. The connection itself resolves and checks, so with the request check out of
    the way (as if the name had passed it) a private address is still never connected to."""
    from bot.config import FetchSettings
    from bot.sources import Fetcher, FetchError
    from tests.fakes.feed_server import Entry, FeedServer

    async with FeedServer() as server:
        server.publish("news", Entry("Release", "Text.", guid="g1"))
        fetcher = Fetcher(FetchSettings(timeout_seconds=1, connect_timeout_seconds=1))
        fetcher.guarded_client.event_hooks["request"] = []
        try:
            url = server.url("news").replace("127.0.0.1", "localhost")
            with pytest.raises(FetchError, match=r"refused: localhost resolves to a non-public"):
                await fetcher.fetch(url, guarded=True)
            assert server.requests.get("news", 0) == 0  # not even a connection
            fetcher.settings.allow_private = True
            assert (await fetcher.fetch(url, guarded=True)).status == 200
        finally:
            await fetcher.aclose()
