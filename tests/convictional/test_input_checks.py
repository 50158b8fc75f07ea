"""Input checks shared through core/_validate: a bool is not a number, no value leaks whole."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import pytest

from convictional_async import ConvictionalClient, RetryPolicy
from convictional_async.core import _validate
from convictional_async.sandbox import SandboxConfig

SECRET = "sk_live_0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    "field", ["jitter", "backoff_initial", "backoff_max", "backoff_multiplier", "max_retry_after"]
)
def test_retry_policy_refuses_a_bool_for_a_number(field: str) -> None:
    kwargs: dict[str, Any] = {field: True}
    with pytest.raises(ValueError, match=field):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize("option", ["max_connections", "max_response_bytes"])
def test_client_option_error_does_not_repeat_a_misplaced_secret(option: str) -> None:
    kwargs: dict[str, Any] = {option: SECRET}
    with pytest.raises(ValueError, match=f"{option} must be an integer from 1 to") as caught:
        ConvictionalClient("key", **kwargs)
    assert SECRET[:8] not in str(caught.value)


def test_the_checks_import_only_the_standard_library() -> None:
    """The sandboxes may use them without depending on the client."""
    tree = ast.parse(Path(_validate.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} <= sys.stdlib_module_names | {"__future__"}


def test_sandbox_config_refuses_a_bool_for_a_delay() -> None:
    with pytest.raises(ValueError, match="auto_post_after must be a number >= 0"):
        SandboxConfig(auto_post_after=True)
