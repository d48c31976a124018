"""What one edition says that the other languages' editions can say too: figures, names,
places, concepts, periods. Extracted once per release; the matcher only compares these."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.editions.calendar import periods
from bot.editions.gazetteer import countries, places
from bot.editions.lexicon import concepts
from bot.editions.numbers import Quantity, figures
from bot.editions.translit import consonants, fold, skeleton
from bot.models import Item


@dataclass(frozen=True, slots=True)
class EditionFeatures:
    quantities: tuple[Quantity, ...] = ()
    ordinals: frozenset[int] = frozenset()
    codes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # consonant skeletons of proper names
    countries: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    concepts: frozenset[str] = frozenset()
    periods: frozenset[tuple[int, int]] = frozenset()
    topics: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class EditionCandidate:
    """One language edition as the matcher sees it."""

    item_id: str
    language: str
    group: str  # editions match only within one group of feeds (one publisher)
    published: datetime  # aware
    features: EditionFeatures = field(default_factory=EditionFeatures)


_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;«»\"“”„(\n—–-]\s*$")
# capitalised words that name institutions, not people: in every release, they tell nothing
# (folded stems; a word is generic when its folded form starts with one)
_GENERIC_STEMS = """
komit dovlat gosudarstv state gomruk tamozh customs respublik republic prezident president
nazirl ministr xidmat khidmat sluzhb service agentl agentstv agency markaz tsentr centre center
akadem academy idar upravl department kabinet cabinet majall kodeks code tashkilat organi
shura sovet council komiss commission beynalkhalq mezhdunarod international umumdun vsemirn
world milli natsional national region sadr predsedat chairman muavin zamestit deputy bash
glavn main general ofis office liman port strateji strateg aeroport airport portal elektron
electron standart standard framework sekretar secretar katib vatan otechestv patriotic
azarbayjan azerbayjan azerbaijan azerbaydzhan
"""
_GENERIC = tuple(_GENERIC_STEMS.split())


def names(text: str, language: str) -> frozenset[str]:
    """Skeletons of capitalised words that do not open a sentence, three consonants or more,
    places and institutions left out (places are matched by the gazetteer); Latin acronyms."""
    out = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        if word.isupper() and word.isascii() and len(word) >= 3:
            out.add(word.lower())  # a Latin acronym reads the same in every edition (JICA)
            continue
        if not word[0].isupper() or word.isupper():
            continue
        if match.start() == 0 or _SENTENCE_END.search(text[max(0, match.start() - 3):
                                                           match.start()]):
            continue
        folded = fold(word, language)
        if folded.startswith(_GENERIC) or countries(folded) or places(folded):
            continue
        skel = skeleton(word, language)
        if consonants(skel) >= 3:
            out.add(skel)
    return frozenset(out)


def clean(text: str) -> str:
    """Markup and entities off: sources may hand over `<p>` and `&amp;`."""
    return html.unescape(_TAG.sub(" ", text))


def features_of(title: str, body: str, language: str, topics: list[str] | None = None
                ) -> EditionFeatures:
    text = f"{clean(title)}.\n{clean(body)}"
    folded = fold(text, language)
    figs = figures(text, language)
    return EditionFeatures(
        quantities=figs.quantities, ordinals=figs.ordinals, codes=figs.codes,
        names=names(text, language), countries=countries(folded), places=places(folded),
        concepts=concepts(folded), periods=periods(folded, text, language),
        topics=frozenset(topics or ()),
    )


def candidate(item: Item, group: str) -> EditionCandidate:
    """The matcher's view of a stored release of a feed in `group`."""
    return EditionCandidate(
        item_id=item.id, language=item.language, group=group, published=item.published,
        features=features_of(item.title, item.body, item.language, item.topics),
    )
