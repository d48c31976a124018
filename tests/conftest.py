"""Shared fixtures and the one way tests wait.

A test never sleeps to prove that something did *not* happen: it waits, through `until`, for the
bot's own progress (a poll finished, the delivery queues drained), then asserts. `until` returns
as soon as its predicate holds, so waiting costs only what the bot needs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, TypeVar

import pytest

from tests.fakes.feed_server import FeedServer
from tests.fakes.site_server import SiteServer

if TYPE_CHECKING:
    from bot.app import App

T = TypeVar("T")

WAIT = 15.0  # seconds any single expectation may take: generous for a loaded 2-core machine


async def until(predicate: Callable[[], T], timeout: float = WAIT, what: str = "",
                interval: float = 0.02) -> T:
    """Until `predicate()` is truthy; return that value. AssertionError after `timeout` s."""
    try:
        async with asyncio.timeout(timeout):
            while not (value := predicate()):
                await asyncio.sleep(interval)
            return value
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for "
                             f"{what or getattr(predicate, '__name__', 'a condition')}") from None


def until_sync(predicate: Callable[[], T], timeout: float = WAIT, what: str = "",
               interval: float = 0.02) -> T:
    """`until` for code outside an event loop (watching a subprocess)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for "
                                 f"{what or getattr(predicate, '__name__', 'a condition')}")
        time.sleep(interval)
    return value


async def settled(app: App, polls: int = 1, timeout: float = WAIT) -> None:
    """Until `polls` polls begun after this call have finished and delivery has sent all it
    would send for them: after this, whatever has not arrived will not arrive. `polls=0` when the
    releases in question are known to be stored: then only the delivery pass is awaited.

    `app.poller.polls` counts polls begun, `polls_done` polls finished; finished polls can only
    exceed the polls begun before this call by polls begun after it.
    """
    begun = app.poller.polls
    await until(lambda: app.poller.polls_done >= begun + polls, timeout,
                what=f"{polls} more poll(s)")
    delivery = app.delivery
    assert delivery is not None, "the app is not started"
    delivery.scan()  # what the poll's wake-up asks for; a second scan queues nothing twice
    await delivery.drain(timeout)


@pytest.fixture
async def site() -> AsyncIterator[SiteServer]:
    """A local web site (list pages, articles, pictures) for the HTML source's tests."""
    async with SiteServer() as server:
        yield server


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    """A local feed server (RSS with ETag/Last-Modified and injectable faults)."""
    async with FeedServer() as server:
        yield server
