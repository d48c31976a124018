"""bot.i18n: complete catalogs, the chat's language, dates and topic names in it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.classify.taxonomy import DEFAULT_TOPICS
from bot.i18n import (
    LANGUAGES,
    format_date,
    format_datetime,
    load_catalog,
    ntr,
    pick_language,
    preload,
    topic_description,
    topic_name,
    tr,
    translator,
)
from bot.i18n.__main__ import main as i18n_main
from bot.i18n.catalogs import catalog_file, catalog_files, compile_catalog, load_catalog_files
from bot.i18n.check import (
    MsgId,
    catalog_problems,
    default_sources,
    extract,
    msgid_of,
    placeholders,
)
from bot.models import Topic

BAKU = ZoneInfo("Asia/Baku")
WATCHING = (
    "Watching {words}: new releases containing it arrive here, whatever their topics.",
    "Watching {words}: new releases containing any of them arrive here, whatever their topics.",
)


# ---- the shipped catalogs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {lang: load_catalog(lang) for lang in LANGUAGES}


@pytest.fixture(scope="module")
def used_in_code() -> list[MsgId]:
    return [msgid_of(m) for m in extract(default_sources()) if m.id]


def test_the_bot_speaks_azerbaijani_russian_and_english() -> None:
    assert set(LANGUAGES) == {"az", "ru", "en"}


@pytest.mark.parametrize("lang", ["az", "ru"])
def test_every_msgid_has_a_translation_with_the_same_placeholders(
    catalogs: dict[str, Catalog], used_in_code: list[MsgId], lang: str
) -> None:
    """Any msgid of any catalog or of the code: present, translated, not fuzzy, same {names}."""
    problems = [p for p in catalog_problems(catalogs, used_in_code) if p.startswith(lang + ":")]
    assert problems == []


def test_the_english_catalog_lists_every_msgid_and_its_placeholders_are_sound(
    catalogs: dict[str, Catalog], used_in_code: list[MsgId]
) -> None:
    problems = [p for p in catalog_problems(catalogs, used_in_code) if p.startswith("en:")]
    assert problems == []
    assert len([m for m in catalogs["en"] if m.id]) >= 100  # the first set of UI strings


def test_preload_reads_every_catalog_and_counts_its_translations(
    catalogs: dict[str, Catalog]
) -> None:
    counts = preload()
    entries = len([m for m in catalogs["en"] if m.id])
    assert counts == {"en": 0, "az": entries, "ru": entries}  # English is the msgids


def test_the_check_reports_each_kind_of_bad_entry() -> None:
    """What the test above relies on: each defect of a catalog is found."""
    po = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : 2);\\n"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "Нечёткий"\n\n'
        'msgid "Hello {name}"\nmsgstr "Привет {имя}"\n\n'
        'msgid "Bad {brace"\nmsgstr "Плохо"\n\n'
        'msgid "{n} day"\nmsgid_plural "{n} days"\nmsgstr[0] "{n} день"\nmsgstr[1] ""\n'
        'msgstr[2] "дней"\n\n'
        'msgid "Fine {name}"\nmsgstr "Хорошо {name}"\n'
    )
    ru = read_po(io.StringIO(po), locale="ru")
    en = Catalog(locale="en")
    en.add("Fine {name}")
    problems = catalog_problems({"ru": ru, "en": en}, required=["Only in the code"])
    text = "\n".join(problems)
    assert "ru: 'Empty': no translation" in text
    assert "ru: 'Fuzzy': the translation is marked fuzzy" in text
    assert "ru: 'Hello {name}': the translation's placeholders ['имя']" in text
    assert "ru: 'Bad {brace': the msgid is not a valid format string" in text
    assert "ru: '{n} day': no translation" in text  # one of the three forms is empty
    assert "ru: '{n} day': the translation's placeholders [] differ" in text  # "дней"
    assert "ru: 'Only in the code' is missing from the catalog" in text
    assert "en: 'Hello {name}' is missing from the catalog" in text
    assert not any("'Fine {name}'" in p for p in problems)


def test_placeholders_are_the_named_fields_of_a_format_string() -> None:
    assert placeholders("{a} and {b}, {{literal}} {a}") == {"a", "b"}
    with pytest.raises(ValueError):
        placeholders("{unclosed")


# ---- translating ---------------------------------------------------------------------------


def test_a_text_reads_in_the_chats_language_with_its_placeholders_filled() -> None:
    msgid = "Subscribed to {topics}."
    assert tr("en", msgid, topics="Demining") == "Subscribed to Demining."
    assert tr("az", msgid, topics="Təlim") == "Siz bu mövzulara abunə oldunuz: Təlim."
    assert tr("ru", msgid, topics="Разминирование") == "Вы подписались на темы: Разминирование."
    assert translator("ru").gettext("Read the release") == "Читать пресс-релиз"
    assert translator("az").gettext("Read the release") == "Press-relizi oxuyun"


def test_an_unknown_language_or_text_reads_in_english() -> None:
    assert tr("de", "Read the release") == "Read the release"
    assert tr(None, "Read the release") == "Read the release"
    assert tr("ru-RU", "Read the release") == "Читать пресс-релиз"
    assert tr("ru", "A text no catalog has, {x}", x=1) == "A text no catalog has, 1"
    assert tr("ru", "") == ""  # not the catalog's header


def test_plural_forms_follow_each_languages_rules() -> None:
    one, many = WATCHING
    assert ntr("ru", one, many, 1, words="a").startswith("Отслеживается: a.")
    for n in (2, 5, 11):
        assert ntr("ru", one, many, n, words="a, b").startswith("Отслеживаются: a, b.")
    assert "Bu söz keçən" in ntr("az", one, many, 1, words="a")
    assert "hər hansı biri" in ntr("az", one, many, 3, words="a")
    assert ntr("en", one, many, 1, words="a") == one.format(words="a")
    assert ntr("xx", one, many, 2, words="a") == many.format(words="a")
    assert translator("ru").ngettext(one, many, 21).startswith("Отслеживается")


def test_fuzzy_and_empty_translations_read_as_english() -> None:
    po = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\nmsgid "Hello"\nmsgstr "Привет"\n\n'
        'msgid "Bye"\nmsgstr ""\n\n'
        'msgid "Yes"\nmsgstr "Да"\n'
    )
    compiled = compile_catalog(read_po(io.StringIO(po), locale="ru"))
    assert [compiled.gettext(m) for m in ("Hello", "Bye", "Yes")] == ["Hello", "Bye", "Да"]


# ---- the chat's language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "lang"),
    [("ru-RU", "ru"), ("az", "az"), ("de", "en"), ("en-GB", "en"), ("ru", "ru"),
     ("AZ_az", "az"), ("az-Latn-AZ", "az"), ("uk", "en"), ("rue", "en"), ("", "en"),
     (None, "en")],
)
def test_pick_language(code: str | None, lang: str) -> None:
    assert pick_language(code) == lang


# ---- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "day", "moment"),
    [("en", "22 June 2022", "22 June 2022, 14:05"),
     ("az", "22 iyun 2022", "22 iyun 2022, 14:05"),
     ("ru", "22 июня 2022", "22 июня 2022, 14:05")],
)
def test_dates_are_written_in_the_chats_language(lang: str, day: str, moment: str) -> None:
    published = datetime(2022, 6, 22, 10, 5, tzinfo=UTC)
    assert format_date(published, lang, BAKU) == day
    assert format_date(date(2022, 6, 22), lang) == day
    assert format_datetime(published, lang, BAKU) == moment


def test_dates_are_those_of_the_chats_time_zone() -> None:
    late = datetime(2022, 6, 21, 22, 30, tzinfo=UTC)  # already the 22nd in Baku (UTC+4)
    assert format_date(late, "ru", BAKU) == "22 июня 2022"
    assert format_date(late, "ru", UTC) == "21 июня 2022"
    assert format_datetime(late, "az", BAKU) == "22 iyun 2022, 02:30"
    naive = datetime(2022, 6, 21, 22, 30)  # taken as UTC
    assert format_datetime(naive, "en") == "21 June 2022, 22:30"
    assert format_date(late, "de", BAKU) == "22 June 2022"


# ---- topics --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["az", "ru"])
def test_every_default_topic_has_its_name_and_description_translated(lang: str) -> None:
    for topic in DEFAULT_TOPICS:
        name, description = topic_name(topic, lang), topic_description(topic, lang)
        assert name and name != topic.name, topic.id
        assert description and description != topic.description, topic.id


def test_topic_names_read_in_the_chats_language() -> None:
    demining = next(t for t in DEFAULT_TOPICS if t.id == "demining")
    assert topic_name(demining, "az") == "Minatəmizləmə"
    assert topic_name(demining, "ru") == "Разминирование"
    assert topic_name(demining, "en") == demining.name
    assert topic_name(demining, "fr") == demining.name


def test_a_topic_from_the_config_keeps_its_own_words() -> None:
    own = Topic(id="auctions", name="Customs auctions", description="Sales of seized goods.")
    assert topic_name(own, "ru") == "Customs auctions"
    assert topic_description(own, "az") == "Sales of seized goods."
    renamed = Topic(id="demining", name="Mine action")  # a default id, the config's own name
    assert topic_name(renamed, "ru") == "Mine action"
    assert topic_description(renamed, "ru") == ""
    assert topic_name(Topic(id="bare", name=""), "ru") == "bare"


# ---- extraction and the check command --------------------------------------------------------


def _source(tmp_path: Path, code: str) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text(code, encoding="utf-8")
    return package


def test_check_fails_on_a_msgid_the_catalogs_lack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path, (
        "from bot.i18n import N_, ntr, tr\n"
        "SORRY = N_('Something went wrong on our side; the error was logged.')\n"
        "def reply(lang, n):\n"
        "    tr(lang, 'Subscribed to {topics}.', topics='x')\n"
        "    tr(lang, 'A brand new text')\n"
        "    return ntr(lang, 'one {n} thing', 'many {n} things', n)\n"
    ))
    assert i18n_main(["check", "--source", str(source)]) == 1
    out = capsys.readouterr().out
    assert "az: 'A brand new text' is missing from the catalog" in out
    assert "ru: 'one {n} thing' is missing from the catalog" in out
    assert "Subscribed to" not in out and "Something went wrong" not in out  # both known
    assert "4 msgids in the code" in out


def test_check_passes_when_the_code_uses_known_msgids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path, "from bot.i18n import tr\ntr('ru', 'Read the release')\n")
    assert i18n_main(["check", "--source", str(source)]) == 0
    assert "0 problems" in capsys.readouterr().out


def test_extract_writes_a_template_of_the_marked_texts(tmp_path: Path) -> None:
    source = _source(tmp_path, (
        "from bot.i18n import tr\n"
        "def f(lang, t):\n"
        "    # TRANSLATORS: {topic} is a topic's name\n"
        "    return tr(lang, 'Stopped following {topic}.', topic=t) + t.gettext('x')\n"
    ))
    pot = tmp_path / "newsbot.pot"
    assert i18n_main(["extract", "--source", str(source), "-o", str(pot)]) == 0
    template = read_po(pot.open("rb"))
    message = template.get("Stopped following {topic}.")
    assert message is not None
    assert message.auto_comments == ["{topic} is a topic's name"]
    assert {m.id for m in template if m.id} == {"Stopped following {topic}.", "x"}


def test_update_adds_the_codes_new_msgids_to_every_catalog_untranslated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locale = tmp_path / "locale"
    for lang in LANGUAGES:
        target = catalog_file(lang, locale)
        Path(str(target)).parent.mkdir(parents=True)
        Path(str(target)).write_bytes(catalog_file(lang).read_bytes())
    source = _source(tmp_path, (
        "from bot.i18n import ntr, tr\n"
        "tr('ru', 'Read the release')\n"
        "tr('ru', 'Language: {language}')\n"
        "ntr('ru', '{n} feed', '{n} feeds', 2)\n"
    ))
    args = ["--source", str(source), "--locale-dir", str(locale)]
    assert i18n_main(["update", *args]) == 0
    ru = load_catalog("ru", locale)
    assert ru["Language: {language}"].string == ""
    assert ru[("{n} feed", "{n} feeds")].string == ("", "", "")
    assert ru["Read the release"].string == "Читать пресс-релиз"  # kept
    assert ru["Demining"].string == "Разминирование"  # not in the code, kept all the same
    capsys.readouterr()
    assert i18n_main(["check", *args]) == 1  # now listed, still to translate
    assert "ru: 'Language: {language}': no translation" in capsys.readouterr().out


def test_a_translation_with_other_placeholders_reads_as_english(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The unit tests keep such entries out of the catalogs; a reply must not fail on one."""
    po = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Subscribed to {topics}."\nmsgstr "Вы подписались на {темы}."\n'
    )
    broken = compile_catalog(read_po(io.StringIO(po), locale="ru"))
    monkeypatch.setattr("bot.i18n.catalogs._compiled", lambda lang: broken)
    assert tr("ru", "Subscribed to {topics}.", topics="x") == "Subscribed to x."
    assert "bad_translation" in caplog.text


