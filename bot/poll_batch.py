"""Polls that finish together are stored together: one write per month file for the lot.

Each poll's releases went to the store on their own, so a cycle over 1,000 feeds rewrote the
current month file 1,000 times (97 of its 118 s, measured with `benchmarks/polling.py`). A poll
now hands its releases to the batcher and awaits its share of the result; the batcher waits for
the polls still in flight (at most BATCH_WAIT; not at all when no other fetch is running) and
stores them in one call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.models import IngestResult, Item

BATCH_WAIT = 0.05

# (releases, notify, now) -> what the store made of them
Ingest = Callable[[list[Item], bool, datetime], IngestResult]


def _fail(done: asyncio.Future[IngestResult], exc: Exception) -> None:
    if not done.done():
        done.set_exception(exc)


class IngestBatcher:
    def __init__(self, ingest: Ingest, in_flight: Callable[[], int]) -> None:
        self._ingest = ingest
        self._in_flight = in_flight
        self._pending: list[tuple[list[Item], bool, datetime, asyncio.Future[IngestResult]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def ingest(self, items: list[Item], notify: bool, now: datetime) -> IngestResult:
        """Store a poll's releases (with those of the polls that finish meanwhile); its share
        of the result. A poll cancelled meanwhile does not cancel the others' write."""
        if not items:
            return IngestResult()
        done: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self._pending.append((items, notify, now, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending(), name="poller-ingest")
        return await asyncio.shield(done)

    async def _write_pending(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            ends = loop.time() + BATCH_WAIT
            await asyncio.sleep(0)
            while self._in_flight() and loop.time() < ends:
                await asyncio.sleep(0.005)
            batch, self._pending = self._pending, []
            try:
                results = self._store([(items, notify) for items, notify, _, _ in batch],
                                      max(now for _, _, now, _ in batch))
            except OSError as exc:  # the disk refused: each poll reports it
                for *_, done in batch:
                    _fail(done, exc)
                continue
            except Exception as exc:  # a release the ingest cannot take: its poll alone fails
                if len(batch) == 1:
                    _fail(batch[0][3], exc)
                    continue
                for items, notify, now, done in batch:  # what was stored is seen as such
                    try:
                        result = self._store([(items, notify)], now)[0]
                    except Exception as one:
                        _fail(done, one)
                    else:
                        if not done.done():
                            done.set_result(result)
                continue
            for (*_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)

    def _store(self, polls: list[tuple[list[Item], bool]], now: datetime) -> list[IngestResult]:
        """One store call for several polls' releases; each poll's share of the result. A feed
        polled for the first time stores its backlog without notifying anyone."""
        if len(polls) == 1:
            items, notify = polls[0]
            return [self._ingest(items, notify, now)]
        owner: dict[int, int] = {}
        everything: list[Item] = []
        for n, (items, notify) in enumerate(polls):
            for item in items:
                if not notify:
                    item.notify = False
                owner[id(item)] = n
            everything.extend(items)
        total = self._ingest(everything, True, now)
        results = [IngestResult() for _ in polls]
        for item in total.new:
            results[owner[id(item)]].new.append(item)
        for item in total.updated:
            results[owner[id(item)]].updated.append(item)
        for result, (items, _) in zip(results, polls, strict=True):
            result.seen = len(items) - len(result.new) - len(result.updated)
        return results
