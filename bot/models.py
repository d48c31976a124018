"""Plain data shared by every part of the bot. No I/O here.

`Command` and `Reply` are the chat-neutral currency between the platform adapters and the
handlers: an adapter turns a Telegram update or a Slack slash command into a `Command`, a
handler answers with a `Reply`, and the adapter renders the reply in its own markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Platform = Literal["telegram", "slack", "console"]
ChatKind = Literal["private", "group", "channel"]
DeliveryMode = Literal["instant", "digest"]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Item:
    """One press release, normalised from whatever source it came from."""

    id: str
    feed_id: str
    url: str
    title: str
    body: str
    published: datetime  # timezone-aware, UTC
    language: str = ""
    published_estimated: bool = False  # True when the source gave no usable date
    content_hash: str = ""
    topics: list[str] = field(default_factory=list)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    seq: int = 0  # ingest order, assigned by the store; 0 = not stored yet
    notify: bool = True  # False for a feed's first-fetch backlog: stored, never pushed
    first_seen: datetime | None = None
    updated_at: datetime | None = None
    tz_offset_minutes: int | None = None  # the source's own UTC offset, for display
    # the story (one release in several language editions) this edition belongs to: the id of
    # its first edition; "" until grouped (then it is a story of its own)
    story: str = ""
    # the release's picture (RSS enclosure or media:content, the page's og:image or lead
    # figure): an absolute http(s) URL, "" when it has none
    image: str = ""

    @property
    def story_id(self) -> str:
        return self.story or self.id


# which edition a reader of each language gets when their own is missing, best first
EDITION_PREFERENCE: dict[str, tuple[str, ...]] = {
    "az": ("az", "ru", "en"),
    "ru": ("ru", "en", "az"),
    "en": ("en", "ru", "az"),
}


@dataclass(slots=True)
class Story:
    """One release in its language editions (at most one per language)."""

    id: str
    editions: dict[str, Item] = field(default_factory=dict)  # language -> edition

    @property
    def topics(self) -> list[str]:
        """Every edition's topics: the az and ru texts catch what the en rules miss."""
        seen: dict[str, None] = {}
        for item in self.editions.values():
            seen.update(dict.fromkeys(item.topics))
        return list(seen)

    def edition_for(self, language: str) -> Item:
        """The edition a reader of `language` should get: their own, else the best other."""
        for lang in EDITION_PREFERENCE.get(language, EDITION_PREFERENCE["en"]):
            if lang in self.editions:
                return self.editions[lang]
        return next(iter(self.editions.values()))

    def others(self, item: Item) -> list[Item]:
        return [e for e in self.editions.values() if e.id != item.id]


@dataclass(slots=True)
class Topic:
    id: str
    name: str
    description: str = ""
    # language code ("en", "az", "ru", or "*" for any) -> terms; syntax in bot/classify/terms.py
    terms: dict[str, list[str]] = field(default_factory=dict)
    threshold: float | None = None  # None: the classifier's own


@dataclass(slots=True)
class FeedSpec:
    """A source to watch, from the config or added by an admin."""

    id: str
    url: str
    type: Literal["rss", "html"] = "rss"
    interval_seconds: int = 300
    language: str = ""
    link_pattern: str = ""  # html sources: regex that article links match
    max_new_per_poll: int = 10  # html sources
    request_delay_seconds: float = 1.0  # html sources
    group: str = ""  # feeds of one group are language editions of one publisher
    origin: Literal["config", "admin"] = "config"
    # admins are told when a source that answers has published nothing new for this long
    stale_after_hours: float = 96.0


@dataclass(slots=True)
class PendingLink:
    """An article link an HTML source found and has not fetched yet."""

    url: str
    failures: int = 0  # failed fetches so far (404, 5xx, timeout, nothing extractable)


