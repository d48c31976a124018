"""Search: query syntax, per-language normalisation, index maintenance, snippets, quality."""

from __future__ import annotations

import io
import json
from array import array
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.search.frozen as frozen_file
import bot.search.index
import bot.search.tokens
from bot.models import Item, Span
from bot.search import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    NOTHING_TO_SEARCH,
    SEARCH_HELP,
    ParsedQuery,
    SearchIndex,
    parse_query,
)
from bot.search.index import K1, TITLE_REPEAT, B
from bot.search.keys import STOP_WORDS, doc_key, query_keys
from bot.text import detect_language, normalize_token, stem_az, strip_html, words
from bot.text import fold_case as normalise

FIXTURES = Path(__file__).parents[1] / "fixtures"


def load_jsonl(name: str) -> list[dict]:
    with (FIXTURES / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def fixture_item(doc: dict) -> Item:
    published = datetime.fromisoformat(doc["published"])
    return Item(
        id=doc["id"], feed_id="dev", url=doc["url"], title=doc["title"], body=doc["body"],
        published=published.astimezone(UTC), language=doc["language"],
        topics=list(doc["topics"]),
        tz_offset_minutes=int(published.utcoffset().total_seconds() // 60),
    )


def make_item(item_id: str, title: str, body: str = "", *, lang: str = "en",
              days: int = 0, topics: list[str] | None = None) -> Item:
    return Item(id=item_id, feed_id="t", url=f"https://example.invalid/{item_id}", title=title,
                body=body, published=datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(days=days),
                language=lang, topics=topics or [])


@pytest.fixture(scope="module")
def releases() -> dict[str, Item]:
    return {d["id"]: fixture_item(d) for d in load_jsonl("releases.jsonl")}


@pytest.fixture(scope="module")
def index(releases: dict[str, Item]) -> SearchIndex:
    idx = SearchIndex(get_item=releases.get)
    idx.add_many(releases.values())
    return idx


def ids(result) -> list[str]:
    return [h.item_id for h in result.hits]


# ---- query syntax ------------------------------------------------------------------------


def test_parse_plain_words_phrase_exclusion():
    pq = parse_query('Customs  "Policy Commission" -Iran')
    assert pq.terms == ["customs"]
    assert pq.phrases == [["policy", "commission"]]
    assert pq.excluded == ["iran"]
    assert pq.error is None and pq.warnings == []


def test_parse_operators():
    pq = parse_query("mines topic:Demining lang:AZ since:2022-06-01 until:2023-01-31")
    assert pq.terms == ["mines"]
    assert pq.topics == ["demining"]
    assert pq.langs == ["az"]
    assert pq.since == date(2022, 6, 1) and pq.until == date(2023, 1, 31)


@pytest.mark.parametrize(("text", "since", "until"), [
    ("since:2022", date(2022, 1, 1), None),
    ("until:2022", None, date(2022, 12, 31)),
    ("since:2024-02", date(2024, 2, 1), None),
    ("until:2024-02", None, date(2024, 2, 29)),
    ("until:2023-12", None, date(2023, 12, 31)),
])
def test_parse_partial_dates(text, since, until):
    pq = parse_query(text)
    assert (pq.since, pq.until) == (since, until)
    assert pq.error is None


def test_parse_bad_operator_values_warn():
    pq = parse_query("mines since:yesterday lang:fr until:2023-13-40")
    assert pq.terms == ["mines"] and pq.since is None and pq.langs == [] and pq.until is None
    assert len(pq.warnings) == 3


def test_parse_swapped_dates():
    pq = parse_query("trade since:2024 until:2020")
    assert pq.since == date(2020, 12, 31) and pq.until == date(2024, 1, 1)
    assert pq.warnings


def test_unknown_operator_is_words():
    assert parse_query("http://x.org").terms == ["http", "x", "org"]
    assert parse_query("12:30").terms == ["12", "30"]


def test_unterminated_quote_and_curly_quotes():
    assert parse_query('"policy commission').phrases == [["policy", "commission"]]
    assert parse_query("“Policy Commission”").phrases == [["policy", "commission"]]
    assert parse_query("«Красный мост»").phrases == [["красный", "мост"]]


def test_stop_words_dropped_unless_alone():
    assert parse_query("fines for late declarations").terms == ["fines", "late", "declarations"]
    assert parse_query("the").terms == ["the"]


@pytest.mark.parametrize("text", ["", "   ", "-mines", '""', "!!! ... ???", "\x00\x01\x02",
                                  "-topic:demining"])
def test_nothing_usable(text, index):
    pq = parse_query(text)
    assert pq.error == NOTHING_TO_SEARCH
    result = index.search(text)
    assert result.error == NOTHING_TO_SEARCH and result.hits == [] and result.total == 0


def test_filters_alone_are_usable(index, releases):
    result = index.search("topic:demining", limit=100)
    assert result.error is None
    assert set(ids(result)) == {i for i, it in releases.items() if "demining" in it.topics}
    dates = [releases[i].published for i in ids(result)]
    assert dates == sorted(dates, reverse=True)  # no words: newest first


def test_query_caps():
    long = "customs " * 2000  # 16k characters
    pq = parse_query(long)
    assert any(str(MAX_QUERY_CHARS) in w for w in pq.warnings)
    many = " ".join(f"w{i}x" for i in range(40))
    pq = parse_query(many)
    assert len(pq.terms) == MAX_QUERY_TERMS
    assert any(str(MAX_QUERY_TERMS) in w for w in pq.warnings)


@pytest.mark.parametrize("text", [
    "a.*b", "[", "(?P<x>", "\\", "$^", "customs|mines", "+*?{}", "ÿ" * 10_000,
    "\x1b[31mred\x1b[0m", "mines\u202eenim", "🙂🙂 mines", "\ud800", "x" * 10_000,
    "topic:", "lang:", "since:", '-"', "-", ":", "::::", "a:b:c",
])
def test_odd_queries_never_raise(text, index):
    result = index.search(text)
    assert isinstance(result.query, ParsedQuery)
    assert result.error in (None, NOTHING_TO_SEARCH)


def test_regex_characters_are_characters():
    idx = SearchIndex()
    idx.add(make_item("r1", "Price list", "Costs rose by 5% (a.*b) in total"))
    idx.add(make_item("r2", "Other", "abababab"))
    assert ids(idx.search("a.*b")) == ["r1"]  # the words "a" and "b"; never a pattern
    assert ids(idx.search('"a b"')) == ["r1"]
    assert ids(idx.search("ab.*")) == []


def test_help_text_documents_syntax():
    for token in ('"', "-", "topic:", "lang:", "since:", "until:", "2022-06-01", "2022-06"):
        assert token in SEARCH_HELP
    assert "<" not in SEARCH_HELP and "*" not in SEARCH_HELP


# ---- normalisation -----------------------------------------------------------------------


def test_dotted_capital_i_casefolds_without_combining_dot():
    assert normalise("İSTANBUL") == "istanbul"
    assert "\u0307" not in normalise("İçəri Şəhər")
    assert words("İLHAM İlham") == ["ilham", "ilham"]
    # decomposed input (I + combining dot above) ends the same
    assert words("I\u0307lham") == ["ilham"]


def test_azerbaijani_letters_fold_for_matching():
    # dotless ı / I, ə and the other letters: typed with or without an az keyboard
    assert doc_key("qaçaqmalçılıq", "az") == doc_key(normalise("QAÇAQMALÇILIQ"), "az")
    assert doc_key("gömrük", "az") == doc_key("gomruk", "az")
    assert doc_key("təşkilatı", "az") == doc_key("teskilati", "az")
    assert doc_key(normalise("BAKI"), "az") == doc_key("bakı", "az")


def test_russian_yo():
    assert normalise("Ёлка ещё") == "елка еще"
    assert doc_key("ещё", "ru") == doc_key("еще", "ru")


def test_html_is_stripped():
    assert strip_html("<p>Tom &amp; Jerry</p><br/>x") .split() == ["Tom", "&", "Jerry", "x"]
    assert words(strip_html("<b>bold</b>&quot;quoted&quot;")) == ["bold", "quoted"]


@pytest.mark.parametrize(("forms", "stem"), [
    (["mina", "minalar", "minalardan", "minaların", "minalarla"], "mina"),
    (["gömrük", "gömrükdə", "gömrükdən", "gömrükün"], "gomruk"),
    (["təmizlənmə", "təmizlənməsi"], "temizlenme"),
    (["göndəriş", "göndərişlər", "göndərişləri", "göndərişlərinin", "göndərişlərlə"], "gonderis"),
    (["təşkilat", "təşkilatı", "təşkilatının"], "teskilat"),
    (["Özbəkistan", "Özbəkistanın", "Özbəkistanla", "Özbəkistandan"], "ozbekista"),
    (["mina", "minanın", "minaya"], "mina"),
    (["Bakı", "Bakıda", "Bakıdan"], "bak"),
    (["komitə", "komitənin", "komitəsi", "komitəsinin"], "komite"),
])
def test_azerbaijani_suffix_stripper(forms, stem):
    assert {stem_az(normalize_token(f)) for f in forms} == {stem}


def test_azerbaijani_stripper_keeps_short_stems():
    assert stem_az("ev") == "ev"
    assert stem_az("ana") == "ana"
    assert len(stem_az("inin")) >= 3


def test_query_keys_by_script():
    assert len(query_keys("разминирование")) == 1
    assert set(query_keys("mines")) >= {doc_key("mines", "en"), doc_key("mines", "az")}
    assert query_keys("2023") == ("2023",)


def test_inflected_forms_find_releases(index):
    assert {"dev-005", "dev-047"} <= set(ids(index.search("разминирование", limit=10)))
    found = ids(index.search("mina", limit=10))
    assert {"dev-003", "dev-045"} <= set(found)  # "minalarla", "Minalardan"
    assert "dev-013" in ids(index.search("parcel", limit=10))  # "parcels"


# ---- the index ---------------------------------------------------------------------------


def test_update_replaces():
    idx = SearchIndex()
    idx.add(make_item("a", "Heroin seized", "old text about tobacco"))
    idx.add(make_item("a", "Heroin seized at port", "new text about cocaine"))
    assert len(idx) == 1
    assert ids(idx.search("heroin")) == ["a"]
    assert ids(idx.search("cocaine")) == ["a"]
    assert ids(idx.search("tobacco")) == []
    idx.add_many([make_item("a", "Third", "wine"), make_item("a", "Fourth", "beer")])
    assert len(idx) == 1 and ids(idx.search("beer")) == ["a"] and ids(idx.search("wine")) == []


def test_remove():
    idx = SearchIndex()
    idx.add_many([make_item("a", "Heroin seized"), make_item("b", "Heroin found")])
    idx.remove("a")
    idx.remove("missing")  # harmless
    assert len(idx) == 1
    assert ids(idx.search("heroin")) == ["b"]
    assert ids(idx.search("seized")) == []
    idx.remove("b")
    assert idx.search("heroin").total == 0


def test_paging():
    idx = SearchIndex()
    idx.add_many(make_item(f"i{n}", "Customs news", f"story {n}", days=n) for n in range(12))
    first = idx.search("customs", limit=5)
    second = idx.search("customs", limit=5, offset=5)
    third = idx.search("customs", limit=5, offset=10)
    assert first.total == second.total == 12
    assert len(third.hits) == 2
    seen = ids(first) + ids(second) + ids(third)
    assert len(set(seen)) == 12
    assert idx.search("customs", limit=5, offset=50).hits == []


def test_recency_breaks_ties():
    idx = SearchIndex()
    idx.add_many([make_item("old", "Customs news", "same words", days=0),
                  make_item("new", "Customs news", "same words", days=30),
                  make_item("mid", "Customs news", "same words", days=10)])
    assert ids(idx.search("customs")) == ["new", "mid", "old"]


def test_title_outranks_body():
    idx = SearchIndex()
    idx.add_many([
        make_item("body", "Annual report", "The report mentions cigarettes among other goods "
                  "seized at several posts during the year.", days=10),
        make_item("title", "Cigarettes seized", "Officers found goods at a post during checks "
                  "of a lorry this week.", days=0),
    ])
    assert ids(idx.search("cigarettes")) == ["title", "body"]


def test_and_then_most_words_fallback(index):
    result = index.search("heroin zzyzx")
    assert result.total > 0 and "dev-002" in ids(result)
    assert any("1 of them" in w for w in result.query.warnings)
    assert index.search("qqqq zzyzx").total == 0


def test_phrase_requires_adjacency():
    idx = SearchIndex()
    idx.add_many([make_item("p", "x", "the Policy Commission met"),
                  make_item("q", "x", "policy of the commission")])
    assert ids(idx.search('"policy commission"')) == ["p"]
    assert set(ids(idx.search("policy commission"))) == {"p", "q"}
    assert ids(idx.search('commission -"policy commission"')) == ["q"]


def test_phrase_does_not_span_title_and_body():
    idx = SearchIndex()
    idx.add(make_item("t", "Talks on policy", "Commission members met"))
    assert idx.search('"policy commission"').total == 0


def test_filters(index, releases):
    assert ids(index.search("меморандум lang:ru", limit=10)) == ["dev-047"]
    assert ids(index.search("memorandum lang:az", limit=10)) == ["dev-045"]
    result = index.search("customs since:2025-01-01 until:2025-12-31", limit=100)
    assert result.total > 0
    assert all(releases[i].published.year == 2025 for i in ids(result))
    assert index.search("mines topic:nosuchtopic").total == 0
    no_demining = index.search("mines -topic:demining", limit=100)
    assert all("demining" not in releases[i].topics for i in ids(no_demining))


def test_dates_use_the_source_offset():
    # 23:30 local (+04:00) on 31 December is 19:30 UTC the same day; 00:30 local on 1 Jan
    # is 20:30 UTC on 31 December: it belongs to the new year for a reader in Baku
    idx = SearchIndex()
    item = make_item("ny", "New year parcels")
    item.published = datetime(2023, 12, 31, 20, 30, tzinfo=UTC)
    item.tz_offset_minutes = 240
    idx.add(item)
    assert ids(idx.search("parcels since:2024-01-01")) == ["ny"]
    assert ids(idx.search("parcels until:2023")) == []


def test_language_guess_when_missing():
    idx = SearchIndex()
    idx.add(make_item("az", "Gömrük postunda minalardan təmizlənmə", lang=""))
    assert ids(idx.search("mina")) == ["az"]
    assert ids(idx.search("lang:az")) == ["az"]


def test_html_in_body_is_searchable_text():
    idx = SearchIndex()
    idx.add(make_item("h", "Forum", "<p>Caspian Transport &amp; Logistics</p><script>x</script>"))
    assert ids(idx.search("logistics")) == ["h"]
    assert ids(idx.search("amp")) == []
    assert ids(idx.search("p")) == []


# ---- snippets ----------------------------------------------------------------------------


def test_snippet_spans_mark_matches(index):
    hit = index.search("heroin").hits[0]
    assert all(isinstance(s, Span) for s in hit.snippet)
    assert all(s.style in ("plain", "mark") for s in hit.snippet)
    marked = [s.text for s in hit.snippet if s.style == "mark"]
    assert marked and all(m.lower() == "heroin" for m in marked)
    text = "".join(s.text for s in hit.snippet)
    assert len(text) <= 170


def test_snippet_cuts_on_word_boundaries(releases, index):
    item = releases["dev-003"]
    spans = index.snippet(item, parse_query("minalardan"), width=80)
    text = "".join(s.text for s in spans)
    body_words = set(words(item.body))
    assert text.startswith("…") or text.endswith("…")
    for w in words(text):
        assert w in body_words  # no word was cut in half
    assert any(s.style == "mark" and s.text in ("minalarla", "minalardan") for s in spans)


def test_snippet_keeps_markup_as_text():
    idx = SearchIndex(get_item=lambda _id: item)
    item = make_item("x", "A <b>bold</b> claim", "Officers say <b>bold</b> & more &lt;i&gt;")
    idx.add(item)
    spans = idx.search("bold").hits[0].snippet
    assert all(isinstance(s, Span) and s.url is None for s in spans)
    idx2 = SearchIndex()  # no get_item: the snippet comes from the title
    idx2.add(make_item("t", "Seizure of <b>heroin</b> & <i>hashish</i>", "body"))
    spans = idx2.search("heroin").hits[0].snippet
    text = "".join(s.text for s in spans)
    assert "<b>" not in text  # tags are stripped to plain text, never passed on as markup
    assert [s.text for s in spans if s.style == "mark"] == ["heroin"]
    assert "&" in text


def test_snippet_without_body_match_shows_start():
    idx = SearchIndex()
    item = make_item("s", "Heroin seized", "Officers at the border post found a package.")
    idx.add(item)
    spans = idx.snippet(item, parse_query("heroin"))
    assert "".join(s.text for s in spans).startswith("Officers")


def test_snippet_store_failure_falls_back_to_title():
    def broken(_id: str) -> Item | None:
        raise OSError("store gone")

    idx = SearchIndex(get_item=broken)
    idx.add(make_item("s", "Heroin seized", "body"))
    spans = idx.search("heroin").hits[0].snippet
    assert [s.text for s in spans if s.style == "mark"] == ["Heroin"]


# ---- building the index (numpy) ---------------------------------------------------------
#
# The build finds words in UTF-8 bytes with numpy; the query side uses `words()`. These tests
# hold the two to the same tokens, and the postings to the straightforward per-word reckoning.

AWKWARD = [
    ("en", "Customs\xa0Committee — «5\xa0000 parcels» №12", "Heat: 10°C; under_score x_1 "
     "CAPS Mixed İstanbul ünïcödé café\u0301 e\u0301 ﬁne K ß ΟΔΟΣ ὈΔΥΣΣΕΎΣ"),
    ("az", "İdarə rəisi Ömər Şükürov və gömrükçülər", "İİİ ıIi Əə ĞğÇçŞş — 2023-cü ildə "
     "1\xa0234,5 manat; «Azərbaycan» № 7 q\u0307 I\u0307"),
    ("ru", "Ёлка: таможня ЁЖ ёж", "Разминирование — 10\xa0000 кв.м. «Қазақ» Ünal Й й "
     "и\u0306 ё е\u0308"),
    ("en", "Emoji 👨‍👩‍👧 and 🇦🇿 flags", "math 𝐀𝐁𝐂 𝕳𝖊𝖑𝖑𝖔, full-width ＡＢＣ１２３, "
     "superscript x² ½, Arabic مرحبا, Chinese 海关, zero\u200bwidth, tab\there\nline"),
    ("en", "Long " + "a" * 70 + " words", "x" * 65 + " " + "ы" * 40 + " " + "ə" * 100
     + " " + "b" * 80 + "\xa0" + "c" * 80 + " " + "ш" * 500 + "«" + "d" * 9
     + " " + "q" * 80 + "x " + "q" * 80 + "y"),
    ("en", "<b>Tags</b> &amp; entities &#1025;&nbsp;&eacute;", "<p>Body&nbsp;text</p>"
     "<a href='x'>link</a> a&lt;b\x00nul"),
    ("", "Language guessed: ətraflı", "no language given, az letters ğ ı"),
    ("en", "", ""),
    ("en", "—", "« » … ‹ › – — ° № _ __ ."),
    # the lower case of Σ depends on the letters around it, across punctuation too
    ("en", "ΟΔΟΣ ΑΣ.Β A'Σ Σ'A ΑΣ' σΣς", "a\u037eb (NFC: a;b) x\u1fefy <\u0338z =\u0338 "
     ">\u0338\u0301w KİTAB McDONALD'S lone \ud800 surrogate\udfff"),
    ("ru", "ЁЛКА", "ΣΑΣ İ\u0300Σ"),
]


def awkward_items() -> list[Item]:
    return [make_item(f"w{n}", title, body, lang=lang, days=n)
            for n, (lang, title, body) in enumerate(AWKWARD)]


def stored_keys(idx: SearchIndex, item_id: str) -> list[str]:
    """A release's stored token sequence, decoded through the vocabulary."""
    key_of = {tid: key for key, tid in idx._vocab.items()}
    return [key_of[tid] for tid in array("I", idx._tokens[idx._slot[item_id]])]


def expected_keys(item: Item) -> list[str]:
    """doc_key of words() of the cleaned title, the separator (""), then the body's."""
    title, body = strip_html(item.title), strip_html(item.body)
    lang = item.language or detect_language(title + body)
    mode = "az" if lang == "az" else "en"
    return ([doc_key(w, mode) for w in words(title)] + [""]
            + [doc_key(w, mode) for w in words(body)])


def test_stored_tokens_are_the_words_of_the_text():
    items = awkward_items()
    together, one_by_one = SearchIndex(), SearchIndex()
    together.add_many(items)
    for item in items:
        one_by_one.add(item)
    for item in items:
        assert stored_keys(together, item.id) == expected_keys(item), item.id
        assert stored_keys(one_by_one, item.id) == expected_keys(item), item.id
    # the words really are in the index, and found by the query side
    assert sorted(ids(together.search("ёлка"))) == ["w10", "w2"]
    assert ids(together.search("под_черк under")) == ["w0"]
    assert ids(together.search('"5 000 parcels"')) == ["w0"]
    assert ids(together.search("ə" * 100)) == ["w4"]
    assert ids(together.search("c" * 80)) == ["w4"]
    assert ids(together.search("q" * 80 + "y")) == ["w4"]
    assert ids(together.search("ЁЖ")) == ["w2"]


def test_tokens_stay_exact_across_chunks_and_replacements(monkeypatch):
    monkeypatch.setattr(bot.search.index, "_CHUNK", 3)
    monkeypatch.setattr(bot.search.tokens, "_MEMO_MAX", 40)  # the known tokens are forgotten often
    items = awkward_items()
    idx = SearchIndex()
    # the same id twice in one chunk (the last wins), and again in a later chunk (replaced)
    idx.add_many([make_item("w0", "first", "version"), *items[:5],
                  make_item("w1", "stale", "text"), *items[5:], items[1]])
    assert len(idx) == len(items)
    for item in items:
        assert stored_keys(idx, item.id) == expected_keys(item), item.id
    assert ids(idx.search("stale")) == [] and ids(idx.search("version")) == []


def test_token_table_probes_past_collisions_and_grows():
    table = bot.search.tokens._TokenTable()
    # hashes crowding into the last slots, so probing wraps around to the first
    crowded = np.array([(0xFFFF << 48) | n for n in range(1, 3000)], np.uint64)
    spread = np.random.default_rng(1).integers(1, 2**64 - 1, 40_000, np.uint64, endpoint=True)
    for batch in (crowded[:1000], spread[:20_000], crowded[1000:], spread[20_000:]):
        values, missing = table.lookup(batch)
        assert sorted(missing.tolist()) == list(range(batch.size))
        table.insert(batch, (batch % 1_000_003).astype(np.uint32))
    every = np.concatenate((crowded, spread, np.array([7, 2**63], np.uint64)))
    values, missing = table.lookup(every)
    assert sorted(missing.tolist()) == [every.size - 2, every.size - 1]
    assert (values[:-2] == every[:-2] % 1_000_003).all()
    assert table.keys.size >= 4 * table.size == 4 * (crowded.size + spread.size)


TRICKY = ["İ", "ı", "I", "ё", "Ё", "\xa0", "—", "«", "»", "№", "°", "_", "-", ".", " ", "\n",
          "\u0307", "\u0301", "\u0308", "\u0338", "e", "E", "5", "Σ", "ς", "'", ":", "<", "=",
          "ß", "ﬁ", "K", "ǅ", "\u037e", "\u1fef", "😀", "𝐀", "a" * 9, "ы" * 40, "x" * 70, "<b>",
          "&amp;", "&#304;", "\x00", "\u200b", "\ufeff", "\ud800", "²", "١"]
texts = st.one_of(st.text(max_size=80),
                  st.lists(st.sampled_from(TRICKY), max_size=30).map("".join),
                  st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=5)),
                           max_size=20).map("".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["en", "az", "ru", ""]), texts, texts),
                min_size=1, max_size=4))
