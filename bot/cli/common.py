"""What the commands share: the config, logs, the read-only store, one JSON shape per release.
Every expected failure is a `CliError` (or ConfigError, StoreError): one line on stderr, exit 1."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.models import Item
from bot.store import Store


class CliError(Exception):
    pass


def settings_from(args: argparse.Namespace, required: bool = True) -> Settings:
    if not getattr(args, "config", None):
        if required:
            raise CliError("--config FILE is required (start from config.example.toml)")
        return Settings()
    settings = load_settings(args.config)
    from bot.classify import check_topic_terms

    try:  # the term syntax belongs to the classifier: checked here, before any command runs
        check_topic_terms(settings.topics)
    except ValueError as exc:
        raise ConfigError(f"{settings.source}: {exc}") from None
    return settings


def secrets_of(settings: Settings) -> list[str | None]:
    return [settings.telegram.token, settings.telegram.webhook_secret, settings.slack.bot_token,
            settings.slack.signing_secret, settings.slack.app_token]


def no_such_feed(feed_id: str, known: list[str]) -> CliError:
    """The error for a feed id that is none of `known` (the ids there are, to choose from)."""
    return CliError(f"no feed '{feed_id}'; feeds: {', '.join(known) or 'none'}")


def setup_logs(settings: Settings, level: str | None = None) -> None:
    """Logging as the config sets it, at `level` instead when a command wants less of it."""
    setup_logging(level or settings.log.level, settings.log.format, secrets=secrets_of(settings))


def item_json(item: Item, score: float | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id, "feed": item.feed_id, "title": item.title, "url": item.url,
        "published": item.published.isoformat(), "language": item.language,
        "topics": item.topics, "story": item.story_id,
    }
    if score is not None:
        data["score"] = round(score, 4)
    return data


def read_store(settings: Settings) -> Store:
    return Store(settings.storage.path, backups=settings.storage.backups, read_only=True)
