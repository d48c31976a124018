"""The command table: every `newsbot` subcommand, its options and the function it runs."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from bot.cli.feedlist import cmd_feeds
from bot.cli.feeds import cmd_ingest, cmd_poll
from bot.cli.releases import cmd_classify, cmd_items, cmd_reclassify, cmd_search, cmd_stories
from bot.cli.restore import cmd_restore
from bot.cli.run import cmd_check_config, cmd_demo, cmd_run


def positive_int(text: str) -> int:
    """argparse type for --limit: a whole number of at least 1 (one line of error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}") \
            from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """A mistyped command line is one line on stderr (with where to find the usage), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    p = add("demo", cmd_demo,
            "try the bot in this terminal on bundled sample feeds (az, ru, en)", False)
    p.add_argument("--every", type=float, default=20.0, metavar="SECONDS",
                   help="publish a sample story this often (default 20)")
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
    p.add_argument("--limit", type=positive_int, default=10, metavar="N")
    p = add("items", cmd_items, "list stored releases, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N")
    p.add_argument("--feed", default=None, metavar="ID")
    p = add("stories", cmd_stories, "list stored stories (a release in its language editions), "
            "newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=positive_int, default=20, metavar="N")
    add("check-config", cmd_check_config, "validate a config file and say what would run")
    p = add("feeds", cmd_feeds, "list, export, import (OPML) or remove feeds")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, target, help_text in (
        ("list", None, "every feed, where it comes from, and its health"),
        ("export", "FILE.opml", "the feed list as OPML, to FILE (kept with its credentials) or "
                                "to stdout ('-' or no FILE; passwords masked)"),
        ("import", "FILE.opml", "add the feeds of an OPML file (checked as /addfeed checks "
                                "them; URLs already watched are skipped)"),
        ("remove", "ID", "remove a feed an admin added (config feeds: edit the config)"),
    ):
        a = actions.add_parser(name, help=help_text, description=help_text)
        a.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS,
                       help="TOML config file")
        if target:
            a.add_argument("target", metavar=target, nargs="?" if name == "export" else None)
    p = add("restore", cmd_restore, "list the backups, or put a data file back from its "
            "newest good backup (the bot stopped)")
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="chats.json, feeds.json, cursors.json, meta.json, releases/YYYY-MM.json, "
                        "or a journal (cursors.log, sent-stories.log: its good lines kept)")
    p.add_argument("--from", dest="copy", type=int, default=None, metavar="N",
                   help="restore backups/FILE.N rather than the newest good backup")
    p.add_argument("--keep-current", action="store_true",
                   help="the file lost records on purpose: keep it as it is, as its newest backup")
    return parser