def test_stored_tokens_are_the_words_of_any_text(releases):
    items = [make_item(f"r{n}", title, body, lang=lang)
             for n, (lang, title, body) in enumerate(releases)]
    idx = SearchIndex()
    idx.add_many(items)
    for item in items:
        assert stored_keys(idx, item.id) == expected_keys(item)


def reference_postings(items: list[Item]) -> dict[str, list[tuple[int, int]]]:
    """key -> [(slot, impact)] for `items` indexed in one chunk into an empty index, counted
    word by word (no numpy): the textbook form of what the index stores."""
    rows = []
    for item in items:
        title, body = strip_html(item.title), strip_html(item.body)
        mode = "az" if item.language == "az" else "en"
        title_keys = [doc_key(w, mode) for w in words(title)]
        body_keys = [doc_key(w, mode) for w in words(body)]
        rows.append((item, title_keys, body_keys,
                     len(body_keys) + TITLE_REPEAT * len(title_keys)))
    avg = max(sum(length for *_, length in rows) / len(rows), 1.0)
    stop = {doc_key(w, lang) for w in STOP_WORDS for lang in ("en", "az")}
    postings: dict[str, list[tuple[int, int]]] = {}
    for slot, (item, title_keys, body_keys, length) in enumerate(rows):
        tf = Counter(body_keys) + Counter({k: TITLE_REPEAT * n
                                           for k, n in Counter(title_keys).items()})
        norm = K1 * (1.0 - B + B * length / avg)
        for key, n in tf.items():
            if key not in stop:
                impact = 1 + int(254.0 * n / (norm + n)) if n < 32 else 255
                postings.setdefault(key, []).append((slot, impact))
        for key in ["\x00lang:" + item.language, *("\x00topic:" + t for t in item.topics)]:
            postings.setdefault(key, []).append((slot, 0))
    return postings


