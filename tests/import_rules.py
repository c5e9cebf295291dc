"""An AST check of the imports of ``geo`` and ``web``, for tests/test_architecture.py (docs/architecture.md).

Every ``.py`` under ``geo/`` and ``web/`` (and ``scripts/``, whose imports only the public-surface rule reads) is
parsed, never imported. Every import statement counts: at module level, inside a function, or under
``if TYPE_CHECKING``; ``from p import m`` is an import of module ``p.m`` when there is one. A *unit* is what the
layering table names: a subpackage (``geo.plan``, ``web.core``), a module at the top of ``geo`` or ``web``
(``geo.errors``, ``web.views``), or a top package's own ``__init__`` (``geo``, ``web``). Each rule returns its
problems, one line each naming the importing module, the imported module and the rule.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

TOP_PACKAGES: tuple[str, ...] = ("geo", "web")
# Code outside the packages whose imports must keep to their public surface; tests/ are exempt.
OUTSIDE_CODE: tuple[str, ...] = ("scripts",)
LAYERING_TABLE = "MAY_IMPORT in tests/test_architecture.py"


@dataclass(frozen=True)
class Import:
    """One imported module (or external top-level name) of one import statement."""

    importer: str
    target: str
    line: int
    eager: bool

    def __str__(self) -> str:
        return f"{self.importer} imports {self.target} (line {self.line})"


@dataclass(frozen=True)
class Source:
    """The modules under a root (dotted name -> file), the packages among them, and every import."""

    modules: Mapping[str, Path]
    packages: frozenset[str]
    imports: tuple[Import, ...]

    def __repr__(self) -> str:
        return f"Source({len(self.modules)} modules, {len(self.packages)} packages, {len(self.imports)} imports)"

    def internal(self) -> Iterator[Import]:
        """Imports from a module of ``geo``/``web`` to another module of them."""
        for found in self.imports:
            if _top(found.importer) in TOP_PACKAGES and found.target in self.modules:
                yield found


def scan(root: Path) -> Source:
    """Parse every module of :data:`TOP_PACKAGES` and :data:`OUTSIDE_CODE` under ``root``."""
    files = {}
    for top in (*TOP_PACKAGES, *OUTSIDE_CODE):
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    modules = {name: path for name, path in files.items() if _top(name) in TOP_PACKAGES}
    packages = frozenset(name for name, path in modules.items() if path.name == "__init__.py")
    imports = []
    for name, path in files.items():
        for node, eager in _import_nodes(ast.parse(path.read_text(encoding="utf-8")), eager=True):
            targets = _targets(node, name, is_package=name in packages, modules=modules)
            imports += [Import(name, target, node.lineno, eager) for target in dict.fromkeys(targets)]
    return Source(modules, packages, tuple(imports))


def _top(name: str) -> str:
    return name.partition(".")[0]


def unit(module: str) -> str:
    """The layering unit of a module: its subpackage below ``geo``/``web``, else the module itself."""
    return ".".join(module.split(".")[:2])


def _import_nodes(node: ast.AST, *, eager: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement below ``node``, and whether it runs when the module is imported."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, eager
        else:
            inside_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            yield from _import_nodes(child, eager=eager and not inside_function)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, *, is_package: bool,
             modules: Mapping[str, Path]) -> list[str]:
    """The modules an import statement loads: ``from p import m`` is module ``p.m`` when that is one, else ``p``."""
    if isinstance(node, ast.Import):
        return [_known_prefix(alias.name, modules) for alias in node.names]
    if node.module == "__future__":
        return []
    base = node.module or ""
    if node.level:
        package = importer.split(".")[:len(importer.split(".")) - (node.level - is_package)]
        base = ".".join([*package, *([base] if base else [])])
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else _known_prefix(base, modules)
            for alias in node.names]


def _known_prefix(name: str, modules: Mapping[str, Path]) -> str:
    """``name``, or its longest prefix that is one of ``modules`` (for ``import geo.plan.layers as layers``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return name


def cycles(graph: Mapping[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """Each strongly connected group of ``graph`` with more than one node (sorted), with one cycle through it
    (``[a, b, ..., a]``)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str, edges: Mapping[str, set[str]], out: list[str]) -> None:
        seen.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in seen:
                visit(nxt, edges, out)
        out.append(node)

    for node in sorted(graph):
        if node not in seen:
            visit(node, graph, order)
    reverse: dict[str, set[str]] = defaultdict(set)
    for node, targets in graph.items():
        for target in targets:
            reverse[target].add(node)
    seen.clear()
    found = []
    for node in reversed(order):
        if node not in seen:
            group: list[str] = []
            visit(node, reverse, group)
            if len(group) > 1:
                found.append((sorted(group), _cycle_within(set(group), graph)))
    return found


def _cycle_within(group: set[str], graph: Mapping[str, set[str]]) -> list[str]:
    """The shortest way from the group's first node back to it, inside the group (a breadth-first search)."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph.get(node, set()) & group):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle inside strongly connected group {sorted(group)}")


def forbidden_imports(source: Source, *, package: str, forbidden: tuple[str, ...]) -> list[str]:
    """Rule a: nothing in top package ``package`` imports a top-level name in ``forbidden``."""
    return [f"{found} — rule: {package} never imports {', '.join(forbidden)}" for found in source.imports
            if _top(found.importer) == package and _top(found.target) in forbidden]


def upward_imports(source: Source, *, table: Mapping[str, frozenset[str]]) -> list[str]:
    """Rule b: a unit imports only the units its row of the layering ``table`` lists (and its own modules)."""
    problems = []
    for found in source.internal():
        importer, target = unit(found.importer), unit(found.target)
        if importer == target:
            continue
        if importer not in table:
            problems.append(f"{found} — rule: layering; {importer} has no row in {LAYERING_TABLE}: add one")
        elif target not in table[importer]:
            problems.append(f"{found} — rule: layering; {importer} may not import {target} ({LAYERING_TABLE})")
    return problems


def module_cycles(source: Source) -> list[str]:
    """Rule c: no import cycle between modules, counting imports inside functions."""
    graph: dict[str, set[str]] = defaultdict(set)
    for found in source.internal():
        graph[found.importer].add(found.target)
    return [f"import cycle between modules: {' -> '.join(cycle)}"
            + (f" (one of the cycles through {', '.join(group)})" if len(group) + 1 > len(cycle) else "")
            for group, cycle in cycles(graph)]


def package_cycles(source: Source) -> list[str]:
    """Rule c: no import cycle between units (packages and the top-level modules)."""
    graph: dict[str, set[str]] = defaultdict(set)
    examples: dict[tuple[str, str], Import] = {}
    for found in source.internal():
        edge = (unit(found.importer), unit(found.target))
        if edge[0] != edge[1]:
            graph[edge[0]].add(edge[1])
            examples.setdefault(edge, found)
    return [f"import cycle between packages: {' -> '.join(cycle)} (e.g. "
            f"{'; '.join(str(examples[step]) for step in zip(cycle, cycle[1:]))})" for _, cycle in cycles(graph)]


def private_imports(source: Source) -> list[str]:
    """Rule d: from outside a package, only the submodules in its ``__all__`` (a package without one: rule e)."""
    exported = {package: names for package in source.packages
                if (names := _all_names(source.modules[package])) is not None}
    problems = []
    for found in source.imports:
        if found.target not in source.modules:
            continue
        parts = found.target.split(".")
        for depth in range(1, len(parts)):
            package, member = ".".join(parts[:depth]), parts[depth]
            inside = found.importer == package or found.importer.startswith(f"{package}.")
            if not inside and package in exported and member not in exported[package]:
                problems.append(f"{found} — rule: public surface; {member!r} is not in {package}.__all__ "
                                f"(use a module it lists, or list this one if it is meant to be used outside)")
                break
    return problems


def package_init_problems(source: Source, *, eager_allowed: Mapping[str, str]) -> list[str]:
    """Rule e: every package ``__init__`` has a docstring and a literal ``__all__``, and imports nothing eagerly.

    A package in ``eager_allowed`` (package -> why) may import other code at module level, never its own modules.
    """
    problems = []
    for package in sorted(source.packages):
        path = source.modules[package]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = f"{package} ({path.relative_to(path.parents[len(package.split('.'))])})"
        if not ast.get_docstring(tree):
            problems.append(f"{where} has no docstring — rule: say what the package owns and where to start")
        names = _all_names(path)
        if names is None:
            problems.append(f"{where} has no literal __all__ — rule: list the package's public modules")
        defined = {_defined_name(node) for node in tree.body}
        for name in sorted(set(names or ()) - defined):
            if f"{package}.{name}" not in source.modules:
                problems.append(f"{where} lists {name!r} in __all__, which is neither a submodule nor defined there")
        for found in source.imports:
            own = found.target == package or found.target.startswith(f"{package}.")
            if found.importer == package and found.eager and (package not in eager_allowed or own):
                problems.append(f"{found} — rule: a package __init__ imports nothing when it is imported")
    return problems


def _all_names(path: Path) -> tuple[str, ...] | None:
    """The literal ``__all__`` of a module, or None when it has none (or one that is not a list of strings)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        if any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets) and node.value:
            try:
                names = ast.literal_eval(node.value)
            except (ValueError, TypeError):
                return None
            if isinstance(names, (list, tuple)) and all(isinstance(name, str) for name in names):
                return tuple(names)
            return None
    return None


def _defined_name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None
