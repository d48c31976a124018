"""`newsbot poll`, `newsbot ingest` (one feed into the store, no delivery)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import CliError, item_json, settings_from, setup_logs
from bot.models import FeedSpec
from bot.store import Store
from bot.urls import mask_credentials


def cmd_poll(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    setup_logs(settings, level="ERROR")  # each failure is printed below, once
    from bot.classify import Classifier
    from bot.poller import Poller
    from bot.sources import Fetcher

    async def main() -> int:
        store = Store(settings.storage.path, backups=settings.storage.backups)
        fetcher = Fetcher(settings.fetch)
        try:
            poller = Poller(store, fetcher, Classifier(settings.topics), None, settings.feeds,
                            settings.fetch, settings.tz)
            reports = await poller.poll_all()
        finally:
            await fetcher.aclose()
            store.close()
        failed = [r for r in reports if not r.ok]
        for report in reports:
            if not report.ok:  # printed here once: the poller's own warning is not shown
                print(f"{report.feed_id}: FAILED: {mask_credentials(report.error or '')}",
                      file=sys.stderr)
                continue
            counts = report.result.counts()
            if args.json:
                print(json.dumps({"feed": report.feed_id, **counts,
                                  "items": [item_json(i) for i in report.result.new]},
                                 ensure_ascii=False))
                continue
            print(f"{report.feed_id}: {counts['new']} new, {counts['updated']} updated, "
                  f"{counts['seen']} already seen")
            for item in report.result.new:
                print(f"  + {item.published:%Y-%m-%d} [{', '.join(item.topics) or '-'}] "
                      f"{item.title}")
        if failed:
            print(f"{len(failed)} of {len(reports)} feeds failed: "
                  f"{', '.join(r.feed_id for r in failed)}", file=sys.stderr)
        elif not reports:
            print(f"no feeds to poll: add [[feeds]] to {settings.source}", file=sys.stderr)
        elif not args.json:
            print(f"{len(reports)} feed{'s' if len(reports) != 1 else ''} polled, none failed")
        return 1 if failed else 0

    if not args.once:
        raise CliError("use `newsbot poll --once` for one pass, or `newsbot run` to keep polling")
    return asyncio.run(main())


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    setup_logs(settings, level="WARNING")
    from bot.classify import Classifier
    from bot.poller import ingest_items
    from bot.sources import Fetcher, FetchError
    from bot.sources.rss import NotAFeed, parse_feed

    source = args.source
    # a configured feed's id: its language and group (the other editions it may join) apply
    configured = {f.id: f for f in settings.feeds}.get(args.feed_id or "")
    spec = FeedSpec(id=args.feed_id or "ingest", url=source,
                    language=configured.language if configured else "",
                    group=configured.group if configured else "")
    now = datetime.now(UTC)
    if source.startswith(("http://", "https://")):
        async def fetch() -> bytes:
            fetcher = Fetcher(settings.fetch)
            try:
                return (await fetcher.fetch(source)).body
            finally:
                await fetcher.aclose()

        try:
            body = asyncio.run(fetch())
        except FetchError as exc:
            raise CliError(mask_credentials(f"{source}: {exc.reason}")) from None
    else:
        path = Path(source)
        try:
            body = sys.stdin.buffer.read() if source == "-" else path.read_bytes()
        except OSError as exc:
            raise CliError(f"{source}: cannot read it ({exc.strerror})") from None
    try:
        items = parse_feed(body, spec, settings.tz, fetched_at=now)
    except NotAFeed as exc:
        raise CliError(f"{source}: {exc}") from None
    with Store(settings.storage.path, backups=settings.storage.backups) as store:
        groups = {f.id: f.group for f in settings.feeds if f.group}
        if spec.group:
            groups[spec.id] = spec.group
        result = ingest_items(store, Classifier(settings.topics), None, items,
                              notify=False, now=now, groups=groups)
    counts = result.counts()
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"{counts['new']} new, {counts['updated']} updated, {counts['seen']} already seen")
    return 0
