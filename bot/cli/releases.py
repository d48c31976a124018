"""`newsbot classify`, `reclassify`, `search`, `items`, `stories`: the stored releases."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import CliError, item_json, read_store, settings_from
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
    from bot.search import SearchIndex

    store = read_store(settings)
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
            print(json.dumps(item_json(item, hit.score), ensure_ascii=False))
        else:
            snippet = "".join(s.text if s.style != "mark" else f"[{s.text}]" for s in hit.snippet)
            print(f"{rank}. {item.title}\n   {item.published:%Y-%m-%d} | "
                  f"{', '.join(item.topics) or '-'} | score {hit.score:.2f}\n   {snippet}\n"
                  f"   {item.url}")
    if not args.json:
        print(f"({result.total} match{'es' if result.total != 1 else ''})")
    return 0


def cmd_items(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    store = read_store(settings)
    for item in store.latest(args.limit, feed_id=args.feed):
        if args.json:
            print(json.dumps(item_json(item), ensure_ascii=False))
        else:
            print(f"{item.published:%Y-%m-%d %H:%M} {item.feed_id:<14} "
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
        print(f"{editions[0].published:%Y-%m-%d %H:%M} story {story.id} "
              f"[{', '.join(story.topics) or '-'}]")
        for e in editions:
            print(f"    {e.language or '?':<3}{e.title}\n       {e.url}  ({e.id})")
    return 0
