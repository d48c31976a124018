"""Helpers the handlers share: how a command is typed, echoing user input, finding topics,
loading or creating a chat's record, who may change a chat, and where a chat's delivery floor
goes when it starts following something new.

Every text goes through bot.i18n in the language `dispatch` resolved into `cmd.language`.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import replace

from bot import i18n
from bot.i18n import LANGUAGES, N_, pick_language, tr, translator
from bot.models import Chat, Command, Reply, Subscription, Topic
from handlers.deps import Deps


def prefix(cmd: Command) -> str:
    """How a command is typed on the caller's platform: `/latest` or `/news latest`."""
    return "/news " if cmd.platform == "slack" else "/"


def typed(cmd: Command, text: str) -> str:
    return prefix(cmd) + text


# Commands with words for the user to fill in, as a hint shows them (`hint`). Only the words in
# <> and [] are for translators: command names and keywords are typed as they are.
WATCH_HINT = N_("watch <word>")
UNWATCH_HINT = N_("unwatch <word>")
SEARCH_HINT = N_("search <words>")
UNSUBSCRIBE_HINT = N_("unsubscribe <topic>")
HELP_HINT = N_("help <command>")
LATEST_HINT = N_("latest [n] [topic]")
ADDFEED_HINT = N_("addfeed <url> [id] [html <link_pattern>]")
CHANNEL_ADD_HINT = N_("channel add <channel> <topics...>")
CHANNEL_REMOVE_HINT = N_("channel remove <channel>")


def hint(cmd: Command, msgid: str) -> str:
    """A command with words to fill in, in the chat's language, as typed on its platform."""
    return typed(cmd, tr(cmd.language, msgid))


def clean(text: str, limit: int = 40) -> str:
    """User input fit to echo back: no control or format characters, at most `limit` chars."""
    out = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def topic_name(deps: Deps, topic_id: str, lang: str = "en") -> str:
    """The topic's name in `lang` (its id when the classifier does not know it)."""
    topic = deps.classifier.topic(topic_id)
    return i18n.topic_name(topic, lang) if topic else topic_id


def topic_names(deps: Deps, ids: set[str] | list[str], lang: str = "en") -> str:
    order = {t.id: n for n, t in enumerate(deps.classifier.topics)}
    ordered = sorted(ids, key=lambda t: (order.get(t, len(order)), t))
    return ", ".join(topic_name(deps, t, lang) for t in ordered)


def _names_of(topic: Topic) -> set[str]:
    """The topic's name in each of the bot's languages, case-folded."""
    return {i18n.topic_name(topic, lang).casefold() for lang in LANGUAGES}


def find_topic(deps: Deps, word: str) -> Topic | None:
    """A topic by its id or its name in any of the bot's languages, whatever the case."""
    key = word.strip().casefold()
    if not key:
        return None
    for topic in deps.classifier.topics:
        if topic.id.casefold() == key or key in _names_of(topic):
            return topic
    return None


def unknown_topic(deps: Deps, word: str, lang: str = "en") -> str:
    ids = [t.id for t in deps.classifier.topics]
    shown = clean(word)
    close = difflib.get_close_matches(word.strip().casefold(), ids, n=1, cutoff=0.6)
    if not close:  # a topic's name, misspelt: "Demning"
        names = {name: t.id for t in deps.classifier.topics for name in _names_of(t)}
        by_name = difflib.get_close_matches(word.strip().casefold(), list(names), n=1,
                                            cutoff=0.6)
        close = [names[by_name[0]]] if by_name else []
    if close:
        return tr(lang, "Unknown topic '{word}'; did you mean '{suggestion}'? Topics: {topics}",
                  word=shown, suggestion=close[0], topics=", ".join(ids))
    return tr(lang, "Unknown topic '{word}'. Topics: {topics}", word=shown,
              topics=", ".join(ids))


def unknown_topic_reply(deps: Deps, word: str, lang: str) -> Reply:
    """An unknown topic in a command that changes nothing because of it."""
    return Reply.text(unknown_topic(deps, word, lang), tr(lang, "Nothing was changed."))


def topic_words(args: list[str]) -> list[str]:
    """Arguments as topic words: "demining, wco" and "demining wco" alike."""
    out: list[str] = []
    for arg in args:
        out.extend(part for part in arg.replace(",", " ").split() if part)
    return out


def resolve_topics(deps: Deps, words: list[str]) -> tuple[list[str], list[str]]:
    """(topic ids, in order and deduplicated; the words that are no topic)."""
    found: list[str] = []
    unknown: list[str] = []
    for word in words:
        topic = find_topic(deps, word)
        if topic is None:
            unknown.append(word)
        elif topic.id not in found:
            found.append(topic.id)
    return found, unknown


