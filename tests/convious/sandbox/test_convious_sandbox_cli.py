"""``convious sandbox --rate-limit N`` reaches the server; a bad value is a usage error."""

from __future__ import annotations

from typing import Any

import pytest

import convious.sandbox
from convious._cli import main


def test_rate_limit_option_is_passed_to_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def fake_serve(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(convious.sandbox, "serve", fake_serve)
    assert main(["sandbox", "--port", "0", "--rate-limit", "5"]) == 0
    assert seen["rate_limit"] == 5
    assert main(["sandbox", "--port", "0"]) == 0
    assert seen["rate_limit"] is None


def test_an_invalid_rate_limit_is_refused_before_serving(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sandbox", "--port", "0", "--rate-limit", "0"]) == 2
    assert "argument --rate-limit: must be an integer from 1 to 100000" in capsys.readouterr().err
