"""redis is an optional extra: only the Redis backend imports it, and it exports what it says."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import convictional_async.redis

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "convictional_async" / "core" / "_redis"


def test_importing_the_sdk_imports_no_redis():
    code = (
        "import sys, convictional_async, convictional_async.core, convious, convious.sandbox\n"
        "loaded = sorted(m for m in sys.modules if m == 'redis' or m.startswith('redis.'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def imported_modules(path: Path) -> set[str]:
    """The top-level names of the absolute imports in ``path``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_redis_backend_imports_redis():
    importers = {
        path.relative_to(ROOT).as_posix()
        for package in ("convictional_async", "convious")
        for path in (ROOT / package).rglob("*.py")
        if "redis" in imported_modules(path)
    }
    assert importers
    assert all(name.startswith("convictional_async/core/_redis/") for name in importers)
    assert "convictional_async/core/_redis/_tokencache.py" not in importers


def test_the_public_module_exports_a_sorted_complete_all():
    module = convictional_async.redis
    assert module.__all__ == sorted(module.__all__)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public == set(module.__all__)
