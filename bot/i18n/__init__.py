"""Every text a user reads, in the chat's language: Azerbaijani, Russian or English.

Catalogs are standard gettext `.po` files, every `locale/<lang>/LC_MESSAGES/*.po` of a language
merged into one (newsbot.po, delivery.po, platforms.po: one file per part of the bot), keyed by
the English text exactly as the code writes it (`{name}` placeholders, filled with
`str.format`). English is the source language: its catalog lists the msgids with empty
translations, so English reads the msgid itself, and so does any text a catalog lacks or marks
fuzzy.

Why .po parsed at start-up, not .mo: the .po files are the only thing translators and reviewers
edit and git diffs; a committed .mo goes stale the moment someone forgets to recompile it, and
building one at install time would need a setuptools build step. So the .po files ship as
package data, and each language's is read by Babel (`read_po`) and compiled into memory
(`write_mo` into a buffer, opened as `gettext.GNUTranslations`) once per process, by `preload()`
at start-up or on first use (milliseconds). `pip install .` is all a user does; Babel is a
declared dependency.

Use:
    preload()                                           # at start-up: {"az": 166, ...}
    tr(lang, "Subscribed to {topics}.", topics=names)    # `_` is the same function
    ntr(lang, "{n} release", "{n} releases", n)         # the plural rules of `lang`
    SORRY = N_("Something went wrong ...")              # a constant, translated where shown
    translator(lang).gettext(msgid)                     # the gettext object itself
    pick_language(telegram_user.language_code)          # "ru-RU" -> "ru", "de" -> "en"
    format_date(item.published, lang, tz)               # "22 июня 2022"
    topic_name(topic, lang), topic_description(topic, lang)

Placeholder names in msgids: a command as typed on the chat's platform (`/latest` or
`/news latest`) is `{command}`, or `{<name>_cmd}` when a text has several; a list of topic names
`{topics}`, one topic `{topic}`, a count `{n}`, a limit `{max}`.

Maintenance (`python -m bot.i18n --help`):
    python -m bot.i18n check     msgids the code uses that a catalog lacks or leaves
                                 untranslated, fuzzy, or with other placeholders; exit 1 if any
    python -m bot.i18n extract   writes the template newsbot.pot of every marked text
    python -m bot.i18n update    adds the code's new msgids to the three catalogs, untranslated
                                 (into each newsbot.po, or `--into platforms` platforms.po)
"""

from bot.i18n.catalogs import N_, Translator, _, load_catalog, ntr, preload, tr, translator
from bot.i18n.dates import format_date, format_datetime, weekday_name
from bot.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, pick_language
from bot.i18n.topics import topic_description, topic_name

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Translator",
    "_",
    "format_date",
    "format_datetime",
    "load_catalog",
    "ntr",
    "pick_language",
    "preload",
    "topic_description",
    "topic_name",
    "tr",
    "translator",
    "weekday_name",
]
