"""GET /healthz and GET /metrics (Prometheus text) for operators; off unless [server] port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.webserver import start_site

if TYPE_CHECKING:
    from bot.app import App


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def metrics_text(app: App) -> str:
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP newsbot_{name} {help_text}")
        lines.append(f"# TYPE newsbot_{name} {kind}")
        for labels, value in samples:
            # every digit (`:g` kept 6: a unix time came out ~40 min off, big counters rounded)
            lines.append(f"newsbot_{name}{labels} {value}")

    health = app.poller.health()
    feed = [(f'{{feed="{_escape_label(fid)}"}}', s) for fid, s in health.items()]
    metric("polls_total", "counter", "Polls attempted per feed.",
           [(lbl, s.total_polls) for lbl, s in feed])
    metric("poll_failures_total", "counter", "Failed polls per feed.",
           [(lbl, s.total_failures) for lbl, s in feed])
    metric("feed_consecutive_failures", "gauge", "Failures in a row per feed.",
           [(lbl, s.consecutive_failures) for lbl, s in feed])
    metric("feed_last_success_timestamp_seconds", "gauge", "Last successful poll (unix time).",
           [(lbl, s.last_success.timestamp()) for lbl, s in feed if s.last_success])
    metric("items_stored", "gauge", "Releases in the store.", [("", app.store.count_items())])
    if app.delivery:
        stats = app.delivery.stats
        metric("deliveries_sent_total", "counter", "Messages delivered.", [("", stats.sent)])
        metric("deliveries_failed_total", "counter", "Sends that failed unexpectedly.",
               [("", stats.failed)])
        metric("deliveries_retried_total", "counter", "Sends retried after a transient error.",
               [("", stats.retried)])
        metric("chats_deactivated_total", "counter", "Chats deactivated (blocked, gone).",
               [("", stats.deactivated)])
        metric("delivery_queue_length", "gauge", "Messages waiting to be sent.",
               [("", app.delivery.queue_length)])
    return "\n".join(lines) + "\n"


async def start_ops_server(app: App) -> web.AppRunner:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "releases": app.store.count_items()})

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(text=metrics_text(app), content_type="text/plain", charset="utf-8")

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    runner, _ = await start_site(web_app, app.settings.server.host, app.settings.server.port)
    return runner
