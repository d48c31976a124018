"""Numbers and quantities in any of the three notations, reduced to comparable values.

`1 250 kq` = `1,250 kg` = `1 250 кг`; `18 kq 400 qram` = `18 кг 400 г` = `18.4 kg`;
`6 milyard 912,4 milyon manat` = `6 912,4 млн манатов` = `6,912.4 million manats`.
Each value keeps the precision it was written with, so a rounded headline figure (`18 kq-dan
çox`, `6,9 milyard`) still meets the exact one in the body (`18.4 kg`, `6 912,4 milyon`).
Ordinals (`87-ci`, `87-я`, `87th`) and article numbers (`206.3.2`) are kept apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.editions.translit import lower


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float  # in the unit's base (kg, hectares, manats, dollars, euros, per cent)
    unit: str  # "kg", "ha", "manat", "usd", "eur", "%" or "" for a bare count
    precision: float  # the place of the last digit written, in the same base

    @property
    def significant_digits(self) -> int:
        if self.value <= 0 or self.precision <= 0:
            return 1
        return max(1, len(str(round(self.value / self.precision))))


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """The same figure, one perhaps rounded: units agree (or one is a bare count) and the
    difference is within half the coarser precision."""
    if a.unit and b.unit and a.unit != b.unit:
        return False
    tolerance = max(a.precision, b.precision) / 2 + 1e-9 * max(abs(a.value), 1.0)
    return abs(a.value - b.value) <= tolerance


_SCALES = {
    "min": 1e3, "тыс": 1e3, "тысяч": 1e3, "тысячи": 1e3, "тысяча": 1e3, "thousand": 1e3,
    "milyon": 1e6, "млн": 1e6, "миллион": 1e6, "миллиона": 1e6, "миллионов": 1e6,
    "million": 1e6, "millions": 1e6, "mln": 1e6, "m": 1e6,
    "milyard": 1e9, "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9, "миллиардов": 1e9,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "mlrd": 1e9,
}
_SCALE_RX = r"(?:milyard|milyon|min|млрд|млн|тыс(?:яч[аи]?)?|миллиард(?:ов|а)?|миллион(?:ов|а)?"\
    r"|billions?|millions?|thousand|bn|mln|m)\.?"
_UNITS: tuple[tuple[str, str, float], ...] = (
    (r"kq|kg|кг|kilo(?:qram|gram)\w*|килограмм\w*", "kg", 1.0),
    (r"qram|грамм?\w*|gram(?:me)?s?|г|q|g", "kg", 0.001),
    (r"tonn?\w*|тонн\w*|t", "kg", 1000.0),
    (r"hektar\w*|гектар\w*|hectares?|ha|га", "ha", 1.0),
    (r"faiz\w*|процент\w*|per ?cent|percent|%", "%", 1.0),
    (r"manat\w*|манат\w*|azn", "manat", 1.0),
    (r"(?:abş |сша |us )?(?:dollar\w*|доллар\w*)|usd", "usd", 1.0),
    (r"avro|евро|euros?|eur|€", "eur", 1.0),
)
_UNIT_RX = "|".join(f"(?P<u{n}>{rx})" for n, (rx, _, _) in enumerate(_UNITS))
_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*"
_QUANTITY = re.compile(
    rf"(?P<cur>\$|\bus\$)?\s?(?P<num>{_NUMBER})"
    rf"(?:\s?(?P<scale>{_SCALE_RX})(?![\w]))?"
    rf"(?:\s?(?:{_UNIT_RX})(?![^\W\d_]))?"
    r"(?P<suffix>-?(?:[^\W\d_]{1,5}))?",
)
_ORDINAL_SUFFIX = re.compile(
    r"-?(?:c[iıuü]|[iıuü]nc[iıuü]|nc[iıuü]|st|nd|rd|th)$|^-(?:й|я|е|го|му|м|ой|ый|ая|ое|ого)$"
)


def _parse_number(text: str, language: str) -> tuple[float, float] | None:
    """(value, precision) of one written number; None for dotted codes like 206.3.2."""
    text = re.sub(r"[ \u00a0\u202f]", "", text)
    if text.count(".") + text.count(",") > 1 and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?",
                                                                   text):
        if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", text):  # 1.250.000,5
            text = text.replace(".", "").replace(",", ".")
        else:
            return None
    elif "," in text and "." in text:
        text = text.replace(",", "")
    elif "," in text:
        head, tail = text.split(",")
        # English writes 1,046 for a thousand and forty-six; az/ru write 4,6 for 4.6
        text = head + tail if language == "en" and len(tail) == 3 else f"{head}.{tail}"
    value = float(text)
    if "." in text:
        precision = 10.0 ** -len(text.split(".")[1])
    else:
        stripped = text.rstrip("0")
        zeros = len(text) - len(stripped) if stripped else 0
        precision = 10.0 ** min(zeros, 2)
    return value, precision


def _unit_of(match: re.Match[str]) -> tuple[str, float]:
    for n, (_, unit, factor) in enumerate(_UNITS):
        if match.group(f"u{n}"):
            return unit, factor
    return "", 1.0


@dataclass(frozen=True, slots=True)
class Figures:
    quantities: tuple[Quantity, ...]
    ordinals: frozenset[int]
    codes: frozenset[str]  # article numbers and other dotted codes: "206.3.2"


def figures(text: str, language: str) -> Figures:
    """Every figure of `text`: quantities (composites summed), ordinals, dotted codes."""
    low = lower(text)
    quantities: list[Quantity] = []
    ordinals: set[int] = set()
    codes = {m.group(0) for m in re.finditer(r"\b\d+(?:\.\d+){2,}\b", low)}
    # end offset and value of the last figure written with a scale or a unit
    previous: tuple[int, Quantity] | None = None
    for match in _QUANTITY.finditer(low):
        parsed = _parse_number(match.group("num"), language)
        if parsed is None:
            continue
        value, precision = parsed
        scale = _SCALES.get((match.group("scale") or "").rstrip("."), 1.0)
        if match.group("scale") in ("m", "m.") and not (match.group("cur") or _unit_of(match)[0]):
            scale = 1.0  # "5 m" is five metres unless it is money
        unit, factor = _unit_of(match)
        if match.group("cur"):
            unit = "usd"
        suffix = match.group("suffix") or ""
        if suffix and _ORDINAL_SUFFIX.search(suffix) and not unit and scale == 1.0:
            if value == int(value) and not 1900 <= value <= 2100:
                ordinals.add(int(value))
            continue
        quantity = Quantity(value * scale * factor, unit, precision * scale * factor)
        measured = bool(match.group("scale") or unit)
        # a composite: 6 milyard 912,4 milyon; 18 kq 400 qram; 1 milyon 150 min ton
        if previous is not None and measured and not low[previous[0]:match.start()].strip():
            head = previous[1]
            if not head.unit and unit:  # "1 milyon" took its unit from "150 min ton"
                head = Quantity(head.value * factor, unit, head.precision * factor)
            if 0 < quantity.value < head.precision and head.unit in ("", unit):
                quantity = Quantity(head.value + quantity.value, head.unit or unit,
                                    quantity.precision)
                quantities[-1] = quantity
                previous = (match.end(), quantity)
                continue
        quantities.append(quantity)
        previous = (match.end(), quantity) if measured and not suffix else None
    quantities.extend(word_numbers(low, language))
    return Figures(tuple(quantities), frozenset(ordinals), frozenset(codes))


_WORDS = {
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30,
           "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90},
    "az": {"iki": 2, "üç": 3, "dörd": 4, "beş": 5, "altı": 6, "yeddi": 7, "səkkiz": 8,
           "doqquz": 9, "on": 10, "iyirmi": 20, "otuz": 30, "qırx": 40, "əlli": 50},
    "ru": {"два": 2, "две": 2, "двух": 2, "три": 3, "трёх": 3, "трех": 3, "четыре": 4,
           "четырёх": 4, "пять": 5, "пяти": 5, "шесть": 6, "шести": 6, "семь": 7, "семи": 7,
           "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9, "десять": 10, "десяти": 10,
           "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30, "сорок": 40,
           "сорока": 40, "пятьдесят": 50, "пятидесяти": 50},
}


def word_numbers(low: str, language: str) -> list[Quantity]:
    """Counts written as words (Forty-five, шесть, səkkiz), as bare counts."""
    words = _WORDS.get(language)
    if not words:
        return []
    out: list[Quantity] = []
    for match in re.finditer(r"[^\W\d_]+(?:-[^\W\d_]+)?", low):
        parts = match.group(0).split("-")
        if all(p in words for p in parts):
            out.append(Quantity(float(sum(words[p] for p in parts)), "", 1.0))
    return out
