"""ruff and mypy --strict are part of the test suite, so CI cannot go green without them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
    ],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command):
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = run(ruff, *command[1:])
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_api_type_checks_as_users_write_it():
    result = run(sys.executable, "-m", "mypy", "--strict", "tests/typed_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_packages():
    result = run(
        sys.executable, "-m", "mypy", "--strict", "-p", "convictional_async", "-p", "convious"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_benchmarks():
    result = run(sys.executable, "-m", "mypy", "--strict", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr
