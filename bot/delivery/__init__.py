"""Delivery: who gets what, once, in which language; per-chat cursors; paced sending.

    engine.py    Delivery: scanning, per-chat senders, cursors and the sent-stories journal
    stories.py   the pure rule: which edition of a story a chat gets, now or after a wait
    digests.py   a digest's message (daily, weekly, or what /pause and /quiet held back)
    schedule.py  which daily and weekly digests are due, and sending them
    broadcast.py an admin's announcement to every active chat (/broadcast)
    corrections.py  a corrected release: its sent notifications edited in place
    sender.py    one paced send, platform failures -> retry / gone / moved; the figures
    pacing.py    Pacer (platform limits) and Committer (one fsync per tick)
"""

from bot.delivery.digests import DIGEST_MAX_ITEMS, digest_reply
from bot.delivery.engine import Delivery, matches
from bot.delivery.pacing import Pacer
from bot.delivery.sender import DeliveryStats, Sender
from bot.delivery.stories import Verdict, decide, expected_languages

__all__ = [
    "DIGEST_MAX_ITEMS",
    "Delivery",
    "DeliveryStats",
    "Pacer",
    "Sender",
    "Verdict",
    "decide",
    "digest_reply",
    "expected_languages",
    "matches",
]
