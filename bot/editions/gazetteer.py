"""Trilingual gazetteer: countries and Azerbaijan's border points, ports and districts.

Each entry is a pattern over `translit.fold` text, so one pattern covers the Azerbaijani,
Russian and English spellings and their inflected forms: Gürcüstan -> gurjustan, Грузии ->
gruzii, Georgian -> georgian all give ``GE``. Places are what tells two seizures on the same day
apart, so they are kept in two kinds: `COUNTRIES` and `PLACES` (checkpoints, ports, cities).
"""

from __future__ import annotations

import re

# id -> pattern over folded text (word start is implied)
COUNTRIES: dict[str, str] = {
    "AZ": r"azarbayjan|azerbayjan|azerbaijan|azerbaydzhan",
    "GE": r"gurjust|gruzi(?:ya|i|yu|ey|n)|georgia",
    "UZ": r"ozbak|uzbek",
    "KZ": r"qazakhist|kazakhst|kazakh(?:\b|s)",  # not az Qazax, a district
    "TR": r"turkiy|turts|turetsk|turkey|turkish",
    "RU": r"rusiya|rossi|russia|russian",
    "IR": r"iran",
    "CN": r"chin(?:a|ese|da|dan|a|in)?\b|kita(?:y|ya|yu|e)",
    "HU": r"majar|vengri|vengersk|hungar",
    "UA": r"ukrayn|ukrain",
    "MD": r"moldov",
    "KG": r"qirghiz|kirgiz|kyrgyz",
    "TJ": r"tajik|tadzhik",
    "TM": r"turkman|turkmen",
    "BY": r"belarus",
    "DE": r"almaniya|germani|german",
    "NL": r"niderland|netherland|dutch|gollandi",
    "US": r"absh\b|amerika birlash|ssha\b|united states|usa\b",
    "IT": r"italiya|itali|italy",
    "AM": r"ermani|armeni",
    "FR": r"fransa|frantsi|france|french",
    "GB": r"boyuk britaniya|velikobritani|united kingdom|britain|british",
    "BE": r"belchika|belgi",
    "PL": r"polsh|polsk|poland|polish",
    "AF": r"af[qg]an|afghan",
    "PK": r"pakistan",
    "IN": r"hindist|indi[iye]|india",
    "AE": r"birlashmish arab|amirlik|emirat",
    "SA": r"saudi|saudovs|sauduiyya|saud",
    "QA": r"qatar|katar",
    "IL": r"israil|izrail|israel",
    "EG": r"misir|egipt|egypt",
    "KR": r"koreya|kore[ij]|korea",
    "JP": r"yaponiy|japan",
    "LT": r"litva|litv|lithuan",
    "LV": r"latviy|latvi",
    "EE": r"estoniy|estoni",
    "BR": r"braziliy|brazil",
    "AT": r"avstriy|austria",
    "CH": r"isvechr|shveytsar|switzerland|swiss",
    "GR": r"yunanist|gretsi|greece|greek",
    "RO": r"rumini|ruminiya|romania",
    "BG": r"bolqarist|bolgari|bulgaria",
    "SK": r"slovakiy|slovaki",
    "CZ": r"chekhiy|chekhi|czech",
}

PLACES: dict[str, str] = {
    # border crossing points and customs posts
    "astara": r"astar(?:a|y|e|u|oy|ada|adan|ya)?\b",
    "bilasuvar": r"bil(?:a|ya|e)suvar",
    "red-bridge": r"qirmizi korpu|krasn\w* most|red bridge",
    "yalama": r"yalam",
    "samur": r"samur",
    "sadarak": r"sadarak|sederek|sadarek",
    "dilucu": r"dilu(?:j|dzh|c)u",
    "julfa": r"julfa|dzhulf|culfa",
    "sinig-korpu": r"s[iy]n[iy][qgk] k(?:o|yo|e)rp(?:u|yu)",
    "balakan": r"balakan|belokan|balaken",
    "khudat": r"khudat",
    "horadiz": r"horadiz|goradiz",
    "lachin-post": r"lachin",
    "baku-port": r"(?:baki|baku)\w* (?:\w+ ){0,4}(?<!hava )(?:liman|port)\w*"
                 r"|\bport\w* (?:of )?baku"
                 r"|bakinsk\w* (?:\w+ ){0,3}port|(?:a|ya)l(?:a|ya)t\b",
    "baku-airport": r"aeroport|airport|hava liman|heydar aliyev|geydar aliev",
    "post-office": r"pocht\w* gomruk|pochtov\w* tamozh|postal customs|baki pocht",
    # districts and cities
    "fuzuli": r"fuzuli|fizuli",
    "aghdam": r"aghdam|agdam",
    "jabrayil": r"jabrayil|dzhebrail|jabrail",
    "zangilan": r"zangilan|zangelan",
    "kalbajar": r"kalbajar|kelbadzhar",
    "shusha": r"shush",
    "khojavand": r"khojavand|khodzhavend",
    "ganja": r"ganj|gyandzh|gandzh",
    "sumgayit": r"sumqayit|sumgait|sumgayit",
    "lankaran": r"lankaran|lenkoran",
    "jalilabad": r"jalilabad|dzhalilabad",
    "nakhchivan": r"nakh(?:ch|ich)[iy]van",
    "gabala": r"qabala|gabala",
    "shaki": r"shaki(?:\b|d|n|y)|sheki",
    "mingachevir": r"mingachevir|mingechaur",
    "shirvan": r"shirvan",
    "guba": r"quba|guba\b",
    "tbilisi": r"tbilis",
    "kars": r"qars(?!h)|kars\b",
    "aktau": r"aktau|aqtau",
    "kuryk": r"kuryk|kurik",
    "astana": r"astan(?:a|e|u|ada)\b",
    "tashkent": r"dashkand|tashkent",
    "ankara": r"ankar",
    "istanbul": r"istanbul|stambul",
    "brussels": r"brussel|bryussel",
    "moscow": r"moskv|moscow",
    "tehran": r"tehran|tegeran",
    "minsk": r"minsk",
    "ashgabat": r"ashgabat|ashkhabad|ashqabad",
    "sao-paulo": r"san[ -]paul|sao paul",
}
# named too often to tell events apart; kept as weak evidence, never a veto
COMMON_PLACES = frozenset({"baku"})
_BAKU = r"\bbak(?:i|u|in)"


def _compile(entries: dict[str, str]) -> list[tuple[str, re.Pattern[str]]]:
    return [(key, re.compile(rf"\b(?:{pattern})")) for key, pattern in entries.items()]


_COUNTRY_RX = _compile(COUNTRIES)
_PLACE_RX = _compile({**PLACES, "baku": _BAKU})


def countries(folded: str) -> frozenset[str]:
    """Countries named in folded text, Azerbaijan itself left out (it is in every release)."""
    return frozenset(key for key, rx in _COUNTRY_RX if key != "AZ" and rx.search(folded))


def places(folded: str) -> frozenset[str]:
    """Checkpoints, ports, districts and cities named in folded text."""
    return frozenset(key for key, rx in _PLACE_RX if rx.search(folded))
