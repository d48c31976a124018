"""The house rules of the design (README "Layout"), checked on the source with `ast`:

- no import cycles among the modules of bot/ and handlers/; an import inside a function counts
  (it runs sooner or later), one under `if TYPE_CHECKING:` does not (it never runs);
- handlers/ and the core (bot/ outside bot/platforms/) import no telegram, slack_bolt, slack_sdk;
- only bot/store/ (or bot/store.py) imports tinydb;
- no module over 450 lines.

For the two "who may import what" rules every import counts, TYPE_CHECKING ones included: a
type from a platform library in a handler's signature is already the coupling the rule forbids.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers")
MAX_LINES = 450
PLATFORM_LIBRARIES = ("telegram", "slack_bolt", "slack_sdk")


@dataclass(frozen=True)
class Import:
    target: str  # the dotted name as written, made absolute
    names: tuple[str, ...]  # for `from target import a, b`: the names; () for `import target`
    line: int
    type_checking: bool  # under `if TYPE_CHECKING:` (never runs)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool
    imports: tuple[Import, ...]

    @property
    def where(self) -> str:
        return str(self.path.relative_to(ROOT))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, type_checking: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below `node`, with whether it sits in the body of an `if TYPE_CHECKING:`
    (its `else:` runs, so it does not count as type checking)."""
    for child in ast.iter_child_nodes(node):
        yield child, type_checking
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            yield from _walk(child.test, type_checking)
            for stmt in child.body:
                yield stmt, True
                yield from _walk(stmt, True)
            for stmt in child.orelse:
                yield stmt, type_checking
                yield from _walk(stmt, type_checking)
        else:
            yield from _walk(child, type_checking)


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if not level:
        return target or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _module(path: Path) -> Module:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    name = ".".join(parts[:-1] if is_package else parts)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imports = tuple(imp for node, type_checking in _walk(tree)
                    for imp in _imports_in(node, type_checking, name, is_package))
    return Module(name, path, is_package, imports)


def _imports_in(node: ast.AST, type_checking: bool, module: str,
                is_package: bool = False) -> list[Import]:
    if isinstance(node, ast.Import):
        return [Import(alias.name, (), node.lineno, type_checking) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [Import(_absolute(module, is_package, node.level, node.module),
                       tuple(alias.name for alias in node.names), node.lineno, type_checking)]
    return []


@cache
def modules() -> dict[str, Module]:
    found = [_module(p) for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    return {m.name: m for m in found}


def _own(name: str, known: dict[str, Module]) -> str | None:
    """The project module that importing `name` runs last (its longest known prefix)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports at run time. A package's __init__ importing
    its own submodules is how a package shows its API, not a cycle: those edges are left out."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for mod in known.values():
        edges = set()
        for imp in mod.imports:
            if imp.type_checking:
                continue
            candidates = [imp.target] + [f"{imp.target}.{n}" for n in imp.names if n != "*"]
            edges |= {t for c in candidates if (t := _own(c, known))}
        graph[mod.name] = {t for t in edges
                           if t != mod.name and not t.startswith(mod.name + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _imports_of(library: str, imp: Import) -> bool:
    return imp.target == library or imp.target.startswith(library + ".")


def _is_platform_code(mod: Module) -> bool:
    return mod.name == "bot.platforms" or mod.name.startswith("bot.platforms.")


def _is_store(mod: Module) -> bool:
    return mod.name == "bot.store" or mod.name.startswith("bot.store.")


# ---- the rules -----------------------------------------------------------------------------


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_handlers_and_core_import_no_platform_library() -> None:
    offenders = [f"{mod.where}:{imp.line} imports {imp.target}"
                 for mod in modules().values() if not _is_platform_code(mod)
                 for imp in mod.imports
                 if any(_imports_of(lib, imp) for lib in PLATFORM_LIBRARIES)]
    assert not offenders, "only bot/platforms/ may import them:\n" + "\n".join(offenders)


def test_only_the_store_imports_tinydb() -> None:
    offenders = [f"{mod.where}:{imp.line}" for mod in modules().values() if not _is_store(mod)
                 for imp in mod.imports if _imports_of("tinydb", imp)]
    assert not offenders, "tinydb outside bot/store/:\n" + "\n".join(offenders)


def test_no_module_over_450_lines() -> None:
    sizes = {mod.where: len(mod.path.read_text(encoding="utf-8").splitlines())
             for mod in modules().values()}
    over = sorted((n, where) for where, n in sizes.items() if n > MAX_LINES)
    assert not over, "modules over 450 lines: " + ", ".join(f"{w} ({n})" for n, w in over)


# ---- the checker itself, on made-up modules ----------------------------------------------------


def test_the_graph_holds_the_real_imports() -> None:
    graph = import_graph()
    assert len(graph) > 20 and "bot.poller" in graph["bot.app"]  # cli -> app -> poller -> ...


def test_the_cycle_finder_sees_long_cycles_and_only_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"x": {"y"}, "y": set()}) == []


def test_imports_in_functions_count_and_type_checking_ones_do_not() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import typing\n"
        "if TYPE_CHECKING:\n    from bot.app import App\nelse:\n    import bot.poller\n"
        "if typing.TYPE_CHECKING:\n    import telegram\n"
        "def f():\n    from . import delivery\n    from .store import files as _f\n"
        "    return delivery\n")
    found = {(imp.target, imp.type_checking) for node, tc in _walk(ast.parse(source))
             for imp in _imports_in(node, tc, module="bot.cli")}
    assert ("bot.app", True) in found and ("telegram", True) in found
    assert ("bot.poller", False) in found  # the else branch runs
    assert ("bot", False) in found and ("bot.store", False) in found  # inside a function


def test_relative_imports_resolve_from_modules_and_packages() -> None:
    assert _absolute("bot.store.files", False, 1, "codec") == "bot.store.codec"
    assert _absolute("bot.store", True, 1, "codec") == "bot.store.codec"
    assert _absolute("bot.store.files", False, 2, "models") == "bot.models"
    assert _absolute("handlers.router", False, 1, None) == "handlers"
