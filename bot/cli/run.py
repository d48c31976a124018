"""`newsbot run`, `newsbot demo`, `newsbot check-config`."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.cli.common import CliError, secrets_of, settings_from, setup_logs
from bot.config import ConfigError
from bot.logs import RedactSecrets, setup_logging
from bot.store import StoreError
from bot.urls import mask_credentials

log = logging.getLogger("newsbot.cli")


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    setup_logs(settings)
    from bot.app import App, StartupError

    async def main() -> None:
        app = App(settings)
        app.build_platforms()
        if not settings.feeds and not app.store.admin_feeds():
            log.warning("event=no_feeds: add [[feeds]] to %s", settings.source)
        await app.run_until_stopped()

    try:
        asyncio.run(main())
    except StartupError as exc:  # one line, without the token PTB puts in its message
        raise CliError(RedactSecrets(secrets_of(settings)).scrub(str(exc)).splitlines()[0]) \
            from None
    except (CliError, ConfigError, StoreError):
        raise
    except Exception:  # a bug: its traceback goes through the log filter, never raw to stderr
        log.critical("event=crashed", exc_info=True)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    setup_logging("WARNING")
    from bot.demo import run_demo

    return asyncio.run(run_demo(every=args.every))


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    print(f"{settings.source}: OK")
    print(f"  storage: {settings.storage.path}")
    for feed in settings.feeds:
        print(f"  feed {feed.id}: {feed.type} {mask_credentials(feed.url)} "
              f"every {feed.interval_seconds}s")
    topics = f"custom ({len(settings.topics)})" if settings.topics else "built-in"
    print(f"  topics: {topics}")
    for name, section in (("telegram", settings.telegram), ("slack", settings.slack)):
        if not section.enabled_in_config:
            print(f"  {name}: off (no [{name}] section)")
        elif section.enabled:
            print(f"  {name}: on")
        else:
            missing = ("TELEGRAM_BOT_TOKEN" if name == "telegram"
                       else ", ".join(settings.slack.missing_secrets))
            print(f"  {name}: off ({missing} not set in the environment)")
    return 0
