"""/latest /search /why: looking back through every stored release.

What a chat was shown last (`deps.chat_views`, a `ChatView` per chat) lets /why <n> name a
release of the last list, and a "More" button page the right search.
"""

from __future__ import annotations

import hashlib
import re

from bot.models import Button, Card, Command, Item, Reply, Span
from bot.summary import make_card
from handlers.common import clean, find_topic, topic_name, typed, unknown_topic
from handlers.deps import ChatView, Deps

LATEST_DEFAULT = 5
LATEST_MAX = 20
SEARCH_PAGE = 5
MAX_PAGE = 10_000
KEPT_QUERIES = 10
_NUMBER = re.compile(r"^[+-]?\d+$")


# ---- per-chat memory -------------------------------------------------------------------------


def remember_list(deps: Deps, chat_key: str, ids: list[str], first: int) -> None:
    view = deps.view(chat_key)
    view.ids, view.first_number = list(ids), first


def _query_token(query: str) -> str:
    return hashlib.sha1(query.encode("utf-8", "replace")).hexdigest()[:8]


def _remember_query(deps: Deps, chat_key: str, query: str) -> str:
    view = deps.view(chat_key)
    kept = [q for q in view.queries if q != query]
    kept.append(query)
    view.queries = kept[-KEPT_QUERIES:]
    return _query_token(query)


def _recall_query(deps: Deps, chat_key: str, token: str) -> str | None:
    view = deps.chat_views.get(chat_key) or ChatView()
    for query in reversed(view.queries):
        if _query_token(query) == token:
            return query
    return None


def _card(deps: Deps, item: Item, number: int, snippet: list[Span] | None = None,
          lang: str = "en") -> Card:
    return make_card(item, deps.settings.tz, lambda t, _lang: topic_name(deps, t), lang=lang,
                     number=number, snippet=snippet)


def _page_arg(args: list[str]) -> tuple[int | None, list[str]]:
    """("--page N" taken out of the arguments; the rest). None when N is not a number."""
    if "--page" not in args:
        return 1, args
    at = args.index("--page")
    rest = args[:at] + args[at + 2 :]
    value = args[at + 1] if at + 1 < len(args) else ""
    if not value.isdecimal() or not 1 <= int(value) <= MAX_PAGE:
        return None, rest
    return int(value), rest


# ---- /latest --------------------------------------------------------------------------------


async def latest(cmd: Command, deps: Deps) -> Reply:
    usage = (f"Usage: {typed(cmd, 'latest [n] [topic]')}, e.g. {typed(cmd, 'latest')} or "
             f"{typed(cmd, 'latest 10 demining')} (n from 1 to {LATEST_MAX}).")
    page, args = _page_arg(cmd.args)
    if page is None:
        return Reply.text("That page number is not valid.", usage)
    count: int | None = None
    topic_id: str | None = None
    for arg in args:
        if _NUMBER.match(arg) and count is None:
            count = int(arg) if len(arg) < 10 else (-1 if arg.startswith("-") else 10**9)
            continue
        if topic_id is None:
            topic = find_topic(deps, arg)
            if topic is None:
                return Reply.text(unknown_topic(deps, arg) + ".", usage)
            topic_id = topic.id
            continue
        return Reply.text(f"Too many arguments: '{clean(arg)}'.", usage)
    note = ""
    if count is None:
        count = LATEST_DEFAULT
    elif count < 1:
        return Reply.text(f"Give a number from 1 to {LATEST_MAX}.", usage)
    elif count > LATEST_MAX:
        note = f"At most {LATEST_MAX} at a time; \"More\" shows the next ones."
        count = LATEST_MAX
    offset = (page - 1) * count
    items = deps.store.latest(limit=count + 1, offset=offset, topic=topic_id)
    more = len(items) > count
    items = items[:count]
    about = f" on {topic_name(deps, topic_id)}" if topic_id else ""
    if not items:
        if page > 1:
            return Reply.text(f"No more releases{about}.")
        if topic_id:
            return Reply.text(f"No releases{about} yet. {typed(cmd, 'latest')} shows all of "
                              "them.")
        return Reply.text("No releases are stored yet: they appear after the first poll of "
                          "the feeds. Try again in a few minutes.")
    first = offset + 1
    reply = Reply()
    reply.add(Span(f"Latest releases{about}", "bold"),
              f" ({first}–{offset + len(items)})" if page > 1 else "")
    if note:
        reply.add(note)
    reply.cards = [_card(deps, item, first + n, lang=cmd.language)
                   for n, item in enumerate(items)]
    remember_list(deps, cmd.chat_key, [i.id for i in items], first)
    if more:
        action = f"latest --page {page + 1} {count}" + (f" {topic_id}" if topic_id else "")
        reply.buttons = [[Button("More", action)]]
    return reply


# ---- /search --------------------------------------------------------------------------------


