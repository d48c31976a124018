"""`newsbot feeds list | export [FILE.opml] | import FILE.opml | remove ID`: the feed list.

Feeds come from the config file (changed there) and from admins (/addfeed, `feeds import`; kept
in the data directory, removed with /removefeed or `feeds remove`). An import is checked as
/addfeed checks a URL: http(s) with a host, no private or loopback address unless
`[fetch] allow_private`, and a URL already watched is skipped.

Credentials in feed URLs (`https://user:pass@host/`) are masked wherever they are printed;
an export keeps them only in the FILE the operator names (written readable by its owner only),
since an OPML file without them would not fetch.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from pathlib import Path
from typing import BinaryIO

from bot.cli.common import CliError, no_such_feed, read_store, settings_from
from bot.config import Settings
from bot.models import FeedSpec, FeedState
from bot.store import Store
from bot.store.files import atomic_write
from bot.urls import feed_url_problem, has_credentials, mask_credentials, url_key


def _has_data(settings: Settings) -> bool:
    return (settings.storage.path / "meta.json").exists()


def all_feeds(settings: Settings, store: Store | None = None) -> list[FeedSpec]:
    """The config's feeds, then the admins' (from `store`, else read without a lock)."""
    if store is None and not _has_data(settings):
        return list(settings.feeds)
    admin = (store or read_store(settings)).admin_feeds()
    return [*settings.feeds, *admin]


def cmd_feeds(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    action = {"list": _list, "export": _export, "import": _import, "remove": _remove}
    return action[args.action](args, settings)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    store = read_store(settings) if _has_data(settings) else None
    health: dict[str, FeedState] = store.feed_states() if store else {}
    specs = all_feeds(settings, store)
    if not specs:
        print(f"no feeds: add [[feeds]] to {settings.source}, or `newsbot feeds import FILE`")
        return 0
    for spec in specs:
        state = health.get(spec.id)
        if state is not None and state.gone:
            status = "gone (410), no longer polled"
        elif state is None or (state.last_success is None and not state.consecutive_failures):
            status = "not polled yet"
        elif state.consecutive_failures:
            status = (f"failing ({state.consecutive_failures} in a row): "
                      f"{mask_credentials(state.last_error or '')}")
        else:
            status = "ok"
        origin = "config" if spec.origin == "config" else "admin"
        print(f"{spec.id:<16} {spec.type:<4} {origin:<6} every {spec.interval_seconds}s  "
              f"{mask_credentials(spec.url)}\n    {status}")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.opml import export_opml

    specs = all_feeds(settings)
    if args.target in (None, "-"):
        masked = [s for s in specs if has_credentials(s.url)]
        shown = [dataclasses.replace(s, url=mask_credentials(s.url)) for s in specs]
        sys.stdout.write(export_opml(shown))
        if masked:
            print(f"note: the passwords in {len(masked)} feed URL(s) are masked; "
                  "`newsbot feeds export FILE.opml` writes them to the file", file=sys.stderr)
        return 0
    path = Path(args.target)
    text = export_opml(specs)
    # written whole or not at all; owner-only (atomic_write's temporary file) when it holds
    # credentials, else readable by all
    mode = 0o600 if any(has_credentials(s.url) for s in specs) else 0o644

    def write(out: BinaryIO) -> None:
        os.fchmod(out.fileno(), mode)
        out.write(text.encode("utf-8"))

    try:
        atomic_write(path, write)
    except OSError as exc:
        raise CliError(f"{path}: cannot write it ({exc.strerror})") from None
    print(f"{_feeds(len(specs))} written to {path}")
    return 0


def _feeds(n: int) -> str:
    return f"{n} feed" if n == 1 else f"{n} feeds"


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.opml import import_opml
    from bot.sources.fetch import url_refusal

    if args.target in (None, "-"):
        raise CliError("usage: newsbot feeds import FILE.opml --config FILE")
    try:
        text = Path(args.target).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CliError(f"{args.target}: cannot read it ({why})") from None
    try:
        specs = import_opml(text)
    except ValueError as exc:
        raise CliError(f"{args.target}: {exc}") from None

    async def refusals() -> list[str | None]:
        return list(await asyncio.gather(*(
            url_refusal(s.url, settings.fetch.allow_private) for s in specs)))

    reasons = [feed_url_problem(s.url) or r for s, r in zip(specs, asyncio.run(refusals()),
                                                            strict=True)]
    added: list[FeedSpec] = []
    skipped = refused = 0
    with Store(settings.storage.path, backups=settings.storage.backups) as store:
        present = all_feeds(settings, store)
        by_url = {url_key(f.url): f.id for f in present}
        taken = {f.id for f in present}
        for spec, why in zip(specs, reasons, strict=True):
            shown = mask_credentials(spec.url)
            if why:
                refused += 1
                print(f"refused {shown}: {mask_credentials(why)}", file=sys.stderr)
                continue
            if (known := by_url.get(url_key(spec.url))) is not None:
                skipped += 1
                print(f"skipped {shown}: already watched as '{known}'")
                continue
            base, n = spec.id, 2
            while spec.id in taken:
                spec.id, n = f"{base[:36]}-{n}", n + 1
            store.add_admin_feed(spec)
            taken.add(spec.id)
            by_url[url_key(spec.url)] = spec.id
            added.append(spec)
            print(f"added {spec.id}: {shown}")
    print(f"{_feeds(len(added))} added, {skipped} already watched, {refused} refused")
    return 1 if refused else 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    feed_id = args.target
    if not feed_id:
        raise CliError("usage: newsbot feeds remove ID --config FILE (`newsbot feeds list` "
                       "shows the ids)")
    if any(f.id == feed_id for f in settings.feeds):
        raise CliError(f"feed '{feed_id}' comes from {settings.source}: delete its [[feeds]] "
                       "table there and restart the bot")
    if not _has_data(settings):
        raise no_such_feed(feed_id, [f.id for f in settings.feeds])
    with Store(settings.storage.path, backups=settings.storage.backups) as store:
        admin = [f.id for f in store.admin_feeds()]
        if feed_id not in admin:
            raise no_such_feed(feed_id, [f.id for f in all_feeds(settings, store)])
        store.remove_admin_feed(feed_id)
    print(f"removed feed '{feed_id}'; its releases stay stored and searchable")
    return 0
