"""The sandbox is independent of the client it emulates: it imports only the kit, the core's
input checks and itself."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import convictional_async.sandbox as sandbox_package

CLIENT_MODULES = ("_client", "_models", "_converter", "_resources")
ALLOWED_THIRD_PARTY = {"aiohttp", "attrs", "msgspec", "yarl"}
KIT = "convictional_async.core.sandbox"
CHECKS = "convictional_async.core._validate"  # the core's input checks: stdlib only


def test_importing_the_sandbox_imports_no_client_module() -> None:
    code = "import json, sys, convictional_async.sandbox; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(result.stdout)
    assert "convictional_async.sandbox" in loaded
    client = [
        name
        for name in loaded
        if name.startswith("convictional_async.") and name.split(".")[1].startswith(CLIENT_MODULES)
    ]
    assert client == []
    assert not [name for name in loaded if name.split(".")[0] == "convious"]


def test_sandbox_sources_import_only_the_kit_and_themselves() -> None:
    stdlib = sys.stdlib_module_names
    for source in Path(sandbox_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{source.name} imports from outside the sandbox"
                modules = [node.module or ""] if node.level == 0 else []
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                allowed = module in (KIT, CHECKS) or top in stdlib or top in ALLOWED_THIRD_PARTY
                assert allowed, f"{source.name} imports {module}"


def test_all_is_sorted_and_complete() -> None:
    names = sandbox_package.__all__
    assert names == sorted(
        names, key=lambda name: (not name.isupper(), not name[0].isupper(), name)
    )
    public = {name for name in vars(sandbox_package) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(sandbox_package, name), type(ast))}
    assert public - modules - {"annotations"} <= set(names)
