"""`newsbot` command line. Every expected failure is one line on stderr and exit status 1."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.logs import RedactSecrets, setup_logging
from bot.models import FeedSpec, Item
from bot.store import Store, StoreError

log = logging.getLogger("newsbot.cli")


class CliError(Exception):
    pass


def _settings(args: argparse.Namespace, required: bool = True) -> Settings:
    if not getattr(args, "config", None):
        if required:
            raise CliError("--config FILE is required (start from config.example.toml)")
        return Settings()
    settings = load_settings(args.config)
    from bot.classify import check_topic_terms

    try:  # the term syntax belongs to the classifier: checked here, before any command runs
        check_topic_terms(settings.topics)
    except ValueError as exc:
        raise ConfigError(f"{settings.source}: {exc}") from None
    return settings


def _secrets(settings: Settings) -> list[str | None]:
    return [settings.telegram.token, settings.telegram.webhook_secret, settings.slack.bot_token,
            settings.slack.signing_secret, settings.slack.app_token]


def _setup_logs(settings: Settings, quiet: bool = False) -> None:
    level = "WARNING" if quiet else settings.log.level
    setup_logging(level, settings.log.format, secrets=_secrets(settings))


def _item_json(item: Item, score: float | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id, "feed": item.feed_id, "title": item.title, "url": item.url,
        "published": item.published.isoformat(), "language": item.language,
        "topics": item.topics, "story": item.story_id,
    }
    if score is not None:
        data["score"] = round(score, 4)
    return data


# ---- commands -------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _setup_logs(settings)
    from bot.app import App, StartupError

    async def main() -> None:
        app = App(settings)
        app.build_platforms()
        if not settings.feeds and not app.store.admin_feeds():
            log.warning("event=no_feeds: add [[feeds]] to %s", settings.source)
        await app.run_until_stopped()

    try:
        asyncio.run(main())
    except StartupError as exc:  # one line, without the token PTB puts in its message
        raise CliError(RedactSecrets(_secrets(settings)).scrub(str(exc)).splitlines()[0]) \
            from None
    except (CliError, ConfigError, StoreError):
        raise
    except Exception:  # a bug: its traceback goes through the log filter, never raw to stderr
        log.critical("event=crashed", exc_info=True)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    setup_logging("WARNING")
    from bot.demo import run_demo

    return asyncio.run(run_demo(every=args.every))


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(f"{settings.source}: OK")
    print(f"  storage: {settings.storage.path}")
    for feed in settings.feeds:
        print(f"  feed {feed.id}: {feed.type} {feed.url} every {feed.interval_seconds}s")
    topics = f"custom ({len(settings.topics)})" if settings.topics else "built-in"
    print(f"  topics: {topics}")
    for name, section in (("telegram", settings.telegram), ("slack", settings.slack)):
        if not section.enabled_in_config:
            print(f"  {name}: off (no [{name}] section)")
        elif section.enabled:
            print(f"  {name}: on")
        else:
            missing = ("TELEGRAM_BOT_TOKEN" if name == "telegram"
                       else ", ".join(settings.slack.missing_secrets))
            print(f"  {name}: off ({missing} not set in the environment)")
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _setup_logs(settings, quiet=True)
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
                                  "items": [_item_json(i) for i in report.result.new]},
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
    settings = _settings(args)
    _setup_logs(settings, quiet=True)
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


def cmd_classify(args: argparse.Namespace) -> int:
    settings = _settings(args, required=False)
    from bot.classify import Classifier, classify_json_lines

    classifier = Classifier(settings.topics)
    if args.file in (None, "-"):
        stream = sys.stdin
    else:
        try:
            stream = open(args.file, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CliError(f"{args.file}: cannot read it ({exc.strerror})") from None
    errors = 0
    with stream:
        for out, error in classify_json_lines(stream, classifier):
            if error:
                errors += 1
                print(error, file=sys.stderr)
            else:
                print(out, flush=False)
    return 1 if errors else 0


def cmd_reclassify(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from bot.classify import Classifier

    classifier = Classifier(settings.topics)
    with Store(settings.storage.path, backups=settings.storage.backups) as store:
        changes = {}
        for item in store.iter_items():
            matches = classifier.classify(item.title, item.body, item.language)
            changes[item.id] = ([m.topic_id for m in matches],
                                {m.topic_id: m.reasons for m in matches})
        changed = store.set_topics(changes)
    print(f"{len(changes)} releases reclassified, {changed} changed topics")
    return 0


def _read_store(settings: Settings) -> Store:
    return Store(settings.storage.path, read_only=True)


def cmd_search(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from bot.search import SearchIndex

    store = _read_store(settings)
    index = SearchIndex(get_item=store.get_item)
    index.add_many(store.iter_items())
    result = index.search(args.query, limit=args.limit)
    if result.error:
        raise CliError(result.error.splitlines()[0])
    for warning in result.query.warnings:
        print(f"note: {warning}", file=sys.stderr)
    for rank, hit in enumerate(result.hits, start=1):
        item = store.get_item(hit.item_id)
        if item is None:
            continue
        if args.json:
            print(json.dumps(_item_json(item, hit.score), ensure_ascii=False))
        else:
            snippet = "".join(s.text if s.style != "mark" else f"[{s.text}]" for s in hit.snippet)
            print(f"{rank}. {item.title}\n   {item.published:%Y-%m-%d} | "
                  f"{', '.join(item.topics) or '-'} | score {hit.score:.2f}\n   {snippet}\n"
                  f"   {item.url}")
    if not args.json:
        print(f"({result.total} match{'es' if result.total != 1 else ''})")
    return 0


def cmd_items(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = _read_store(settings)
    for item in store.latest(args.limit, feed_id=args.feed):
        if args.json:
            print(json.dumps(_item_json(item), ensure_ascii=False))
        else:
            print(f"{item.published:%Y-%m-%d %H:%M} {item.feed_id:<14} "
                  f"[{', '.join(item.topics) or '-'}] {item.title}\n    {item.url}  ({item.id}, "
                  f"story {item.story_id})")
    return 0


def cmd_stories(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = _read_store(settings)
    ids: dict[str, None] = {}  # story ids, newest edition first
    offset, page = 0, max(50, args.limit * 3)
    while len(ids) < args.limit:
        items = store.latest(page, offset)
        ids.update((i.story_id, None) for i in items)
        if len(items) < page:
            break
        offset += page
    stories = store.stories(list(ids)[:args.limit])
    for story in stories.values():
        editions = sorted(story.editions.values(), key=lambda i: (i.published, i.seq))
        if not editions:
            continue
        if args.json:
            print(json.dumps({"id": story.id, "topics": story.topics, "editions": [
                {"language": e.language, "id": e.id, "title": e.title, "url": e.url,
                 "published": e.published.isoformat()} for e in editions]}, ensure_ascii=False))
            continue
        print(f"{editions[0].published:%Y-%m-%d %H:%M} story {story.id} "
              f"[{', '.join(story.topics) or '-'}]")
        for e in editions:
            print(f"    {e.language or '?':<3}{e.title}\n       {e.url}  ({e.id})")
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from bot.opml import export_opml, import_opml

    if args.action == "export":
        admin: list[FeedSpec] = []
        if (settings.storage.path / "meta.json").exists():
            admin = _read_store(settings).admin_feeds()
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


# ---- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Press releases of a customs agency, as topic-filtered Telegram/Slack alerts.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Any, help_text: str, config: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        if config:
            p.add_argument("--config", "-c", metavar="FILE", help="TOML config file")
        return p

    add("run", cmd_run, "poll the feeds and run every chat platform the config enables")
    p = add("demo", cmd_demo, "try the bot in this terminal on a bundled sample feed", False)
    p.add_argument("--every", type=float, default=20.0, metavar="SECONDS",
                   help="publish a sample release this often (default 20)")
    p = add("poll", cmd_poll, "poll every feed once and print what is new")
    p.add_argument("--once", action="store_true", help="one pass (required)")
    p.add_argument("--json", action="store_true")
    p = add("ingest", cmd_ingest, "parse, classify and store a feed file or URL; no delivery")
    p.add_argument("source", metavar="FILE_OR_URL")
    p.add_argument("--feed-id", default=None,
                   help="feed id to record (default 'ingest'); a configured feed's id brings "
                        "its language and group")
    p.add_argument("--json", action="store_true")
    p = add("classify", cmd_classify, "JSON Lines in (title, body, language), topics out")
    p.add_argument("file", nargs="?", metavar="FILE|-")
    add("reclassify", cmd_reclassify, "apply the current taxonomy to every stored release")
    p = add("search", cmd_search, "ranked search over the stored releases")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=10)
    p = add("items", cmd_items, "list stored releases, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--feed", default=None, metavar="ID")
    p = add("stories", cmd_stories, "list stored stories (a release in its language editions), "
            "newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=20)
    add("check-config", cmd_check_config, "validate a config file and say what would run")
    p = add("feeds", cmd_feeds, "export or import the feed list as OPML")
    p.add_argument("action", choices=("export", "import"))
    p.add_argument("file", nargs="?", metavar="FILE.opml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except (CliError, ConfigError, StoreError) as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
