"""Corrections: a release whose title or text changed at its source after it was sent has its
notifications edited in place (Telegram editMessageText / editMessageCaption, Slack
chat.update), never sent again.

Which messages: those the sent-stories journal recorded with that edition and a message id,
sent within `window` (`[delivery] edit_window_hours`). Each chat's message is edited in the
chat's language, as a new notification of the corrected release would read. A message that is
gone, unchanged or no longer editable is let be (the transports log it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from bot.delivery.sender import Sender
from bot.models import Chat, Item, Reply, SentStory, Story
from bot.store import Store
from bot.summary import TopicLabel, notification
from handlers.alert_actions import alert_buttons

log = logging.getLogger("newsbot.delivery")


def alert_reply(chat: Chat, story: Story, edition: Item, tz: tzinfo,
                topic_label: TopicLabel) -> Reply:
    """The alert a chat gets of `edition` (its story's other editions linked, its buttons):
    as sent, and as edited when the release is corrected."""
    reply = notification(edition, tz, topic_label, lang=chat.language,
                         others=story.others(edition))
    reply.buttons = alert_buttons(chat, story, edition, topic_label)
    return reply


def refresh(queued: Item, stored: Item) -> None:
    """A queued release takes the corrected text in place (the queue keeps its identity)."""
    for name in ("title", "body", "content_hash", "topics", "reasons", "image", "updated_at"):
        setattr(queued, name, getattr(stored, name))


def stale_sent(entries: list[tuple[Story, Item]], built: tuple[str, ...],
               sent: list[SentStory], story_of: Callable[[Item], Story]
               ) -> list[tuple[Item, SentStory]]:
    """The alerts just `sent` whose release was corrected after they were built (content
    hashes `built`, one per entry), each with the release as it is now: to edit."""
    stale = []
    for (_, edition), content_hash, record in zip(entries, built, sent, strict=False):
        current = story_of(edition).editions.get(edition.language, edition)
        if current.id == edition.id and current.content_hash != content_hash:
            stale.append((current, record))
    return stale


class Corrections:
    def __init__(self, store: Store, sender: Sender, tz: tzinfo, topic_label: TopicLabel,
                 clock: Callable[[], datetime], window: timedelta) -> None:
        self.store, self.sender, self.tz = store, sender, tz
        self.topic_label, self.clock, self.window = topic_label, clock, window
        self._tasks: set[asyncio.Task[int]] = set()

    def submit(self, items: list[Item]) -> None:
        """Edit, in the background, the messages sent of these corrected releases so far (the
        ones sent later, built before the correction, are delivery's: `submit_sent`)."""
        if self.window <= timedelta(0) or not items:
            return
        self.submit_sent([(item, sent) for item in items for sent in self.due(item)])

    def submit_sent(self, jobs: list[tuple[Item, SentStory]]) -> None:
        """Edit, in the background, each message `sent` to show its corrected `item`."""
        if self.window <= timedelta(0) or not jobs:
            return
        task = asyncio.ensure_future(self._run(jobs))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        """Until the corrections submitted so far are done (tests, shutdown)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()

    def due(self, item: Item) -> list[SentStory]:
        """The messages to edit for `item`: sent with it, with an id, within the window."""
        horizon = self.clock() - self.window
        return [s for s in self.store.sent_of_item(item.id)
                if s.message_id and s.sent_at >= horizon]

    async def _run(self, jobs: list[tuple[Item, SentStory]]) -> int:
        done = await asyncio.gather(*(self._edit(item, sent) for item, sent in jobs))
        return sum(done)

    async def _edit(self, item: Item, sent: SentStory) -> bool:
        chat = self.store.get_chat(sent.chat_key)
        if chat is None or not chat.active or chat.platform not in self.sender.transports:
            return False
        story = self.store.story(item.story_id)
        reply = alert_reply(chat, story, item, self.tz, self.topic_label)
        edited = await self.sender.edit(chat, sent.message_id, reply)
        log.info("event=correction chat=%s release=%s message=%s edited=%s", chat.key, item.id,
                 sent.message_id, edited)
        return edited
