"""What GET /healthz answers: "ok" (HTTP 200) or "failing" (HTTP 503), with the reasons.

Failing while the poller cannot write to the data directory (a full disk, a read-only mount)
or while a feed has failed `[fetch] alert_after_failures` polls in a row or answered 410 Gone:
the cases where the admins are alerted and someone has to act. A feed that answers but has
published nothing for its `stale_after_hours` is reported as "stale" and leaves the status ok
(the source may simply be quiet).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.models import FeedState
from bot.urls import mask_credentials

if TYPE_CHECKING:
    from bot.ops_server import OpsSnapshot

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _masked(text: str | None) -> str | None:
    return mask_credentials(text) if text else text


def feed_status(state: FeedState, alert_after_failures: int) -> str:
    """One word for a feed: gone, failing, stale, waiting (never polled successfully), ok."""
    if state.gone:
        return "gone"
    if state.consecutive_failures >= alert_after_failures:
        return "failing"
    if state.stale_alerted:
        return "stale"
    if state.last_success is None:
        return "waiting"
    return "ok"


def health_report(snapshot: OpsSnapshot) -> tuple[bool, dict[str, Any]]:
    """(healthy, the JSON body of /healthz)."""
    problems: list[str] = []
    store = snapshot.store
    if store.failing_since is not None:
        problems.append(f"store writes failing since {_iso(store.failing_since)}: "
                        f"{_masked(store.last_error)}")
    feeds: dict[str, dict[str, Any]] = {}
    for feed_id, state in snapshot.feeds.items():
        status = feed_status(state, snapshot.alert_after_failures)
        if status == "gone":
            problems.append(f"feed {feed_id}: 410 Gone, no longer polled")
        elif status == "failing":
            problems.append(f"feed {feed_id}: {state.consecutive_failures} failed polls in a "
                            f"row, last error: {_masked(state.last_error)}")
        feeds[feed_id] = {
            "status": status,
            "failures_in_a_row": state.consecutive_failures,
            "last_success": _iso(state.last_success),
            "last_new_release": _iso(state.last_new_at),
            "quiet_since": _iso(state.quiet_since),
            "last_error": _masked(state.last_error) if state.consecutive_failures else None,
        }
    body: dict[str, Any] = {
        "status": "failing" if problems else "ok",
        "problems": problems,
        "releases": snapshot.releases,
        "store": {"writes": "failing" if store.failing_since else "ok",
                  "failing_since": _iso(store.failing_since),
                  "write_failures": store.write_failures,
                  "last_error": _masked(store.last_error) if store.failing_since else None},
        "poll_crashes": snapshot.poll_crashes,  # unexpected errors, each logged with a trace
        "feeds": feeds,
    }
    return not problems, body
