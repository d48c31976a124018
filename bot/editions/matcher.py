"""Group the language editions of one press release into one story.

The editions share no link or id, and no translation model is at hand, so the matcher weighs
what crosses languages unchanged or nearly so: figures (in any notation), names (one
consonant skeleton for three scripts), places and countries (a trilingual gazetteer), customs
concepts (a trilingual lexicon), periods and months, ordinals, article numbers, topics and the
time between editions. Conflicting places, periods, ordinals or measured figures veto a match
outright: a wrong merge hides a release from a user, a missed one only shows it twice.

A story's id is the id of its first edition and never changes. A story holds at most one
edition per language, and only editions of feeds of one group (one publisher) meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.editions.features import EditionCandidate, EditionFeatures, candidate
from bot.editions.gazetteer import COMMON_PLACES
from bot.editions.lexicon import GOODS, TOPICAL
from bot.editions.numbers import Quantity, same_quantity
from bot.editions.translit import same_name
from bot.models import Item

MEASURED_UNITS = frozenset({"kg", "ha", "manat", "usd", "eur"})
CONTENT = ("figures", "names", "concepts", "topical", "ordinals", "codes")
MIN_CONTENT = 1.4


@dataclass(frozen=True, slots=True)
class MatchSettings:
    window: timedelta = timedelta(hours=36)  # az first; en up to ~20 h later, some never
    threshold: float = 3.0  # evidence needed to join a story


@dataclass(frozen=True, slots=True)
class StoryRef:
    """A story: its id (the first edition's item id), its group and its editions."""

    story_id: str
    group: str
    editions: tuple[EditionCandidate, ...]

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(e.language for e in self.editions)

    def with_edition(self, edition: EditionCandidate) -> StoryRef:
        return StoryRef(self.story_id, self.group, (*self.editions, edition))


@dataclass(frozen=True, slots=True)
class Evidence:
    score: float = 0.0
    veto: str = ""  # why the two cannot be one release; "" when nothing conflicts
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    story: StoryRef  # the story the edition now belongs to (new or joined)
    joined: bool
    evidence: Evidence = field(default_factory=Evidence)


def _weight(q: Quantity) -> float:
    """How telling a shared figure is: a year or a small count tells little."""
    if not q.unit and q.precision >= 1 and (q.value <= 12 or 1990 <= q.value <= 2100):
        return 0.3
    digits = q.significant_digits
    return 0.5 if digits == 1 else 1.0 if digits == 2 else 1.5


def _precise(quantities: tuple[Quantity, ...]) -> list[Quantity]:
    """Figures of three significant digits or more, years left out."""
    return [q for q in quantities if q.significant_digits >= 3
            and not (not q.unit and q.precision >= 1 and 1990 <= q.value <= 2100)]


def _quantities(a: EditionFeatures, b: EditionFeatures) -> tuple[float, str]:
    """Score of the figures both editions give, and a veto when a measured unit (kg, tonnes,
    hectares, money) appears in both but no figure of that unit agrees."""
    score = 0.0
    for q in a.quantities:
        if any(same_quantity(q, r) for r in b.quantities):
            score += _weight(q)
    # a release's own figures are shared by its editions (at least the headline one): two
    # editions each giving several precise figures with none in common report different things
    mine, theirs = _precise(a.quantities), _precise(b.quantities)
    if len(mine) >= 2 and len(theirs) >= 2 and not any(
            same_quantity(q, r) for q in mine for r in theirs):
        return score, "no precise figure in common"
    for unit in MEASURED_UNITS:
        mine = [q for q in a.quantities if q.unit == unit]
        theirs = [q for q in b.quantities if q.unit == unit]
        if mine and theirs and not any(same_quantity(q, r) for q in mine for r in theirs):
            return score, f"figures in {unit} differ"
    return min(score, 6.0), ""


def _names(a: EditionFeatures, b: EditionFeatures) -> int:
    return sum(1 for x in a.names if any(same_name(x, y) for y in b.names))


def _veto(a: EditionFeatures, b: EditionFeatures) -> str:
    places_a, places_b = a.places - COMMON_PLACES, b.places - COMMON_PLACES
    if places_a and places_b and not places_a & places_b:
        return "different places"
    if a.countries and b.countries and not a.countries & b.countries:
        return "different countries"
    if a.periods and b.periods and not a.periods & b.periods:
        return "different periods"
    if a.ordinals and b.ordinals and not a.ordinals & b.ordinals:
        return "different ordinals"
    if a.codes and b.codes and not a.codes & b.codes:
        return "different article numbers"
    goods_a, goods_b = a.concepts & GOODS, b.concepts & GOODS
    if goods_a and goods_b and not goods_a & goods_b:
        return "different goods"
    return ""


def compare(a: EditionCandidate, b: EditionCandidate) -> Evidence:
    """Evidence that two editions in different languages report one release."""
    fa, fb = a.features, b.features
    veto = _veto(fa, fb)
    figures, unit_veto = _quantities(fa, fb)
    if veto or unit_veto:
        return Evidence(0.0, veto or unit_veto)
    parts: dict[str, float] = {
        "figures": figures,
        "names": min(2.0, 1.0 * _names(fa, fb)),  # officials recur in many releases
        "places": min(3.0, 1.5 * len((fa.places & fb.places) - {"baku"}))
        + 0.3 * ("baku" in fa.places & fb.places),
        "countries": min(2.0, 0.8 * len(fa.countries & fb.countries)),
        "concepts": min(3.2, 0.8 * len((fa.concepts & fb.concepts) - TOPICAL)),
        "topical": min(0.9, 0.3 * len(fa.concepts & fb.concepts & TOPICAL)),
        "periods": 1.0 * bool(fa.periods & fb.periods),
        "ordinals": 1.5 * bool(fa.ordinals & fb.ordinals),
        "codes": 1.5 * bool(fa.codes & fb.codes),
    }
    specific_a, specific_b = fa.concepts - TOPICAL, fb.concepts - TOPICAL
    if specific_a and specific_b and not specific_a & specific_b:
        parts["other things"] = -1.0  # each names its own subject, none the other's
    if fa.topics and fb.topics:
        parts["topics"] = len(fa.topics & fb.topics) / len(fa.topics | fb.topics)
    gap = abs(a.published - b.published)
    parts["time"] = 0.8 if gap <= timedelta(hours=2) else 0.4 if gap <= timedelta(hours=8) else 0
    reasons = tuple(f"{k} {v:.1f}" for k, v in parts.items() if v)
    # the same checkpoint, country, topic and hour are only the setting: two releases share
    # them on a busy day; what the release says (figures, names, things) must meet too
    content = sum(parts[k] for k in CONTENT)
    if content < MIN_CONTENT:
        return Evidence(0.0, "", (*reasons, "too little content in common"))
    return Evidence(sum(parts.values()), "", reasons)


def _story_evidence(story: StoryRef, edition: EditionCandidate,
                    settings: MatchSettings) -> Evidence | None:
    """The best evidence between `edition` and a story's editions; None if it cannot join."""
    if story.group != edition.group or edition.language in story.languages:
        return None
    if any(abs(e.published - edition.published) > settings.window for e in story.editions):
        return None
    best = Evidence()
    for other in story.editions:
        evidence = compare(edition, other)
        if evidence.veto:
            return None
        if evidence.score > best.score:
            best = evidence
    return best


def decide(stories: Sequence[StoryRef], edition: EditionCandidate,
           settings: MatchSettings = MatchSettings()) -> Decision:
    """The story `edition` joins among `stories` (recent candidates), or a new story of its own.

    Deterministic: the highest evidence wins; a tie goes to the smaller story id."""
    best: tuple[float, str] | None = None
    chosen: tuple[StoryRef, Evidence] | None = None
    for story in stories:
        evidence = _story_evidence(story, edition, settings)
        if evidence is None or evidence.score < settings.threshold:
            continue
        key = (-evidence.score, story.story_id)
        if best is None or key < best:
            best, chosen = key, (story, evidence)
    if chosen is None:
        return Decision(StoryRef(edition.item_id, edition.group, (edition,)), joined=False)
    return Decision(chosen[0].with_edition(edition), joined=True, evidence=chosen[1])


def group_editions(items: Iterable[Item], group_of: Callable[[str], str],
                   settings: MatchSettings = MatchSettings()) -> dict[str, str]:
    """Item id -> story id for a batch, processed in publication order as they would arrive."""
    ordered = sorted(items, key=lambda i: (i.published, i.id))
    open_stories: list[StoryRef] = []
    story_of: dict[str, str] = {}
    for item in ordered:
        edition = candidate(item, group_of(item.feed_id))
        horizon = edition.published - settings.window
        open_stories = [s for s in open_stories
                        if max(e.published for e in s.editions) >= horizon]
        decision = decide(open_stories, edition, settings)
        if decision.joined:
            open_stories = [decision.story if s.story_id == decision.story.story_id else s
                            for s in open_stories]
        else:
            open_stories.append(decision.story)
        story_of[item.id] = decision.story.story_id
    return story_of


def stories_of(items: Iterable[Item], story_of: Callable[[Item], str],
               group_of: Callable[[str], str]) -> list[StoryRef]:
    """Rebuild the open stories from stored releases and their story ids (e.g. the last
    36 hours of a group), ready for `decide`: features are recomputed, ids kept as stored."""
    stories: dict[str, StoryRef] = {}
    for item in sorted(items, key=lambda i: (i.published, i.id)):
        edition = candidate(item, group_of(item.feed_id))
        story_id = story_of(item)
        known = stories.get(story_id)
        stories[story_id] = (known.with_edition(edition) if known
                             else StoryRef(story_id, edition.group, (edition,)))
    return list(stories.values())
