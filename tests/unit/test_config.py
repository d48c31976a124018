from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_valid_and_watches_the_customs_committee() -> None:
    settings = load_settings(ROOT / "config.example.toml", env={})
    assert {f.language for f in settings.feeds} == {"en", "az", "ru"}
    assert all("customs.gov.az" in f.url for f in settings.feeds)
    assert not settings.telegram.enabled and not settings.slack.enabled


def test_defaults_without_sections() -> None:
    settings = parse_settings({}, env={})
    assert settings.feeds == [] and settings.fetch.max_bytes == 10 * 1024 * 1024
    assert settings.fetch.max_redirects == 5 and settings.topics is None


def test_interval_error_names_key_and_value() -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings({"feeds": [{"id": "a", "url": "https://x.org/f",
                                   "interval_seconds": "soon"}]}, "cfg.toml", env={})
    assert str(err.value) == (
        "cfg.toml: feeds[0].interval_seconds: expected a positive integer, got 'soon'")


def test_interval_of_one_second_is_accepted() -> None:
    s = parse_settings({"feeds": [{"id": "a", "url": "https://x.org/f", "interval_seconds": 1}]},
                       env={})
    assert s.feeds[0].interval_seconds == 1


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"feeds": [{"id": "a"}]}, "feeds[0].url: expected an http(s) URL"),
        ({"feeds": [{"id": "a", "url": "https://x/f"}, {"id": "a", "url": "https://y/f"}]},
         "feeds[1].id: 'a' is used twice"),
        ({"feeds": [{"id": "a", "url": "https://x/f", "type": "html"}]}, "feeds[0].link_pattern"),
        ({"feeds": [{"id": "a", "url": "https://x/f", "type": "html", "link_pattern": "("}]},
         "valid regular expression"),
        ({"slack": {"mode": "carrier-pigeon"}}, "slack.mode: expected 'socket' or 'http'"),
        ({"storage": {"pathh": "x"}}, "storage.pathh: unknown key"),
        ({"timezone": "Mars/Olympus"}, "timezone: expected an IANA time zone"),
        ({"telegram": {"admins": "123"}}, "telegram.admins: expected a list"),
        ({"delivery": {"edit_window_hours": 200}},
         "delivery.edit_window_hours: expected a number from 0 to 168"),
        ({"delivery": {"edit_window_hours": -1}}, "delivery.edit_window_hours: expected a number"),
    ],
)
def test_errors_name_the_key(data: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=None) as err:
        parse_settings(data, "c.toml", env={})
    assert fragment in str(err.value)
    assert str(err.value).startswith("c.toml: ")


def test_every_unknown_key_is_named_at_once_with_its_table() -> None:
    data = {"storage": {"pathh": "x"}, "fetch": {"allow_privat": True, "retries": 3},
            "feeds": [{"id": "a", "url": "https://x/f"}, {"id": "b", "urll": "https://y/f"}],
            "colour": "red"}
    with pytest.raises(ConfigError) as err:
        parse_settings(data, "c.toml", env={})
    message = str(err.value)
    assert "\n" not in message
    for key, table in (("storage.pathh", "[storage]"), ("fetch.allow_privat", "[fetch]"),
                       ("fetch.retries", "[fetch]"), ("feeds[1].urll", "[[feeds]]"),
                       ("colour", "the top level")):
        assert f"{key}: unknown key in {table}" in message
    assert "(did you mean 'allow_private'?)" in message and "(did you mean 'url'?)" in message
    assert "known keys in [fetch]: alert_after_failures, allow_private," in message


class _Reads(dict):  # type: ignore[type-arg]
    """A TOML table that records the keys the config reader asks it for."""

    def __init__(self, name: str, seen: dict[str, set[str]], *args: object) -> None:
        super().__init__(*args)
        self.name, self.seen = name, seen

    def get(self, key: str, default: object = None) -> object:
        self.seen.setdefault(self.name, set()).add(key)
        return super().get(key, default)


def test_the_known_keys_are_the_keys_the_config_reads() -> None:
    """config_keys.KNOWN_KEYS (checked before anything else) and what parse_settings reads stay
    one list: a key added to one and not the other fails here."""
    from bot.config_keys import KNOWN_KEYS

    seen: dict[str, set[str]] = {}
    data = _Reads("", seen, {
        name: _Reads(name, seen) for name in KNOWN_KEYS if name not in ("", "feeds", "topics")})
    data["feeds"] = [_Reads("feeds", seen, {"id": "a", "url": "https://x/f"})]
    data["topics"] = [_Reads("topics", seen, {"id": "t", "terms": {"en": ["customs"]}})]
    parse_settings(data, "c.toml", env={})
    assert seen == {table: set(keys) for table, keys in KNOWN_KEYS.items()}


def test_secrets_come_from_the_environment_only() -> None:
    data = {"telegram": {}, "slack": {"mode": "socket"}}
    off = parse_settings(data, env={})
    assert not off.telegram.enabled and off.slack.missing_secrets == [
        "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]
    on = parse_settings(data, env={"TELEGRAM_BOT_TOKEN": "123:abc", "SLACK_BOT_TOKEN": "xoxb-1",
                                   "SLACK_APP_TOKEN": "xapp-1"})
    assert on.telegram.enabled and on.slack.enabled
    with pytest.raises(ConfigError, match="telegram.token: unknown key"):
        parse_settings({"telegram": {"token": "123:abc"}}, env={})


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[feeds\nid=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_storage_path_is_relative_to_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[storage]\npath = "data"\n')
    assert load_settings(cfg, env={}).storage.path == tmp_path / "data"


def test_example_config_names_every_key_with_the_code_defaults() -> None:
    """config.example.toml documents every key (set, or commented out) at the code's default,
    so an operator who copies it changes nothing by accident."""
    import re
    import tomllib

    from bot.config_keys import KNOWN_KEYS

    text = (ROOT / "config.example.toml").read_text()
    missing = [f"{table or '(top)'}.{key}" for table, keys in KNOWN_KEYS.items() for key in keys
               if not re.search(rf"^[#\s]*(\[\[?{key}\]?\]|{key}\s*=)|\.{key}\]", text, re.M)]
    assert missing == []
    example = parse_settings(tomllib.loads(text), env={})
    defaults = parse_settings({t: {} for t in ("storage", "fetch", "telegram", "slack", "server",
                                               "delivery", "log")}, env={})
    for section in ("timezone", "storage", "fetch", "telegram", "slack", "server", "delivery",
                    "log"):
        assert getattr(example, section) == getattr(defaults, section), section
    feed = parse_settings({"feeds": [{"id": "f", "url": "https://x.org/"}]}, env={}).feeds[0]
    for field in ("interval_seconds", "max_new_per_poll", "request_delay_seconds",
                  "stale_after_hours"):
        assert getattr(example.feeds[0], field) == getattr(feed, field), field
