"""The README's commands are what CI runs, and what it cites exists.

Its Python snippets are run by test_readme_snippets.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, flags=re.DOTALL)
    (test_command,) = [c for c in commands if "pytest" in c]
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test_command


@pytest.mark.parametrize("marker", ["convious demo", "pytest"])
def test_both_commands_set_up_a_fresh_virtualenv(marker: str) -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, flags=re.DOTALL)
    (command,) = [c for c in commands if marker in c]
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install")


def test_every_file_the_readme_cites_exists() -> None:
    cited = set(re.findall(r"`([\w./-]+\.(?:md|py|toml))`|\(([\w./-]+\.md)\)", README))
    paths = {name for pair in cited for name in pair if name and "/" not in name[:1]}
    missing = [p for p in sorted(paths) if not (ROOT / p).exists() and not list(ROOT.rglob(p))]
    assert missing == []


def test_every_environment_variable_the_sdk_reads_is_documented() -> None:
    sources = [*ROOT.glob("convious/**/*.py"), *ROOT.glob("convictional_async/**/*.py")]
    read: set[str] = set()
    for source in sources:
        read |= set(re.findall(r"\b(CONVI\w+_[A-Z]+)\b", source.read_text(encoding="utf-8")))
    assert read
    assert sorted(name for name in read if name not in README) == []
