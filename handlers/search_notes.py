"""The search parser's warnings and errors, in the chat's language.

bot.search reports problems with a query as English sentences (`ParsedQuery.warnings`,
`.error`; the CLI prints them as they are). Each one it can write is matched here and given as
a whole translated sentence; one this table does not know is shown as it came (the unit tests
make every known one read in az and ru).
"""

from __future__ import annotations

import re

from bot.i18n import N_, tr

# bot.search's sentence (as a pattern) -> the msgid that says it, with the same fields
_TABLE = (
    (r"the search was cut to its first (?P<max>\d+) characters",
     N_("The search was cut to its first {max} characters.")),
    (r"only the first (?P<max>\d+) words were used",
     N_("Only the first {max} words were used.")),
    (r"since: is after until:, so they were swapped",
     N_("since: is after until:, so they were swapped.")),
    (r"nothing to search for: type some words, see /help search",
     N_("Nothing to search for: type some words.")),
    (r"topic: needs a topic id, e.g. topic:demining",
     N_("topic: needs a topic id, e.g. topic:demining.")),
    (r"lang: accepts en, az or ru, not (?P<value>.*)",
     N_("lang: accepts en, az or ru, not {value}.")),
    (r"-lang: is not supported; use lang: with the languages you want",
     N_("-lang: is not supported; use lang: with the languages you want.")),
    (r"since: expects YYYY, YYYY-MM or YYYY-MM-DD, not (?P<value>.*)",
     N_("since: expects YYYY, YYYY-MM or YYYY-MM-DD, not {value}.")),
    (r"until: expects YYYY, YYYY-MM or YYYY-MM-DD, not (?P<value>.*)",
     N_("until: expects YYYY, YYYY-MM or YYYY-MM-DD, not {value}.")),
    (r"no release has all (?P<n>\d+) words; showing releases with (?P<matched>\d+) of them",
     N_("No release has all {n} words; showing releases with {matched} of them.")),
)
NOTES = tuple((re.compile(pattern), msgid) for pattern, msgid in _TABLE)


def search_note(lang: str, note: str) -> str:
    """`note` (a warning or error of bot.search) in `lang`, as one sentence."""
    text = note.strip().rstrip(".")
    for pattern, msgid in NOTES:
        if match := pattern.fullmatch(text):
            return tr(lang, msgid, **match.groupdict())
    return text[:1].upper() + text[1:] + "."
