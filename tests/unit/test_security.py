"""Security in process: /addfeed is no proxy into the bot's own network, admin commands are for
admins only, the log filter scrubs secrets. Over real clients, servers and `newsbot run`:
tests/e2e/test_security_e2e.py.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.classify import Classifier
from bot.config import Settings
from bot.models import Chat, Command, FeedSpec, Subscription
from bot.search import SearchIndex
from bot.store import Store
from handlers import admin
from handlers.deps import Deps
from handlers.router import COMMANDS, dispatch
from tests.helpers import (
    SECRETS,
    SLACK_APP,
    SLACK_BOT,
    SLACK_SIGNING,
    TG_TOKEN,
    assert_no_secret,
    logs_to,
)


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
    "broadcast": [["Hello", "everyone"], ["confirm", "0123abcd"], ["cancel", "0123abcd"]],
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


# ---- secrets never in logs ---------------------------------------------------------------------


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
    assert_no_secret(logs)
    assert logs.count("***") >= 6