def test_postings_and_impacts_match_a_word_by_word_count(releases):
    items = list(releases.values()) + [
        make_item(f"x{n}", "Heroin heroin", "heroin " * n + "seized", topics=["drugs"])
        for n in (1, 5, 30, 31, 32, 40)]
    idx = SearchIndex()
    idx.add_many(items)
    expected = reference_postings(items)
    got = {key: list(zip(*idx._postings.get(tid), strict=True))
           for key, tid in idx._vocab.items() if idx._postings.df(tid)}
    assert got == expected


def test_adding_one_by_one_or_all_at_once_scores_the_same():
    # impacts use the average length at indexing time, so every release has the same
    # length here (2 title words, 6 body words): then the two builds must agree exactly
    words_ = ["customs", "heroin", "parcel", "border", "post", "seized", "tobacco", "cars",
              "gömrük", "minalar", "таможня", "«груз»", "10\xa0", "№5", "x_"]
    items = []
    for n in range(60):
        pick = [words_[(n * k + k) % len(words_)] for k in range(1, 9)]
        lang = ("en", "az", "ru")[n % 3]
        items.append(make_item(f"i{n}", " ".join(pick[:2]), " ".join(pick[2:]), lang=lang,
                               days=n, topics=["t1"] if n % 2 else []))
    items.append(make_item("i3", "customs heroin", "border post seized tobacco cars груз",
                           days=3))
    all_at_once, one_by_one = SearchIndex(), SearchIndex()
    all_at_once.add_many(items)
    for item in items:
        one_by_one.add(item)
    for query in ["customs", "heroin border", "gömrük", "таможня груз", '"border post"',
                  "customs -heroin", "parcel topic:t1", "cars lang:ru", "10", "x", "xyz cars"]:
        a, b = all_at_once.search(query, limit=100), one_by_one.search(query, limit=100)
        assert [(h.item_id, h.score) for h in a.hits] == [(h.item_id, h.score) for h in b.hits]
        assert a.total == b.total


