"""`newsbot poll`, `newsbot ingest` (one feed into the store, no delivery), `newsbot feeds`
(OPML export and import)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import CliError, item_json, read_store, settings_from, setup_logs
from bot.models import FeedSpec
from bot.store import Store


def cmd_poll(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    setup_logs(settings, quiet=True)
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
        failed = 0
        for report in reports:
            if not report.ok:
                failed += 1
                print(f"{report.feed_id}: FAILED: {report.error}", file=sys.stderr)
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
        return 1 if failed and failed == len(reports) else 0

    if not args.once:
        raise CliError("use `newsbot poll --once` for one pass, or `newsbot run` to keep polling")
    return asyncio.run(main())


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    setup_logs(settings, quiet=True)
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
            raise CliError(f"{source}: {exc.reason}") from None
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


def cmd_feeds(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    from bot.opml import export_opml, import_opml

    if args.action == "export":
        admin: list[FeedSpec] = []
        if (settings.storage.path / "meta.json").exists():
            admin = read_store(settings).admin_feeds()
        sys.stdout.write(export_opml([*settings.feeds, *admin]))
        return 0
    if not args.file:
        raise CliError("usage: newsbot feeds import FILE.opml --config FILE")
    try:
        text = Path(args.file).read_text("utf-8")
    except OSError as exc:
        raise CliError(f"{args.file}: cannot read it ({exc.strerror})") from None
    try:
        specs = import_opml(text)
    except ValueError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    with Store(settings.storage.path, backups=settings.storage.backups) as store:
        known = {f.id for f in settings.feeds} | {f.id for f in store.admin_feeds()}
        added = [s for s in specs if s.id not in known]
        for spec in added:
            store.add_admin_feed(spec)
    print(f"{len(added)} feeds added, {len(specs) - len(added)} already known")
    return 0
