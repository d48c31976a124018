"""What other modules say in English and the handlers pass on, in the chat's language.

bot.search reports problems with a query as English sentences (`ParsedQuery.warnings`,
`.error`), bot.config what is wrong with a feed id and bot.sources.fetch why a URL is refused
(the CLI and the logs use them as they are). Each text they can write is matched here and given
as a whole translated msgid; one these tables do not know is shown as it came (the unit tests
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

# bot.config's check_feed_id and bot.sources.fetch's url_refusal: clauses, shown after a colon
_REASONS = (
    (r"lower-case letters, digits, '-' or '_', at most 40 characters",
     N_("lower-case letters, digits, '-' or '_', at most 40 characters")),
    (r"only http:// and https:// feed URLs are accepted",
     N_("only http:// and https:// feed URLs are accepted")),
    (r"the URL has no host name", N_("the URL has no host name")),
    (r"the URL's port is not a number from 1 to 65535",
     N_("the URL's port is not a number from 1 to 65535")),
    (r"the URL contains spaces", N_("the URL contains spaces")),
    (r"the URL is empty", N_("the URL is empty")),
    (r"the host (?P<host>.+) could not be resolved", N_("the host {host} could not be resolved")),
    (r"(?P<host>\S+) resolves to a non-public address \((?P<address>.*)\); set \[fetch\] "
     r"allow_private = true to allow it",
     N_("{host} resolves to a non-public address ({address}); set [fetch] allow_private = true "
        "to allow it")),
)
REASONS = tuple((re.compile(pattern), msgid) for pattern, msgid in _REASONS)


Table = tuple[tuple[re.Pattern[str], str], ...]  # (the English text's pattern, its msgid)


def _translated(lang: str, text: str, table: Table) -> str | None:
    for pattern, msgid in table:
        if match := pattern.fullmatch(text):
            return tr(lang, msgid, **match.groupdict())
    return None


def search_note(lang: str, note: str) -> str:
    """`note` (a warning or error of bot.search) in `lang`, as one sentence."""
    text = note.strip().rstrip(".")
    return _translated(lang, text, NOTES) or text[:1].upper() + text[1:] + "."


def reason(lang: str, text: str) -> str:
    """A feed id's or a URL's problem (a clause of bot.config or bot.sources.fetch) in `lang`."""
    return _translated(lang, text, REASONS) or text
