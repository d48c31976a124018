"""Security: /addfeed is no proxy into the bot's own network, admin commands are for admins
only (also through the real Telegram client), and secrets never reach a log line or a
traceback, whatever fails.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.classify import Classifier
from bot.config import Settings, SlackSettings, TelegramSettings
from bot.models import Chat, Command, FeedSpec, Reply, Subscription
from bot.search import SearchIndex
from bot.store import Store
from handlers import admin, router
from handlers.deps import Deps
from handlers.router import COMMANDS, dispatch
from tests.conftest import until
from tests.helpers import free_port, logs_to

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
WAIT = 15.0  # generous: a loaded 2-core machine is slow, and waits end as soon as met

TG_TOKEN = "7000001:SECRET-telegram-Token_abcdef0123"
SLACK_BOT = "xoxb-111-222-SECRETslackbot0123456789"
SLACK_SIGNING = "SECRETsigning0123456789abcdef"
SLACK_APP = "xapp-1-A111-222-SECRETslackapp0123"
WEBHOOK_SECRET = "SECRET-webhook-0123456789"
SECRETS = [TG_TOKEN, TG_TOKEN.split(":", 1)[1], SLACK_BOT, SLACK_SIGNING, SLACK_APP,
           WEBHOOK_SECRET]




@pytest.fixture
def deps(tmp_path: Path) -> Iterator[Deps]:
    with Store(tmp_path / "data", backups=0) as store:
        yield Deps(store=store, index=SearchIndex(get_item=store.get_item),
                   classifier=Classifier(), settings=Settings())


def cmd(name: str, *args: str, admin_user: bool = True, platform: str = "telegram") -> Command:
    return Command(platform=platform, chat_id="42", name=name, args=list(args),
                   raw_args=" ".join(args), user_id="42", is_bot_admin=admin_user)


# ---- /addfeed: schemes and private addresses -------------------------------------------------

BAD_SCHEMES = ["file:///etc/passwd", "ftp://93.184.215.14/feed.xml", "javascript:alert(1)",
               "gopher://93.184.215.14:70/", "data:text/xml,<rss/>", "//93.184.215.14/feed",
               "dict://127.0.0.1:11211/", "ws://93.184.215.14/", "93.184.215.14/feed"]
PRIVATE = [
    "http://127.0.0.1/feed", "http://127.0.0.1:8080/rss", "https://localhost/feed",
    "http://[::1]/feed", "http://[::1]:9/feed", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/rss", "http://10.255.1.2:8443/rss", "http://192.168.1.1/feed",
    "http://172.16.5.4/feed", "http://0.0.0.0/feed", "http://100.64.0.1/feed",
    "http://[fd00::1]/feed", "http://[fe80::1]/feed", "http://[::ffff:127.0.0.1]/feed",
    "http://[::ffff:169.254.169.254]/", "http://2130706433/feed", "http://0x7f000001/feed",
    "http://127.1/feed", "http://0177.0.0.1/feed", "http://user:pw@127.0.0.1/feed",
    "HTTP://127.0.0.1/feed", "http://[::]/feed",
]
PUBLIC = ["http://93.184.215.14/rss", "https://[2606:4700:4700::1111]/feed.xml"]


@pytest.mark.parametrize("url", BAD_SCHEMES)
@pytest.mark.parametrize("allow_private", [False, True])
async def test_addfeed_refuses_other_schemes(deps: Deps, url: str, allow_private: bool) -> None:
    deps.settings.fetch.allow_private = allow_private
    reply = (await dispatch(cmd("addfeed", url), deps)).plain()
    assert "Cannot add" in reply and "only http:// and https://" in reply, reply
    assert deps.store.admin_feeds() == []


@pytest.mark.parametrize("url", PRIVATE)
async def test_addfeed_refuses_loopback_link_local_and_private(deps: Deps, url: str) -> None:
    reply = (await dispatch(cmd("addfeed", url), deps)).plain()
    assert "Cannot add" in reply and "non-public address" in reply, reply
    assert "allow_private = true" in reply
    assert deps.store.admin_feeds() == []


@pytest.mark.parametrize("url", PRIVATE[:10])
async def test_allow_private_lets_admins_add_them(deps: Deps, url: str) -> None:
    deps.settings.fetch.allow_private = True
    reply = (await dispatch(cmd("addfeed", url), deps)).plain()
    assert "Added feed" in reply, reply
    assert [f.url for f in deps.store.admin_feeds()] == [url]


@pytest.mark.parametrize("url", PUBLIC)
async def test_public_addresses_are_accepted(deps: Deps, url: str) -> None:
    reply = (await dispatch(cmd("addfeed", url, "public"), deps)).plain()
    assert "Added feed 'public'" in reply, reply


# ---- admin commands are for admins -----------------------------------------------------------

ADMIN_ONLY = sorted(name for name, spec in COMMANDS.items() if spec.admin_only)
ATTEMPTS = {
    "feeds": [[]],
    "addfeed": [["http://93.184.215.14/rss", "sneaky"]],
    "removefeed": [["added"], ["customs"]],
    "channel": [["add", "@customs_alerts", "wco"], ["remove", "@bound"], ["list"]],
    "stats": [[]],
}


async def test_every_admin_command_is_known_here() -> None:
    assert set(ATTEMPTS) == set(ADMIN_ONLY)  # a new admin command needs a line above


@pytest.mark.parametrize("name", ADMIN_ONLY)
@pytest.mark.parametrize("platform", ["telegram", "slack", "console"])
async def test_non_admins_cannot_run_admin_commands(deps: Deps, name: str,
                                                    platform: str) -> None:
    deps.settings.fetch.allow_private = True
    deps.store.add_admin_feed(FeedSpec(id="added", url="http://93.184.215.14/a"))
    bound = Chat(platform, "@bound", kind="channel", subscription=Subscription(topics={"wco"}))
    deps.store.save_chat(bound)
    before = (deps.store.admin_feeds(), [c.key for c in deps.store.chats()],
              deps.store.get_chat(bound.key))
    for args in ATTEMPTS[name]:
        for kind, chat_admin, button in (("private", True, False), ("group", True, False),
                                         ("channel", False, False), ("private", True, True)):
            command = Command(platform=platform, chat_id="-5" if kind != "private" else "5",
                              name=name, args=args, raw_args=" ".join(args),
                              chat_kind=kind,  # type: ignore[arg-type]
                              user_id="5", is_chat_admin=chat_admin, is_bot_admin=False,
                              via_button=button)
            reply = await dispatch(command, deps)
            assert reply.plain() == admin.NOT_ADMIN, (name, args, reply.plain())
    after = (deps.store.admin_feeds(), [c.key for c in deps.store.chats()],
             deps.store.get_chat(bound.key))
    assert before == after  # nothing changed
    # the help does not even list them
    helped = (await dispatch(cmd("help", admin_user=False, platform=platform), deps)).plain()
    for hidden in ADMIN_ONLY:
        assert f"/{hidden} " not in helped and f"/{hidden}\n" not in helped


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


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        at = text.find(secret)
        assert at < 0, f"a secret leaked: ...{text[max(0, at - 200):at + 200]}"


async def test_no_secret_in_any_log_line_or_traceback_while_everything_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole App with Telegram (real PTB vs the fake, faults injected) and Slack (API on a
    closed port: every call fails), DEBUG logs captured from the root handler; a handler that
    raises an exception carrying every secret; a feed that fails."""
    from bot.app import App
    from bot.platforms.base import RateLimits
    from bot.platforms.slack.app import SlackAdapter
    from bot.platforms.telegram.app import TelegramAdapter
    from tests.fakes.feed_server import Entry, FeedServer
    from tests.fakes.telegram_api import FakeTelegram

    buffer = io.StringIO()

    async def leaky(command: Command, deps: Deps) -> Reply:
        raise RuntimeError(f"boom {TG_TOKEN} {SLACK_BOT} {SLACK_SIGNING} {SLACK_APP}")

    monkeypatch.setitem(COMMANDS, "stats", COMMANDS["stats"]._replace(handler=leaky))
    with logs_to(buffer, "DEBUG", "kv", SECRETS[:1] + SECRETS[2:]):
        async with FeedServer() as feeds, FakeTelegram(token=TG_TOKEN) as tg:
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
    _assert_no_secret(logs)
    assert "boom *** *** *** ***" in logs and "Traceback" in logs  # the traceback was logged
    assert "event=send_retry chat=slack:C0501" in logs
    assert "event=poll_failed feed=down" in logs
    assert "level=debug" in logs


@pytest.mark.parametrize("fmt", ["kv", "json"])
def test_the_log_filter_scrubs_messages_args_and_tracebacks(fmt: str) -> None:
    buffer = io.StringIO()
    log = logging.getLogger("newsbot.test")
    with logs_to(buffer, "DEBUG", fmt, SECRETS):
        log.info("url=%s/bot%s/getMe", "https://api.telegram.org", TG_TOKEN)
        log.warning("headers=%r", {"Authorization": f"Bearer {SLACK_BOT}"})
        try:
            token = SLACK_APP  # noqa: F841 (a local in the failing frame)
            raise ValueError(f"rejected {SLACK_SIGNING!r} and {TG_TOKEN}")
        except ValueError:
            log.exception("event=failed")
        logging.getLogger("slack_sdk").warning("x-slack-signature %s", SLACK_SIGNING)
        logging.getLogger("asyncio").error("Task exception", exc_info=RuntimeError(TG_TOKEN))
    logs = buffer.getvalue()
    _assert_no_secret(logs)
    assert logs.count("***") >= 6


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
    _assert_no_secret(output)
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
    _assert_no_secret(output)
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
