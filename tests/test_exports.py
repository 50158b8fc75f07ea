"""Each package's ``__all__`` is complete, sorted (isort style, as ruff's RUF022) and importable."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

PACKAGES = [
    "convictional_async",
    "convictional_async.core",
    "convictional_async.core.sandbox",
    "convictional_async.redis",
    "convictional_async.sandbox",
    "convious",
    "convious.sandbox",
]


def isort_key(name: str) -> tuple[int, str]:
    """SCREAMING_CASE first, then CamelCase, then everything else."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_sorted_and_every_name_exists(package):
    module = importlib.import_module(package)
    assert module.__all__ == sorted(module.__all__, key=isort_key)
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_in_all(package):
    module = importlib.import_module(package)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name not in {"annotations"}
    }
    assert public <= set(module.__all__), (
        f"missing from {package}.__all__: {public - set(module.__all__)}"
    )


@pytest.mark.parametrize("package", ["convictional_async", "convious"])
def test_py_typed_is_shipped(package):
    module = importlib.import_module(package)
    assert Path(inspect.getfile(module)).with_name("py.typed").is_file()
