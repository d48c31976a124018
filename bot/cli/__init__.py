"""`newsbot` command line. Every expected failure is one line on stderr and exit status 1.

    parser.py    the command table (build_parser)
    common.py    config, logs, read-only store, the JSON shape of a release
    run.py       run, demo, check-config
    feeds.py     poll, ingest, feeds (OPML)
    releases.py  classify, reclassify, search, items, stories
    restore.py   restore (a state file or month file from its backups)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bot.cli.common import CliError
from bot.cli.parser import build_parser
from bot.config import ConfigError
from bot.store import StoreError
from bot.urls import mask_credentials

__all__ = ["CliError", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except StoreError as exc:  # its restore command completed with this --config
        print(f"newsbot: {exc.describe(getattr(args, 'config', None))}", file=sys.stderr)
        return 1
    except (CliError, ConfigError) as exc:
        print(f"newsbot: {mask_credentials(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
