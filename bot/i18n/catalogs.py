"""Loading the gettext catalogs and translating one message.

A language's catalog is every `*.po` file of its `locale/<lang>/LC_MESSAGES/` folder merged
(`newsbot.po` first, then the others by name: `delivery.po`, `platforms.po`, ...), so each part
of the bot keeps its texts in its own file and the files never conflict in an edit. The merged
catalog is parsed with Babel and compiled into memory the first time its language is asked for
(a few milliseconds, once per process); no .mo file is built or shipped. Fuzzy and empty
translations are left out, so they read as English. A msgid in two files of one language takes
the first file's translation; `python -m bot.i18n check` reports such a msgid when the two
translations differ.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Protocol

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.languages import LANGUAGES, pick_language

log = logging.getLogger(__name__)

DOMAIN = "newsbot"


class Translator(Protocol):
    """What a chat's language gives: `gettext.GNUTranslations` is one."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, msgid1: str, msgid2: str, n: int, /) -> str: ...


def locale_folder(lang: str, locale_dir: Traversable | None = None) -> Traversable:
    """The LC_MESSAGES folder of one of the bot's languages: the shipped one (inside the
    installed package) unless another `locale` folder is given."""
    base = locale_dir if locale_dir is not None else resources.files("bot.i18n") / "locale"
    return base / lang / "LC_MESSAGES"


def catalog_file(
    lang: str, locale_dir: Traversable | None = None, name: str = DOMAIN
) -> Traversable:
    """One .po file of a language's folder: `newsbot.po` unless another `name` is given."""
    return locale_folder(lang, locale_dir) / f"{name}.po"


def catalog_files(lang: str, locale_dir: Traversable | None = None) -> list[Traversable]:
    """Every .po file of a language's folder, in merge order: newsbot.po, then by name."""
    folder = locale_folder(lang, locale_dir)
    files = [f for f in folder.iterdir() if f.name.endswith(".po") and f.is_file()]
    return sorted(files, key=lambda f: (f.name != f"{DOMAIN}.po", f.name))


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"no catalog for language {lang!r}; the bot's languages: {LANGUAGES}")


def read_catalog_file(lang: str, po_file: Traversable) -> Catalog:
    """One .po file parsed, fuzzy and empty entries included."""
    with po_file.open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN, ignore_obsolete=True, abort_invalid=True)


def load_catalog_files(lang: str, locale_dir: Traversable | None = None) -> dict[str, Catalog]:
    """Each .po file of `lang` parsed on its own, by file name, in merge order."""
    _check_language(lang)
    return {f.name: read_catalog_file(lang, f) for f in catalog_files(lang, locale_dir)}


def merge_catalogs(lang: str, parts: Iterable[Catalog]) -> Catalog:
    """One catalog of all `parts`: the first part's header, every part's entries; a msgid that
    is in several parts keeps the first translated, non-fuzzy entry."""
    merged: Catalog | None = None
    for part in parts:
        if merged is None:
            merged = part
            continue
        for message in part:
            if not message.id:
                continue
            present = merged.get(message.id, message.context)
            if present is None or (not _is_translated(present) and _is_translated(message)):
                if present is not None:
                    merged.delete(message.id, message.context)
                merged[message.id] = message
    return merged if merged is not None else Catalog(locale=lang, domain=DOMAIN, fuzzy=False)


def load_catalog(lang: str, locale_dir: Traversable | None = None) -> Catalog:
    """The catalog of `lang` (one of LANGUAGES): all its .po files merged, fuzzy and empty
    entries included."""
    return merge_catalogs(lang, load_catalog_files(lang, locale_dir).values())


def compile_catalog(catalog: Catalog) -> gettext.GNUTranslations:
    """The catalog as the standard library's translations object, compiled in memory."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@functools.cache
def _compiled(lang: str) -> gettext.GNUTranslations:
    return compile_catalog(load_catalog(lang))


def _is_translated(message: Message) -> bool:
    return bool(message.id and not message.fuzzy and message.string
                and (isinstance(message.string, str) or all(message.string)))


def _translated(catalog: Catalog) -> int:
    return sum(1 for m in catalog if _is_translated(m))


def preload() -> dict[str, int]:
    """Reads every catalog now (at start-up, so a broken one stops the bot before it answers
    anyone): how many texts each language translates, for the start-up log."""
    for lang in LANGUAGES:
        _compiled(lang)
    return {lang: _translated(load_catalog(lang)) for lang in LANGUAGES}


def translator(lang: str | None) -> Translator:
    """The translations of `lang` ("ru", "ru-RU", ...); English for a language the bot lacks."""
    return _compiled(pick_language(lang))


def N_(msgid: str) -> str:
    """Marks a constant for extraction; it is translated where it is shown, with `tr`."""
    return msgid


def _format(lang: str | None, translated: str, original: str, kwargs: dict[str, object]) -> str:
    try:
        return translated.format(**kwargs)
    except (KeyError, IndexError, ValueError):
        # a catalog whose placeholders differ from the msgid's (the unit tests forbid it)
        log.warning("event=bad_translation lang=%s msgid=%.80r", lang, original)
        return original.format(**kwargs)


def tr(lang: str | None, msgid: str, /, **kwargs: object) -> str:
    """`msgid` in `lang`, its `{name}` placeholders filled from `kwargs` (str.format)."""
    if not msgid:  # gettext("") would be the catalog's header
        return msgid
    return _format(lang, translator(lang).gettext(msgid), msgid, kwargs)


_ = tr


def ntr(lang: str | None, singular: str, plural: str, n: int, /, **kwargs: object) -> str:
    """The form of `singular`/`plural` for `n` in `lang`; `{n}` and `kwargs` filled in."""
    translated = translator(lang).ngettext(singular, plural, n)
    original = singular if n == 1 else plural
    return _format(lang, translated, original, {"n": n, **kwargs})
