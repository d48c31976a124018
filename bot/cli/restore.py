"""`newsbot restore [FILE]`: list the backups, or bring a file back from them (store/restore.py)."""

from __future__ import annotations

import argparse

from bot.cli.common import settings_from


def cmd_restore(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    from bot.store.files import DataDir
    from bot.store.restore import describe_backups, restore

    data = DataDir(settings.storage.path, settings.storage.backups)
    if not args.file:
        lines = describe_backups(data) if data.root.exists() else []
        print("\n".join(lines) if lines else f"no backups in {data.copies.folder}")
        return 0
    try:
        print(restore(data, args.file, copy=args.copy, keep_current=args.keep_current))
    except OSError as exc:
        from bot.store.files import disk_error

        raise disk_error(exc, data.root) from None
    return 0
