"""python -m bot.i18n check | extract [-o FILE] | update  (see the package docstring)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.i18n.catalogs import (
    DOMAIN,
    catalog_file,
    load_catalog,
    load_catalog_files,
    merge_catalogs,
    read_catalog_file,
)
from bot.i18n.check import (
    add_missing,
    catalog_problems,
    default_sources,
    duplicate_problems,
    extract,
    msgid_of,
)
from bot.i18n.languages import LANGUAGES


def _sources(args: argparse.Namespace) -> list[Path]:
    return [Path(s) for s in args.source] if args.source else default_sources()


def check(args: argparse.Namespace) -> int:
    template = extract(_sources(args))
    used = [msgid_of(m) for m in template if m.id]
    files = {lang: load_catalog_files(lang, args.locale_dir) for lang in LANGUAGES}
    problems = [p for lang in LANGUAGES for p in duplicate_problems(lang, files[lang])]
    catalogs = {lang: merge_catalogs(lang, files[lang].values()) for lang in LANGUAGES}
    problems += catalog_problems(catalogs, used)
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
        known = load_catalog(lang, args.locale_dir)
        target_file = catalog_file(lang, args.locale_dir, args.into)
        target = (read_catalog_file(lang, target_file) if target_file.is_file()
                  else _new_file(lang, args))
        added = add_missing(target, template, known)
        if added:
            with open(Path(str(target_file)), "wb") as po:
                write_po(po, target, width=100, ignore_obsolete=True)
        print(f"{lang}: {len(added)} msgids added to {target_file.name}")
    return 0


def _new_file(lang: str, args: argparse.Namespace) -> Catalog:
    """An empty catalog for a new .po file, with the header of the language's newsbot.po."""
    catalog = Catalog(locale=lang, domain=DOMAIN, fuzzy=False)
    main_file = catalog_file(lang, args.locale_dir)
    if main_file.is_file():
        catalog.mime_headers = read_catalog_file(lang, main_file).mime_headers
    return catalog


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
        if name == "update":
            sub.add_argument("--into", default=DOMAIN, metavar="NAME",
                             help="the .po file (NAME.po) of each language that receives the "
                                  f"new msgids (default: {DOMAIN}); msgids already in any "
                                  "file of the language are left where they are")
        else:
            sub.add_argument("-o", "--output", default="newsbot.pot")
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
