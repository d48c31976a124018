"""The daily and weekly digests: which digest chats are due now, and each sent once a day at
most (a weekly one only on its day); one that /pause (keeping) or /quiet holds back goes when
they end, even on the next day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.delivery.digests import DigestKind, digest_reply
from bot.gate import gate
from bot.models import SentStory

if TYPE_CHECKING:
    from bot.delivery.engine import Delivery


async def send_due_digests(delivery: Delivery) -> None:
    """One pass over the digest chats (`Delivery.send_digests` runs one at a time)."""
    now = delivery.clock()
    now_local = now.astimezone(delivery.tz)
    today = now_local.date().isoformat()
    hhmm = now_local.strftime("%H:%M")
    for listed in delivery._chats():
        # read at its turn: a command taken while the round sends to others counts
        due = listed.subscription.mode == "digest" and listed.last_digest_on != today
        chat = delivery.store.get_chat(listed.key) if due else None
        if chat is None:
            continue
        sub = chat.subscription
        if not chat.active or sub.mode != "digest" or chat.last_digest_on == today:
            continue
        if chat.platform not in delivery.transports:
            continue
        on_time = hhmm >= sub.digest_time and (sub.digest_weekday is None
                                               or now_local.weekday() == sub.digest_weekday)
        if not on_time and not chat.digest_held:
            continue
        door = gate(chat, now, delivery.tz)
        if door.kind == "drop":  # paused: this digest's releases are dropped
            delivery.store.record_delivered(chat.key, delivery.store.max_seq)
        if door.kind == "hold" and not chat.digest_held:  # it goes when the gate opens
            chat.digest_held = True
            delivery.store.save_chat(chat)
        if door.kind != "open":
            continue
        floor = max(delivery.store.cursor(chat.key), chat.since_seq)
        items = [i for i in delivery.store.items_after(floor, limit=10**9) if i.notify]
        delivery._prefetch(items)
        entries = delivery._digest_entries(chat, items)
        if entries:
            kind: DigestKind = "daily" if sub.digest_weekday is None else "weekly"
            reply = digest_reply(entries, delivery.tz, delivery.topic_label, lang=chat.language,
                                 platform=chat.platform, kind=kind,
                                 followed=sub.topics, order=delivery._topic_order)
            outcome = await delivery.sender.send(chat, reply)
            if outcome != "sent":
                continue
            sent_at = delivery.clock()
            for story, edition in entries:
                delivery.store.record_story_sent(SentStory(chat.key, story.id, edition.id, sent_at))
            delivery.store.record_delivered(chat.key, items[-1].seq)
            await delivery._committer.durable()
            delivery.stats.digests += 1
            # read again: a command taken while this digest was sent is kept
            chat = delivery.store.get_chat(chat.key)
            if chat is None:
                continue
        chat.last_digest_on, chat.digest_held = today, False
        delivery.store.save_chat(chat)
