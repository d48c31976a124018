"""/start /help /topics /subscribe /unsubscribe /watch /unwatch /digest /settings.

Also the small helpers the other handler modules share: finding topics, loading or creating a
chat's record, who may change a chat, and where a chat's delivery floor goes when it starts
following something new.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import replace

from bot.models import Button, Chat, Command, Reply, Span, Subscription, Topic
from handlers.deps import Deps

MAX_KEYWORDS = 20
MAX_KEYWORD_CHARS = 40
_HHMM = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_WORDISH = re.compile(r"\w", re.UNICODE)

GREETING = (
    "Hello! I send the customs agency's press releases (English, Azerbaijani, Russian) "
    "to this chat as soon as they are published.",
    "You choose the topics; only releases on those topics arrive. /latest and /search look "
    "through everything already published.",
)


# ---- shared helpers ------------------------------------------------------------------------


def prefix(cmd: Command) -> str:
    """How a command is typed on the caller's platform: `/latest` or `/news latest`."""
    return "/news " if cmd.platform == "slack" else "/"


def typed(cmd: Command, text: str) -> str:
    return prefix(cmd) + text


def clean(text: str, limit: int = 40) -> str:
    """User input fit to echo back: no control or format characters, at most `limit` chars."""
    out = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def topic_name(deps: Deps, topic_id: str) -> str:
    topic = deps.classifier.topic(topic_id)
    return topic.name if topic else topic_id


def topic_names(deps: Deps, ids: set[str] | list[str]) -> str:
    order = {t.id: n for n, t in enumerate(deps.classifier.topics)}
    ordered = sorted(ids, key=lambda t: (order.get(t, len(order)), t))
    return ", ".join(topic_name(deps, t) for t in ordered)


def find_topic(deps: Deps, word: str) -> Topic | None:
    """A topic by its id or its name, whatever the case."""
    key = word.strip().casefold()
    if not key:
        return None
    for topic in deps.classifier.topics:
        if topic.id.casefold() == key or topic.name.casefold() == key:
            return topic
    return None


def unknown_topic(deps: Deps, word: str) -> str:
    ids = [t.id for t in deps.classifier.topics]
    shown = clean(word)
    close = difflib.get_close_matches(word.strip().casefold(), ids, n=1, cutoff=0.6)
    if not close:  # a topic's name, misspelt: "Demning"
        names = {t.name.casefold(): t.id for t in deps.classifier.topics}
        by_name = difflib.get_close_matches(word.strip().casefold(), list(names), n=1,
                                            cutoff=0.6)
        close = [names[by_name[0]]] if by_name else []
    hint = f"; did you mean '{close[0]}'?" if close else "."
    return f"Unknown topic '{shown}'{hint} Topics: {', '.join(ids)}"


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
                title=cmd.chat_title, language=cmd.language or "en",
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


def refusal(cmd: Command) -> Reply:
    if cmd.chat_kind == "channel":
        text = ("Only the bot's administrators can change this channel's subscriptions. "
                f"For alerts of your own, send {typed(cmd, 'subscribe')} to me privately.")
    else:
        text = ("Only this group's administrators can change its subscriptions. "
                "For alerts of your own, message me privately.")
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


WELCOME_BACK = "Alerts to this chat are on again; they resume with releases published from now."


def snapshot(sub: Subscription) -> Subscription:
    return replace(sub, topics=set(sub.topics), keywords=set(sub.keywords),
                   added_at=dict(sub.added_at))


def topic_keyboard(deps: Deps, chat: Chat | None, per_row: int = 2) -> list[list[Button]]:
    following = chat.subscription.topics if chat else set()
    buttons = [Button(label=("✅ " if t.id in following else "") + t.name,
                      action=f"subscribe toggle {t.id}") for t in deps.classifier.topics]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def following_line(deps: Deps, chat: Chat) -> str:
    if chat.subscription.topics:
        return f"This chat follows: {topic_names(deps, chat.subscription.topics)}."
    return "This chat follows no topic."


# ---- /start ---------------------------------------------------------------------------------


