"""`newsbot classify`, `reclassify`, `search`, `items`, `stories`: the stored releases."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, tzinfo

from bot.cli.common import CliError, item_json, no_such_feed, read_store, settings_from
from bot.store import Store


def cmd_classify(args: argparse.Namespace) -> int:
    settings = settings_from(args, required=False)
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
    settings = settings_from(args)
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


def cmd_search(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    from bot.classify import Classifier
    from bot.search import SearchIndex, unknown_topics

    store = read_store(settings)
    index = SearchIndex(get_item=store.get_item)
    index.add_many(store.iter_items())
    result = index.search(args.query, limit=args.limit)
    if result.error:  # what was wrong with each part first, as the chat says it
        raise CliError("; ".join([*result.query.warnings, result.error.split(", see ")[0]]))
    topic_ids = [t.id for t in Classifier(settings.topics).topics]
    if unknown := unknown_topics(result.query.asked_topics, topic_ids):
        raise CliError(f"unknown topic {', '.join(repr(t) for t in unknown)} in topic:; "
                       f"topics: {', '.join(topic_ids)}")
    for warning in result.query.warnings:
        print(f"note: {warning}", file=sys.stderr)
    for rank, hit in enumerate(result.hits, start=1):
        item = store.get_item(hit.item_id)
        if item is None:
            continue
        if args.json:
            print(json.dumps(item_json(item, hit.score), ensure_ascii=False))
        else:
            snippet = "".join(s.text if s.style != "mark" else f"[{s.text}]" for s in hit.snippet)
            print(f"{rank}. {item.title}\n   {local_time(item.published, settings.tz)} | "
                  f"{', '.join(item.topics) or '-'} | score {hit.score:.2f}\n   {snippet}\n"
                  f"   {item.url}")
    if not args.json:
        shown = f"{len(result.hits)} shown, " if len(result.hits) < result.total else ""
        print(f"({shown}{result.total} match{'es' if result.total != 1 else ''})")
    return 0


def local_time(moment: datetime, tz: tzinfo) -> str:
    """'2025-06-10 08:00 +04:00': in the config's time zone (the one the chats show), labelled."""
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def cmd_items(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    store = read_store(settings)
    items = store.latest(args.limit, feed_id=args.feed)
    if not items and args.feed:
        from bot.cli.feedlist import all_feeds

        known = [f.id for f in all_feeds(settings, store)]
        if args.feed not in known:
            raise no_such_feed(args.feed, known)
    for item in items:
        if args.json:
            print(json.dumps(item_json(item), ensure_ascii=False))
        else:
            print(f"{local_time(item.published, settings.tz)} {item.feed_id:<14} "
                  f"[{', '.join(item.topics) or '-'}] {item.title}\n    {item.url}  ({item.id}, "
                  f"story {item.story_id})")
    return 0


def cmd_stories(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    store = read_store(settings)
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
        print(f"{local_time(editions[0].published, settings.tz)} story {story.id} "
              f"[{', '.join(story.topics) or '-'}]")
        for e in editions:
            print(f"    {e.language or '?':<3}{e.title}\n       {e.url}  ({e.id})")
    return 0
