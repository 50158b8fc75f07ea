"""The README's examples run, and CI runs exactly the README's test command."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import convious
from convious.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def block_with(marker: str) -> str:
    (block,) = [b for b in BLOCKS if marker in b]
    return block


@contextmanager
def sandbox_in_a_thread() -> Iterator[dict[str, str]]:
    """A sandbox on 127.0.0.1 served by its own thread and event loop."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    options: dict[str, str] = {}
    stop = asyncio.Event()

    async def serve() -> None:
        async with Sandbox() as sandbox:
            for reference in ("ticket-adult", "ticket-child"):
                sandbox.add_product(reference, reference, max_accepted_price="25.00")
            options.update(sandbox.client_options())
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    try:
        assert ready.wait(10), "the sandbox did not start"
        yield options
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def test_quick_start_runs(monkeypatch, capsys):
    code = block_with("asyncio.run(main())")
    with sandbox_in_a_thread() as options:

        class PointedAtSandbox(convious.ConviousClient):
            def __init__(self, client_id: str, client_secret: str, **kwargs: Any) -> None:
                super().__init__(**options, **kwargs)

        monkeypatch.setattr(convious, "ConviousClient", PointedAtSandbox)
        exec(compile(code, "README quick start", "exec"), {"__name__": "readme"})  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 30 * 2 * 2 + 1  # days x times x products, then one price
    assert printed[0].startswith("2018-04-01 10:00:00 ticket-adult ")


def test_inventory_example_runs(monkeypatch, capsys):
    code = block_with("client.inventory.batcher")
    body = "".join(f"    {line}\n" for line in code.splitlines())
    with sandbox_in_a_thread() as options:

        class PointedAtSandbox(convious.ConviousClient):
            def __init__(self, client_id: str, client_secret: str, **kwargs: Any) -> None:
                super().__init__(**options, **kwargs)

        monkeypatch.setattr(convious, "ConviousClient", PointedAtSandbox)
        namespace: dict[str, Any] = {"__name__": "readme"}
        exec(compile(f"async def example():\n{body}", "README inventory", "exec"), namespace)  # noqa: S102
        asyncio.run(namespace["example"]())
    assert capsys.readouterr().out == ""  # everything was delivered: nothing printed


def test_sandbox_example_runs():
    code = block_with("check_my_integration")
    exec(compile(code, "README sandbox example", "exec"), {"__name__": "readme"})  # noqa: S102


def test_ci_runs_exactly_the_readme_test_command():
    commands = re.findall(r"```sh\n(.*?)\n```", README, flags=re.DOTALL)
    (test_command,) = [c for c in commands if "pytest" in c]
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test_command


@pytest.mark.parametrize("marker", ["convious demo", "pytest"])
def test_both_commands_set_up_a_fresh_virtualenv(marker):
    commands = re.findall(r"```sh\n(.*?)\n```", README, flags=re.DOTALL)
    (command,) = [c for c in commands if marker in c]
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install")


def test_convictional_quick_start_runs_against_the_sandbox(monkeypatch, capsys):
    """The Convictional quick start, as written, against the Convictional sandbox."""
    import convictional_async
    from convictional_async.sandbox import Sandbox as ConvictionalSandbox

    code = block_with("ConvictionalClient(api_key=")
    body = "".join(f"    {line}\n" for line in code.splitlines())

    async def run() -> None:
        async with ConvictionalSandbox() as sandbox:
            real = convictional_async.ConvictionalClient

            class PointedAtSandbox(real):  # type: ignore[misc, valid-type]
                def __init__(self, api_key: str, **kwargs: Any) -> None:
                    super().__init__(sandbox.buyer_key, base_url=sandbox.url, **kwargs)

            monkeypatch.setattr(convictional_async, "ConvictionalClient", PointedAtSandbox)
            namespace: dict[str, Any] = {"__name__": "readme"}
            exec(compile(f"async def example():\n{body}", "README Convictional", "exec"), namespace)  # noqa: S102
            await namespace["example"]()

    asyncio.run(run())
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split(" ", 1)[1] == "[(True, False, False, False)]"  # posted to its seller
    assert printed[-1].startswith("200 ")
