"""python -m bot.i18n check | extract [-o FILE] | update  (see the package docstring)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.pofile import write_po

from bot.i18n.catalogs import catalog_file, load_catalog
from bot.i18n.check import (
    add_missing,
    catalog_problems,
    default_sources,
    extract,
    msgid_of,
)
from bot.i18n.languages import LANGUAGES


def _sources(args: argparse.Namespace) -> list[Path]:
    return [Path(s) for s in args.source] if args.source else default_sources()


def check(args: argparse.Namespace) -> int:
    template = extract(_sources(args))
    used = [msgid_of(m) for m in template if m.id]
    catalogs = {lang: load_catalog(lang, args.locale_dir) for lang in LANGUAGES}
    problems = catalog_problems(catalogs, used)
    for problem in problems:
        print(problem)
    known = len({msgid_of(m) for c in catalogs.values() for m in c if m.id})
    print(f"i18n check: {len(used)} msgids in the code, {known} in the catalogs, "
          f"{len(problems)} problems")
    return 1 if problems else 0


def extract_pot(args: argparse.Namespace) -> int:
    template = extract(_sources(args))
    with open(args.output, "wb") as pot:
        write_po(pot, template, width=100, sort_output=True)
    print(f"{args.output}: {sum(1 for m in template if m.id)} msgids")
    return 0


def update(args: argparse.Namespace) -> int:
    template = extract(_sources(args))
    for lang in LANGUAGES:
        catalog = load_catalog(lang, args.locale_dir)
        added = add_missing(catalog, template)
        if added:
            with open(Path(str(catalog_file(lang, args.locale_dir))), "wb") as po:
                write_po(po, catalog, width=100, ignore_obsolete=True)
        print(f"{lang}: {len(added)} msgids added")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.i18n", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run, about in (
        ("check", check, "msgids used in the code that the catalogs lack or mistranslate"),
        ("extract", extract_pot, "write the .pot template of every marked text"),
        ("update", update, "add the code's new msgids to every catalog, untranslated"),
    ):
        sub = commands.add_parser(name, help=about)
        sub.set_defaults(run=run)
        sub.add_argument("--source", action="append", metavar="DIR",
                         help="a folder of .py files to read (default: bot/ and handlers/)")
        if name != "extract":
            sub.add_argument("--locale-dir", type=Path, metavar="DIR",
                             help="the catalogs' locale folder (default: the package's own)")
        else:
            sub.add_argument("-o", "--output", default="newsbot.pot")
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
