"""TOML configuration -> typed settings.

This is the only module that reads files of settings or environment variables. Every error is a
`ConfigError` whose message names the file, the key and what is expected, so the CLI can print
one line instead of a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_keys import unknown_keys_message
from bot.config_topics import ID_RE, topics_from_config
from bot.models import FeedSpec, Topic
from bot.urls import feed_url_problem, mask_credentials

DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"
DEFAULT_SLACK_API = "https://slack.com/api/"
USER_AGENT = "customs-newsbot/0.1 (+https://github.com/customs-newsbot; press-release alerts)"


class ConfigError(Exception):
    """A configuration problem, with a message fit to show the operator as it is."""


@dataclass(slots=True)
class StorageSettings:
    path: Path = Path("newsbot-data")
    backups: int = 3


@dataclass(slots=True)
class FetchSettings:
    timeout_seconds: float = 20.0
    connect_timeout_seconds: float = 10.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    allow_private: bool = False  # admins may add feeds on loopback/private networks
    max_backoff_seconds: int = 3600
    jitter: float = 0.1  # +-10% of the interval
    alert_after_failures: int = 5


@dataclass(slots=True)
class TelegramSettings:
    enabled_in_config: bool = False
    token: str | None = None
    api_base_url: str = DEFAULT_TELEGRAM_API
    admins: list[str] = field(default_factory=list)
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    bot_username: str | None = None

    @property
    def enabled(self) -> bool:
        return self.enabled_in_config and bool(self.token)


@dataclass(slots=True)
class SlackSettings:
    enabled_in_config: bool = False
    mode: str = "http"
    host: str = "0.0.0.0"  # http mode: the address POST /slack/events listens on
    port: int = 3000
    api_base_url: str = DEFAULT_SLACK_API
    admins: list[str] = field(default_factory=list)
    channel_rule: str = "admins"  # who may change a channel's subscription: admins | members
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None

    @property
    def missing_secrets(self) -> list[str]:
        missing = []
        if not self.bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if self.mode == "http" and not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        if self.mode == "socket" and not self.app_token:
            missing.append("SLACK_APP_TOKEN")
        return missing

    @property
    def enabled(self) -> bool:
        return self.enabled_in_config and not self.missing_secrets


@dataclass(slots=True)
class ServerSettings:
    port: int | None = None  # /healthz and /metrics; off when None
    host: str = "127.0.0.1"


MAX_EDIT_WINDOW_HOURS = 168  # the sent-stories journal keeps message ids 7 days


@dataclass(slots=True)
class DeliverySettings:
    # when another language's edition of a story arrives first, wait this long for the
    # chat's own edition before sending the best one there is
    edition_wait_seconds: float = 900.0
    # a corrected release edits the notifications sent this many hours ago at most (0: never);
    # the message ids are kept 7 days (bot/store/sent.py), so 168 at most
    edit_window_hours: float = 48.0


@dataclass(slots=True)
class LogSettings:
    level: str = "INFO"
    format: str = "kv"  # kv | json


@dataclass(slots=True)
class Settings:
    source: str = "<defaults>"
    storage: StorageSettings = field(default_factory=StorageSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: list[FeedSpec] = field(default_factory=list)
    topics: list[Topic] | None = None  # None -> the built-in taxonomy
    topics_raw: list[dict[str, Any]] = field(default_factory=list)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    log: LogSettings = field(default_factory=LogSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    timezone: str = "Asia/Baku"  # display time zone for dates and digest times

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class _Reader:
    """Typed access to one TOML table, with errors that name the file and key path."""

    def __init__(self, source: str, data: Mapping[str, Any], prefix: str = "") -> None:
        self.source, self.data, self.prefix = source, data, prefix

    def fail(self, key: str, expected: str, got: Any = ...) -> ConfigError:
        where = f"{self.prefix}{key}"
        tail = "" if got is ... else f", got {got!r}"
        return ConfigError(f"{self.source}: {where}: expected {expected}{tail}")

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def str_(self, key: str, default: str | None = None, choices: tuple[str, ...] = ()) -> Any:
        value = self.data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str) or (choices and value not in choices):
            expected = " or ".join(repr(c) for c in choices) if choices else "a string"
            raise self.fail(key, expected, value)
        return value

    def int_(self, key: str, default: int | None, minimum: int = 1) -> Any:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise self.fail(key, what, value)
        return value

    def port(self, key: str, default: int | None) -> Any:
        """A TCP port to listen on: 1-65535."""
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
            raise self.fail(key, "a port number from 1 to 65535", value)
        return value

    def float_(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail(key, f"a number >= {minimum:g}", value)
        return float(value)

    def bool_(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def str_list(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise self.fail(key, "a list of strings or numbers", value)
        return [str(v) for v in value]

    def table(self, key: str) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "a table", value)
        return _Reader(self.source, value, f"{self.prefix}{key}.")


def check_feed_id(feed_id: str) -> str | None:
    """None if the id is usable, else what is wrong with it."""
    if not ID_RE.match(feed_id):
        return "lower-case letters, digits, '-' or '_', at most 40 characters"
    return None


def _feed(r: _Reader, fetch: FetchSettings) -> FeedSpec:
    feed_id = r.str_("id")
    if not feed_id or check_feed_id(feed_id):
        raise r.fail("id", "an identifier (lower-case letters, digits, '-', '_')", feed_id)
    url = r.str_("url")
    if problem := feed_url_problem(url or ""):
        raise r.fail("url", f"an http(s) URL with a host name ({problem})",
                     mask_credentials(url) if isinstance(url, str) else url)
    kind = r.str_("type", "rss", choices=("rss", "html"))
    pattern = r.str_("link_pattern", "")
    if kind == "html":
        if not pattern:
            raise r.fail("link_pattern", "a regular expression that article links match "
                         "(required when type = \"html\")")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise r.fail("link_pattern", f"a valid regular expression ({exc})", pattern) from None
    language = r.str_("language", "")
    if language and language not in ("en", "az", "ru"):
        raise r.fail("language", "'en', 'az' or 'ru' (or leave it out to detect)", language)
    stale_after = r.float_("stale_after_hours", 96.0)
    if not 0 < stale_after <= 8784:
        raise r.fail("stale_after_hours", "hours above 0, at most 8784 (a year)", stale_after)
    return FeedSpec(
        id=feed_id,
        url=url,
        type=kind,
        interval_seconds=r.int_("interval_seconds", 300),
        language=language,
        link_pattern=pattern,
        max_new_per_poll=r.int_("max_new_per_poll", 10),
        request_delay_seconds=r.float_("request_delay_seconds", 1.0),
        group=r.str_("group", ""),
        stale_after_hours=stale_after,
    )


def parse_settings(
    data: Mapping[str, Any], source: str = "<config>", env: Mapping[str, str] | None = None
) -> Settings:
    env = os.environ if env is None else env
    if unknown := unknown_keys_message(data):  # all of them at once, before any other check
        raise ConfigError(f"{source}: {unknown}")
    root = _Reader(source, data)
    s = Settings(source=source)

    if (t := root.table("storage")) is not None:
        s.storage.path = Path(t.str_("path", str(s.storage.path)))
        s.storage.backups = t.int_("backups", s.storage.backups, minimum=0)

    if (t := root.table("fetch")) is not None:
        f = s.fetch
        f.timeout_seconds = t.float_("timeout_seconds", f.timeout_seconds, minimum=0.1)
        f.connect_timeout_seconds = t.float_("connect_timeout_seconds",
                                             f.connect_timeout_seconds, minimum=0.1)
        f.max_bytes = t.int_("max_bytes", f.max_bytes)
        f.max_redirects = t.int_("max_redirects", f.max_redirects, minimum=0)
        f.user_agent = t.str_("user_agent", f.user_agent)
        f.allow_private = t.bool_("allow_private", f.allow_private)
        f.max_backoff_seconds = t.int_("max_backoff_seconds", f.max_backoff_seconds)
        f.jitter = t.float_("jitter", f.jitter)
        f.alert_after_failures = t.int_("alert_after_failures", f.alert_after_failures)

    feeds = root.get("feeds", [])
    if not isinstance(feeds, list):
        raise root.fail("feeds", "an array of tables ([[feeds]])", feeds)
    seen: set[str] = set()
    for i, raw in enumerate(feeds):
        if not isinstance(raw, dict):
            raise root.fail(f"feeds[{i}]", "a table", raw)
        spec = _feed(_Reader(source, raw, f"feeds[{i}]."), s.fetch)
        if spec.id in seen:
            raise ConfigError(f"{source}: feeds[{i}].id: {spec.id!r} is used twice; "
                              "give each feed its own id")
        seen.add(spec.id)
        s.feeds.append(spec)

    topics = root.get("topics")
    if topics is not None:
        if not isinstance(topics, list) or not all(isinstance(x, dict) for x in topics):
            raise root.fail("topics", "an array of tables ([[topics]])", topics)
        try:
            s.topics = topics_from_config(topics)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        s.topics_raw = topics

    if (t := root.table("telegram")) is not None:
        tg = s.telegram
        tg.enabled_in_config = True
        tg.api_base_url = t.str_("api_base_url", tg.api_base_url)
        tg.admins = t.str_list("admins")
        tg.webhook_url = t.str_("webhook_url", None)
        tg.webhook_listen = t.str_("webhook_listen", tg.webhook_listen)
        tg.webhook_port = t.port("webhook_port", tg.webhook_port)
        tg.bot_username = t.str_("bot_username", None)
    s.telegram.token = env.get("TELEGRAM_BOT_TOKEN") or None
    s.telegram.webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET") or None

    if (t := root.table("slack")) is not None:
        sl = s.slack
        sl.enabled_in_config = True
        sl.mode = t.str_("mode", sl.mode, choices=("socket", "http"))
        sl.host = t.str_("host", sl.host)
        sl.port = t.port("port", sl.port)
        sl.api_base_url = t.str_("api_base_url", sl.api_base_url)
        sl.admins = t.str_list("admins")
        sl.channel_rule = t.str_("channel_rule", sl.channel_rule, choices=("admins", "members"))
    s.slack.bot_token = env.get("SLACK_BOT_TOKEN") or None
    s.slack.signing_secret = env.get("SLACK_SIGNING_SECRET") or None
    s.slack.app_token = env.get("SLACK_APP_TOKEN") or None

    if (t := root.table("server")) is not None:
        s.server.port = t.port("port", None)
        s.server.host = t.str_("host", s.server.host)

    if (t := root.table("delivery")) is not None:
        s.delivery.edition_wait_seconds = t.float_("edition_wait_seconds",
                                                   s.delivery.edition_wait_seconds)
        hours = t.float_("edit_window_hours", s.delivery.edit_window_hours)
        if hours > MAX_EDIT_WINDOW_HOURS:
            raise t.fail("edit_window_hours", f"a number from 0 to {MAX_EDIT_WINDOW_HOURS} "
                         "(message ids are kept 7 days)", hours)
        s.delivery.edit_window_hours = hours

    if (t := root.table("log")) is not None:
        s.log.level = t.str_("level", s.log.level,
                             choices=("DEBUG", "INFO", "WARNING", "ERROR"))
        s.log.format = t.str_("format", s.log.format, choices=("kv", "json"))

    tz = root.str_("timezone", s.timezone)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise root.fail("timezone", "an IANA time zone name such as 'Asia/Baku'", tz) from None
    s.timezone = tz
    return s


def load_settings(path: str | Path, env: Mapping[str, str] | None = None) -> Settings:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; copy config.example.toml and "
                          "point --config at it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    settings = parse_settings(data, source=str(path), env=env)
    if not settings.storage.path.is_absolute():
        settings.storage.path = (path.parent / settings.storage.path).resolve()
    return settings