def test_a_loaded_snapshot_keeps_indexing_exactly(releases):
    first = list(releases.values())
    saved = SearchIndex()
    saved.add_many(first[:40])
    # an index with its own vocabulary (and memo of it) loads the snapshot
    other = SearchIndex()
    other.add_many(first[40:] + awkward_items())
    snapshot = io.BytesIO()
    saved.write_snapshot(snapshot, {"seq": 1})
    snapshot.seek(0)
    assert other.load_snapshot(snapshot) == {"seq": 1}
    later = first[40:] + awkward_items()
    other.add_many(later)
    saved.add_many(later)
    for item in later:
        assert stored_keys(other, item.id) == expected_keys(item), item.id
    for query in ["customs", "mina", "разминирование", "heroin topic:drugs"]:
        assert ([(h.item_id, h.score) for h in other.search(query, limit=50).hits]
                == [(h.item_id, h.score) for h in saved.search(query, limit=50).hits])


def test_a_loaded_index_changed_then_saved_again_answers_the_same(tmp_path: Path, releases):
    """Restart, a release corrected and one new, a stop, a restart: the file-backed index
    gives the answers the changed one gave (the corrected text only, never the old one)."""
    items = list(releases.values())
    built = SearchIndex()
    built.add_many(items[:60])
    path = tmp_path / "snapshot"
    with path.open("wb") as fh:
        built.write_snapshot(fh, {"seq": 60})
    running = SearchIndex()
    with path.open("rb") as fh:
        assert running.load_snapshot(fh) == {"seq": 60}
    corrected = make_item(items[3].id, "Parcels of tobacco", "Smuggled tobacco parcels.")
    running.add(corrected)
    running.add_many(items[60:])
    running.remove(items[5].id)
    assert items[5].id not in running and len(running) == len(items) - 1
    queries = ["customs", "tobacco parcels", "mina", "heroin topic:drugs", '"customs post"',
               "разминирование", "gömrük -mina", items[3].title, items[5].title]
    before = {q: [(h.item_id, h.score) for h in running.search(q, limit=20).hits]
              for q in queries}
    assert all(items[5].id not in [i for i, _ in hits] for hits in before.values())
    assert before[items[3].title] == [] or before[items[3].title][0][0] != items[3].id
    again = tmp_path / "snapshot-2"
    with again.open("wb") as fh:
        running.write_snapshot(fh, {"seq": 61})
    restarted = SearchIndex()
    with again.open("rb") as fh:
        assert restarted.load_snapshot(fh) == {"seq": 61}
    for query in queries:
        assert [(h.item_id, h.score) for h in restarted.search(query, limit=20).hits] \
            == before[query], query
    assert restarted.search("tobacco parcels").hits[0].item_id == corrected.id