# ---- a language's catalog is every .po file of its folder ------------------------------------


def _po(entries: dict[str, str]) -> str:
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    return header + "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in entries.items())


def _locale_with(tmp_path: Path, files: dict[str, dict[str, dict[str, str]]]) -> Path:
    """A locale folder: {lang: {"platforms.po": {msgid: translation}}} for every language."""
    locale = tmp_path / "locale"
    for lang in LANGUAGES:
        folder = locale / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        for name, entries in files.get(lang, {}).items():
            (folder / name).write_text(_po(entries), encoding="utf-8")
    return locale


def test_a_languages_catalog_merges_every_po_file_of_its_folder(tmp_path: Path) -> None:
    locale = _locale_with(tmp_path, {"ru": {
        "newsbot.po": {"Hello": "Привет", "Shared": "Общий"},
        "platforms.po": {"More": "Ещё", "Shared": "Другой", "Later": ""},
        "delivery.po": {"Later": "Позже"},
        "notes.txt": {"Ignored": "Не читается"},
    }})
    ru = load_catalog("ru", locale)
    assert {m.id: m.string for m in ru if m.id} == {
        "Hello": "Привет", "Shared": "Общий", "More": "Ещё", "Later": "Позже"}
    compiled = compile_catalog(ru)
    assert compiled.gettext("More") == "Ещё" and compiled.gettext("Later") == "Позже"


