"""Topic classifier: weighted term patterns in English, Azerbaijani and Russian.

Pure code: no files, no environment. The default taxonomy lives in `bot.taxonomy_default`.

How a release is scored
-----------------------
The title and the body are tokenised and normalised separately. Every term of a topic that
matches adds ``weight x place x repetition`` to the topic's score, where *place* is 2 for the
title and 1 for the body, and *repetition* is 1, 1.5 or 2 for 1, 2 or 3+ occurrences of that
term in that place (diminishing, so one word repeated does not outweigh several different
pieces of evidence). A topic is assigned when its score reaches the threshold (default 3.0, a
per-topic `threshold` wins over the classifier's). With the default weights (1 = weak clue,
2 = strong clue, 3 = decisive) one strong term in the body is not enough, one in the title is:
that is what keeps a passing mention ("the WCO framework", "liberated territories" at a
ceremony) from tagging a release. Negative weights express evidence *against* a topic (e.g.
"member states" against `bilateral`).

When two matches of the same topic cover nested spans, only the longer one counts, so a
specific phrase overrides its parts: ``trade union^-1`` cancels ``trade`` inside it, and
``mine clearance^2`` is not also counted as ``mine``. (So give a positive phrase at least the
weight of its parts, or it lowers the score.)

Normalisation
-------------
Case-folded; Latin diacritics are folded (Azerbaijani ``ə->e, ı/I/İ->i, ö->o, ü->u, ğ->g,
ş->s, ç->c``, also ``é`` etc.) so that text typed without diacritics still matches; Cyrillic
keeps its letters except ``ё->е``. HTML tags and entities are removed, a possessive ``'s`` is
skipped, and a body that starts by repeating the title does not count the title twice.
Tokens are runs of letters and digits: hyphens split words (``e-commerce`` = ``e commerce``).

Term syntax (``Topic.terms`` values)
------------------------------------
``word``
    inflection-tolerant: the word's stem equals the token's stem. Stemmers: Snowball English
    (with ``-isation`` read as ``-ization``), Snowball Russian, and for Azerbaijani a suffix
    stripper for case, plural and possessive endings (``Təşkilatının`` -> ``teskilat``). Use it
    for ordinary words; Russian stems are short, so prefer ``word*`` when unsure.
``word*``
    prefix: any token starting with ``word`` (``mina*`` = mina, minalar, minatəmizləmə).
``=word``
    exact: the token after normalisation only, no stemming (``=mines``).
``WCO`` / ``ÜGT`` / ``ВТамО``
    an abbreviation (no lower-case letters, or at least two capitals in six letters at most)
    matches that exact token, and only where the text writes it with at least two capitals,
    so ``US`` would not match "us", nor ``WHO`` match "Who".
``two words``
    a phrase: consecutive tokens in one sentence; each word follows the rules above.
``@country``
    a built-in word class (see `bot.taxonomy_default.MACROS`: ``@country`` = foreign
    countries and their adjectives, ``@meet`` = meeting, talks, visit, agreement words); may be
    one element of a phrase (``delegation of @country``).
``a | b``
    alternatives: either phrase.
``a & b``
    co-occurrence: ``a`` and ``b`` both in the same sentence (counted once per sentence), e.g.
    ``@meet & @country``. ``|`` binds tighter: ``agreement | protocol & @country``.
    Co-occurrence terms are not subject to the nested-span rule above.
``term^2``, ``term^-1.5``
    weight (default 1). Must be the last thing in the term.

Language
--------
The item's language ("en", "az", "ru"; "az-Latn" -> "az") is used if given and known;
otherwise it is detected from the script: mostly Cyrillic -> ru; Azerbaijani letters
(ə, or several of ğ/ı/ş) -> az; else en. Terms of that language and ``"*"`` terms apply.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from bot.language import detect_language, script_counts
from bot.models import Topic
from bot.taxonomy_default import DEFAULT_TOPICS, MACROS

__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_TOPICS",
    "Classifier",
    "ConfigTopic",
    "TopicMatch",
    "classify_json_lines",
    "compile_term",
    "detect_language",
    "normalize_token",
    "topics_from_config",
]

DEFAULT_THRESHOLD = 3.0
TITLE_FACTOR = 2.0
BODY_FACTOR = 1.0
LANGUAGES = ("en", "az", "ru")
ANY = "*"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(slots=True)
class TopicMatch:
    topic_id: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ConfigTopic(Topic):
    """A `Topic` with its own threshold (the shared `Topic` has no such field)."""

    threshold: float | None = None


# ---- normalisation -----------------------------------------------------------------------

_TOKEN_RE = re.compile(r"(?!(?<=['’])[sS]\b)[^\W_]+")  # a possessive 's is no token
_WORD_RE = re.compile(r"[^\W_]+")
_TAG_RE = re.compile(r"<[^>]{0,2000}>")
# a sentence ends at . ! ? … (followed by space or end) or at a line break
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'»”)\]]*(?=\s|$)|\n")
_PRE_FOLD = str.maketrans({"İ": "i", "I": "i", "ı": "i", "Ə": "e", "ə": "e", "Ё": "е", "ё": "е"})
_ISE_RE = re.compile(r"(?<=\w\w\w)is(ation|ations|e|es|ed|ing|er|ers)$")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """Strip diacritics from a Latin letter; leave Cyrillic and everything else alone."""
    if ch < "\u00c0" or "\u0400" <= ch <= "\u04ff":
        return ch
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or ch


@lru_cache(maxsize=200_000)
def normalize_token(token: str) -> str:
    """Case- and diacritic-folded form of one token (see the module docstring)."""
    s = token.translate(_PRE_FOLD).lower()
    if not s.isascii():
        s = "".join(_fold_char(c) for c in s)
    return s


def _clean(text: str) -> str:
    if "<" in text:
        text = _TAG_RE.sub("\n", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _upperish(token: str) -> bool:
    """Written like an abbreviation: at least two capitals (or a single capital letter)."""
    if token.islower():
        return False
    n = 0
    for c in token:
        if c.isupper():
            n += 1
            if n >= 2:
                return True
    return n == 1 and len(token) == 1


def _is_abbreviation(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return False
    upper = sum(c.isupper() for c in letters)
    return upper == len(letters) or (upper >= 2 and len(letters) <= 6)


def _language_code(language: str) -> str:
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] if language else ""


# ---- stemmers ----------------------------------------------------------------------------

_EN = snowballstemmer.stemmer("english")
_RU = snowballstemmer.stemmer("russian")

# Azerbaijani nominal endings, already folded (so vowel-harmony variants collapse: lar/ler,
# in/un ...). Stripped longest first, repeatedly, while at least 3 letters remain. Stems get
# short and may cut into the root; that is harmless as long as it is consistent, and terms that
# need precision use a prefix (``mina*``) or an exact form instead.
_AZ_SUFFIXES = sorted(
    {
        "lar", "ler", "nin", "nun", "in", "un", "i", "u", "ni", "nu", "si", "su",
        "a", "e", "ya", "ye", "na", "ne", "sina", "sine", "suna",
        "da", "de", "ta", "te", "nda", "nde", "dan", "den", "tan", "ten", "ndan", "nden",
        "la", "le", "yla", "yle", "ila", "ile", "im", "um", "imiz", "umuz", "iniz", "unuz",
        "miz", "muz", "niz", "nuz", "ki", "daki", "deki", "dir", "dur",
    },
    key=len,
    reverse=True,
)


@lru_cache(maxsize=100_000)
def _stem_az(word: str) -> str:
    # strip to a fixpoint (not a fixed number of rounds) so that a base form and its
    # inflected forms end up at the same stem even where a root ends like a suffix
    stem = word
    while True:
        for suf in _AZ_SUFFIXES:
            if stem.endswith(suf) and len(stem) - len(suf) >= 3:
                stem = stem[: -len(suf)]
                break
        else:
            break
    # consonant alternation before a vowel suffix: gömrük/gömrüyü, ortaq/ortağı
    if len(stem) >= 4 and stem[-1] in "gyq" and stem[-2] in "aeiou":
        stem = stem[:-1] + "k"
    return stem


@lru_cache(maxsize=100_000)
def _stem_en(word: str) -> str:
    if len(word) > 5:
        word = _ISE_RE.sub(r"iz\1", word)
    return _EN.stemWord(word)


@lru_cache(maxsize=100_000)
def _stem_ru(word: str) -> str:
    return _RU.stemWord(word)


def _identity(word: str) -> str:
    return word


_STEMMERS = {"en": _stem_en, "az": _stem_az, "ru": _stem_ru}


# ---- term syntax -------------------------------------------------------------------------

# element kinds
STEM, PREFIX, EXACT, ABBR, MACRO = "stem", "prefix", "exact", "abbr", "macro"

Element = tuple[str, str]  # (kind, normalised value); for MACRO the macro name
Phrase = tuple[Element, ...]


@dataclass(frozen=True, slots=True)
class ParsedTerm:
    """A term before stemming: atoms (all must co-occur) of alternative phrases."""

    text: str  # the term as written, without the weight
    weight: float
    atoms: tuple[tuple[Phrase, ...], ...]


_WEIGHT_RE = re.compile(r"\^\s*(-?\d+(?:\.\d+)?)\s*$")


def compile_term(raw: str, macros: Iterable[str] | None = None) -> ParsedTerm:
    """Parse one term; raises ValueError with a short reason on bad syntax."""
    if not isinstance(raw, str):
        raise ValueError(f"expected a string, got {type(raw).__name__}")
    text = raw.strip()
    weight = 1.0
    if "^" in text:
        m = _WEIGHT_RE.search(text)
        if not m:
            raise ValueError(f"bad weight in {raw!r} (write e.g. 'term^2' or 'term^-1')")
        weight = float(m.group(1))
        text = text[: m.start()].strip()
        if "^" in text:
            raise ValueError(f"more than one '^' in {raw!r}")
        if not math.isfinite(weight) or weight == 0:
            raise ValueError(f"weight must be a non-zero number in {raw!r}")
    if not text:
        raise ValueError(f"empty term {raw!r}")
    known = set(MACROS if macros is None else macros)
    atoms: list[tuple[Phrase, ...]] = []
    for atom_text in text.split("&"):
        alts: list[Phrase] = []
        for alt_text in atom_text.split("|"):
            phrase = _parse_phrase(alt_text, raw, known)
            alts.append(phrase)
        atoms.append(tuple(alts))
    return ParsedTerm(text=text, weight=weight, atoms=tuple(atoms))


def _parse_phrase(text: str, raw: str, macros: set[str]) -> Phrase:
    elements: list[Element] = []
    for chunk in text.split():
        if chunk.startswith("@"):
            name = chunk[1:]
            if name not in macros:
                known = ", ".join("@" + m for m in sorted(macros)) or "none"
                raise ValueError(f"unknown word class {chunk!r} in {raw!r} (known: {known})")
            elements.append((MACRO, name))
            continue
        exact = chunk.startswith("=")
        prefix = chunk.endswith("*")
        body = chunk.lstrip("=").rstrip("*")
        if "*" in body or "=" in body:
            raise ValueError(f"'*' only at the end and '=' only at the start of a word: {raw!r}")
        words = _WORD_RE.findall(body)
        if not words:
            raise ValueError(f"no letters or digits in {chunk!r} of {raw!r}")
        for i, word in enumerate(words):
            last = i == len(words) - 1
            norm = normalize_token(word)
            if prefix and last:
                elements.append((PREFIX, norm))
            elif exact:
                elements.append((EXACT, norm))
            elif _is_abbreviation(word):
                elements.append((ABBR, norm))
            else:
                elements.append((STEM, norm))
    if not elements:
        raise ValueError(f"empty phrase in {raw!r}")
    return tuple(elements)


# ---- compiled matcher for one language ---------------------------------------------------


class _Tokens:
    """The tokens of a text, with their sentence numbers; character spans on demand.

    Tokenising sentence by sentence with `findall` keeps a 1 MB body fast; the spans are only
    needed for the few tokens quoted in explanations.
    """

    __slots__ = ("text", "tokens", "sents", "_chunks")

    def __init__(self, text: str):
        self.text = text
        self.tokens: list[str] = []
        self.sents: list[int] = []
        self._chunks: list[tuple[int, int, int]] = []  # (first token, start char, end char)
        pos = 0
        bounds = [m.end() for m in _SENTENCE_END_RE.finditer(text)]
        bounds.append(len(text))
        for k, end in enumerate(bounds):
            if end <= pos and k < len(bounds) - 1:
                continue
            found = _TOKEN_RE.findall(text, pos, end)
            if found:
                self._chunks.append((len(self.tokens), pos, end))
                sent = len(self._chunks) - 1
                self.tokens.extend(found)
                self.sents.extend([sent] * len(found))
            pos = end

    def span(self, i: int) -> tuple[int, int]:
        first, start, end = self._chunks[self.sents[i]]
        for n, m in enumerate(_TOKEN_RE.finditer(self.text, start, end)):
            if n == i - first:
                return m.span()
        raise IndexError(i)  # pragma: no cover

    def surface(self, i: int, j: int) -> str:
        """The text from token i to token j-1 as written, whitespace collapsed."""
        return " ".join(self.text[self.span(i)[0] : self.span(j - 1)[1]].split())


# per token: matched element ids, one-element term phrases starting here, longer term phrases
# starting here, (macro, phrase) starting here
_TokenInfo = tuple[
    frozenset[int], tuple[int, ...], tuple[int, ...], tuple[tuple[str, int], ...]
]
_NO_MATCH: _TokenInfo = (frozenset(), (), (), ())


@dataclass(slots=True)
class _Term:
    topic_index: int
    text: str
    weight: float
    atom_ids: tuple[int, ...]


class _Engine:
    """All terms of all topics for one language, indexed for a single pass over the tokens."""

    def __init__(self, parsed: list[list[ParsedTerm]], lang: str):
        self.lang = lang
        self.stem = _STEMMERS.get(lang, _identity)
        self.elem_ids: dict[tuple[str, str], int] = {}
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.abbr: dict[str, list[int]] = defaultdict(list)
        self.stems: dict[str, list[int]] = defaultdict(list)
        self.prefixes: dict[str, list[int]] = defaultdict(list)
        self.max_prefix = 0
        # phrases: (elements with token elements as ids, macro elements as names), owner
        self.phrases: list[tuple[tuple[int | str, ...], int]] = []
        self.first_elem: dict[int, list[int]] = defaultdict(list)  # elem id -> phrase ids
        self.first_macro: dict[str, list[int]] = defaultdict(list)  # macro -> phrase ids
        self.macro_phrases: dict[str, list[tuple[int, ...]]] = {}
        self.n_atoms = 0
        self.terms: list[_Term] = []
        self._token_cache: dict[str, _TokenInfo] = {}

        for ti, topic_terms in enumerate(parsed):
            for term in topic_terms:
                atom_ids = []
                for alts in term.atoms:
                    aid = self.n_atoms
                    self.n_atoms += 1
                    for phrase in alts:
                        self._add_phrase(phrase, aid)
                    atom_ids.append(aid)
                self.terms.append(_Term(ti, term.text, term.weight, tuple(atom_ids)))
        self.conjunctions = [k for k, t in enumerate(self.terms) if len(t.atom_ids) > 1]
        self.atom_terms: dict[int, list[int]] = defaultdict(list)
        for k, term in enumerate(self.terms):
            for a in term.atom_ids:
                self.atom_terms[a].append(k)
        # the first-element index covers term phrases only; macros are matched separately
        self._macro_first: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for name, plist in self.macro_phrases.items():
            for pi, p in enumerate(plist):
                self._macro_first[p[0]].append((name, pi))

    # -- compiling
    def _elem(self, kind: str, value: str) -> int:
        if kind == STEM:
            value = self.stem(value)
        key = (kind, value)
        eid = self.elem_ids.get(key)
        if eid is None:
            eid = self.elem_ids[key] = len(self.elem_ids)
            index = {EXACT: self.exact, ABBR: self.abbr, STEM: self.stems, PREFIX: self.prefixes}
            index[kind][value].append(eid)
            if kind == PREFIX:
                self.max_prefix = max(self.max_prefix, len(value))
        return eid

    def _macro(self, name: str) -> None:
        if name in self.macro_phrases:
            return
        entries = MACROS[name].get(self.lang, []) + MACROS[name].get(ANY, [])
        plist: list[tuple[int, ...]] = []
        for entry in entries:
            for alts in compile_term(entry, macros=()).atoms:
                for phrase in alts:
                    plist.append(tuple(self._elem(k, v) for k, v in phrase))
        self.macro_phrases[name] = plist

    def _add_phrase(self, phrase: Phrase, atom_id: int) -> None:
        elems: list[int | str] = []
        for kind, value in phrase:
            if kind == MACRO:
                self._macro(value)
                elems.append(value)
            else:
                elems.append(self._elem(kind, value))
        pid = len(self.phrases)
        self.phrases.append((tuple(elems), atom_id))
        first = elems[0]
        if isinstance(first, str):
            self.first_macro[first].append(pid)
        else:
            self.first_elem[first].append(pid)

    # -- matching
    def _token_info(self, token: str) -> _TokenInfo:
        """Element ids a raw token matches, and the phrases that may start at it (cached)."""
        info = self._token_cache.get(token)
        if info is None:
            norm = normalize_token(token)
            ids: set[int] = set()
            ids.update(self.exact.get(norm, ()))
            if _upperish(token):
                ids.update(self.abbr.get(norm, ()))
            ids.update(self.stems.get(self.stem(norm), ()))
            for k in range(1, min(len(norm), self.max_prefix) + 1):
                ids.update(self.prefixes.get(norm[:k], ()))
            starts = [p for e in ids for p in self.first_elem.get(e, ())]
            singles = tuple(p for p in starts if len(self.phrases[p][0]) == 1)
            longer = tuple(p for p in starts if len(self.phrases[p][0]) > 1)
            macro_starts = tuple(x for e in ids for x in self._macro_first.get(e, ()))
            info = (frozenset(ids), singles, longer, macro_starts) if ids else _NO_MATCH
            if len(self._token_cache) > 200_000:
                self._token_cache.clear()
            self._token_cache[token] = info
        return info

    def match(self, text: str) -> tuple[list[tuple[int, int, int, int]], _Tokens]:
        """Atom matches in `text` as (atom id, first token, end token, sentence)."""
        toks = _Tokens(text)
        cache, token_info = self._token_cache, self._token_info
        infos = [cache.get(t) or token_info(t) for t in toks.tokens]
        sents = toks.sents
        n = len(infos)
        sets = [info[0] for info in infos]
        active = [i for i, info in enumerate(infos) if info is not _NO_MATCH]

        # spans of each macro: start -> ends
        macro_spans: dict[str, dict[int, list[int]]] = {name: {} for name in self.macro_phrases}
        for i in active:
            for name, pi in infos[i][3]:
                p = self.macro_phrases[name][pi]
                ends = [i + 1] if len(p) == 1 else self._run(p, i, sets, sents, n, None)
                if ends:
                    macro_spans[name].setdefault(i, []).extend(ends)

        found: set[tuple[int, int, int]] = set()
        phrases = self.phrases
        empty: frozenset[int] = frozenset()
        for i in active:
            _ids, singles, longer, _m = infos[i]
            for pid in singles:
                found.add((phrases[pid][1], i, i + 1))
            if not longer:
                continue
            following = sets[i + 1] if i + 1 < n else empty
            for pid in longer:
                elems, aid = phrases[pid]
                second = elems[1]
                if isinstance(second, int) and second not in following:
                    continue  # cheap rejection before the general matcher
                for j in self._run(elems, i, sets, sents, n, macro_spans):
                    found.add((aid, i, j))
        for name, pids in self.first_macro.items():
            for i, js in macro_spans.get(name, {}).items():
                for pid in pids:
                    elems, aid = phrases[pid]
                    for j0 in js:
                        for j in self._run(elems[1:], j0, sets, sents, n, macro_spans, i):
                            found.add((aid, i, j))
        matches = [(aid, i, j, sents[i]) for aid, i, j in found]
        return matches, toks

    @staticmethod
    def _run(
        elems: Sequence[int | str],
        i: int,
        sets: list[frozenset[int]],
        sents: list[int],
        n: int,
        macro_spans: dict[str, dict[int, list[int]]] | None,
        origin: int | None = None,
    ) -> list[int]:
        """End positions of `elems` matched from token i, within the sentence of `origin`."""
        if i >= n:
            return [i] if not elems else []
        sent = sents[i if origin is None else origin]
        p, k, count = i, 0, len(elems)
        while k < count and isinstance(elems[k], int):  # fast path: a run of plain tokens
            if p >= n or sents[p] != sent or elems[k] not in sets[p]:
                return []
            p += 1
            k += 1
        if k == count:
            return [p]
        positions = [p]
        for e in elems[k:]:
            nxt: list[int] = []
            for p in positions:
                if p >= n or sents[p] != sent:
                    continue
                if isinstance(e, int):
                    if e in sets[p]:
                        nxt.append(p + 1)
                elif macro_spans is not None:
                    nxt.extend(macro_spans[e].get(p, ()))
            if not nxt:
                return []
            positions = nxt
        return positions


# ---- classifier --------------------------------------------------------------------------


def _repetition(n: int) -> float:
    return 1.0 + 0.5 * (min(n, 3) - 1)


class Classifier:
    """Assigns topics to a release; see the module docstring for the scoring."""

    def __init__(self, topics: list[Topic] | None = None, threshold: float | None = None):
        self.topics: list[Topic] = list(DEFAULT_TOPICS if topics is None else topics)
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self._by_id = {t.id: t for t in self.topics}
        # per topic: language key -> parsed terms (parsing here reports bad terms early)
        self._parsed: list[dict[str, list[ParsedTerm]]] = []
        self._langs: set[str] = set()
        for topic in self.topics:
            by_lang: dict[str, list[ParsedTerm]] = {}
            for lang, items in topic.terms.items():
                self._langs.add(lang)
                try:
                    by_lang[lang] = [compile_term(raw) for raw in items]
                except ValueError as exc:
                    raise ValueError(f"topic {topic.id!r}, terms.{lang}: {exc}") from None
            self._parsed.append(by_lang)
        self._thresholds = [
            t_thr if (t_thr := getattr(t, "threshold", None)) is not None else self.threshold
            for t in self.topics
        ]
        self._engines: dict[str, _Engine] = {}

    def topic(self, topic_id: str) -> Topic | None:
        return self._by_id.get(topic_id)

    def _engine(self, lang: str) -> _Engine:
        engine = self._engines.get(lang)
        if engine is None:
            parsed = [by_lang.get(lang, []) + by_lang.get(ANY, []) for by_lang in self._parsed]
            engine = self._engines[lang] = _Engine(parsed, lang)
        return engine

    def language_of(self, title: str, body: str, language: str = "") -> str:
        """The given language if known, else the detected one.

        A given language whose script contradicts the text (a feed configured as "en" that
        serves Cyrillic pages) yields to the detected one.
        """
        code = _language_code(language)
        if code in LANGUAGES or (code and code in self._langs and code != ANY):
            sample = f"{title}\n{body[:5000]}"
            cyr, lat = script_counts(sample)
            if code == "ru" and lat > 3 * cyr + 20:
                return detect_language(sample)
            if code in ("en", "az") and cyr > 3 * lat + 20:
                return "ru"
            return code
        return detect_language(f"{title}\n{body[:5000]}")

    def classify(self, title: str, body: str, language: str = "") -> list[TopicMatch]:
        title = _clean(title or "").strip()
        body = _clean(body or "").strip()
        if title and body[: len(title)].casefold() == title.casefold():
            body = body[len(title) :].lstrip()
        if not title and not body:
            return []
        engine = self._engine(self.language_of(title, body, language))

        # per topic: (term index, place) -> [count, first surface]
        hits: dict[int, dict[tuple[int, str], list]] = defaultdict(dict)
        atom_terms = engine.atom_terms

        for place, text in (("title", title), ("body", body)):
            if not text:
                continue
            matches, toks = engine.match(text)
            by_atom: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
            for aid, i, j, s in matches:
                by_atom[aid].append((i, j, s))
            single: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # topic -> spans
            for aid, occ in by_atom.items():
                for k in atom_terms[aid]:
                    term = engine.terms[k]
                    if len(term.atom_ids) == 1:
                        for i, j, _s in occ:
                            single[term.topic_index].append((i, j, k))
            # single-atom terms: drop matches nested inside a longer match of the same topic
            for ti, occs in single.items():
                occs.sort(key=lambda o: (-(o[1] - o[0]), -abs(engine.terms[o[2]].weight)))
                kept: list[tuple[int, int, int]] = []
                kept_end: dict[int, int] = {}  # start -> furthest end of a kept span
                longest = 0
                for i, j, k in occs:
                    if any(kept_end.get(x, -1) >= j for x in range(i - longest, i + 1)):
                        continue
                    kept.append((i, j, k))
                    kept_end[i] = max(kept_end.get(i, -1), j)
                    longest = max(longest, j - i)
                for i, j, k in sorted(kept):
                    rec = hits[ti].get((k, place))
                    if rec is None:
                        rec = hits[ti][(k, place)] = [0, toks.surface(i, j)]
                    rec[0] += 1
            # conjunctions: once per sentence where every atom occurs
            atom_sents: dict[int, set[int]] = {}
            for k in engine.conjunctions:
                term = engine.terms[k]
                if not all(a in by_atom for a in term.atom_ids):
                    continue
                for a in term.atom_ids:
                    if a not in atom_sents:
                        atom_sents[a] = {s for _i, _j, s in by_atom[a]}
                sentences = set.intersection(*(atom_sents[a] for a in term.atom_ids))
                if not sentences:
                    continue
                first = min(sentences)
                parts = []
                for a in term.atom_ids:
                    i, j, _ = min(o for o in by_atom[a] if o[2] == first)
                    parts.append(f'"{toks.surface(i, j)}"')
                hits[term.topic_index][(k, place)] = [len(sentences), " & ".join(parts)]

        results: list[TopicMatch] = []
        for ti, recs in hits.items():
            score = 0.0
            reasons: list[tuple[float, str]] = []
            for (k, place), (count, surface) in recs.items():
                term = engine.terms[k]
                factor = TITLE_FACTOR if place == "title" else BODY_FACTOR
                contribution = term.weight * factor * _repetition(count)
                score += contribution
                shown = surface if surface.startswith('"') else f'"{surface}"'
                reason = f"{place}: {shown}" + (f" x{count}" if count > 1 else "")
                if term.weight < 0:
                    reason += " (against)"
                reasons.append((contribution, reason))
            if score >= self._thresholds[ti] and score > 0:
                reasons.sort(key=lambda r: (r[0] < 0, not r[1].startswith("title"), -abs(r[0])))
                results.append(
                    TopicMatch(self.topics[ti].id, round(score, 2), [r for _c, r in reasons])
                )
        order = {t.id: n for n, t in enumerate(self.topics)}
        results.sort(key=lambda m: (-m.score, order[m.topic_id]))
        return results


# ---- JSON lines --------------------------------------------------------------------------


def classify_json_lines(
    lines: Iterable[str], classifier: Classifier
) -> Iterator[tuple[str | None, str | None]]:
    """Classify JSON objects, one per line: yields (output line, None) or (None, error).

    The output is the input object with "topics" and "reasons" added. A bad line yields an
    error naming its 1-based number and does not stop the others; blank lines are skipped.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield None, f"line {number}: not a JSON object ({exc})"
            continue
        if not isinstance(obj, dict):
            yield None, f"line {number}: not a JSON object (got {type(obj).__name__})"
            continue
        fields = {}
        bad = None
        for key in ("title", "body", "language"):
            value = obj.get(key, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                bad = f"line {number}: {key!r} must be a string, not {type(value).__name__}"
                break
            fields[key] = value
        if bad:
            yield None, bad
            continue
        matches = classifier.classify(fields["title"], fields["body"], fields["language"])
        obj["topics"] = [m.topic_id for m in matches]
        obj["reasons"] = {m.topic_id: m.reasons for m in matches}
        yield json.dumps(obj, ensure_ascii=False), None


# ---- configuration -----------------------------------------------------------------------

_TOPIC_KEYS = {"id", "name", "description", "terms", "threshold"}
_TERMS_SHAPE = "expected a table of language -> list of strings"


def topics_from_config(raw: list[dict]) -> list[Topic]:
    """Build topics from `[[topics]]` config tables; ValueError messages name the key.

    Indexes are 0-based, as in the rest of the config messages: ``topics[2].terms.en[1]``.
    A topic may set ``threshold`` (a positive number); such topics are `ConfigTopic`s.
    """
    if not isinstance(raw, list):
        raise ValueError("topics: expected an array of tables ([[topics]])")
    topics: list[Topic] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw):
        where = f"topics[{n}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a table")
        unknown = sorted(set(entry) - _TOPIC_KEYS)
        if unknown:
            raise ValueError(
                f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_TOPIC_KEYS))})"
            )
        tid = entry.get("id")
        if not isinstance(tid, str) or not _ID_RE.match(tid):
            raise ValueError(
                f"{where}.id: expected a short id of lower-case letters, digits, '-' or '_' "
                f"(got {tid!r})"
            )
        if tid in seen:
            raise ValueError(f"{where}.id: {tid!r} is used twice; give each topic its own id")
        seen.add(tid)
        name = entry.get("name", tid)
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.name: expected a non-empty string")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise ValueError(f"{where}.description: expected a string")
        threshold = entry.get("threshold")
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
            or threshold <= 0
        ):
            raise ValueError(f"{where}.threshold: expected a positive number (got {threshold!r})")
        terms_raw = entry.get("terms")
        if not isinstance(terms_raw, dict) or not terms_raw:
            raise ValueError(f"{where}.terms: {_TERMS_SHAPE}")
        terms: dict[str, list[str]] = {}
        for lang, items in terms_raw.items():
            key = f"{where}.terms.{lang}"
            if not isinstance(lang, str) or not (lang == ANY or re.fullmatch(r"[a-z]{2,3}", lang)):
                raise ValueError(
                    f"{key}: the language must be a code like 'en', 'az', 'ru' or '*' for any"
                )
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise ValueError(f"{where}.terms: {_TERMS_SHAPE} ({lang!r} is not)")
            for i, item in enumerate(items):
                try:
                    compile_term(item)
                except ValueError as exc:
                    raise ValueError(f"{key}[{i}]: {exc}") from None
            terms[lang] = list(items)
        if not any(terms.values()):
            raise ValueError(f"{where}.terms: no terms; give at least one")
        topics.append(
            ConfigTopic(
                id=tid,
                name=name.strip(),
                description=description,
                terms=terms,
                threshold=float(threshold) if threshold is not None else None,
            )
        )
    return topics
