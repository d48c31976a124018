"""Slack replay protection: a signed request seen once is not run again.

Slack signs each request with its timestamp, and bolt refuses one whose timestamp is more than
5 minutes away; within those 5 minutes, anyone who saw a request (a proxy's log, a reused
capture) could send it again, and it would run again. A request whose signature and timestamp
were already seen is answered (200, as an ack) and not run. Only genuine requests are recorded
(slack_sdk's own SignatureVerifier decides, as bolt does); each is forgotten once its timestamp
leaves the window, since bolt refuses it from then on, and the memory is capped besides.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from slack_sdk.signature import Clock, SignatureVerifier

WINDOW_SECONDS = 5 * 60  # Slack's (and bolt's) limit on a request's age
MAX_REMEMBERED = 20_000  # far above what one workspace sends in 5 minutes


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class ReplayGuard:
    def __init__(self, signing_secret: str, now: Callable[[], float] = time.time,
                 max_remembered: int = MAX_REMEMBERED) -> None:
        self._now = now
        self._verifier = SignatureVerifier(signing_secret, clock=_Clock(now))
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()  # -> forget after
        self.max_remembered = max_remembered

    def __len__(self) -> int:
        return len(self._seen)

    def is_replay(self, body: str, headers: Mapping[str, object]) -> bool:
        """True if this genuine request was seen before (answer it, do not run it); a request
        seen for the first time is remembered. Requests that fail verification are not
        remembered: bolt refuses them itself."""
        timestamp = _header(headers, "x-slack-request-timestamp")
        signature = _header(headers, "x-slack-signature")
        try:
            if not self._verifier.is_valid(body, timestamp, signature):
                return False
        except ValueError:  # a timestamp that is not a number
            return False
        assert timestamp is not None and signature is not None
        self._forget_expired()
        key = (timestamp, signature)
        if key in self._seen:
            return True
        self._seen[key] = int(timestamp) + WINDOW_SECONDS + 1
        while len(self._seen) > self.max_remembered:
            self._seen.popitem(last=False)
        return False

    def _forget_expired(self) -> None:
        now = self._now()
        while self._seen:
            key, until = next(iter(self._seen.items()))
            if until > now:
                break
            del self._seen[key]
        # a late entry behind a younger one is dropped when it reaches the front, or by the cap


def _header(headers: Mapping[str, object], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            return None if value is None else str(value)
    return None
