"""Every key the config file may hold, per table, and the check that names ALL unknown keys at
once (a new operator fixes their typos in one go, not one run per typo).

A key that bot/config.py reads must be listed here too (tests/unit/test_config.py checks that the
two agree)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

# table (as the operator writes it) -> its known keys; "" is the top level
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"storage", "fetch", "feeds", "topics", "telegram", "slack", "server", "log",
                   "delivery", "timezone"}),
    "storage": frozenset({"path", "backups"}),
    "fetch": frozenset({"timeout_seconds", "connect_timeout_seconds", "max_bytes",
                        "max_redirects", "user_agent", "allow_private", "max_backoff_seconds",
                        "jitter", "alert_after_failures"}),
    "feeds": frozenset({"id", "url", "type", "interval_seconds", "language", "link_pattern",
                        "max_new_per_poll", "request_delay_seconds", "group",
                        "stale_after_hours"}),
    "topics": frozenset({"id", "name", "description", "terms", "threshold"}),
    "telegram": frozenset({"api_base_url", "admins", "webhook_url", "webhook_listen",
                           "webhook_port", "bot_username"}),
    "slack": frozenset({"mode", "host", "port", "api_base_url", "admins", "channel_rule"}),
    "server": frozenset({"port", "host"}),
    "delivery": frozenset({"edition_wait_seconds", "edit_window_hours"}),
    "log": frozenset({"level", "format"}),
}
ARRAYS = ("feeds", "topics")  # arrays of tables: [[feeds]], [[topics]]


def _label(table: str) -> str:
    if not table:
        return "the top level"
    return f"[[{table}]]" if table in ARRAYS else f"[{table}]"


def _tables(data: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(table name, key prefix, contents) of every table present in the file; values of the
    wrong shape are left to the typed checks, which name what is expected."""
    found: list[tuple[str, str, Mapping[str, Any]]] = [("", "", data)]
    for name in KNOWN_KEYS:
        value = data.get(name) if name else None
        if name in ARRAYS and isinstance(value, list):
            found += [(name, f"{name}[{i}].", v) for i, v in enumerate(value)
                      if isinstance(v, dict)]
        elif name and isinstance(value, dict):
            found.append((name, f"{name}.", value))
    return found


def unknown_keys_message(data: Mapping[str, Any]) -> str | None:
    """None when every key is known; else one line naming each unknown key with its table (and
    the likely key it misspells), then the known keys of those tables."""
    problems: list[str] = []
    tables: dict[str, None] = {}
    for table, prefix, contents in _tables(data):
        known = KNOWN_KEYS[table]
        for key in contents:
            if key in known:
                continue
            tables[table] = None
            close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.7)
            guess = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{prefix}{key}: unknown key in {_label(table)}{guess}")
    if not problems:
        return None
    known_lists = "; ".join(f"known keys in {_label(t)}: {', '.join(sorted(KNOWN_KEYS[t]))}"
                            for t in tables)
    return "; ".join(problems) + "; " + known_lists
