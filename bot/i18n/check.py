"""Which msgids the code uses, and whether every catalog translates them properly.

The code marks its texts with `tr(lang, "...")` (or `_`), `ntr(lang, "...", "...", n)`, `N_("...")`
for constants, and `gettext`/`ngettext` on a translator; Babel's extractor reads those calls
out of the source files without importing them. The same keywords for `pybabel`:

    pybabel extract -F bot/i18n/babel.cfg --no-default-keywords -k tr:2 -k _:2 -k ntr:2,3 \
        -k N_ -k gettext -k ngettext:1,2 -o newsbot.pot .
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir

from bot.i18n.catalogs import DOMAIN
from bot.i18n.languages import DEFAULT_LANGUAGE

# function name -> which positional arguments are the msgid (and plural); None means the first
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "tr": (2,), "_": (2,), "ntr": (2, 3), "N_": None, "gettext": None, "ngettext": (1, 2),
}
SOURCE_PACKAGES = ("bot", "handlers")

MsgId = str | tuple[str, ...]  # a singular msgid, or (singular, plural)


def msgid_of(message: Message) -> MsgId:
    """The message's id in a hashable form (Babel also allows a list of singular and plural)."""
    return message.id if isinstance(message.id, str) else tuple(message.id)


def default_sources() -> list[Path]:
    """bot/ and handlers/ next to this package, in a checkout or an installed copy alike."""
    root = Path(__file__).resolve().parents[2]
    return [root / name for name in SOURCE_PACKAGES if (root / name).is_dir()]


def extract(sources: Iterable[Path]) -> Catalog:
    """A template (.pot) of every marked text in the .py files under `sources`."""
    template = Catalog(domain=DOMAIN, project="customs-newsbot", fuzzy=False)
    for source in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
            source, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
        ):
            location = (f"{source.name}/{filename}", lineno)
            template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format text; ValueError if its braces are unbalanced."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _forms(message: Message) -> list[str]:
    """The translation, one text per plural form ("" when untranslated)."""
    if isinstance(message.string, tuple | list):
        return [form or "" for form in message.string]
    return [message.string or ""]


def message_problems(lang: str, message: Message) -> Iterator[str]:
    """What is wrong with one entry of `lang`'s catalog (nothing for a good one)."""
    ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
    shown = f"{lang}: {ids[0]!r}"
    try:
        expected = placeholders(ids[-1])
    except ValueError as exc:
        yield f"{shown}: the msgid is not a valid format string ({exc})"
        return
    forms = [form for form in _forms(message) if form]
    if lang != DEFAULT_LANGUAGE:
        if message.fuzzy:
            yield f"{shown}: the translation is marked fuzzy"
        if len(forms) < len(_forms(message)) or not forms:
            yield f"{shown}: no translation"
    for form in forms:
        try:
            found = placeholders(form)
        except ValueError as exc:
            yield f"{shown}: the translation is not a valid format string ({exc})"
            continue
        if found != expected:
            yield (f"{shown}: the translation's placeholders {sorted(found)} differ from the "
                   f"msgid's {sorted(expected)}")


def catalog_problems(
    catalogs: dict[str, Catalog], required: Iterable[MsgId] = ()
) -> list[str]:
    """Every problem of every catalog: bad entries, and msgids some catalog lacks.

    A msgid must be in all catalogs when it is in any of them or in `required` (the code's).
    """
    wanted: dict[MsgId, None] = dict.fromkeys(required)
    for catalog in catalogs.values():
        wanted.update((msgid_of(m), None) for m in catalog if m.id)
    problems: list[str] = []
    for lang, catalog in catalogs.items():
        for msgid in wanted:
            message = catalog.get(msgid)
            if message is None:
                first = msgid[0] if isinstance(msgid, tuple) else msgid
                problems.append(f"{lang}: {first!r} is missing from the catalog")
            else:
                problems.extend(message_problems(lang, message))
    return problems


def duplicate_problems(lang: str, files: dict[str, Catalog]) -> list[str]:
    """Msgids that two .po files of one language translate differently (the loader would take
    the first file's; which one is meant is for a person to decide)."""
    seen: dict[MsgId, tuple[str, list[str]]] = {}
    problems: list[str] = []
    for name, catalog in files.items():
        for message in catalog:
            if not message.id:
                continue
            msgid, forms = msgid_of(message), _forms(message)
            if msgid not in seen:
                seen[msgid] = (name, forms)
            elif seen[msgid][1] != forms:
                first = msgid[0] if isinstance(msgid, tuple) else msgid
                problems.append(f"{lang}: {first!r} is translated differently in "
                                f"{seen[msgid][0]} and {name}")
    return problems


def add_missing(
    catalog: Catalog, template: Catalog, known: Catalog | None = None
) -> list[MsgId]:
    """Adds the template's msgids that `catalog` (and `known`, the language's other files
    merged, when given) lacks, untranslated; keeps everything else."""
    added: list[MsgId] = []
    for message in template:
        if message.id and message.id not in catalog and (
            known is None or message.id not in known
        ):
            empty = "" if isinstance(message.id, str) else ("",) * catalog.num_plurals
            catalog.add(message.id, empty,
                        message.locations, auto_comments=message.auto_comments)
            added.append(msgid_of(message))
    return added
