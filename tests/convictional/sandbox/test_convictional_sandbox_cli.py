"""``convictional sandbox``: flags reach the server; a real process serves and stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
from typing import Any

import aiohttp
import pytest

import convictional_async.sandbox
from convictional_async._cli import main


def test_flags_are_passed_to_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def fake_serve(config: Any, **kwargs: Any) -> None:
        seen.update(kwargs, config=config)

    monkeypatch.setattr(convictional_async.sandbox, "serve", fake_serve)
    argv = ["sandbox", "--port", "0", "--no-rate-limit", "--products", "10", "--errors", "new"]
    assert main([*argv, "--legacy-products", "--latency", "0.5"]) == 0
    config = seen["config"]
    assert (config.rate_limit, config.products, config.errors) == (None, 10, "new")
    assert config.legacy_products is True
    assert (seen["port"], seen["faults"].latency) == (0, 0.5)
    assert main(["sandbox", "--order-create-response", "id_text"]) == 0
    assert (seen["config"].rate_limit, seen["port"]) == (5, 8080)
    assert seen["config"].order_create_response == "id_text"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--rate-limit", "0"], "argument --rate-limit: must be an integer from 1 to 100000"),
        (["--latency", "1e9"], "argument --latency: must be a number"),
        (["--products", "-1"], "products"),
    ],
)
def test_invalid_flags_are_refused_before_serving(
    capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    assert exit_status(["sandbox", "--port", "0", *flags]) == 2
    assert message in capsys.readouterr().err


def exit_status(argv: list[str]) -> int | str | None:
    """``main``'s status, also when argparse or the server exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_bad_port_is_one_argparse_error_naming_the_flag(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    assert exit_status(["sandbox", "--port", port]) == 2
    assert "argument --port:" in capsys.readouterr().err


def test_a_port_in_use_is_one_line_and_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = exit_status(["sandbox", "--port", str(port), "--products", "1"])
    assert status == 1
    assert capsys.readouterr().err == (
        f"convictional sandbox: error: cannot listen on 127.0.0.1:{port}: the port is in use "
        "(pick another --port, or --port 0 for a free one)\n"
    )


async def test_a_real_process_serves_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "convictional_async._cli",
        "sandbox",
        "--port",
        "0",
        "--products",
        "5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        url = re.search(rb"listening on (http://\S+)", first)
        key_line = await asyncio.wait_for(process.stdout.readline(), timeout=5)
        key = re.search(rb"buyer key:\s+(\S+)", key_line)
        assert url is not None, first
        assert key is not None, key_line
        headers = {"Authorization": key.group(1).decode()}
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(f"{url.group(1).decode()}/buyer/products", headers=headers) as response,
        ):
            assert response.status == 200
            assert len((await response.json())["data"]) == 5
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), timeout=10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