@dataclass(slots=True)
class FeedState:
    """What the bot remembers about a feed between polls: validators and health."""

    feed_id: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    total_polls: int = 0
    total_failures: int = 0
    items_seen: int = 0
    initialised: bool = False  # first successful fetch done (its backlog is never pushed)
    gone: bool = False  # 410: stop polling
    alerted: bool = False  # admins were told it is failing
    last_new_at: datetime | None = None  # when its newest release was first stored
    watched_since: datetime | None = None  # first successful poll (staleness counts from it)
    stale_alerted: bool = False  # admins were told it published nothing new for too long

    @property
    def quiet_since(self) -> datetime | None:
        """Since when nothing new came from it: its newest release's arrival, or the first
        successful poll if later (None before that)."""
        times = [t for t in (self.last_new_at, self.watched_since) if t is not None]
        return max(times) if times else None
    seen_links: list[str] = field(default_factory=list)  # html sources: article URLs fetched
    # html sources: found, not yet fetched, oldest first
    pending_links: list[PendingLink] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)  # html sources: learnt banner lines
    # html sources: per recent article (oldest first), the hashes of its text lines, from which
    # the boilerplate is learnt
    line_windows: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class Subscription:
    topics: set[str] = field(default_factory=set)
    keywords: set[str] = field(default_factory=set)
    mode: DeliveryMode = "instant"
    digest_time: str = "09:00"  # HH:MM, in the bot's display time zone
    digest_weekday: int | None = None  # weekly digest: 0 = Monday ... 6 = Sunday; None: daily
    # "topic:<id>" / "word:<keyword>" -> the newest sequence number stored when it was added:
    # releases at or below it are not pushed for that topic or word (but still for the others)
    added_at: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Chat:
    platform: str
    chat_id: str
    kind: ChatKind = "private"
    title: str = ""
    language: str = "en"
    active: bool = True
    subscription: Subscription = field(default_factory=Subscription)
    since_seq: int = 0  # releases stored at or before this seq are never pushed to this chat
    created_at: datetime | None = None
    deactivated_reason: str | None = None
    last_digest_on: str | None = None  # ISO date of the last digest sent
    # a digest came due while /pause or /quiet held it: it goes when they open (even next day)
    digest_held: bool = False
    # what an alert's button ("Mute", "Unsubscribe") changed, for its "Undo": the token the
    # Undo button carries, and the topics and keywords followed before the change
    undo_token: str = ""
    undo_topics: list[str] = field(default_factory=list)
    undo_keywords: list[str] = field(default_factory=list)
    undo_state: str = ""  # the topics and keywords right after the change: Undo only then
    # /pause: nothing is pushed while paused (until `paused_until`, or /resume when None);
    # what arrives meanwhile is dropped, or kept for one digest at the end (`pause_keep`)
    paused: bool = False
    paused_until: datetime | None = None  # aware
    pause_keep: bool = False
    quiet_hours: str = ""  # /quiet "HH:MM-HH:MM" in the bot's time zone; "" = none

    @property
    def key(self) -> str:
        return chat_key(self.platform, self.chat_id)


def chat_key(platform: str, chat_id: str | int) -> str:
    return f"{platform}:{chat_id}"


# A Telegram forum topic (thread) is a chat of its own: its chat_id is "<chat id>:<thread id>",
# so subscriptions, cursors and sent stories work per thread unchanged. The General topic is
# the group itself (no thread).
THREAD_SEP = ":"


def thread_chat_id(chat_id: str | int, thread_id: int | None) -> str:
    """The chat_id of a group's thread ("-1001:42"), or of the group when there is none."""
    return f"{chat_id}{THREAD_SEP}{thread_id}" if thread_id else str(chat_id)


def split_thread(chat_id: str) -> tuple[str, int | None]:
    """("-1001", 42) from "-1001:42"; (chat_id, None) for a chat that is no thread."""
    base, sep, thread = chat_id.rpartition(THREAD_SEP)
    if sep and base and thread.isdigit():
        return base, int(thread)
    return chat_id, None


@dataclass(frozen=True, slots=True)
class SentStory:
    """A chat was notified of a story (with that edition): no other edition notifies it again."""

    chat_key: str
    story_id: str
    item_id: str
    sent_at: datetime  # aware
    message_id: str = ""  # the platform's id of the message, when it gave one


