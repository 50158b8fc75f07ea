"""What the README says about the CONVIOUS_* environment variables ``from_env`` reads."""

from __future__ import annotations

import pytest

from convious import ConviousClient


async def test_from_env_reads_the_credentials_and_the_three_urls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONVIOUS_CLIENT_ID", "id-1")
    monkeypatch.setenv("CONVIOUS_CLIENT_SECRET", "secret-1")
    for host in ("IDENTITY", "INVENTORY", "PRICER"):
        monkeypatch.setenv(f"CONVIOUS_{host}_URL", f"http://127.0.0.1:9/{host.lower()}")
    client = ConviousClient.from_env(pricer_url="http://127.0.0.1:9/mine")  # an argument wins
    try:
        assert str(client.identity_url) == "http://127.0.0.1:9/identity"
        assert str(client.inventory_url) == "http://127.0.0.1:9/inventory"
        assert str(client.pricer_url) == "http://127.0.0.1:9/mine"
    finally:
        await client.aclose()


def test_from_env_without_credentials_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CONVIOUS_CLIENT_ID", raising=False)
    monkeypatch.setenv("CONVIOUS_CLIENT_SECRET", "secret-1")
    with pytest.raises(ValueError, match="set CONVIOUS_CLIENT_ID to use real credentials"):
        ConviousClient.from_env()
