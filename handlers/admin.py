"""Commands for the bot's administrators: /feeds /addfeed /removefeed /stats (and /channel,
in channels.py)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from urllib.parse import urlsplit

from bot.config import check_feed_id
from bot.i18n import format_datetime, tr
from bot.models import Command, FeedSpec, FeedState, Reply, Span
from bot.urls import mask_credentials, url_key
from handlers.common import (
    ADDFEED_HINT,
    NOT_ADMIN,
    clean,
    hint,
    refuse_non_admin,
    topic_name,
    typed,
)
from handlers.deps import Deps
from handlers.relayed import reason

__all__ = ["NOT_ADMIN", "addfeed", "feeds", "removefeed", "stats"]


def _when(deps: Deps, moment: datetime | None, lang: str) -> str:
    if moment is None:
        return tr(lang, "never")
    seconds = max(0, int((deps.clock() - moment).total_seconds()))
    if seconds < 90:
        ago = tr(lang, "just now")
    elif seconds < 90 * 60:
        ago = tr(lang, "{n} min ago", n=seconds // 60)
    elif seconds < 36 * 3600:
        ago = tr(lang, "{n} h ago", n=seconds // 3600)
    else:
        ago = tr(lang, "{n} days ago", n=seconds // 86400)
    return f"{format_datetime(moment, lang, deps.settings.tz)} ({ago})"


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
    lang = cmd.language
    specs = _specs(deps)
    if not specs:
        return Reply.text(tr(lang, "No feeds are configured. Add one with {command} or in the "
                             "config file.", command=typed(cmd, "addfeed <url>")))
    health = _health(deps)
    reply = Reply().add(Span(tr(lang, "Feeds ({n})", n=len(specs)), "bold"))
    for spec in specs:
        state = health.get(spec.id) or FeedState(feed_id=spec.id)
        if state.gone:
            mark = "⛔"
        elif state.consecutive_failures:
            mark = "⚠️"
        elif state.last_success is None:
            mark = "⏳"
        elif state.stale_alerted:
            mark = "💤"
        else:
            mark = "✅"
        origin = " " + tr(lang, "(added by an admin)") if spec.origin == "admin" else ""
        shown = mask_credentials(spec.url)  # never a password in a chat
        reply.add(f"{mark} ", Span(spec.id, "bold"), f" · {spec.type}{origin} · ",
                  Span(shown, "link", url=spec.url) if shown == spec.url else shown)
        lines = [tr(lang, "last success: {when}", when=_when(deps, state.last_success, lang)),
                 tr(lang, "releases: {n}", n=state.items_seen),
                 tr(lang, "newest release arrived: {when}",
                    when=_when(deps, state.last_new_at, lang))]
        if state.stale_alerted:
            lines.append(tr(lang, "stale: nothing new since {when}",
                            when=_when(deps, state.quiet_since, lang)))
        if state.consecutive_failures:
            lines.append(tr(lang, "failures in a row: {n}", n=state.consecutive_failures))
        if state.last_error:
            lines.append(tr(lang, "last error: {error} ({when})",
                            error=clean(mask_credentials(state.last_error), 200),
                            when=_when(deps, state.last_error_at, lang)))
        if state.gone:
            lines.append(tr(lang, "gone (410): no longer polled; remove it or fix its URL"))
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
    lang = cmd.language
    usage = tr(lang, "Usage: {usage}, e.g. {example}.",
               usage=hint(cmd, ADDFEED_HINT),
               example=typed(cmd, "addfeed https://customs.gov.az/en/rss customs-en"))
    if not cmd.args:
        return Reply.text(usage)
    url, rest = cmd.args[0], cmd.args[1:]
    kind, pattern = "rss", ""
    lowered = [r.casefold() for r in rest]
    if "html" in lowered:
        at = lowered.index("html")
        kind, pattern, rest = "html", " ".join(rest[at + 1 :]), rest[:at]
        if not pattern:
            return Reply.text(tr(lang, "An html source needs a link pattern: a regular "
                                 "expression that its article links match, e.g. html "
                                 "/news/\\d+"), usage)
        try:
            re.compile(pattern)
        except re.error as exc:
            return Reply.text(tr(lang, "The link pattern is not a valid regular expression "
                                 "({error}).", error=exc))
    if len(rest) > 1:
        return Reply.text(tr(lang, "Too many arguments: '{arg}'.", arg=clean(rest[1])), usage)
    refusal = await url_refusal(url, deps.settings.fetch.allow_private)
    if refusal:
        return Reply.text(tr(lang, "Cannot add {url}: {reason}.",
                             url=clean(mask_credentials(url), 120),
                             reason=reason(lang, mask_credentials(refusal))))
    specs = _specs(deps)
    taken = {s.id for s in specs}
    for spec in specs:
        if url_key(spec.url) == url_key(url):
            return Reply.text(tr(lang, "That URL is already watched as '{feed_id}'.",
                                 feed_id=spec.id))
    if rest:
        feed_id = rest[0]
        if problem := check_feed_id(feed_id):
            return Reply.text(tr(lang, "'{feed_id}' cannot be a feed id: {problem}.",
                                 feed_id=clean(feed_id), problem=reason(lang, problem)), usage)
        if feed_id in taken:
            return Reply.text(tr(lang, "A feed with id '{feed_id}' already exists; choose "
                                 "another id.", feed_id=feed_id))
    else:
        feed_id = _derived_id(url, taken)
    spec = FeedSpec(id=feed_id, url=url, type=kind, link_pattern=pattern,  # type: ignore[arg-type]
                    origin="admin")
    minutes = spec.interval_seconds // 60
    if deps.feeds is not None:
        await deps.feeds.add_feed(spec)
        added = tr(lang, "Added feed '{feed_id}' ({kind}). It is polled from now on, every {n} "
                   "min; releases already on it are stored without alerts.",
                   feed_id=feed_id, kind=kind, n=minutes)
    else:
        deps.store.add_admin_feed(spec)
        added = tr(lang, "Added feed '{feed_id}' ({kind}). It is polled when the bot next "
                   "starts, every {n} min; releases already on it are stored without alerts.",
                   feed_id=feed_id, kind=kind, n=minutes)
    return Reply.text(added, tr(lang, "{feeds_cmd} shows its health; {remove_cmd} removes it.",
                                feeds_cmd=typed(cmd, "feeds"),
                                remove_cmd=typed(cmd, "removefeed " + feed_id)))


async def removefeed(cmd: Command, deps: Deps) -> Reply:
    if refused := refuse_non_admin(cmd):
        return refused
    lang = cmd.language
    if len(cmd.args) != 1:
        return Reply.text(tr(lang, "Usage: {usage}; {feeds_cmd} lists the ids.",
                             usage=typed(cmd, "removefeed <id>"), feeds_cmd=typed(cmd, "feeds")))
    feed_id = cmd.args[0]
    specs = {s.id: s for s in _specs(deps)}
    spec = specs.get(feed_id)
    if spec is None:
        known = ", ".join(specs) or tr(lang, "none")
        return Reply.text(tr(lang, "There is no feed '{feed_id}'. Feeds: {feeds}.",
                             feed_id=clean(feed_id), feeds=known))
    if spec.origin != "admin":
        return Reply.text(tr(lang, "Feed '{feed_id}' comes from the config file ({file}); "
                             "remove it there and restart the bot.",
                             feed_id=feed_id, file=deps.settings.source))
    if deps.feeds is not None:
        removed = await deps.feeds.remove_feed(feed_id)
    else:
        removed = deps.store.remove_admin_feed(feed_id)
    if not removed:
        return Reply.text(tr(lang, "Feed '{feed_id}' could not be removed; see the log.",
                             feed_id=feed_id))
    return Reply.text(tr(lang, "Removed feed '{feed_id}'. Its releases stay searchable.",
                         feed_id=feed_id))


# ---- /stats ---------------------------------------------------------------------------------


async def stats(cmd: Command, deps: Deps) -> Reply:
    if refused := refuse_non_admin(cmd):
        return refused
    lang = cmd.language
    chats = deps.store.chats()
    reply = Reply().add(Span(tr(lang, "Statistics"), "bold"))
    reply.add(tr(lang, "Releases stored: {n} (searchable: {searchable})",
                 n=deps.store.count_items(), searchable=len(deps.index)))
    platforms = sorted({c.platform for c in chats})
    if not platforms:
        reply.add(tr(lang, "Chats: none yet"))
    for platform in platforms:
        mine = [c for c in chats if c.platform == platform]
        active = sum(c.active for c in mine)
        kinds = Counter(c.kind for c in mine if c.active)
        # chat kinds (private, group, channel) are the platforms' terms, shown as they are
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        if detail:
            reply.add(tr(lang, "Chats on {platform}: {active} active ({detail}), {inactive} "
                         "inactive", platform=platform, active=active, detail=detail,
                         inactive=len(mine) - active))
        else:
            reply.add(tr(lang, "Chats on {platform}: {active} active, {inactive} inactive",
                         platform=platform, active=active, inactive=len(mine) - active))
    live = [c for c in chats if c.active]
    per_topic = Counter(t for c in live for t in c.subscription.topics)
    reply.add(Span(tr(lang, "Subscriptions per topic"), "bold"))
    for topic in deps.classifier.topics:
        reply.add(f"{topic_name(deps, topic.id, lang)}: {per_topic.get(topic.id, 0)}")
    reply.add(tr(lang, "Chats with keywords: {keywords}; daily digests: {digests}",
                 keywords=sum(bool(c.subscription.keywords) for c in live),
                 digests=sum(c.subscription.mode == "digest" for c in live)))
    specs = _specs(deps)
    health = _health(deps)
    failing = [s.id for s in specs if (st := health.get(s.id)) and st.consecutive_failures]
    gone = [s.id for s in specs if (st := health.get(s.id)) and st.gone]
    lines = [tr(lang, "Feeds: {n}", n=len(specs))]
    if failing:
        lines.append(tr(lang, "failing: {feeds}", feeds=", ".join(failing)))
    if gone:
        lines.append(tr(lang, "gone: {feeds}", feeds=", ".join(gone)))
    lines.append(tr(lang, "details: {command}", command=typed(cmd, "feeds")))
    reply.add("; ".join(lines))
    return reply
