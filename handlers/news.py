"""/latest /search /why: looking back through every stored release, one story at a time.

What a chat was shown last (`deps.chat_views`, a `ChatView` per chat) lets /why <n> name a
release of the last list, and a "More" button page the right search.
"""

from __future__ import annotations

import hashlib
import re

from bot.i18n import tr
from bot.models import Button, Card, Command, Reply, Span
from bot.summary import TITLE_MAX_CHARS, cut_words, make_card
from handlers.common import (
    LATEST_HINT,
    SEARCH_HINT,
    WATCH_HINT,
    clean,
    find_topic,
    hint,
    topic_name,
    typed,
    unknown_topic,
)
from handlers.deps import ChatView, Deps
from handlers.language import LANGUAGE_NAMES, language_name
from handlers.relayed import search_note
from handlers.stories import Listed, in_language, latest_stories, search_stories

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


def _card(deps: Deps, listed: Listed, number: int, lang: str,
          snippet: list[Span] | None = None) -> Card:
    return make_card(listed.edition, deps.settings.tz,
                     lambda topic_id, language: topic_name(deps, topic_id, language),
                     lang=lang, number=number, others=listed.others, snippet=snippet)


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
    lang = cmd.language
    usage = tr(lang, "Usage: {usage}, e.g. {example} or {other_example} (n from 1 to {max}).",
               usage=hint(cmd, LATEST_HINT), example=typed(cmd, "latest"),
               other_example=typed(cmd, "latest 10 demining"), max=LATEST_MAX)
    page, args = _page_arg(cmd.args)
    if page is None:
        return Reply.text(tr(lang, "That page number is not valid."), usage)
    count: int | None = None
    topic_id: str | None = None
    for arg in args:
        if _NUMBER.match(arg) and count is None:
            count = int(arg) if len(arg) < 10 else (-1 if arg.startswith("-") else 10**9)
            continue
        if topic_id is None:
            topic = find_topic(deps, arg)
            if topic is None:
                return Reply.text(unknown_topic(deps, arg, lang), usage)
            topic_id = topic.id
            continue
        return Reply.text(tr(lang, "Too many arguments: '{arg}'.", arg=clean(arg)), usage)
    note = ""
    if count is None:
        count = LATEST_DEFAULT
    elif count < 1:
        return Reply.text(tr(lang, "Give a number from 1 to {max}.", max=LATEST_MAX), usage)
    elif count > LATEST_MAX:
        note = tr(lang, 'At most {max} at a time; "More" shows the next ones.', max=LATEST_MAX)
        count = LATEST_MAX
    offset = (page - 1) * count
    found, more = latest_stories(deps.store, topic_id, offset, count)
    about = topic_name(deps, topic_id, lang) if topic_id else ""
    if not found:
        if page > 1:
            return Reply.text(tr(lang, "No more releases on {topic}.", topic=about) if about
                              else tr(lang, "No more releases."))
        if topic_id:
            return Reply.text(tr(lang, "No releases on {topic} yet. {command} shows all of them.",
                                 topic=about, command=typed(cmd, "latest")))
        return Reply.text(tr(lang, "No releases are stored yet: they appear after the first "
                             "poll of the feeds. Try again in a few minutes."))
    first = offset + 1
    listed = in_language(deps.store, found, lang)
    heading = (tr(lang, "Latest releases on {topic}", topic=about) if about
               else tr(lang, "Latest releases"))
    reply = Reply()
    reply.add(Span(heading, "bold"), f" ({first}–{offset + len(listed)})" if page > 1 else "")
    if note:
        reply.add(note)
    reply.cards = [_card(deps, story, first + n, lang) for n, story in enumerate(listed)]
    remember_list(deps, cmd.chat_key, [story.edition.id for story in listed], first)
    if more:
        action = f"latest --page {page + 1} {count}" + (f" {topic_id}" if topic_id else "")
        reply.buttons = [[Button(tr(lang, "More"), action)]]
    return reply


# ---- /search --------------------------------------------------------------------------------


def _search_hint(cmd: Command, why: str = "", notes: list[str] | None = None) -> Reply:
    lang = cmd.language
    reply = Reply()
    for note in notes or []:
        reply.add(clean(search_note(lang, note), 300))
    if why and not notes:
        reply.add(search_note(lang, why))
    reply.add(tr(lang, "Type some words after the command, e.g. {example}.",
                 example=typed(cmd, "search customs revenue")))
    reply.add(tr(lang, "Also: {syntax}.", syntax=", ".join(
        ('"exact phrase"', "-word", "topic:demining", "since:2023", "lang:az"))))
    reply.add(tr(lang, "{command} explains it all.", command=typed(cmd, "help search")))
    return reply


