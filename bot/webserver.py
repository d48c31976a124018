"""Starting a small aiohttp server inside the bot's loop (demo feed, ops endpoints, test fakes)."""

from __future__ import annotations

import errno
import os
import socket

from aiohttp import web


class BindError(Exception):
    """The server could not listen on host:port (in use, not an address of this machine, a
    privileged port). `explain` names the config keys."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        self.host, self.port, self.errno = host, port, error.errno
        self.bad_host = isinstance(error, socket.gaierror) or error.errno in (
            errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)
        reason = error.strerror if isinstance(error, socket.gaierror) or not error.errno \
            else os.strerror(error.errno)
        super().__init__(f"cannot listen on {host}:{port} ({reason or error})")

    def explain(self, source: str, host_key: str, port_key: str) -> str:
        """One line for the operator: which key to change, and why."""
        if self.errno == errno.EADDRINUSE:
            return (f"{source}: {port_key} = {self.port}: the port is already in use on "
                    f"{self.host}; stop the program using it or choose another port")
        if self.errno == errno.EACCES:
            return (f"{source}: {port_key} = {self.port}: permission denied (ports below 1024 "
                    "need privileges); choose a port from 1024 up")
        if self.bad_host:
            return (f"{source}: {host_key} = {self.host!r}: {self}; give an address of this "
                    "machine (127.0.0.1, or 0.0.0.0 for every interface)")
        return f"{source}: {host_key}/{port_key}: {self}"


async def start_site(
    app: web.Application, host: str = "127.0.0.1", port: int = 0, shutdown_timeout: float = 0.5
) -> tuple[web.AppRunner, int]:
    """Serve `app`; port 0 picks a free one. Returns the runner (to `cleanup()`) and the port.
    Raises BindError when it cannot listen there."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout,
                           handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise BindError(host, port, exc) from None
    addresses = runner.addresses  # (host, port, ...) of every socket bound
    return runner, (int(addresses[0][1]) if addresses else port)
