"""`[[topics]]` config tables -> Topic models (the shape; the term syntax is the classifier's).
Re-exported by bot.config, the one module that reads the config."""

from __future__ import annotations

import math
import re
from typing import Any

from bot.config_keys import KNOWN_KEYS
from bot.models import Topic

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")  # topic and feed ids

_TOPIC_KEYS = KNOWN_KEYS["topics"]
_TERMS_SHAPE = "expected a table of language -> list of strings"


def topics_from_config(raw: list[dict[str, Any]]) -> list[Topic]:
    """Build topics from `[[topics]]` config tables; ValueError messages name the key.

    Indexes are 0-based, as in the rest of the config messages: ``topics[2].terms.en[1]``.
    A topic may set ``threshold`` (a positive number). The terms' syntax is checked where the
    classifier is built (`bot.classify.check_topic_terms`), not here.
    """
    if not isinstance(raw, list):
        raise ValueError("topics: expected an array of tables ([[topics]])")
    topics: list[Topic] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw):
        where = f"topics[{n}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a table")
        unknown = sorted(set(entry) - _TOPIC_KEYS)
        if unknown:
            raise ValueError(
                f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_TOPIC_KEYS))})"
            )
        tid = entry.get("id")
        if not isinstance(tid, str) or not ID_RE.match(tid):
            raise ValueError(
                f"{where}.id: expected a short id of lower-case letters, digits, '-' or '_' "
                f"(got {tid!r})"
            )
        if tid in seen:
            raise ValueError(f"{where}.id: {tid!r} is used twice; give each topic its own id")
        seen.add(tid)
        name = entry.get("name", tid)
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.name: expected a non-empty string")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise ValueError(f"{where}.description: expected a string")
        threshold = entry.get("threshold")
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
            or threshold <= 0
        ):
            raise ValueError(f"{where}.threshold: expected a positive number (got {threshold!r})")
        terms_raw = entry.get("terms")
        if not isinstance(terms_raw, dict) or not terms_raw:
            raise ValueError(f"{where}.terms: {_TERMS_SHAPE}")
        terms: dict[str, list[str]] = {}
        for lang, items in terms_raw.items():
            key = f"{where}.terms.{lang}"
            if not isinstance(lang, str) or not (lang == "*" or re.fullmatch(r"[a-z]{2,3}", lang)):
                raise ValueError(
                    f"{key}: the language must be a code like 'en', 'az', 'ru' or '*' for any"
                )
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise ValueError(f"{where}.terms: {_TERMS_SHAPE} ({lang!r} is not)")
            terms[lang] = list(items)
        if not any(terms.values()):
            raise ValueError(f"{where}.terms: no terms; give at least one")
        topics.append(Topic(id=tid, name=name.strip(), description=description, terms=terms,
                            threshold=None if threshold is None else float(threshold)))
    return topics
