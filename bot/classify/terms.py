"""The term grammar: a topic's terms as written -> parsed elements (no stemming yet).

Term syntax (``Topic.terms`` values)
------------------------------------
``word``
    inflection-tolerant: the word's stem equals the token's stem (`bot.text.stem`: Snowball
    English with ``-isation`` read as ``-ization``, Snowball Russian, and for Azerbaijani a
    suffix stripper for case, plural and possessive endings: ``Komitəsinin`` -> ``komite``).
    Use it for ordinary words; Russian stems are short, so prefer ``word*`` when unsure.
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
    a built-in word class (see `bot.classify.word_classes.MACROS`: ``@country`` = foreign
    countries and their adjectives, ``@meet`` = meeting, talks, visit, agreement words); may be
    one element of a phrase (``delegation of @country``).
``a | b``
    alternatives: either phrase.
``a & b``
    co-occurrence: ``a`` and ``b`` both in the same sentence (counted once per sentence), e.g.
    ``@meet & @country``. ``|`` binds tighter: ``agreement | protocol & @country``.
    Co-occurrence terms are not subject to the nested-span rule of the scoring.
``term^2``, ``term^-1.5``
    weight (default 1). Must be the last thing in the term.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.classify.word_classes import MACROS
from bot.text import WORD, normalize_token

ANY = "*"  # the terms of this "language" apply to every language

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
        words = WORD.findall(body)
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


def _is_abbreviation(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return False
    upper = sum(c.isupper() for c in letters)
    return upper == len(letters) or (upper >= 2 and len(letters) <= 6)

