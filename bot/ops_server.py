"""GET /healthz and GET /metrics (Prometheus text) for operators; off unless [server] port.

The server sees the bot only through `OpsSnapshot`, figures that `bot.app.App` takes on each
request (`App.ops_snapshot`), never the App itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.models import FeedState
from bot.ops_health import health_report
from bot.webserver import start_site


@dataclass(frozen=True, slots=True)
class DeliveryFigures:
    sent: int
    failed: int
    retried: int
    deactivated: int
    queue_length: int


@dataclass(frozen=True, slots=True)
class StoreFigures:
    """Whether the poller's writes to the data directory work (Poller.store_writes holds the
    current one, replaced at each change)."""

    write_failures: int = 0  # polls whose results could not be written, since the start
    failing_since: datetime | None = None  # None: the last write worked
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    """What operators may see of the running bot, at one moment."""

    releases: int  # in the store
    feeds: Mapping[str, FeedState]  # feed id -> its health
    delivery: DeliveryFigures | None  # None until delivery runs
    store: StoreFigures = StoreFigures()
    alert_after_failures: int = 5  # [fetch]: a feed failing this often in a row is failing
    poll_crashes: int = 0  # polls ended by an unexpected error


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def metrics_text(snapshot: OpsSnapshot) -> str:
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP newsbot_{name} {help_text}")
        lines.append(f"# TYPE newsbot_{name} {kind}")
        for labels, value in samples:
            # every digit (`:g` kept 6: a unix time came out ~40 min off, big counters rounded)
            lines.append(f"newsbot_{name}{labels} {value}")

    feed = [(f'{{feed="{_escape_label(fid)}"}}', s) for fid, s in snapshot.feeds.items()]
    metric("polls_total", "counter", "Polls attempted per feed.",
           [(lbl, s.total_polls) for lbl, s in feed])
    metric("poll_failures_total", "counter", "Failed polls per feed.",
           [(lbl, s.total_failures) for lbl, s in feed])
    metric("feed_consecutive_failures", "gauge", "Failures in a row per feed.",
           [(lbl, s.consecutive_failures) for lbl, s in feed])
    metric("feed_last_success_timestamp_seconds", "gauge", "Last successful poll (unix time).",
           [(lbl, s.last_success.timestamp()) for lbl, s in feed if s.last_success])
    metric("feed_last_new_release_timestamp_seconds", "gauge",
           "When the feed's newest release arrived (unix time).",
           [(lbl, s.last_new_at.timestamp()) for lbl, s in feed if s.last_new_at])
    metric("feed_stale", "gauge", "1 while the feed has published nothing new for too long.",
           [(lbl, int(s.stale_alerted)) for lbl, s in feed])
    metric("items_stored", "gauge", "Releases in the store.", [("", snapshot.releases)])
    store = snapshot.store
    metric("store_write_failures_total", "counter",
           "Polls whose results could not be written to the data directory.",
           [("", store.write_failures)])
    metric("store_writes_ok", "gauge", "0 while writes to the data directory fail, else 1.",
           [("", int(store.failing_since is None))])
    metric("poll_crashes_total", "counter", "Polls ended by an unexpected error (see the log).",
           [("", snapshot.poll_crashes)])
    delivery = snapshot.delivery
    if delivery is not None:
        metric("deliveries_sent_total", "counter", "Messages delivered.", [("", delivery.sent)])
        metric("deliveries_failed_total", "counter", "Sends that failed unexpectedly.",
               [("", delivery.failed)])
        metric("deliveries_retried_total", "counter", "Sends retried after a transient error.",
               [("", delivery.retried)])
        metric("chats_deactivated_total", "counter", "Chats deactivated (blocked, gone).",
               [("", delivery.deactivated)])
        metric("delivery_queue_length", "gauge", "Messages waiting to be sent.",
               [("", delivery.queue_length)])
    return "\n".join(lines) + "\n"


async def start_ops_server(snapshot: Callable[[], OpsSnapshot], host: str,
                           port: int) -> web.AppRunner:
    """Serve /healthz and /metrics on host:port; `snapshot` is called on every request."""

    async def healthz(_: web.Request) -> web.Response:
        healthy, body = health_report(snapshot())
        return web.json_response(body, status=200 if healthy else 503)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(text=metrics_text(snapshot()), content_type="text/plain",
                            charset="utf-8")

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    runner, _ = await start_site(web_app, host, port)
    return runner
