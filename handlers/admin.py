"""Commands for the bot's administrators: /feeds /addfeed /removefeed /channel /stats."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from urllib.parse import urlsplit

from bot.config import check_feed_id
from bot.models import Chat, Command, FeedSpec, FeedState, Reply, Span
from handlers.common import (
    advance_floor,
    clean,
    resolve_topics,
    snapshot,
    topic_name,
    topic_names,
    topic_words,
    typed,
    unknown_topic,
)
from handlers.deps import Deps

NOT_ADMIN = "This command is for the bot's administrators."
_TELEGRAM_CHANNEL = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{5,})$")
_SLACK_CHANNEL = re.compile(r"^[A-Z0-9]{2,24}$")
_OTHER_CHANNEL = re.compile(r"^\S{1,64}$")


def _refuse(cmd: Command) -> Reply | None:
    return None if cmd.is_bot_admin else Reply.text(NOT_ADMIN)


def _when(deps: Deps, moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = max(0, int((deps.clock() - moment).total_seconds()))
    if seconds < 90:
        ago = "just now"
    elif seconds < 90 * 60:
        ago = f"{seconds // 60} min ago"
    elif seconds < 36 * 3600:
        ago = f"{seconds // 3600} h ago"
    else:
        ago = f"{seconds // 86400} days ago"
    return f"{moment.astimezone(deps.settings.tz):%d %b %H:%M} ({ago})"


def _specs(deps: Deps) -> list[FeedSpec]:
    if deps.feeds is not None:
        return deps.feeds.feed_specs()
    specs = list(deps.settings.feeds)
    known = {s.id for s in specs}
    specs += [s for s in deps.store.admin_feeds() if s.id not in known]
    return specs


def _health(deps: Deps) -> dict[str, FeedState]:
    return deps.feeds.health() if deps.feeds is not None else deps.store.feed_states()


# ---- /feeds ---------------------------------------------------------------------------------


async def feeds(cmd: Command, deps: Deps) -> Reply:
    if refused := _refuse(cmd):
        return refused
    specs = _specs(deps)
    if not specs:
        return Reply.text("No feeds are configured. Add one with "
                          f"{typed(cmd, 'addfeed <url>')} or in the config file.")
    health = _health(deps)
    reply = Reply().add(Span(f"Feeds ({len(specs)})", "bold"))
    for spec in specs:
        state = health.get(spec.id) or FeedState(feed_id=spec.id)
        if state.gone:
            mark = "⛔"
        elif state.consecutive_failures:
            mark = "⚠️"
        elif state.last_success is None:
            mark = "⏳"
        else:
            mark = "✅"
        origin = " (added by an admin)" if spec.origin == "admin" else ""
        reply.add(f"{mark} ", Span(spec.id, "bold"), f" · {spec.type}{origin} · ",
                  Span(spec.url, "link", url=spec.url))
        lines = [f"last success: {_when(deps, state.last_success)}",
                 f"releases: {state.items_seen}"]
        if state.consecutive_failures:
            lines.append(f"failures in a row: {state.consecutive_failures}")
        if state.last_error:
            lines.append(f"last error: {clean(state.last_error, 200)} "
                         f"({_when(deps, state.last_error_at)})")
        if state.gone:
            lines.append("gone (410): no longer polled; remove it or fix its URL")
        reply.add("    " + "; ".join(lines))
    return reply


# ---- /addfeed /removefeed --------------------------------------------------------------------


def _derived_id(url: str, taken: set[str]) -> str:
    host = (urlsplit(url).hostname or "feed").casefold().removeprefix("www.")
    base = re.sub(r"[^a-z0-9]+", "-", host).strip("-")[:34].strip("-") or "feed"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


async def addfeed(cmd: Command, deps: Deps) -> Reply:
    from bot.sources.fetch import url_refusal

    if refused := _refuse(cmd):
        return refused
    usage = (f"Usage: {typed(cmd, 'addfeed <url> [id] [html <link_pattern>]')}, e.g. "
             f"{typed(cmd, 'addfeed https://customs.gov.az/en/rss customs-en')}.")
    if not cmd.args:
        return Reply.text(usage)
    url, rest = cmd.args[0], cmd.args[1:]
    kind, pattern = "rss", ""
    lowered = [r.casefold() for r in rest]
    if "html" in lowered:
        at = lowered.index("html")
        kind, pattern, rest = "html", " ".join(rest[at + 1 :]), rest[:at]
        if not pattern:
            return Reply.text("An html source needs a link pattern: a regular expression that "
                              "its article links match, e.g. html /news/\\d+", usage)
        try:
            re.compile(pattern)
        except re.error as exc:
            return Reply.text(f"The link pattern is not a valid regular expression ({exc}).")
    if len(rest) > 1:
        return Reply.text(f"Too many arguments: '{clean(rest[1])}'.", usage)
    refusal = await url_refusal(url, deps.settings.fetch.allow_private)
    if refusal:
        return Reply.text(f"Cannot add {clean(url, 120)}: {refusal}.")
    specs = _specs(deps)
    taken = {s.id for s in specs}
    for spec in specs:
        if spec.url == url:
            return Reply.text(f"That URL is already watched as '{spec.id}'.")
    if rest:
        feed_id = rest[0]
        if problem := check_feed_id(feed_id):
            return Reply.text(f"'{clean(feed_id)}' cannot be a feed id: {problem}.", usage)
        if feed_id in taken:
            return Reply.text(f"A feed with id '{feed_id}' already exists; choose another id.")
    else:
        feed_id = _derived_id(url, taken)
    spec = FeedSpec(id=feed_id, url=url, type=kind, link_pattern=pattern,  # type: ignore[arg-type]
                    origin="admin")
    if deps.feeds is not None:
        await deps.feeds.add_feed(spec)
        when = "It is polled from now on"
    else:
        deps.store.add_admin_feed(spec)
        when = "It is polled when the bot next starts"
    return Reply.text(
        f"Added feed '{feed_id}' ({kind}). {when}, every {spec.interval_seconds // 60} min; "
        "releases already on it are stored without alerts.",
        f"{typed(cmd, 'feeds')} shows its health; {typed(cmd, 'removefeed ' + feed_id)} "
        "removes it.")


async def removefeed(cmd: Command, deps: Deps) -> Reply:
    if refused := _refuse(cmd):
        return refused
    if len(cmd.args) != 1:
        return Reply.text(f"Usage: {typed(cmd, 'removefeed <id>')}; {typed(cmd, 'feeds')} "
                          "lists the ids.")
    feed_id = cmd.args[0]
    specs = {s.id: s for s in _specs(deps)}
    spec = specs.get(feed_id)
    if spec is None:
        known = ", ".join(specs) or "none"
        return Reply.text(f"There is no feed '{clean(feed_id)}'. Feeds: {known}.")
    if spec.origin != "admin":
        return Reply.text(f"Feed '{feed_id}' comes from the config file ({deps.settings.source}); "
                          "remove it there and restart the bot.")
    if deps.feeds is not None:
        removed = await deps.feeds.remove_feed(feed_id)
    else:
        removed = deps.store.remove_admin_feed(feed_id)
    if not removed:
        return Reply.text(f"Feed '{feed_id}' could not be removed; see the log.")
    return Reply.text(f"Removed feed '{feed_id}'. Its releases stay searchable.")


# ---- /channel -------------------------------------------------------------------------------


def _channel_name_problem(cmd: Command, name: str) -> str | None:
    if cmd.platform == "telegram":
        if _TELEGRAM_CHANNEL.match(name):
            return None
        return ("give the channel as @name (its public username) or its numeric id "
                "(-100…), e.g. " + typed(cmd, "channel add @customsnews demining"))
    if cmd.platform == "slack":
        if _SLACK_CHANNEL.match(name):
            return None
        return ("pick the channel from Slack's list as you type # (so that its id is sent), "
                "e.g. " + typed(cmd, "channel add #customs-news demining"))
    return None if _OTHER_CHANNEL.match(name) else "give the channel's name or id"


def _find_channel(cmd: Command, deps: Deps, name: str) -> Chat | None:
    chat = deps.store.get_chat(f"{cmd.platform}:{name}")
    if chat is not None:
        return chat
    if name.startswith("@"):  # Telegram usernames ignore case
        for other in deps.store.chats(cmd.platform):
            if other.kind == "channel" and other.chat_id.casefold() == name.casefold():
                return other
    return None


async def channel(cmd: Command, deps: Deps) -> Reply:
    if refused := _refuse(cmd):
        return refused
    usage = (f"Usage: {typed(cmd, 'channel add <channel> <topics...>')}, "
             f"{typed(cmd, 'channel remove <channel>')} or {typed(cmd, 'channel list')}.")
    action = cmd.args[0].casefold() if cmd.args else ""
    if action == "list":
        return _channel_list(cmd, deps)
    if action not in ("add", "remove") or len(cmd.args) < 2:
        return Reply.text(usage)
    name = cmd.args[1]
    if action == "remove":
        chat = _find_channel(cmd, deps, name)
        if chat is None or chat.kind != "channel":
            return Reply.text(f"No channel '{clean(name)}' is bound; "
                              f"{typed(cmd, 'channel list')} shows them.")
        chat.subscription.topics.clear()
        chat.subscription.keywords.clear()
        chat.active = False
        chat.deactivated_reason = "removed by an administrator"
        deps.store.save_chat(chat)
        return Reply.text(f"Channel {chat.chat_id} is unbound: it gets no more alerts.")
    if problem := _channel_name_problem(cmd, name):
        return Reply.text(f"'{clean(name)}' is not a channel I can use: {problem}.")
    words = topic_words(cmd.args[2:])
    if not words:
        return Reply.text("Which topics should the channel get? " + usage)
    ids, unknown = resolve_topics(deps, words)
    if unknown:
        return Reply.text(unknown_topic(deps, unknown[0]) + ". Nothing was changed.")
    check = deps.channel_check.get(cmd.platform)
    if check is not None:
        try:
            problem = await check(name)
        except Exception as exc:  # the platform did not answer as expected
            problem = f"I could not check the channel ({type(exc).__name__}); try again later"
        if problem:
            return Reply.text(f"Cannot bind {clean(name, 80)}: {problem}")
    chat = _find_channel(cmd, deps, name)
    if chat is None:
        chat = Chat(platform=cmd.platform, chat_id=name, kind="channel", title=name,
                    created_at=deps.clock(), since_seq=deps.store.max_seq)
    before = snapshot(chat.subscription)
    if not chat.active:
        chat.active = True
        chat.deactivated_reason = None
        chat.since_seq = max(chat.since_seq, deps.store.max_seq)
    chat.kind = "channel"
    chat.subscription.topics = set(ids)
    if chat.subscription.topics - before.topics:
        advance_floor(chat, before, deps)
    deps.store.save_chat(chat)
    return Reply.text(f"Channel {chat.chat_id} now gets {topic_names(deps, ids)}.",
                      "Only releases published from now on are posted there.")


def _channel_list(cmd: Command, deps: Deps) -> Reply:
    channels = [c for c in deps.store.chats() if c.kind == "channel"]
    if not channels:
        return Reply.text("No channels are bound. Bind one with "
                          f"{typed(cmd, 'channel add <channel> <topics...>')}.")
    reply = Reply().add(Span(f"Channels ({len(channels)})", "bold"))
    for chat in sorted(channels, key=lambda c: (c.platform, c.chat_id)):
        what = topic_names(deps, chat.subscription.topics) or "no topics"
        if chat.subscription.keywords:
            what += "; keywords: " + ", ".join(sorted(chat.subscription.keywords))
        state = "" if chat.active else f" (paused: {clean(chat.deactivated_reason or '', 80)})"
        title = f" “{clean(chat.title, 60)}”" if chat.title and chat.title != chat.chat_id else ""
        reply.add(f"{chat.platform} ", Span(chat.chat_id, "code"), f"{title}: {what}{state}")
    return reply


# ---- /stats ---------------------------------------------------------------------------------


async def stats(cmd: Command, deps: Deps) -> Reply:
    if refused := _refuse(cmd):
        return refused
    chats = deps.store.chats()
    reply = Reply().add(Span("Statistics", "bold"))
    reply.add(f"Releases stored: {deps.store.count_items()} (searchable: {len(deps.index)})")
    platforms = sorted({c.platform for c in chats})
    if not platforms:
        reply.add("Chats: none yet")
    for platform in platforms:
        mine = [c for c in chats if c.platform == platform]
        active = sum(c.active for c in mine)
        kinds = Counter(c.kind for c in mine if c.active)
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        reply.add(f"Chats on {platform}: {active} active"
                  + (f" ({detail})" if detail else "") + f", {len(mine) - active} inactive")
    live = [c for c in chats if c.active]
    per_topic = Counter(t for c in live for t in c.subscription.topics)
    reply.add(Span("Subscriptions per topic", "bold"))
    for topic in deps.classifier.topics:
        reply.add(f"{topic_name(deps, topic.id)}: {per_topic.get(topic.id, 0)}")
    reply.add(f"Chats with keywords: {sum(bool(c.subscription.keywords) for c in live)}; "
              f"daily digests: {sum(c.subscription.mode == 'digest' for c in live)}")
    specs = _specs(deps)
    health = _health(deps)
    failing = [s.id for s in specs if (st := health.get(s.id)) and st.consecutive_failures]
    gone = [s.id for s in specs if (st := health.get(s.id)) and st.gone]
    line = f"Feeds: {len(specs)}"
    if failing:
        line += f"; failing: {', '.join(failing)}"
    if gone:
        line += f"; gone: {', '.join(gone)}"
    reply.add(line + f". Details: {typed(cmd, 'feeds')}")
    return reply