# ---- chat-neutral messages -------------------------------------------------------------

SpanStyle = Literal["plain", "bold", "italic", "code", "link", "mark"]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style. Text is raw: each renderer escapes it for its markup."""

    text: str
    style: SpanStyle = "plain"
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str = ""  # callback data, e.g. "sub:demining" or "more:search:2"
    url: str | None = None  # a link button instead of an action


@dataclass(slots=True)
class Card:
    """A release as a notification or a result: each platform renders it its own way."""

    title: str
    url: str
    date_text: str
    topic_labels: list[str]
    lead: str
    snippet: list[Span] = field(default_factory=list)  # search results: highlighted excerpt
    number: int | None = None  # position in a list, for /why <n>
    # the story's other language editions: (language code, url), shown as links
    editions: list[tuple[str, str]] = field(default_factory=list)
    image: str = ""  # notifications: the release's picture (absolute http(s) URL), if any


@dataclass(slots=True)
class Reply:
    paragraphs: list[list[Span]] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)  # rows of buttons
    ephemeral: bool = True  # Slack: only the caller sees it
    announce: bool = False  # Slack: the change is announced in the channel
    link_preview: bool = False
    silent: bool = False  # nothing to send (e.g. a command for another bot)
    # a tapped button's answer: `new_message` is sent anew, the tapped message left as it is;
    # `replace` takes the tapped message's place wherever it is (an alert, on Slack too)
    new_message: bool = False
    replace: bool = False
    toast: bool = False  # a tapped button's answer for the tapper alone; the message stays

    @classmethod
    def text(cls, *lines: str, **kwargs: object) -> Reply:
        return cls(paragraphs=[[Span(line)] for line in lines], **kwargs)  # type: ignore[arg-type]

    def add(self, *spans: Span | str) -> Reply:
        self.paragraphs.append([s if isinstance(s, Span) else Span(s) for s in spans])
        return self

    def plain(self) -> str:
        """Plain-text rendering, used by the console and as Slack's fallback text."""
        out: list[str] = []
        for para in self.paragraphs:
            out.append("".join(_plain_span(s) for s in para))
        for card in self.cards:
            out.append(card_plain(card))
        for row in self.buttons:
            out.append("  ".join(f"[{b.label}]" for b in row))
        return "\n".join(out)


def _plain_span(span: Span) -> str:
    if span.style == "link" and span.url and span.url != span.text:
        return f"{span.text} ({span.url})"
    if span.style == "mark":
        return f"*{span.text}*"
    return span.text


def card_plain(card: Card) -> str:
    head = f"{card.number}. " if card.number is not None else ""
    lines = [f"{head}{card.title}"]
    meta = card.date_text + (" | " + ", ".join(card.topic_labels) if card.topic_labels else "")
    lines.append(f"   {meta}")
    if card.snippet:
        lines.append("   " + "".join(_plain_span(s) for s in card.snippet))
    elif card.lead:
        lines.append(f"   {card.lead}")
    if card.url:
        lines.append(f"   {card.url}")
    if card.editions:  # the story's other language editions
        lines.append("   " + "  ".join(f"{lang.upper()}: {url}" for lang, url in card.editions))
    return "\n".join(lines)


@dataclass(slots=True)
class Command:
    """A chat command, whatever platform it came from."""

    platform: str
    chat_id: str
    name: str  # without the slash, lower case: "subscribe"
    args: list[str] = field(default_factory=list)
    chat_kind: ChatKind = "private"
    chat_title: str = ""
    user_id: str = ""
    user_name: str = ""
    is_chat_admin: bool = True  # private chats: the user owns the chat
    is_bot_admin: bool = False
    language: str = "en"
    raw_args: str = ""  # the text after the command, as typed
    via_button: bool = False  # came from a tapped button: the reply may edit that message

    @property
    def chat_key(self) -> str:
        return chat_key(self.platform, self.chat_id)


@dataclass(slots=True)
class IngestResult:
    new: list[Item] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    seen: int = 0

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated), "seen": self.seen}