async def start(cmd: Command, deps: Deps) -> Reply:
    stored = deps.store.get_chat(cmd.chat_key)
    chat = load_chat(cmd, deps)
    reply = Reply.text(*GREETING)
    notes: list[str] = []
    changed = stored is None
    if stored is not None and not stored.active:
        if can_change(cmd):
            changed = reactivate(chat, deps)
            what = topic_names(deps, chat.subscription.topics) or "no topics yet"
            notes.append(f"Welcome back! Alerts are on again with your old settings ({what}); "
                         "they resume with releases published from now on.")
        else:
            notes.append("Alerts to this chat are paused; an administrator can send "
                         f"{typed(cmd, 'start')} to resume them.")
    words = topic_words(cmd.args)
    if words:  # a deep link: t.me/<bot>?start=demining
        ids, unknown = resolve_topics(deps, words)
        if unknown:
            notes.append(unknown_topic(deps, unknown[0]))
        elif not can_change(cmd):
            notes.append(refusal(cmd).plain())
        else:
            before = snapshot(chat.subscription)
            added = [t for t in ids if t not in chat.subscription.topics]
            chat.subscription.topics.update(ids)
            if added:
                advance_floor(chat, before, deps)
                changed = True
                announce(cmd, reply)
            notes.append(f"You are subscribed to {topic_names(deps, ids)}. New releases on "
                         f"it arrive here; {typed(cmd, 'topics')} lists the others.")
    if changed:
        deps.store.save_chat(chat)
    for note in notes:
        reply.add(note)
    if not words:
        reply.add(f"To start, tap the topics you want below, or type "
                  f"{typed(cmd, 'subscribe demining')}. {typed(cmd, 'help')} lists every "
                  "command.")
        reply.buttons = topic_keyboard(deps, chat)
    return reply


# ---- /help ----------------------------------------------------------------------------------


def _search_help(cmd: Command) -> Reply:
    from bot.search import SEARCH_HELP

    reply = Reply()
    for line in SEARCH_HELP.replace("/search ", typed(cmd, "search ")).splitlines():
        if line.startswith("  ") and "  " in line.strip():
            example, _, meaning = line.strip().partition("  ")
            reply.add(Span(example, "code"), "  " + meaning.strip())
        elif line.strip():
            reply.add(line)
    return reply


async def help_(cmd: Command, deps: Deps) -> Reply:
    from handlers.router import ALIASES, COMMANDS

    topic = cmd.args[0].lstrip("/").casefold() if cmd.args else ""
    if topic == "search":
        return _search_help(cmd)
    if topic:
        name = ALIASES.get(topic, topic)
        spec = COMMANDS.get(name)
        if spec is None or (spec.admin_only and not cmd.is_bot_admin):
            return Reply.text(f"There is no command '{clean(topic)}'. "
                              f"{typed(cmd, 'help')} lists them all.")
        reply = Reply().add(Span(typed(cmd, spec.usage.lstrip("/")), "code"))
        reply.add(spec.description)
        if name == "search":
            reply.add(f"{typed(cmd, 'help search')} shows the search syntax.")
        return reply
    reply = Reply().add(Span("Commands", "bold"))
    admin: list[tuple[str, str]] = []
    for spec in COMMANDS.values():
        line = (typed(cmd, spec.usage.lstrip("/")), spec.description)
        if spec.admin_only:
            admin.append(line)
        else:
            reply.add(line[0], " – " + line[1])
    if cmd.is_bot_admin and admin:
        reply.add(Span("For administrators", "bold"))
        for usage, description in admin:
            reply.add(usage, " – " + description)
    reply.add(f"{typed(cmd, 'help search')} explains the search syntax; "
              f"{typed(cmd, 'help <command>')} explains one command.")
    return reply


# ---- /topics --------------------------------------------------------------------------------


async def topics(cmd: Command, deps: Deps) -> Reply:
    chat = deps.store.get_chat(cmd.chat_key)
    following = chat.subscription.topics if chat else set()
    reply = Reply().add(Span("Topics", "bold"), " (✅ = this chat follows it)")
    for topic in deps.classifier.topics:
        mark = "✅ " if topic.id in following else "▫️ "
        spans: list[Span | str] = [mark, Span(topic.name, "bold"), " · ", Span(topic.id, "code")]
        if topic.description:
            spans.append(" – " + topic.description)
        reply.add(*spans)
    example = deps.classifier.topics[0].id if deps.classifier.topics else "demining"
    reply.add(f"Follow one with {typed(cmd, 'subscribe ' + example)}, or send "
              f"{typed(cmd, 'subscribe')} for buttons.")
    return reply


# ---- /subscribe /unsubscribe ------------------------------------------------------------------


def _keyboard_reply(cmd: Command, deps: Deps, chat: Chat | None, note: str = "") -> Reply:
    reply = Reply()
    if note:
        reply.add(note)
    reply.add("Tap a topic to follow it, tap it again to stop (✅ = followed).")
    reply.buttons = topic_keyboard(deps, chat)
    return reply