def new_chat(cmd: Command, deps: Deps) -> Chat:
    """A chat's first record: it gets nothing stored before now."""
    return Chat(platform=cmd.platform, chat_id=cmd.chat_id, kind=cmd.chat_kind,
                title=cmd.chat_title, language=pick_language(cmd.language),
                created_at=deps.clock(), since_seq=deps.store.max_seq)


def load_chat(cmd: Command, deps: Deps) -> Chat:
    """The chat's record, or a new unsaved one."""
    chat = deps.store.get_chat(cmd.chat_key)
    if chat is None:
        return new_chat(cmd, deps)
    if cmd.chat_title and chat.title != cmd.chat_title:
        chat.title = cmd.chat_title
    return chat


def can_change(cmd: Command) -> bool:
    return cmd.chat_kind == "private" or cmd.is_chat_admin or cmd.is_bot_admin


NOT_ADMIN = N_("This command is for the bot's administrators.")


def refuse_non_admin(cmd: Command) -> Reply | None:
    """The refusal for an administrators' command, or None when the caller is one (the
    router refuses first; this keeps each admin handler safe on its own)."""
    return None if cmd.is_bot_admin else Reply.text(tr(cmd.language, NOT_ADMIN))


def refusal(cmd: Command) -> Reply:
    if cmd.chat_kind == "channel":
        text = tr(cmd.language, "Only the bot's administrators can change this channel's "
                  "subscriptions. For alerts of your own, send {command} to me privately.",
                  command=typed(cmd, "subscribe"))
    else:
        text = tr(cmd.language, "Only this group's administrators can change its "
                  "subscriptions. For alerts of your own, message me privately.")
    return Reply.text(text)


def announce(cmd: Command, reply: Reply) -> Reply:
    """A changed group or channel subscription is said where everyone sees it."""
    if cmd.chat_kind != "private":
        reply.announce = True
        reply.ephemeral = False
    return reply


def advance_floor(chat: Chat, before: Subscription, deps: Deps) -> None:
    """After topics or keywords were added: nothing stored before now may be pushed for them.

    Each added topic or word gets its own floor (`Subscription.added_at`), so the releases of
    what the chat already followed that are stored but not yet sent (a digest chat holds a
    whole day of them) still go out.
    """
    sub, newest = chat.subscription, deps.store.max_seq
    terms = {f"topic:{t}" for t in sub.topics - before.topics}
    terms |= {f"word:{w}" for w in sub.keywords - before.keywords}
    for term in terms:
        sub.added_at[term] = newest
    following = {f"topic:{t}" for t in sub.topics} | {f"word:{w}" for w in sub.keywords}
    for term in set(sub.added_at) - following:
        del sub.added_at[term]  # dropped: a later re-add gets a new floor
    for term in following:
        if sub.added_at.get(term, newest + 1) <= chat.since_seq:
            del sub.added_at[term]  # the chat's own floor is higher: no need to keep it


def reactivate(chat: Chat, deps: Deps) -> bool:
    """A paused chat (the bot was blocked or removed) that asks for alerts gets them again,
    from now on. True if it was paused."""
    if chat.active:
        return False
    chat.active = True
    chat.deactivated_reason = None
    chat.since_seq = max(chat.since_seq, deps.store.max_seq)
    return True


WELCOME_BACK = N_("Alerts to this chat are on again; they resume with releases published from "
                  "now.")


UNBOUND = N_("removed by an administrator")  # a channel's deactivated_reason after /channel remove


def paused_reason(chat: Chat, lang: str, limit: int = 120) -> str:
    """Why the chat is paused, for showing: the bot's own reasons translated, a platform's
    (e.g. "Forbidden: bot was blocked by the user") as it gave them."""
    reason = chat.deactivated_reason
    return clean(translator(lang).gettext(reason), limit) if reason else ""


def snapshot(sub: Subscription) -> Subscription:
    return replace(sub, topics=set(sub.topics), keywords=set(sub.keywords),
                   added_at=dict(sub.added_at))


def chat_language(cmd: Command, deps: Deps) -> str:
    """The language to answer `cmd` in: the stored chat's, else the one the platform gave for
    the user (`pick_language`: Telegram's language_code, Slack's locale), else English."""
    chat = deps.store.get_chat(cmd.chat_key)
    if chat is not None and chat.language in LANGUAGES:
        return chat.language
    return pick_language(cmd.language)
