"""Starting a small aiohttp server inside the bot's loop (demo feed, ops endpoints, test fakes)."""

from __future__ import annotations

from aiohttp import web


async def start_site(
    app: web.Application, host: str = "127.0.0.1", port: int = 0, shutdown_timeout: float = 0.5
) -> tuple[web.AppRunner, int]:
    """Serve `app`; port 0 picks a free one. Returns the runner (to `cleanup()`) and the port."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout,
                           handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    addresses = runner.addresses  # (host, port, ...) of every socket bound
    return runner, (int(addresses[0][1]) if addresses else port)
