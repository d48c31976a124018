"""Shared pieces of the benchmarks: data generation, stores, the fake Telegram in a subprocess.

Synthetic history: `history(n)` takes `benchmarks.search_corpus.Corpus` releases (the search
benchmark's generator, seeded) and re-dates them at a constant density, one release every
`SPACING` hours going back from now, so that a bigger history is a *longer* history (more
months), as a real archive grows, not a denser one. The newest is `SPACING` hours old, so the
current month already holds about the same number of releases whatever `n` is.

The fake Telegram Bot API (`tests.fakes.telegram_api.FakeTelegram`) can run in a subprocess,
so that the CPU time measured in the benchmark process is the bot's alone:

    python -m benchmarks.common fake-telegram [--enforce] --private FIRST:COUNT

prints ``BASE_URL TOKEN`` on one line, then answers ``stats`` on stdin with one JSON line and
exits on ``quit`` (or end of input).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.models import Chat, Item, Subscription
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SPACING = timedelta(hours=3)  # about 8 releases a day
INGEST_BATCH = 5000


def log(*parts: Any) -> None:
    """Human-readable figures: stderr, so stdout stays free for --json."""
    print(*parts, file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


_GENERATED: list[Item] = []


def _corpus_items(n: int) -> list[Item]:
    """The corpus' first `n` releases (its output is prefix-stable: seeded, one at a time)."""
    if len(_GENERATED) < n:
        from benchmarks.search_corpus import Corpus

        _GENERATED[:] = list(Corpus().items(n))
    return _GENERATED[:n]


def history(n: int, now: datetime | None = None) -> list[Item]:
    """`n` synthetic releases, newest first, one every SPACING hours back from `now`.

    Fresh copies each call (the store assigns seq/first_seen in place); the corpus is generated
    once per run for the largest size asked so far."""
    from bot.sources.text import content_hash

    now = now or datetime.now(UTC)
    # content hashes as the sources make them (32 hex digits), not shorter stand-ins: the
    # store keeps one per release
    return [replace(item, published=now - SPACING * (k + 1), topics=list(item.topics),
                    reasons={}, content_hash=content_hash(item.title, f"{k} {item.body}"),
                    notify=False)
            for k, item in enumerate(_corpus_items(n))]


def fill_store(store: Store, items: Iterable[Item]) -> None:
    """Bulk load a history (not timed): batches of INGEST_BATCH, oldest first, so each batch
    touches only a few month files."""
    ordered = sorted(items, key=lambda i: i.published)
    for start in range(0, len(ordered), INGEST_BATCH):
        store.ingest(ordered[start:start + INGEST_BATCH], notify=False)


_TEMPLATES: dict[int, Path] = {}
_TEMPLATE_ROOT: list[tempfile.TemporaryDirectory[str]] = []


def prepared_store(n: int) -> Path:
    """A pristine data directory holding `history(n)`, built once per run (not timed); copy it
    (`shutil.copytree`) before use. `cleanup()` removes them all."""
    if n not in _TEMPLATES:
        if not _TEMPLATE_ROOT:
            _TEMPLATE_ROOT.append(tempfile.TemporaryDirectory(prefix="newsbot-bench-tpl-"))
        path = Path(_TEMPLATE_ROOT[0].name) / f"store-{n}"
        with Store(path, backups=0) as store:
            fill_store(store, history(n))
        _TEMPLATES[n] = path
    return _TEMPLATES[n]


def copy_store(n: int, target: Path) -> Path:
    shutil.copytree(prepared_store(n), target)
    return target


def cleanup() -> None:
    _TEMPLATES.clear()
    while _TEMPLATE_ROOT:
        _TEMPLATE_ROOT.pop().cleanup()


def make_chats(count: int, topics: set[str], first_id: int = 1_000_000, since_seq: int = 0,
               kind: str = "private", keywords: set[str] | None = None) -> list[Chat]:
    return [Chat(platform="telegram", chat_id=str(first_id + n), kind=kind,  # type: ignore
                 subscription=Subscription(topics=set(topics), keywords=set(keywords or ())),
                 since_seq=since_seq, created_at=datetime.now(UTC))
            for n in range(count)]


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rss_of(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) / 1024
    return out


# ---- the fake Telegram Bot API in a subprocess ----------------------------------------------


class ServerProcess:
    """A helper server in its own process (so the CPU time measured here is the bot's alone),
    on a line protocol over stdin/stdout: it prints one line when ready (`ready_line`), answers
    each command (`ask`) with one line, and exits on ``quit`` (or end of input)."""

    def __init__(self, *args: str, ready_timeout: float = 30) -> None:
        self.args = args
        self.ready_timeout = ready_timeout
        self.ready_line = ""
        self._proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Any:
        self._proc = await asyncio.create_subprocess_exec(
            PY, *self.args, cwd=ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        assert self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), self.ready_timeout)
        self.ready_line = line.decode().strip()
        return self

    async def ask(self, command: str = "stats") -> str:
        assert self._proc and self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(command.encode() + b"\n")
        await self._proc.stdin.drain()
        return (await asyncio.wait_for(self._proc.stdout.readline(), 30)).decode()

    async def __aexit__(self, *exc: Any) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        try:
            assert proc.stdin is not None
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            await asyncio.wait_for(proc.wait(), 10)
        except Exception:
            proc.kill()
            await proc.wait()


class FakeTelegramProcess(ServerProcess):
    """`FakeTelegram` in its own process; `stats()` reads its counters."""

    def __init__(self, private: tuple[int, int], enforce: bool = False) -> None:
        super().__init__("-m", "benchmarks.common", "fake-telegram",
                         "--private", f"{private[0]}:{private[1]}",
                         *(["--enforce"] if enforce else []))
        self.base_url = ""
        self.token = ""

    async def __aenter__(self) -> FakeTelegramProcess:
        await super().__aenter__()
        self.base_url, self.token = self.ready_line.split()
        return self

    async def stats(self) -> dict[str, Any]:
        return dict(json.loads(await self.ask("stats")))


async def _serve_fake_telegram(private: tuple[int, int], enforce: bool) -> None:
    from tests.fakes.telegram_api import FakeTelegram

    fake = FakeTelegram(enforce_limits=enforce, record_params=False)
    await fake.start()
    first, count = private
    for chat_id in range(first, first + count):
        fake.add_chat(chat_id, "private")
    print(fake.base_url, fake.token, flush=True)
    try:
        while True:
            line = (await asyncio.to_thread(sys.stdin.readline)).strip()
            if line == "stats":
                times = fake.send_times
                print(json.dumps({
                    "sent": fake.count("sendMessage") - fake.rate_limited,
                    "accepted": len(times),
                    "calls": fake.count("sendMessage"),
                    "rate_limited": fake.rate_limited,
                    "achieved_rate": fake.achieved_rate(),
                    "first": times[0] if times else None,
                    "last": times[-1] if times else None,
                    "cpu_s": time.process_time(),
                }), flush=True)
            elif line in ("quit", ""):
                break
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="benchmark helpers")
    sub = parser.add_subparsers(dest="cmd", required=True)
    tg = sub.add_parser("fake-telegram", help="serve the fake Bot API on 127.0.0.1")
    tg.add_argument("--private", default="1000000:0", help="FIRST:COUNT private chats")
    tg.add_argument("--enforce", action="store_true", help="enforce Telegram's limits")
    args = parser.parse_args(argv)
    first, count = (int(x) for x in args.private.split(":"))
    asyncio.run(_serve_fake_telegram((first, count), args.enforce))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