async def _toggle(cmd: Command, deps: Deps, word: str) -> Reply:
    topic = find_topic(deps, word)
    chat = deps.store.get_chat(cmd.chat_key)
    if topic is None:
        return _keyboard_reply(cmd, deps, chat, unknown_topic(deps, word))
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    before = snapshot(chat.subscription)
    if topic.id in chat.subscription.topics:
        chat.subscription.topics.discard(topic.id)
        note = f"Stopped following {topic.name}."
    else:
        chat.subscription.topics.add(topic.id)
        advance_floor(chat, before, deps)
        note = f"Now following {topic.name}: new releases on it arrive here."
        if reactivate(chat, deps):
            note += " " + WELCOME_BACK
    deps.store.save_chat(chat)
    return announce(cmd, _keyboard_reply(cmd, deps, chat, note))


async def subscribe(cmd: Command, deps: Deps) -> Reply:
    args = cmd.args
    if args and args[0].casefold() == "toggle" and find_topic(deps, "toggle") is None:
        if len(args) < 2:
            return _keyboard_reply(cmd, deps, deps.store.get_chat(cmd.chat_key))
        return await _toggle(cmd, deps, args[1])
    words = topic_words(args)
    if not words:
        return _keyboard_reply(cmd, deps, deps.store.get_chat(cmd.chat_key))
    if [w.casefold() for w in words] == ["all"]:
        ids, unknown = [t.id for t in deps.classifier.topics], []
    else:
        ids, unknown = resolve_topics(deps, words)
    if unknown:
        return Reply.text(unknown_topic(deps, unknown[0]) + ". Nothing was changed.")
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    before = snapshot(chat.subscription)
    added = [t for t in ids if t not in chat.subscription.topics]
    if not added:
        return Reply.text(f"This chat already follows {topic_names(deps, ids)}.",
                          following_line(deps, chat))
    chat.subscription.topics.update(added)
    advance_floor(chat, before, deps)
    back = reactivate(chat, deps)
    deps.store.save_chat(chat)
    reply = Reply.text(
        f"Subscribed to {topic_names(deps, added)}.", following_line(deps, chat),
        "New releases on these topics arrive here; earlier ones are in "
        f"{typed(cmd, 'latest')}.")
    if back:
        reply.add(WELCOME_BACK)
    return announce(cmd, reply)


async def unsubscribe(cmd: Command, deps: Deps) -> Reply:
    words = topic_words(cmd.args)
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        note = f"Type {typed(cmd, 'unsubscribe <topic>')} or {typed(cmd, 'unsubscribe all')}."
        return _keyboard_reply(cmd, deps, chat, note)
    everything = [w.casefold() for w in words] == ["all"]
    ids, unknown = ([], []) if everything else resolve_topics(deps, words)
    if unknown:
        return Reply.text(unknown_topic(deps, unknown[0]) + ". Nothing was changed.")
    if chat is None or not (chat.subscription.topics or chat.subscription.keywords):
        return Reply.text("This chat follows nothing, so there is nothing to stop. "
                          f"{typed(cmd, 'topics')} lists the topics.")
    if not can_change(cmd):
        return refusal(cmd)
    if everything:
        chat.subscription.topics.clear()
        chat.subscription.keywords.clear()
        deps.store.save_chat(chat)
        return announce(cmd, Reply.text(
            "Unsubscribed from everything: no more alerts here (topics and keywords).",
            f"Subscribe again any time with {typed(cmd, 'subscribe')}."))
    gone = [t for t in ids if t in chat.subscription.topics]
    if not gone:
        return Reply.text(f"This chat does not follow {topic_names(deps, ids)}.",
                          following_line(deps, chat))
    chat.subscription.topics.difference_update(gone)
    deps.store.save_chat(chat)
    return announce(cmd, Reply.text(f"Unsubscribed from {topic_names(deps, gone)}.",
                                    following_line(deps, chat)))


# ---- /watch /unwatch --------------------------------------------------------------------------


def _keyword(word: str) -> str:
    return " ".join(clean(word, 10_000).casefold().split())


def _keywords_line(chat: Chat | None) -> str:
    words = sorted(chat.subscription.keywords) if chat else []
    if not words:
        return "This chat watches no keywords."
    return "Keywords watched here: " + ", ".join(words) + "."