def _search_hint(cmd: Command, why: str = "", notes: list[str] | None = None) -> Reply:
    reply = Reply()
    for note in notes or []:
        reply.add(clean(note, 300))
    if why and not notes:
        reply.add(why[0].upper() + why[1:] + ("" if why.endswith(".") else "."))
    reply.add("Type some words after the command, e.g. ", Span(typed(cmd, "search customs revenue"),
                                                                "code"), ".")
    reply.add("Also: ", Span('"exact phrase"', "code"), ", ", Span("-word", "code"), ", ",
              Span("topic:demining", "code"), ", ", Span("since:2023", "code"), ", ",
              Span("lang:az", "code"), ".")
    reply.add(f"{typed(cmd, 'help search')} explains it all.")
    return reply


async def search(cmd: Command, deps: Deps) -> Reply:
    from bot.search import MAX_QUERY_CHARS

    page = 1
    query = cmd.raw_args.strip()
    if cmd.args[:1] == ["--page"]:
        page_no, rest = _page_arg(cmd.args)
        token = rest[1] if rest[:1] == ["--q"] and len(rest) > 1 else ""
        recalled = _recall_query(deps, cmd.chat_key, token) if token else None
        if page_no is None or recalled is None:
            return Reply.text("That search has expired; search again with "
                              f"{typed(cmd, 'search <words>')}.")
        page, query = page_no, recalled
    if not query:
        return _search_hint(cmd)
    if len(query) > MAX_QUERY_CHARS:
        return Reply.text(f"Your search is {len(query)} characters long; at most "
                          f"{MAX_QUERY_CHARS} are allowed. Please use fewer words.")
    if len(deps.index) == 0 and deps.store.count_items() > 0:
        return Reply.text("The search index is still being built after a restart; try again "
                          "in a minute. Meanwhile, " + typed(cmd, "latest") + " works.")
    offset = (page - 1) * SEARCH_PAGE
    result = deps.index.search(query, limit=SEARCH_PAGE, offset=offset)
    if result.error:
        return _search_hint(cmd, result.error, result.query.warnings)
    shown = clean(query, 80)
    notes = [clean(w, 300) for w in result.query.warnings]
    if not result.hits:
        if page > 1:
            return Reply.text(f"No more results for: {shown}")
        reply = Reply.text(f"No release matches: {shown}", *notes)
        reply.add("Try fewer or other words; ", typed(cmd, "help search"),
                  " shows the syntax.")
        return reply
    cards: list[Card] = []
    ids: list[str] = []
    for hit in result.hits:
        item = deps.store.get_item(hit.item_id)
        if item is None:  # the index knows a release the store does not have any more
            continue
        cards.append(_card(deps, item, offset + len(cards) + 1, snippet=hit.snippet,
                           lang=cmd.language))
        ids.append(item.id)
    last = offset + len(result.hits)
    reply = Reply()
    reply.add(Span(f"Results {offset + 1}–{last} of {result.total}", "bold"), f" for: {shown}")
    for note in notes:
        reply.add(note)
    reply.cards = cards
    remember_list(deps, cmd.chat_key, ids, offset + 1)
    token = _remember_query(deps, cmd.chat_key, query)
    if last < result.total:
        reply.buttons = [[Button("More", f"search --page {page + 1} --q {token}")]]
    return reply


# ---- /why ----------------------------------------------------------------------------------


async def why(cmd: Command, deps: Deps) -> Reply:
    view = deps.chat_views.get(cmd.chat_key) or ChatView()
    ids, first = view.ids, view.first_number
    if not ids:
        return Reply.text(f"Nothing to explain yet: use {typed(cmd, 'latest')} or "
                          f"{typed(cmd, 'search <words>')} first, then {typed(cmd, 'why 1')}.")
    last = first + len(ids) - 1
    arg = cmd.args[0] if cmd.args else ""
    if not arg.isdecimal():
        return Reply.text(f"Usage: {typed(cmd, 'why <n>')}, where n is the number of a "
                          f"release on the last list ({first} to {last}).")
    n = int(arg) if len(arg) < 10 else 0
    if not first <= n <= last:
        return Reply.text(f"There is no release {clean(arg)} on the last list: give a number "
                          f"from {first} to {last}.")
    item = deps.store.get_item(ids[n - first])
    if item is None:
        return Reply.text("That release is no longer stored; run the list again.")
    reply = Reply().add(Span(f"{n}. ", "bold"), Span(item.title, "bold"))
    if not item.topics:
        reply.add("It matched no topic: no topic's terms appear in it often enough. It can "
                  f"still arrive through a keyword ({typed(cmd, 'watch <word>')}).")
        return reply
    for topic_id in item.topics:
        reasons = item.reasons.get(topic_id) or []
        spans: list[Span | str] = [Span(topic_name(deps, topic_id), "bold"), ": "]
        spans.append("; ".join(reasons) if reasons else "no reasons were recorded")
        reply.add(*spans)
    return reply
