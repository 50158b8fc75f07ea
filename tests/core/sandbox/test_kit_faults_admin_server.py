"""The kit's fault settings per API, its admin endpoints, runner, CLI flags and isolation."""

from __future__ import annotations

import argparse
import ast
import asyncio
import gc
import random
import weakref
from pathlib import Path

import aiohttp
import pytest
from kit_shop import ShopFaults, ShopSandbox

import convictional_async.core.sandbox as kit
from convictional_async.core.sandbox import (
    FAULT_KINDS,
    Faults,
    add_server_arguments,
    fault_settings,
    serve_until_cancelled,
)


def test_each_api_names_its_own_targets() -> None:
    faults = ShopFaults()
    assert faults.targets == frozenset({"orders"})
    with pytest.raises(ValueError, match="unknown fault targets"):
        ShopFaults(targets={"pricer"})
    with pytest.raises(ValueError, match="unknown fault target 'pricer'"):
        faults.inject("error", target="pricer")
    with pytest.raises(ValueError, match="unknown fault target"):
        faults.update({"inject": [{"kind": "error", "target": "pricer"}]})
    faults.update({"targets": ["login", "orders"]})
    assert faults.targets == frozenset({"login", "orders"})


def test_the_bare_kit_class_knows_no_targets() -> None:
    faults = Faults()
    assert faults.targets == frozenset()
    assert faults.next_fault("anything", random.Random(0)) is None
    with pytest.raises(ValueError, match="unknown fault target"):
        faults.inject("drop", target="anything")


def test_the_new_kinds_exist() -> None:
    assert {"drop_after", "partial"} <= FAULT_KINDS


async def test_admin_faults_and_rate_limit(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    url = f"{shop.url}/_sandbox"
    change = {"error_rate": 0.5, "inject": [{"kind": "partial", "target": "login"}]}
    async with session.post(f"{url}/faults", json=change) as response:
        assert response.status == 200
        assert (await response.json())["scripted"] == [{"kind": "partial", "target": "login"}]
    for bad in ({"latency": 1e9}, {"targets": ["pricer"]}, [1]):
        async with session.post(f"{url}/faults", json=bad) as response:
            assert response.status == 400
            assert (await response.json())["error"]
    headers = {"Content-Type": "application/json"}
    for raw in (b"{", b"[" * 100_000):
        async with session.post(f"{url}/faults", data=raw, headers=headers) as response:
            assert (response.status, await response.json()) == (
                400,
                {"error": "Malformed JSON body"},
            )
    async with session.post(f"{url}/rate-limit", json={"rate_limit": 3}) as response:
        assert await response.json() == {"rate_limit": 3}
    assert shop.limiter.limit == 3
    async with session.post(f"{url}/rate-limit", json={"rate_limit": 0}) as response:
        assert response.status == 400
    async with session.get(f"{url}/rate-limit") as response:
        assert await response.json() == {"rate_limit": 3}


async def test_the_runner_lifecycle() -> None:
    shop = ShopSandbox()
    with pytest.raises(RuntimeError, match="async with ShopSandbox"):
        _ = shop.url
    async with shop:
        assert shop.url == f"http://127.0.0.1:{shop.port}"
        with pytest.raises(RuntimeError, match="already running"):
            await shop.start()
        with pytest.raises(OSError, match="address already in use"):
            await ShopSandbox(port=shop.port).start()
    await shop.stop()


async def test_a_stopped_sandbox_is_freed(session: aiohttp.ClientSession) -> None:
    """aiohttp's module-level middleware cache must not keep stopped sandboxes alive."""
    apps = []
    for _ in range(3):
        async with ShopSandbox() as shop:
            assert shop._runner is not None
            apps.append(weakref.ref(shop._runner.app))
            async with session.post(f"{shop.url}/login", json={}) as response:
                assert response.status == 200  # served: aiohttp has cached its handler
    gc.collect()
    assert [app() for app in apps] == [None, None, None]


async def test_serve_until_cancelled(session: aiohttp.ClientSession) -> None:
    ready: asyncio.Future[ShopSandbox] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve_until_cancelled(ShopSandbox(), ready.set_result))
    shop = await asyncio.wait_for(ready, timeout=5)
    async with session.post(f"{shop.url}/login", json={}) as response:
        assert response.status == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_cli_flags_become_fault_settings() -> None:
    parser = argparse.ArgumentParser()
    add_server_arguments(parser, default_port=9, default_rate_limit=5, rate_limit_help="per s")
    args = parser.parse_args(["--latency", "0.5", "--drop-rate", "0.1"])
    assert (args.host, args.port, args.rate_limit) == ("127.0.0.1", 9, 5)
    settings = fault_settings(args)
    assert settings == {"latency": 0.5, "error_rate": 0.0, "drop_rate": 0.1, "throttle_rate": 0.0}
    assert ShopFaults(**settings).drop_rate == 0.1
    with pytest.raises(SystemExit):  # argparse refuses it, naming --latency
        parser.parse_args(["--latency", "1e9"])
    with pytest.raises(ValueError, match="latency"):
        ShopFaults(latency=1e9)


def test_the_kit_imports_no_api_package() -> None:
    for source in Path(kit.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                # Within the kit, plus the core's input checks (standard library only).
                inside = node.level <= 1 or (node.level == 2 and node.module == "_validate")
                assert inside, f"{source.name} imports from outside the kit"
                modules = [node.module or ""] if node.level == 0 else []
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in {"convious", "convictional_async", "msgspec"}


def test_kit_all_is_sorted_and_complete() -> None:
    assert kit.__all__ == sorted(
        kit.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n)
    )
    public = {name for name in vars(kit) if not name.startswith("_")} - {"annotations"}
    assert {n for n in public if not isinstance(getattr(kit, n), type(kit))} <= set(kit.__all__)
