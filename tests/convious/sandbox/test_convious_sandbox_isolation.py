"""The sandbox is an independent implementation of the wire contract: it imports no SDK code.

Its only imports from the distribution are the API-free sandbox kit in the core and the
core's input checks (stdlib only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import convious.sandbox as sandbox_package

FORBIDDEN = {"convious", "convictional_async", "cattrs", "authlib"}
KIT = "convictional_async.core.sandbox"
CHECKS = "convictional_async.core._validate"


def test_sandbox_imports_nothing_from_the_sdk_but_the_kit() -> None:
    folder = Path(sandbox_package.__file__).parent
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{source.name} imports from outside the sandbox"
                modules = [node.module or ""] if node.level == 0 else []
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                if module in (KIT, CHECKS):
                    continue
                assert module.split(".")[0] not in FORBIDDEN, f"{source.name} imports {module}"
