"""Matching the terms of every topic for one language in a single pass over a text's tokens."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.classify.terms import (
    ABBR,
    ANY,
    EXACT,
    MACRO,
    PREFIX,
    STEM,
    ParsedTerm,
    Phrase,
    compile_term,
)
from bot.classify.word_classes import MACROS
from bot.text import LANGUAGES, normalize_token, stem

# a possessive 's is no token; otherwise tokens are `bot.text.WORD`s
_TOKEN_RE = re.compile(r"(?!(?<=['’])[sS]\b)[^\W_]+")
# a sentence ends at . ! ? … (followed by space or end) or at a line break
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'»”)\]]*(?=\s|$)|\n")


def stemmer_for(lang: str) -> Callable[[str], str]:
    """`bot.text.stem` for the bot's languages; other languages' terms are not stemmed."""
    if lang not in LANGUAGES:
        return _identity

    def stem_in(word: str) -> str:
        return stem(word, lang)

    return stem_in


def _identity(word: str) -> str:
    return word


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


class Tokens:
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


class Engine:
    """All terms of all topics for one language, indexed for a single pass over the tokens."""

    def __init__(self, parsed: list[list[ParsedTerm]], lang: str):
        self.lang = lang
        self.stem = stemmer_for(lang)
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
            for parsed_term in topic_terms:
                atom_ids = []
                for alts in parsed_term.atoms:
                    aid = self.n_atoms
                    self.n_atoms += 1
                    for phrase in alts:
                        self._add_phrase(phrase, aid)
                    atom_ids.append(aid)
                self.terms.append(
                    _Term(ti, parsed_term.text, parsed_term.weight, tuple(atom_ids)))
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

    def token_stems(self, text: str) -> list[str]:
        """The stem of each token of `text`, as `STEM` elements are matched."""
        return [self.stem(normalize_token(token)) for token in Tokens(text).tokens]

    def match(self, text: str) -> tuple[list[tuple[int, int, int, int]], Tokens]:
        """Atom matches in `text` as (atom id, first token, end token, sentence)."""
        toks = Tokens(text)
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
