"""The dependency rules of the design hold: who may import what, and no import cycles.

Imports are read from the source (``ast``), so the rules hold for every module whether or
not a test imports it. Imports under ``if TYPE_CHECKING:`` are left out: they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("convictional_async", "convious")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def runtime_imports(path: Path) -> Iterator[str]:
    """Absolute names of the modules ``path`` imports when it runs."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = (
        module_name(path)
        if path.name == "__init__.py"
        else module_name(path)[: module_name(path).rfind(".")]
    )
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for body in node.body for child in ast.walk(body))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            for alias in node.names:  # ``from . import _x`` imports a module
                yield f"{target}.{alias.name}"


MODULES = {
    module_name(path): path
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}
IMPORTS = {name: set(runtime_imports(path)) for name, path in MODULES.items()}


def importers_of(prefix: str) -> set[str]:
    return {
        name
        for name, imported in IMPORTS.items()
        if any(i == prefix or i.startswith(f"{prefix}.") for i in imported)
    }


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def test_the_core_imports_no_api_package():
    core = [name for name in IMPORTS if within(name, "convictional_async.core")]
    assert core
    for name in core:
        for imported in IMPORTS[name]:
            if within(imported, "convictional_async"):
                assert within(imported, "convictional_async.core"), (name, imported)
            assert not within(imported, "convious"), (name, imported)


def test_convious_never_imports_the_convictional_client():
    for name in (n for n in IMPORTS if within(n, "convious")):
        for imported in IMPORTS[name]:
            if within(imported, "convictional_async"):
                assert within(imported, "convictional_async.core"), (name, imported)


def test_each_sandbox_imports_only_the_kit_and_its_own_api():
    sandboxes = {"convious.sandbox": "convious", "convictional_async.sandbox": None}
    for sandbox in sandboxes:
        for name in (n for n in IMPORTS if within(n, sandbox)):
            for imported in IMPORTS[name]:
                if within(imported, "convictional_async", "convious"):
                    assert within(imported, sandbox, "convictional_async.core"), (
                        name,
                        imported,
                    )


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        # Only the transport talks to aiohttp's client; sandboxes and the kit serve HTTP.
        ("aiohttp", {"convictional_async.core._transport"}),
        ("authlib", {"convious._auth"}),
        ("redis", set()),  # checked by prefix below: only convictional_async.core._redis
        (
            "cattrs",
            {"convictional_async.core._serialization", "convictional_async._converter"},
        ),
        (
            "msgspec",
            {
                "convictional_async.core._serialization",
                "convious._serialization",
                # Convious models and events are msgspec structs (README, design notes).
                "convious._models",
                "convious._events",
            },
        ),
    ],
)
def test_each_library_is_imported_only_where_the_design_allows(library, allowed):
    servers = ("convictional_async.core.sandbox", "convictional_async.sandbox", "convious.sandbox")
    users = {name for name in importers_of(library) if not within(name, *servers)}
    if library == "redis":
        users = {name for name in users if not within(name, "convictional_async.core._redis")}
    assert users <= allowed


def test_no_import_cycles():
    graph = {
        name: {i for i in imported if i in IMPORTS and i != name}
        for name, imported in IMPORTS.items()
    }
    # A package's __init__ importing its own modules is how re-exports work, not a cycle.
    for name, edges in graph.items():
        graph[name] = {e for e in edges if not within(name, e) or e == name}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, " -> ".join([*visiting[visiting.index(node) :], node])
        visiting.append(node)
        for edge in sorted(graph[node]):
            visit(edge)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)