def test_a_snapshot_missing_a_part_is_refused_and_changes_nothing(releases):
    items = list(releases.values())
    index = SearchIndex()
    index.add_many(items[:10])
    before = [(h.item_id, h.score) for h in index.search("customs", limit=10).hits]
    other = SearchIndex()
    other.add_many(items[10:])
    whole = io.BytesIO()
    other.write_snapshot(whole, {"seq": 1})
    # the same header without its token sequences: written by no version of this code
    whole.seek(0)
    header, arrays = frozen_file.load(whole)  # type: ignore[misc]
    partial = io.BytesIO()
    frozen_file.write(partial, {k: v for k, v in header.items() if k != "arrays"},
                      {k: np.frombuffer(v, np.uint8) for k, v in arrays.items()
                       if k != "tokens"})
    partial.seek(0)
    assert index.load_snapshot(partial) is None
    assert [(h.item_id, h.score) for h in index.search("customs", limit=10).hits] == before
    assert len(index) == 10


# ---- quality -----------------------------------------------------------------------------


def test_fixture_queries_success_at_3(index):
    queries = load_jsonl("queries.jsonl")
    hits = 0
    misses = []
    for q in queries:
        found = ids(index.search(q["query"], limit=3))
        if any(i in q["relevant"] for i in found):
            hits += 1
        else:
            misses.append((q["query"], found))
    assert hits / len(queries) >= 0.9, misses
