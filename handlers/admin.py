"""Commands for the bot's administrators: /feeds /addfeed /removefeed /stats (and /channel,
in channels.py)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from urllib.parse import urlsplit

from bot.config import check_feed_id
from bot.models import Command, FeedSpec, FeedState, Reply, Span
from handlers.common import NOT_ADMIN, clean, refuse_non_admin, topic_name, typed
from handlers.deps import Deps

__all__ = ["NOT_ADMIN", "addfeed", "feeds", "removefeed", "stats"]


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
    if refused := refuse_non_admin(cmd):
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

    if refused := refuse_non_admin(cmd):
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
    if refused := refuse_non_admin(cmd):
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


# ---- /stats ---------------------------------------------------------------------------------


async def stats(cmd: Command, deps: Deps) -> Reply:
    if refused := refuse_non_admin(cmd):
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
