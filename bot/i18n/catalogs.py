"""Loading the gettext catalogs and translating one message.

Each `locale/<lang>/LC_MESSAGES/newsbot.po` is parsed with Babel and compiled into memory the
first time its language is asked for (a few milliseconds, once per process); no .mo file is
built or shipped. Fuzzy and empty translations are left out, so they read as English.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Protocol

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.languages import LANGUAGES, pick_language

log = logging.getLogger(__name__)

DOMAIN = "newsbot"


class Translator(Protocol):
    """What a chat's language gives: `gettext.GNUTranslations` is one."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, msgid1: str, msgid2: str, n: int, /) -> str: ...


def catalog_file(lang: str, locale_dir: Traversable | None = None) -> Traversable:
    """The .po file of one of the bot's languages: the shipped one (inside the installed
    package) unless another `locale` folder is given."""
    base = locale_dir if locale_dir is not None else resources.files("bot.i18n") / "locale"
    return base / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalog(lang: str, locale_dir: Traversable | None = None) -> Catalog:
    """The parsed catalog of `lang` (one of LANGUAGES), fuzzy and empty entries included."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalog for language {lang!r}; the bot's languages: {LANGUAGES}")
    with catalog_file(lang, locale_dir).open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN, ignore_obsolete=True, abort_invalid=True)


def compile_catalog(catalog: Catalog) -> gettext.GNUTranslations:
    """The catalog as the standard library's translations object, compiled in memory."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@functools.cache
def _compiled(lang: str) -> gettext.GNUTranslations:
    return compile_catalog(load_catalog(lang))


def _translated(catalog: Catalog) -> int:
    return sum(1 for m in catalog if m.id and not m.fuzzy and m.string
               and (isinstance(m.string, str) or all(m.string)))


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
