"""Behaviour of the topic classifier (bot.classify) and its default taxonomy.

The example releases here are written for these tests, not copied from the fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.classify import (
    DEFAULT_TOPICS,
    Classifier,
    TopicMatch,
    check_topic_terms,
    classify_json_lines,
    compile_term,
    detect_language,
    normalize_token,
)
from bot.config import topics_from_config
from bot.models import Topic

FIXTURES = Path(__file__).parents[1] / "fixtures" / "releases.jsonl"


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier()


def ids(matches: list[TopicMatch]) -> set[str]:
    return {m.topic_id for m in matches}


# ---- API shape ---------------------------------------------------------------------------


def test_default_taxonomy_ids_are_the_contract(clf: Classifier) -> None:
    expected = ["wco", "bilateral", "demining", "smuggling", "trade", "ecommerce", "training",
                "legislation", "transit"]
    assert [t.id for t in DEFAULT_TOPICS] == expected
    assert [t.id for t in clf.topics] == expected
    assert clf.topic("wco") is not None and clf.topic("wco").name
    assert clf.topic("nope") is None
    for topic in DEFAULT_TOPICS:
        assert set(topic.terms) <= {"en", "az", "ru", "*"}
        assert topic.description


def test_matches_sorted_by_score(clf: Classifier) -> None:
    matches = clf.classify(
        "Heroin seized in parcels ordered from an online store",
        "Postal customs officers found heroin in two parcels. The recipient was detained and a "
        "criminal case was opened for drug smuggling.",
        "en",
    )
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert ids(matches) == {"smuggling", "ecommerce"}


# ---- languages ---------------------------------------------------------------------------


def test_english_release(clf: Classifier) -> None:
    matches = clf.classify(
        "Customs revenue for nine months exceeds forecast",
        "In January-September the Committee transferred 4.9 billion manats of customs payments "
        "to the state budget. Imports grew by 7 per cent while exports fell slightly.",
        "en",
    )
    assert ids(matches) == {"trade"}


def test_azerbaijani_release_with_inflected_forms(clf: Classifier) -> None:
    matches = clf.classify(
        "Ümumdünya Gömrük Təşkilatının ekspertləri Bakıda seminar keçiriblər",
        "Dünya Gömrük Təşkilatının ekspertləri gömrük əməkdaşları üçün riskli yüklərin seçilməsi "
        "mövzusunda üç günlük seminar təşkil ediblər. Seminarın sonunda iştirakçılara "
        "sertifikatlar verilib.",
        "az",
    )
    assert ids(matches) == {"wco", "training"}


def test_azerbaijani_without_diacritics_still_matches(clf: Classifier) -> None:
    matches = clf.classify(
        "Dunya Gomruk Teskilatinin Siyaset Komissiyasinin iclasi kecirilib",
        "Komite sedri Dunya Gomruk Teskilatinin Siyaset Komissiyasinin iclasinda istirak edib.",
        "az",
    )
    assert "wco" in ids(matches)


def test_russian_release_with_declension(clf: Classifier) -> None:
    matches = clf.classify(
        "На таможенном посту изъяты наркотики",
        "Сотрудники таможни обнаружили в грузовике 30 килограммов гашиша. Водитель задержан, "
        "возбуждено уголовное дело о контрабанде наркотических средств.",
        "ru",
    )
    assert ids(matches) == {"smuggling"}


def test_russian_wco_abbreviation_and_long_name(clf: Classifier) -> None:
    matches = clf.classify(
        "Делегация комитета приняла участие в сессии Совета таможенного сотрудничества",
        "В Брюсселе прошла ежегодная сессия Всемирной таможенной организации (ВТамО).",
        "ru",
    )
    assert "wco" in ids(matches)


def test_language_is_detected_when_not_given(clf: Classifier) -> None:
    assert detect_language("Таможня сообщает") == "ru"
    assert detect_language("Gömrük Komitəsinin əməkdaşları") == "az"
    assert detect_language("Customs officers") == "en"
    matches = clf.classify("Обнаружена контрабанда оружия", "Изъяты пистолеты и патроны.")
    assert ids(matches) == {"smuggling"}
    assert clf.language_of("", "", "ru-RU") == "ru"
    assert clf.language_of("Таможня", "Сотрудники таможни сообщают о новых правилах", "en") == "ru"
    assert clf.language_of("Gomruk", "Gomruk komitesi", "az") == "az"  # same script: trusted


def test_normalisation_folds_case_and_diacritics() -> None:
    assert normalize_token("İSTİFADƏ") == normalize_token("istifadə") == "istifade"
    assert normalize_token("Qırğızıstan") == "qirgizistan"
    assert normalize_token("Всё") == "все"
    assert normalize_token("Türkiye") == "turkiye"


# ---- bilateral ---------------------------------------------------------------------------


def test_bilateral_meeting_with_one_country(clf: Classifier) -> None:
    matches = clf.classify(
        "Committee chairman holds talks with head of Latvian customs",
        "The chairman of the State Customs Committee met the Director General of the Customs "
        "Board of Latvia in Riga. The sides discussed electronic exchange of transit data.",
        "en",
    )
    assert "bilateral" in ids(matches)


def test_multilateral_meeting_is_not_bilateral(clf: Classifier) -> None:
    matches = clf.classify(
        "Heads of CIS customs services meet in Minsk",
        "The heads of customs services of the CIS member states met in Minsk. Delegations of "
        "Russia, Kazakhstan, Belarus, Armenia and Kyrgyzstan discussed cooperation in risk "
        "management.",
        "en",
    )
    assert "bilateral" not in ids(matches)


def test_country_mentioned_without_a_meeting_is_not_bilateral(clf: Classifier) -> None:
    matches = clf.classify(
        "Cigarettes hidden in lorry from Georgia",
        "Officers found 5,000 packs of cigarettes in a lorry arriving from Georgia. The driver "
        "was detained.",
        "en",
    )
    assert ids(matches) == {"smuggling"}


def test_bilateral_in_azerbaijani_and_russian(clf: Classifier) -> None:
    az = clf.classify(
        "Azərbaycan və Moldova gömrük xidmətləri əməkdaşlığı genişləndirir",
        "Komitə sədri Moldova Gömrük Xidmətinin direktoru ilə görüşüb. Tərəflər məlumat "
        "mübadiləsini müzakirə ediblər.",
        "az",
    )
    ru = clf.classify(
        "Председатель комитета встретился с послом Японии",
        "Председатель Государственного таможенного комитета встретился с послом Японии в "
        "Азербайджане. Стороны обсудили сотрудничество таможенных служб двух стран.",
        "ru",
    )
    assert "bilateral" in ids(az)
    assert "bilateral" in ids(ru)


# ---- explanations, threshold, multi-topic ------------------------------------------------


def test_reasons_name_the_terms_and_where(clf: Classifier) -> None:
    matches = clf.classify(
        "WCO experts visit Baku",
        "Experts of the World Customs Organization met the Committee. The WCO Policy Commission "
        "and the Policy Commission agenda were discussed.",
        "en",
    )
    wco = next(m for m in matches if m.topic_id == "wco")
    assert 'title: "WCO"' in wco.reasons
    assert 'body: "World Customs Organization"' in wco.reasons
    assert 'body: "Policy Commission" x2' in wco.reasons
    # title reasons come first
    assert wco.reasons[0].startswith("title: ")


def test_several_topics_at_once(clf: Classifier) -> None:
    matches = clf.classify(
        "Decree exempts mine clearance machines from import duties",
        "A presidential decree exempts demining machines and mine detectors imported for the "
        "mine action agency from customs duties. The decree enters into force today.",
        "en",
    )
    assert ids(matches) == {"demining", "legislation"}


def test_passing_mention_does_not_tag(clf: Classifier) -> None:
    matches = clf.classify(
        "Customs staff plant trees in Fuzuli",
        "Employees planted 300 trees along a road in the liberated territories. Volunteers from "
        "youth organisations joined them.",
        "en",
    )
    assert matches == []
    union = clf.classify(
        "Sports day for customs families",
        "The trade union of the Committee organised a sports day for employees' children.",
        "en",
    )
    assert union == []
    framework = clf.classify(
        "New rules on guarantees approved by the Cabinet of Ministers",
        "The Cabinet of Ministers approved new rules on customs guarantees. According to the "
        "Committee, the rules follow the WCO framework.",
        "en",
    )
    assert ids(framework) == {"legislation"}


def test_title_weighs_more_than_body(clf: Classifier) -> None:
    in_title = clf.classify("Seminar for declarants", "The event took place in Baku.", "en")
    in_body = clf.classify("Event for declarants", "A seminar took place in Baku.", "en")
    assert ids(in_title) == {"training"}
    assert in_body == []


def test_threshold_is_configurable() -> None:
    strict = Classifier(threshold=100)
    assert strict.classify("WCO Council session", "World Customs Organization", "en") == []
    loose = Classifier(threshold=0.5)
    assert "demining" in ids(loose.classify("Tree planting", "the liberated territories", "en"))


def test_empty_input_gives_no_topics(clf: Classifier) -> None:
    assert clf.classify("", "") == []
    assert clf.classify("   ", "<p></p>", "en") == []
    assert clf.classify("", "", "xx") == []


def test_html_and_repeated_title_are_handled(clf: Classifier) -> None:
    title = "Seminar on customs valuation"
    matches = clf.classify(title, f"{title}\n<p>Officers &amp; brokers took part.</p>", "en")
    training = next(m for m in matches if m.topic_id == "training")
    assert training.reasons == ['title: "Seminar"']  # the repeated title is not counted twice


def test_work_grows_linearly_with_body_size(clf: Classifier) -> None:
    """A long body is handled by a linear pass: same result for 1x and 200x the text."""
    body = "Officers found heroin in a lorry. The driver was detained. " * 5
    small = clf.classify("Drugs seized", body, "en")
    large = clf.classify("Drugs seized", body * 200, "en")
    assert ids(small) == ids(large) == {"smuggling"}
    assert large[0].score >= small[0].score  # repetition is capped, not unbounded


# ---- term syntax and custom taxonomies ----------------------------------------------------


def test_term_syntax() -> None:
    term = compile_term("mine clearance^2")
    assert term.weight == 2 and term.text == "mine clearance"
    assert compile_term("trade union^-1").weight == -1
    assert compile_term("@meet & @country").atoms[1][0] == (("macro", "country"),)
    assert compile_term("mina*").atoms[0][0] == (("prefix", "mina"),)
    assert compile_term("=mines").atoms[0][0] == (("exact", "mines"),)
    assert compile_term("ÜGT").atoms[0][0] == (("abbr", "ugt"),)
    for bad in ["", "word^", "word^x", "@nosuchclass", "wo*rd", "a & ", "^2"]:
        with pytest.raises(ValueError):
            compile_term(bad)


def test_abbreviations_are_case_aware() -> None:
    topics = [Topic(id="who", name="WHO", terms={"en": ["WHO^3"]})]
    c = Classifier(topics)
    assert ids(c.classify("WHO experts visit", "", "en")) == {"who"}
    assert c.classify("Who can import a car", "", "en") == []


def test_custom_taxonomy_from_config() -> None:
    raw = [
        {
            "id": "aviation",
            "name": "Aviation",
            "description": "Airports and air cargo",
            "terms": {"en": ["airport*^2", "air cargo^2"], "az": ["hava liman*^2"],
                      "ru": ["аэропорт*^2"], "*": ["IATA^2"]},
        },
        {"id": "cars", "name": "Cars", "terms": {"en": ["car", "vehicle*"]}, "threshold": 1},
    ]
    topics = topics_from_config(raw)
    assert [t.id for t in topics] == ["aviation", "cars"]
    assert topics[0].threshold is None and topics[1].threshold == 1.0
    c = Classifier(topics)
    assert [t.id for t in c.topics] == ["aviation", "cars"]
    assert ids(c.classify("New cargo terminal at the airport", "", "en")) == {"aviation"}
    assert ids(c.classify("Hava limanında yeni terminal", "", "az")) == {"aviation"}
    assert ids(c.classify("Новый терминал в аэропорту", "", "ru")) == {"aviation"}
    # the per-topic threshold (1) lets a single body mention through
    assert ids(c.classify("News", "A car was checked.", "en")) == {"cars"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("nope", "topics: expected an array"),
        ([1], "topics[0]: expected a table"),
        ([{"name": "x", "terms": {"en": ["a"]}}], "topics[0].id"),
        ([{"id": "Bad Id", "terms": {"en": ["a"]}}], "topics[0].id"),
        ([{"id": "a", "terms": {"en": ["a"]}}, {"id": "a", "terms": {"en": ["b"]}}],
         "topics[1].id: 'a' is used twice"),
        ([{"id": "a", "terms": {"en": ["a"]}}, {"id": "b", "terms": ["x"]}],
         "topics[1].terms: expected a table of language -> list of strings"),
        ([{"id": "a", "terms": {"en": "word"}}],
         "topics[0].terms: expected a table of language -> list of strings"),
        ([{"id": "a", "terms": {"en": ["ok", 3]}}], "topics[0].terms: expected a table"),
        ([{"id": "a", "terms": {"english": ["a"]}}], "topics[0].terms.english: the language"),
        ([{"id": "a", "terms": {"en": []}}], "topics[0].terms: no terms"),
        ([{"id": "a", "terms": {"en": ["a"]}, "threshold": -1}], "topics[0].threshold"),
        ([{"id": "a", "terms": {"en": ["a"]}, "threshold": "high"}], "topics[0].threshold"),
        ([{"id": "a", "terms": {"en": ["a"]}, "name": 5}], "topics[0].name"),
        ([{"id": "a", "terms": {"en": ["a"]}, "colour": "red"}], "topics[0]: unknown key"),
    ],
)
def test_topics_from_config_errors_name_the_key(raw: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        topics_from_config(raw)  # type: ignore[arg-type]
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([{"id": "a", "terms": {"en": ["ok", "bad^^"]}}], "topics[0].terms.en[1]"),
        ([{"id": "b", "terms": {"*": ["x"]}}, {"id": "a", "terms": {"en": ["@planets"]}}],
         "topics[1].terms.en[0] (topic 'a'): unknown word"),
    ],
)
def test_bad_term_syntax_is_reported_naming_the_key(raw: list[dict], message: str) -> None:
    topics = topics_from_config(raw)  # the config checks the shape, the classifier the syntax
    with pytest.raises(ValueError) as info:
        check_topic_terms(topics)
    assert message in str(info.value)
    with pytest.raises(ValueError, match=r"topics\[\d\]\.terms"):
        Classifier(topics)


def test_classifier_rejects_bad_terms_naming_the_topic() -> None:
    with pytest.raises(ValueError, match=r"terms\.en\[1\] \(topic 'x'\)"):
        Classifier([Topic(id="x", name="X", terms={"en": ["ok", "bad^z"]})])


# ---- JSON lines --------------------------------------------------------------------------


def test_classify_json_lines_with_a_bad_line_in_the_middle(clf: Classifier) -> None:
    lines = [
        json.dumps({"id": 1, "title": "Gömrük Akademiyasında təlim kursu", "body": "",
                    "language": "az"}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps({"title": "Heroin seized at the border", "body": "The driver was detained.",
                    "extra": "kept"}),
        "[1, 2]",
        json.dumps({"title": 5}),
    ]
    out = list(classify_json_lines(lines, clf))
    assert len(out) == 5  # the blank line is skipped
    first = json.loads(out[0][0])
    assert out[0][1] is None
    assert first["id"] == 1 and first["topics"] == ["training"]
    assert first["reasons"]["training"] and "təlim" in out[0][0]  # ensure_ascii=False
    assert out[1][0] is None and out[1][1].startswith("line 3: not a JSON object (")
    fourth = json.loads(out[2][0])
    assert fourth["extra"] == "kept" and fourth["topics"] == ["smuggling"]
    assert list(fourth) == ["title", "body", "extra", "topics", "reasons"]
    assert out[3] == (None, "line 5: not a JSON object (got list)")
    assert out[4][0] is None and out[4][1].startswith("line 6: 'title' must be a string")


# ---- the development set ------------------------------------------------------------------


def test_dev_set_macro_f1_stays_above_floor() -> None:
    from benchmarks.classify_eval import baseline_predictor, classifier_predictor, load, scores

    rows = load(FIXTURES)
    classifier = Classifier()
    topic_ids = [t.id for t in classifier.topics]
    predict = classifier_predictor(classifier)
    overall = scores(rows, {r["id"]: predict(r) for r in rows}, topic_ids)
    assert overall["macro"]["f1"] >= 0.85
    for topic in ("wco", "bilateral", "demining"):
        assert overall[topic]["f1"] >= 0.9, topic
    base = baseline_predictor(classifier.topics)
    baseline = scores(rows, {r["id"]: base(r) for r in rows}, topic_ids)
    assert overall["macro"]["f1"] > baseline["macro"]["f1"]
