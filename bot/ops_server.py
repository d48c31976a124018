"""GET /healthz and GET /metrics (Prometheus text) for operators; off unless [server] port.

The server sees the bot only through `OpsSnapshot`, figures that `bot.app.App` takes on each
request (`App.ops_snapshot`), never the App itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from bot.models import FeedState
from bot.webserver import start_site


@dataclass(frozen=True, slots=True)
class DeliveryFigures:
    sent: int
    failed: int
    retried: int
    deactivated: int
    queue_length: int


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    """What operators may see of the running bot, at one moment."""

    releases: int  # in the store
    feeds: Mapping[str, FeedState]  # feed id -> its health
    delivery: DeliveryFigures | None  # None until delivery runs


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
    metric("items_stored", "gauge", "Releases in the store.", [("", snapshot.releases)])
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
        return web.json_response({"status": "ok", "releases": snapshot().releases})

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(text=metrics_text(snapshot()), content_type="text/plain",
                            charset="utf-8")

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    runner, _ = await start_site(web_app, host, port)
    return runner