def test_every_shipped_po_file_is_part_of_its_languages_catalog() -> None:
    names = {lang: {f.name for f in catalog_files(lang)} for lang in LANGUAGES}
    for lang in LANGUAGES:
        assert "newsbot.po" in names[lang]
        for name in names[lang]:
            entries = {msgid_of(m) for m in load_catalog_files(lang)[name] if m.id}
            assert entries <= {msgid_of(m) for m in load_catalog(lang) if m.id}, name


def test_check_reports_a_msgid_two_files_translate_differently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = {"newsbot.po": {"Hello": "X"}, "platforms.po": {"Hello": "X"}}
    locale = _locale_with(tmp_path, {
        "en": {"newsbot.po": {"Hello": ""}},
        "az": same,
        "ru": {"newsbot.po": {"Hello": "Привет"}, "platforms.po": {"Hello": "Здравствуйте"}},
    })
    source = _source(tmp_path, "from bot.i18n import tr\ntr('ru', 'Hello')\n")
    assert i18n_main(["check", "--source", str(source), "--locale-dir", str(locale)]) == 1
    out = capsys.readouterr().out
    assert "ru: 'Hello' is translated differently in newsbot.po and platforms.po" in out
    assert "az:" not in out and "1 problems" in out  # the same text twice is no problem


def test_update_into_a_file_adds_only_what_no_file_of_the_language_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"newsbot.po": {"Hello": "Привет"}}
    locale = _locale_with(tmp_path, {"ru": files, "az": {"newsbot.po": {"Hello": "Salam"}},
                                     "en": {"newsbot.po": {"Hello": ""}}})
    source = _source(tmp_path, "from bot.i18n import tr\ntr('ru', 'Hello')\ntr('ru', 'More')\n")
    args = ["--source", str(source), "--locale-dir", str(locale)]
    assert i18n_main(["update", "--into", "platforms", *args]) == 0
    assert "ru: 1 msgids added to platforms.po" in capsys.readouterr().out
    parts = load_catalog_files("ru", locale)
    assert [m.id for m in parts["platforms.po"] if m.id] == ["More"]
    assert [m.id for m in parts["newsbot.po"] if m.id] == ["Hello"]
    assert parts["platforms.po"].num_plurals == 3  # the language's header, plural rule included
    assert i18n_main(["update", "--into", "platforms", *args]) == 0
    assert "ru: 0 msgids added" in capsys.readouterr().out