async def watch(cmd: Command, deps: Deps) -> Reply:
    words = [w for w in (_keyword(a) for a in cmd.args) if w]
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        phrase = typed(cmd, 'watch "free zone"')
        return Reply.text(
            f"Usage: {typed(cmd, 'watch <word>')}, e.g. {typed(cmd, 'watch Georgia')} or "
            f"{phrase}: any release containing it (any case) is sent here, whatever its "
            "topics.", _keywords_line(chat))
    for word in words:
        if len(word) > MAX_KEYWORD_CHARS:
            return Reply.text(f"'{clean(word)}' is too long: a keyword has at most "
                              f"{MAX_KEYWORD_CHARS} characters.")
        if len(_WORDISH.findall(word)) < 2:
            return Reply.text(f"'{clean(word)}' is too short to watch: use a word of at least "
                              "two letters or digits.")
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    new = [w for w in dict.fromkeys(words) if w not in chat.subscription.keywords]
    if not new:
        return Reply.text("Already watched.", _keywords_line(chat))
    if len(chat.subscription.keywords) + len(new) > MAX_KEYWORDS:
        return Reply.text(f"A chat can watch at most {MAX_KEYWORDS} keywords; remove some with "
                          f"{typed(cmd, 'unwatch <word>')} first.", _keywords_line(chat))
    before = snapshot(chat.subscription)
    chat.subscription.keywords.update(new)
    advance_floor(chat, before, deps)
    back = reactivate(chat, deps)
    deps.store.save_chat(chat)
    reply = Reply.text(
        f"Watching {', '.join(new)}: new releases containing "
        f"{'it' if len(new) == 1 else 'any of them'} arrive here, whatever their topics.",
        _keywords_line(chat))
    if back:
        reply.add(WELCOME_BACK)
    return announce(cmd, reply)


async def unwatch(cmd: Command, deps: Deps) -> Reply:
    words = [w for w in (_keyword(a) for a in cmd.args) if w]
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        return Reply.text(f"Usage: {typed(cmd, 'unwatch <word>')} or "
                          f"{typed(cmd, 'unwatch all')}.", _keywords_line(chat))
    if chat is None or not chat.subscription.keywords:
        return Reply.text("This chat watches no keywords.")
    if not can_change(cmd):
        return refusal(cmd)
    gone = (set(chat.subscription.keywords) if words == ["all"]
            else {w for w in words if w in chat.subscription.keywords})
    if not gone:
        return Reply.text(f"Not watched here: {', '.join(clean(w) for w in words)}.",
                          _keywords_line(chat))
    chat.subscription.keywords.difference_update(gone)
    deps.store.save_chat(chat)
    return announce(cmd, Reply.text(f"Stopped watching {', '.join(sorted(gone))}.",
                                    _keywords_line(chat)))


# ---- /digest /settings ------------------------------------------------------------------------


def _mode_line(deps: Deps, chat: Chat | None) -> str:
    if chat is None or chat.subscription.mode == "instant":
        return "Delivery: each release as soon as it is published."
    return (f"Delivery: one digest a day at {chat.subscription.digest_time} "
            f"({deps.settings.timezone} time).")


async def digest(cmd: Command, deps: Deps) -> Reply:
    chat = deps.store.get_chat(cmd.chat_key)
    usage = (f"Usage: {typed(cmd, 'digest 08:30')} for one message a day at that time "
             f"({deps.settings.timezone}), or {typed(cmd, 'digest off')} for each release as "
             "it comes.")
    if not cmd.args:
        return Reply.text(_mode_line(deps, chat), usage)
    value = cmd.args[0].strip().casefold()
    if value in ("off", "instant", "stop", "no"):
        mode, at = "instant", None
    else:
        match = _HHMM.match(value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return Reply.text(f"'{clean(cmd.args[0])}' is not a time of day: use HH:MM from "
                              "00:00 to 23:59.", usage)
        mode, at = "digest", f"{int(match.group(1)):02d}:{match.group(2)}"
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    chat.subscription.mode = mode  # type: ignore[assignment]
    if at:
        chat.subscription.digest_time = at
    deps.store.save_chat(chat)
    reply = Reply.text(_mode_line(deps, chat))
    if not (chat.subscription.topics or chat.subscription.keywords):
        reply.add(f"This chat follows nothing yet: {typed(cmd, 'subscribe')} picks topics.")
    return announce(cmd, reply)


async def settings(cmd: Command, deps: Deps) -> Reply:
    chat = deps.store.get_chat(cmd.chat_key)
    if chat is None:
        return Reply.text("This chat has no settings yet: it follows nothing.",
                          f"Start with {typed(cmd, 'subscribe')} or {typed(cmd, 'topics')}.")
    sub = chat.subscription
    reply = Reply().add(Span("Settings of this chat", "bold"))
    reply.add("Topics: ", topic_names(deps, sub.topics) or "none")
    reply.add("Keywords: ", ", ".join(sorted(sub.keywords)) or "none")
    reply.add(_mode_line(deps, chat))
    if chat.active:
        reply.add("Status: active.")
    else:
        reason = f" ({clean(chat.deactivated_reason, 120)})" if chat.deactivated_reason else ""
        reply.add(f"Status: paused{reason}; send {typed(cmd, 'start')} to resume.")
    reply.add(f"Change them with {typed(cmd, 'subscribe')}, {typed(cmd, 'unsubscribe')}, "
              f"{typed(cmd, 'watch')} and {typed(cmd, 'digest')}.")
    return reply
