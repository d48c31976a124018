"""Editions of one release across languages -> stories (bot/editions)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from benchmarks.editions import FILES, load, matcher_stories, score
from benchmarks.editions import to_item as item_of
from bot.editions import candidate, decide, group_editions, stories_of
from bot.editions.calendar import periods
from bot.editions.gazetteer import countries, places
from bot.editions.numbers import Quantity, figures, same_quantity
from bot.editions.translit import fold, same_name, skeleton
from bot.models import Item

T0 = datetime(2025, 3, 12, 6, 20, tzinfo=UTC)


def item(item_id: str, language: str, title: str, body: str, minutes: int = 0,
         topics: tuple[str, ...] = ()) -> Item:
    return Item(id=item_id, feed_id=f"scc-{language}", url=f"https://example.az/{item_id}",
                title=title, body=body, published=T0 + timedelta(minutes=minutes),
                language=language, topics=list(topics))


def one_group(feed_id: str) -> str:
    return "scc"


def quantities(text: str, language: str) -> tuple[Quantity, ...]:
    return figures(text, language).quantities


@pytest.mark.parametrize(("texts", "expected"), [
    ([("1 250 kq", "az"), ("1,250 kg", "en"), ("1 250 кг", "ru")], (1250.0, "kg")),
    ([("18 kq 400 qram", "az"), ("18 кг 400 г", "ru"), ("18.4 kg", "en")], (18.4, "kg")),
    ([("12,5 milyon manat", "az"), ("12.5 million manats", "en"), ("12,5 млн манатов", "ru")],
     (12.5e6, "manat")),
    ([("6 milyard 912,4 milyon manat", "az"), ("6 912,4 млн манатов", "ru"),
      ("6,912.4 million manats", "en")], (6912.4e6, "manat")),
    ([("$8.124 billion", "en"), ("8 milyard 124 milyon ABŞ dolları", "az"),
      ("8,124 млрд долларов", "ru")], (8.124e9, "usd")),
    ([("310 min manat", "az"), ("310 тыс. манатов", "ru"), ("310,000 manats", "en")],
     (310e3, "manat")),
    ([("1 milyon 150 min ton", "az"), ("1,15 млн тонн", "ru"), ("1.15 million tonnes", "en")],
     (1.15e9, "kg")),
])
def test_number_notations_of_three_languages_are_one_value(texts, expected):
    values = [quantities(text, lang) for text, lang in texts]
    for found in values:
        assert len(found) == 1
        assert found[0].value == pytest.approx(expected[0])
        assert found[0].unit == expected[1]
    assert all(same_quantity(values[0][0], other[0]) for other in values[1:])


def test_a_rounded_headline_figure_meets_the_exact_one_but_not_another():
    headline = quantities("18 kq-dan çox heroin", "az")[0]
    assert same_quantity(headline, quantities("18.4 kg", "en")[0])
    assert not same_quantity(headline, quantities("6.25 kg", "en")[0])
    assert not same_quantity(quantities("1 250 kq", "az")[0], quantities("1,520 kg", "en")[0])
    assert not same_quantity(quantities("38 kg", "en")[0], quantities("38 manats", "en")[0])


def test_ordinals_years_and_article_numbers_are_told_apart():
    az = figures("87-ci sessiya, 2024-cü il, Cinayət Məcəlləsinin 206.3.2-ci maddəsi", "az")
    ru = figures("87-я сессия, статья 206.3.2 УК", "ru")
    en = figures("the 87th session, Article 206.3.2", "en")
    assert az.ordinals == ru.ordinals == en.ordinals == {87}
    assert az.codes == ru.codes == en.codes == {"206.3.2"}
    assert figures("88-ci iclas", "az").ordinals == {88}


@pytest.mark.parametrize("spellings", [
    [("Mehdiyev", "az"), ("Мехдиев", "ru"), ("Mekhdiyev", "en"), ("Mehdiyev", "en")],
    [("Hüseynova", "az"), ("Гусейнова", "ru"), ("Huseynova", "en")],
    [("Xaratişvili", "az"), ("Харатишвили", "ru"), ("Kharatishvili", "en")],
    [("Sadıqov", "az"), ("Садыков", "ru"), ("Sadykov", "en")],
])
def test_names_transliterate_to_one_skeleton(spellings):
    assert len({skeleton(word, lang) for word, lang in spellings}) == 1


def test_inflected_names_still_meet_and_other_names_do_not():
    assert same_name(skeleton("Mehdiyevin", "az"), skeleton("Мехдиевым", "ru"))
    assert same_name(skeleton("Tursunovun", "az"), skeleton("Турсуновым", "ru"))
    assert not same_name(skeleton("Mehdiyev", "az"), skeleton("Мамедов", "ru"))


@pytest.mark.parametrize(("texts", "country", "place"), [
    ([("Gürcüstan", "az"), ("Грузии", "ru"), ("Georgian", "en")], "GE", None),
    ([("Özbəkistan", "az"), ("Узбекистана", "ru"), ("Uzbekistan", "en")], "UZ", None),
    ([("\"Qırmızı Körpü\"", "az"), ("«Красный мост»", "ru"), ("Red Bridge", "en")], None,
     "red-bridge"),
    ([("Biləsuvar", "az"), ("Билясувар", "ru"), ("Bilasuvar", "en")], None, "bilasuvar"),
    ([("Astara", "az"), ("Астары", "ru"), ("Astara", "en")], None, "astara"),
])
def test_gazetteer_knows_places_in_three_languages(texts, country, place):
    for text, lang in texts:
        folded = fold(text, lang)
        if country:
            assert countries(folded) == {country}
        if place:
            assert place in places(folded)


def test_gazetteer_ignores_look_alike_words():
    assert countries(fold("грузовик, грузопоток", "ru")) == set()  # cargo, not Georgia
    assert countries(fold("Qazax rayon sakini", "az")) == set()  # a district, not Kazakhstan


def test_periods_in_any_language():
    def spans(text: str, lang: str) -> frozenset[tuple[int, int]]:
        return periods(fold(text, lang), text, lang)

    assert spans("yanvar-fevral aylarında", "az") == spans("в январе–феврале", "ru") == {(1, 2)}
    assert spans("birinci rübdə", "az") == spans("in the first quarter", "en") == {(1, 3)}
    assert spans("iyun ayında", "az") == spans("в июне", "ru") == spans("in June", "en")
    assert spans("customs may change", "en") == frozenset()


AZ_ASTARA = ("Astara gömrük postunda 18 kq heroin aşkarlanıb",
             "Astara gömrük postunda İrandan gələn yük avtomobilindən ümumi çəkisi 18 kq 400 "
             "qram olan heroin götürülüb. Sürücü saxlanılıb.")
RU_ASTARA = ("На посту «Астара» изъято 18,4 кг героина",
             "В грузовике, прибывшем из Ирана, обнаружено 18 кг 400 г героина. Водитель задержан.")
EN_ASTARA = ("18.4 kg of heroin seized at Astara",
             "Officers at the Astara post found 18.4 kg of heroin in a lorry from Iran.")


def test_editions_of_one_release_become_one_story_whose_id_never_changes():
    az = candidate(item("az-1", "az", *AZ_ASTARA, topics=("smuggling",)), "scc")
    first = decide([], az)
    assert not first.joined and first.story.story_id == "az-1"
    ru = decide([first.story], candidate(item("ru-1", "ru", *RU_ASTARA, 25), "scc"))
    assert ru.joined and ru.story.story_id == "az-1"
    en = decide([ru.story], candidate(item("en-1", "en", *EN_ASTARA, 310), "scc"))
    assert en.joined and en.story.story_id == "az-1"
    assert [e.item_id for e in en.story.editions] == ["az-1", "ru-1", "en-1"]


def test_a_lone_edition_is_its_own_story():
    lone = item("az-9", "az", *AZ_ASTARA)
    assert group_editions([lone], one_group) == {"az-9": "az-9"}


def test_at_most_one_edition_per_language_and_only_within_a_group_and_window():
    repost = item("az-2", "az", *AZ_ASTARA, 30)
    assert len(set(group_editions([item("az-1", "az", *AZ_ASTARA), repost],
                                  one_group).values())) == 2
    pair = [item("az-1", "az", *AZ_ASTARA), item("ru-1", "ru", *RU_ASTARA, 25)]
    assert len(set(group_editions(pair, lambda feed: feed).values())) == 2
    late = [item("az-1", "az", *AZ_ASTARA), item("ru-1", "ru", *RU_ASTARA, 60 * 72)]
    assert len(set(group_editions(late, one_group).values())) == 2


LOOK_ALIKES = [
    # the same day, the same seizure story, another checkpoint
    (item("a1", "az", *AZ_ASTARA, topics=("smuggling",)),
     item("b1", "en", "Heroin seized at Bilasuvar",
          "Officers at the Bilasuvar post found 18.4 kg of heroin in a lorry from Iran.", 240,
          ("smuggling",))),
    # consecutive sessions of one commission
    (item("a2", "az", "Komissiyanın 87-ci iclası keçirilib",
          "Azərbaycan–Gürcüstan gömrük komissiyasının 87-ci iclasında tranzit müzakirə olunub.",
          topics=("bilateral",)),
     item("b2", "ru", "Состоялось 88-е заседание комиссии",
          "На 88-м заседании азербайджано-грузинской таможенной комиссии обсуждён транзит.", 40,
          ("bilateral",))),
    # one monthly template, two periods
    (item("a3", "az", "Yanvar-fevral aylarında xarici ticarət dövriyyəsi",
          "Yanvar-fevral aylarında xarici ticarət dövriyyəsi 8 milyard dollar olub.",
          topics=("trade",)),
     item("b3", "en", "Foreign trade in January–March",
          "Foreign trade turnover reached $8 billion in January–March.", 60, ("trade",))),
    # the same checkpoint and day, other goods
    (item("a5", "az", "Yalama gömrük postunda 12 kq qara kürü götürülüb",
          "Yalama gömrük postunda Rusiyaya gedən mikroavtobusdan 41 banka qara kürü götürülüb.",
          topics=("smuggling",)),
     item("b5", "en", "Cigarettes without excise stamps found at Yalama",
          "Officers at the Yalama checkpoint found 5,600 packs of cigarettes in a lorry from "
          "Russia.", 180, ("smuggling",))),
    # one official, two engagements on one day
    (item("a6", "az", "Rauf Qasımov Qırğızıstan nümayəndə heyəti ilə görüşüb",
          "Komitə sədrinin müavini Rauf Qasımov Qırğızıstan gömrük xidmətinin nümayəndələri "
          "ilə tranzit yüklərin artırılmasını müzakirə edib.", topics=("bilateral",)),
     item("b6", "en", "Deputy Chairman Gasimov opens seminar for online sellers",
          "Deputy Chairman Rauf Gasimov opened a seminar on declaring exported parcels for "
          "more than 140 entrepreneurs.", 200, ("ecommerce",))),
    # two courses on the same day at one academy
    (item("a4", "az", "Akademiyada risklərin idarə edilməsi üzrə kurs başlayıb",
          "Gömrük Akademiyasında 35 əməkdaş üçün risklərin idarə edilməsi kursu başlayıb.",
          topics=("training",)),
     item("b4", "ru", "В Академии прошёл семинар по таможенной стоимости",
          "В Академии для 28 сотрудников прошёл семинар по таможенной стоимости посылок.", 30,
          ("training",))),
]


@pytest.mark.parametrize(("first", "second"), LOOK_ALIKES)
def test_look_alikes_stay_apart(first, second):
    stories = group_editions([first, second], one_group)
    assert stories[first.id] != stories[second.id]


def test_grouping_is_deterministic_whatever_the_input_order():
    rows = load(FILES["dev"])
    expected = matcher_stories(rows)
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    assert matcher_stories(shuffled) == expected


def test_development_set_meets_the_floors_and_held_out_set_stays_precise():
    dev_rows = load(FILES["dev"])
    dev = score(dev_rows, matcher_stories(dev_rows))
    assert dev["precision"] >= 0.97 and dev["f1"] >= 0.95
    extra_rows = load(FILES["extra"])
    extra = score(extra_rows, matcher_stories(extra_rows))
    assert extra["precision"] >= 0.97


def test_stories_rebuilt_from_stored_ids_take_the_next_edition_as_the_batch_does():
    rows = load(FILES["dev"])
    items = [item_of(r) for r in rows]
    batch = group_editions(items, one_group)
    joiners = [i for i in items if batch[i.id] != i.id]  # editions that joined a story
    latest = max(joiners, key=lambda i: (i.published, i.id))
    earlier = [i for i in items if (i.published, i.id) < (latest.published, latest.id)]
    open_stories = stories_of(earlier, lambda i: batch[i.id], one_group)
    decision = decide(open_stories, candidate(latest, "scc"))
    assert decision.joined and decision.story.story_id == batch[latest.id] != latest.id
