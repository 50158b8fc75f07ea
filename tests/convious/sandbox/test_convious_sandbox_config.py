"""``SandboxConfig`` defaults and validation."""

from __future__ import annotations

import pytest

from convious.sandbox import SandboxConfig


def test_defaults() -> None:
    config = SandboxConfig()
    assert dict(config.clients) == {"sandbox-client": "sandbox-secret"}
    assert config.first_client == ("sandbox-client", "sandbox-secret")
    assert config.token_expires_in is None
    assert config.api_versions == frozenset({"1.0.0"})
    assert config.auth_checked_first is True
    assert (config.max_date_range_days, config.max_times) == (366, 48)
    assert config.require_known_products is True
    assert config.seed == 0


def test_clients_are_copied_and_read_only() -> None:
    clients = {"a": "secret-a"}
    config = SandboxConfig(clients=clients)
    clients["b"] = "secret-b"
    assert dict(config.clients) == {"a": "secret-a"}
    with pytest.raises(TypeError):
        config.clients["c"] = "x"  # type: ignore[index]


def test_secrets_stay_out_of_repr() -> None:
    assert "sandbox-secret" not in repr(SandboxConfig())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"clients": {}},
        {"clients": {"": "secret"}},
        {"clients": {"id": ""}},
        {"token_expires_in": 0},
        {"token_expires_in": True},
        {"token_expires_in": 1.5},
        {"api_versions": frozenset()},
        {"api_versions": frozenset({" 1.0.0"})},
        {"api_versions": "1.0.0"},  # a bare string is not a set of versions
        {"api_versions": ["1.0.0", ""]},
        {"auth_checked_first": "yes"},
        {"max_date_range_days": 0},
        {"max_times": -1},
        {"max_body_bytes": 0},
        {"require_known_products": 1},
        {"seed": "0"},
        {"clock": 5},
    ],
)
def test_invalid_values_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        SandboxConfig(**kwargs)  # type: ignore[arg-type]


def test_is_frozen() -> None:
    config = SandboxConfig()
    with pytest.raises(AttributeError):
        config.seed = 1  # type: ignore[misc]