async def search(cmd: Command, deps: Deps) -> Reply:
    from bot.search import MAX_QUERY_CHARS, unknown_topics

    lang = cmd.language
    page = 1
    query = cmd.raw_args.strip()
    if cmd.args[:1] == ["--page"]:
        page_no, rest = _page_arg(cmd.args)
        token = rest[1] if rest[:1] == ["--q"] and len(rest) > 1 else ""
        recalled = _recall_query(deps, cmd.chat_key, token) if token else None
        if page_no is None or recalled is None:
            return Reply.text(tr(lang, "That search has expired; search again with {command}.",
                                 command=hint(cmd, SEARCH_HINT)))
        page, query = page_no, recalled
    if not query:
        return _search_hint(cmd)
    if len(query) > MAX_QUERY_CHARS:
        return Reply.text(tr(lang, "Your search is {length} characters long; at most {max} are "
                             "allowed. Please use fewer words.", length=len(query),
                             max=MAX_QUERY_CHARS))
    if len(deps.index) == 0 and deps.store.count_items() > 0:
        return Reply.text(tr(lang, "The search index is still being built after a restart; try "
                             "again in a minute. Meanwhile, {command} works.",
                             command=typed(cmd, "latest")))
    offset = (page - 1) * SEARCH_PAGE
    found = search_stories(deps.index, deps.store.get_item, query, offset, SEARCH_PAGE)
    result = found.outcome
    if result.error:
        return _search_hint(cmd, result.error, result.query.warnings)
    if unknown := unknown_topics(result.query.asked_topics, [t.id for t in deps.classifier.topics]):
        return Reply.text(unknown_topic(deps, unknown[0], lang),
                          tr(lang, "{command} explains it all.", command=typed(cmd, "help search")))
    shown = clean(query, 80)
    notes = [clean(search_note(lang, w), 300) for w in result.query.warnings]
    if not found.page:
        if page > 1:
            return Reply.text(tr(lang, "No more results for: {query}", query=shown))
        reply = Reply.text(tr(lang, "No release matches: {query}", query=shown), *notes)
        reply.add(tr(lang, "Try fewer or other words; {command} shows the syntax.",
                     command=typed(cmd, "help search")))
        return reply
    # the chat's edition of each story, unless `lang:` asked for other languages' releases
    asked = result.query.langs
    edition_lang = lang if not asked or lang in asked else asked[0]
    listed = in_language(deps.store, [item for item, _ in found.page], edition_lang)
    cards = [_card(deps, story, offset + n + 1, lang, snippet=snippet)
             for n, (story, (_, snippet)) in enumerate(zip(listed, found.page, strict=True))]
    last = offset + len(cards)
    counts = {"first": offset + 1, "last": last, "total": found.total, "query": shown}
    heading = (tr(lang, "Results {first}–{last} of {total} for: {query}", **counts)
               if found.exact else
               tr(lang, "Results {first}–{last} of more than {total} for: {query}", **counts))
    reply = Reply()
    reply.add(Span(heading, "bold"))
    for note in notes:
        reply.add(note)
    reply.cards = cards
    remember_list(deps, cmd.chat_key, [story.edition.id for story in listed], offset + 1)
    token = _remember_query(deps, cmd.chat_key, query)
    if found.more:
        reply.buttons = [[Button(tr(lang, "More"), f"search --page {page + 1} --q {token}")]]
    return reply


# ---- /why ----------------------------------------------------------------------------------


def _language_label(code: str, lang: str) -> str:
    return language_name(code, lang) if code in LANGUAGE_NAMES else (code or "?")


async def why(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    view = deps.chat_views.get(cmd.chat_key) or ChatView()
    ids, first = view.ids, view.first_number
    if not ids:
        return Reply.text(tr(lang, "Nothing to explain yet: use {latest_cmd} or {search_cmd} "
                             "first, then {why_cmd}.", latest_cmd=typed(cmd, "latest"),
                             search_cmd=hint(cmd, SEARCH_HINT),
                             why_cmd=typed(cmd, "why 1")))
    last = first + len(ids) - 1
    arg = cmd.args[0] if cmd.args else ""
    if not arg.isdecimal():
        return Reply.text(tr(lang, "Usage: {command}, where n is the number of a release on the "
                             "last list ({first} to {last}).", command=typed(cmd, "why <n>"),
                             first=first, last=last))
    n = int(arg) if len(arg) < 10 else 0
    if not first <= n <= last:
        return Reply.text(tr(lang, "There is no release {n} on the last list: give a number "
                             "from {first} to {last}.", n=clean(arg), first=first, last=last))
    item = deps.store.get_item(ids[n - first])
    if item is None:
        return Reply.text(tr(lang, "That release is no longer stored; run the list again."))
    story = deps.store.story(item.story_id)
    editions = [item, *story.others(item)] if story.editions else [item]
    topics = list(dict.fromkeys(t for e in editions for t in e.topics))
    title = cut_words(item.title, TITLE_MAX_CHARS)  # one stored before titles were capped
    reply = Reply().add(Span(f"{n}. ", "bold"), Span(title, "bold"))
    if not topics:
        reply.add(tr(lang, "It matched no topic: no topic's terms appear in it often enough. It "
                     "can still arrive through a keyword ({command}).",
                     command=hint(cmd, WATCH_HINT)))
        return reply
    for topic_id in topics:
        reply.add(Span(topic_name(deps, topic_id, lang), "bold"), ":")
        given = [e for e in editions if topic_id in e.topics]
        for edition in given:
            reasons = edition.reasons.get(topic_id) or []
            reply.add("    ", _language_label(edition.language, lang), ": ",
                      "; ".join(reasons) if reasons else tr(lang, "no reasons were recorded"))
    return reply
