"""What an HTML source repeats on every article page (banners, "follow us" lines, the agency's
sign-off), learnt from the source's recent articles and cleaned out of each release's text.

The memory lives in `FeedState`: `line_windows` holds, per recent article (oldest first), the
hashes of its lines' comparable forms; `boilerplate` the learnt lines, readable, for operators.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import tzinfo

from bot.models import FeedState
from bot.sources.page_dates import date_line
from bot.sources.page_lines import line_key
from bot.sources.text import clean_text, drop_leading_title

# a line is boilerplate when it is in at least 60% of the source's last (up to) 20 articles,
# and in at least 3 of them (so nothing is learnt from fewer than 3 articles)
BOILERPLATE_WINDOW = 20
BOILERPLATE_MIN_ARTICLES = 3
BOILERPLATE_SHARE = (3, 5)  # 60%, as a fraction to avoid float rounding in the threshold
MAX_LINES_REMEMBERED = 400  # line hashes kept per article (banners are near the top or bottom)

_SIGN_OFF = re.compile(
    r"""^(?:
      (?:the\s)?(?:press\s(?:and\s)?public\s(?:affairs|relations)|public\s(?:affairs|relations)
                 |press|media\s(?:and\s)?public\srelations|media\srelations|press\sand\smedia)
      \s(?:department|service|office|division|centre|center|unit|section)
      (?:\sof\s(?:the\s)?(?:state\scustoms\scommittee|scc)
         (?:\sof\s(?:the\s)?republic\sof\sazerbaijan)?)?
    | (?:(?:azərbaycan\srespublikası\s)?dövlət\sgömrük\skomitəsinin\s|dgk\s(?:nın\s)?)?
      (?:mətbuat\svə\sictimaiyyətlə\səlaqələr|ictimaiyyətlə\səlaqələr|mətbuat)
      \s(?:şöbəsi|idarəsi|xidməti|mərkəzi|sektoru)
    | (?:пресс\sслужба
         |(?:отдел|управление|служба|сектор)\sпо\sсвязям\sс\s
          (?:прессой|общественностью|сми|средствами\sмассовой\sинформации)
          (?:\sи\s(?:прессой|общественностью|сми|средствами\sмассовой\sинформации))?)
      (?:\s(?:государственного\sтаможенного\sкомитета|гтк)(?:\sазербайджанской\sреспублики)?)?
    )$""",
    re.VERBOSE,
)


def is_sign_off(line: str) -> bool:
    """The agency's sign-off line in any of its three languages (the whole line, nothing else)."""
    return bool(_SIGN_OFF.match(line_key(line)))


def _fingerprint(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:10]


def is_learnt(line: str, learnt: set[str]) -> bool:
    """Whether `line` is one of the `learnt` boilerplate lines."""
    return _fingerprint(line_key(line)) in learnt


def _remembered(lines: list[str]) -> list[str]:
    """The sorted hashes of an article's distinct lines; for a huge page, those of its first
    and last MAX_LINES_REMEMBERED / 2 lines (where banners and sign-offs are)."""
    keys = list(dict.fromkeys(k for k in map(line_key, lines) if k))
    if len(keys) > MAX_LINES_REMEMBERED:
        half = MAX_LINES_REMEMBERED // 2
        keys = keys[:half] + keys[-half:]
    return sorted({_fingerprint(k) for k in keys})


def learn_boilerplate(state: FeedState, articles: list[list[str]]) -> set[str]:
    """Add these articles' lines to the source's window and return the fingerprints of the lines
    that are boilerplate now.

    The window (`state.line_windows`) is the last BOILERPLATE_WINDOW articles of this source
    (including these), each kept as the sorted hashes of its lines' comparable forms. A line is
    boilerplate when the window holds at least 3 articles and the line is in at least 60% of
    them and at least 3: a site banner or a "share" line, never a paragraph two releases happen
    to share. The current articles count, so a first poll of 10 releases learns its banner at
    once. `state.boilerplate` is left holding the learnt lines, readable."""
    readable = {_fingerprint(line_key(line)): line for line in state.boilerplate}
    window = [list(hashes) for hashes in state.line_windows]
    for lines in articles:
        window.append(_remembered(lines))
    window = window[-BOILERPLATE_WINDOW:]
    learnt: set[str] = set()
    if len(window) >= BOILERPLATE_MIN_ARTICLES:
        share_num, share_den = BOILERPLATE_SHARE
        need = max(BOILERPLATE_MIN_ARTICLES, -(-share_num * len(window) // share_den))
        counts = Counter(h for hashes in window for h in hashes)
        learnt = {h for h, count in counts.items() if count >= need}
    for lines in articles:
        for line in lines:
            fingerprint = _fingerprint(line_key(line))
            if fingerprint in learnt:
                readable.setdefault(fingerprint, line)
    state.boilerplate = [line for h, line in readable.items() if h in learnt]
    state.line_windows = window
    return learnt


def clean_article_text(lines: list[str], title: str, learnt: set[str], tz: tzinfo) -> str:
    """The release's text without the page's artefacts:

    * whatever precedes the title when the title is one of the first 8 lines and everything
      before it is short (banners, menus, section names that trafilatura kept);
    * learnt boilerplate lines, the agency's sign-off, lines that are only a date (with or
      without a view counter);
    * the title, once or twice, at the start (`drop_leading_title`)."""
    title_key = line_key(title)
    for i, line in enumerate(lines[:8]):
        if line_key(line) == title_key and all(len(before) <= 120 for before in lines[:i]):
            lines = lines[i:]
            break
    kept = [
        line for line in lines
        if _fingerprint(line_key(line)) not in learnt
        and not is_sign_off(line)
        and date_line(line, tz) is None
    ]
    return clean_text(drop_leading_title("\n".join(kept), title))
